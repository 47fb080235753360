// Small shared pieces: verdict lights and badges, errors, loading states.
import type { AppError, Code } from "../bindings";

export function ErrorBanner({ error, onClose }: { error: AppError; onClose?: () => void }) {
  return (
    <div className="error" role="alert" data-code={error.code}>
      <div>
        <strong>{title(error.code)}</strong>
        <pre className="error-message">{error.message}</pre>
      </div>
      {onClose && (
        <button className="ghost" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

/** A heading per error code; exhaustive, so a new code fails the type check. */
export function title(code: Code): string {
  switch (code) {
    case "import_invalid":
      return "Import rejected — nothing was written";
    case "locked":
      return "Portfolio is open elsewhere";
    case "db_too_new":
      return "Portfolio is from a newer Capcall";
    case "scenario_invalid":
    case "invalid_input":
    case "money":
    case "rubric_invalid":
      return "Check the input";
    case "conflict":
      return "Not allowed";
    case "not_found":
      return "Not found";
    case "exists":
      return "Already exists";
    case "not_a_portfolio":
      return "Not a Capcall portfolio";
    case "read_only":
      return "Portfolio is read-only";
    case "disk_full":
      return "The disk is full — nothing was written";
    case "no_portfolio":
      return "No portfolio open";
    case "busy":
      return "Busy — try again";
    case "io":
      return "Could not read or write a file";
    case "database":
    case "internal":
      return "Something went wrong";
    default: {
      const unknown: never = code;
      return `Something went wrong (${String(unknown)})`;
    }
  }
}

export function Light({ verdict, title }: { verdict: string; title: string }) {
  return <span className={`light ${verdict.toLowerCase()}`} title={`${verdict}: ${title}`} aria-label={verdict} data-verdict={verdict} />;
}

export function Badge({ verdict }: { verdict: string }) {
  return <span className={`badge ${verdict.toLowerCase()}`}>{verdict}</span>;
}

/**
 * A workflow state (decisions, scenarios, plans). Never a verdict's word or
 * colour: states are outlined chips with their own shapes (◇ draft, ◆
 * proposed, ✓ approved, ✕ rejected, ↷ superseded) in neutral ink.
 */
export function StateBadge({ state, testid }: { state: string; testid?: string }) {
  const key = state.toLowerCase();
  const mark: Record<string, string> = { draft: "◇", proposed: "◆", approved: "✓", rejected: "✕", superseded: "↷" };
  return (
    <span className={`state state-${key}`} data-state={state}>
      <span aria-hidden="true">{mark[key] ?? "•"}</span> <span data-testid={testid}>{state}</span>
    </span>
  );
}

export function Loading() {
  return <div className="muted loading">Loading…</div>;
}

/** A filter select: "all" (the empty value) then each choice. Shared by the board and the scenario grid. */
export function ChoiceFilter({ value, onChange, label, all, choices, testid }: { value: string; onChange: (v: string) => void; label: string; all: string; choices: readonly (string | readonly [string, string])[]; testid?: string }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} data-testid={testid}>
      <option value="">{all}</option>
      {choices.map((c) => {
        const [v, text] = typeof c === "string" ? [c, c] : c;
        return (
          <option key={v} value={v}>
            {text}
          </option>
        );
      })}
    </select>
  );
}
