// Small shared pieces: verdict lights and badges, errors, loading states.
import type { AppError } from "../bindings";

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

function title(code: string): string {
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
      return "Check the input";
    case "conflict":
      return "Not allowed";
    default:
      return "Something went wrong";
  }
}

export function Light({ verdict, title }: { verdict: string; title: string }) {
  return <span className={`light ${verdict.toLowerCase()}`} title={`${verdict}: ${title}`} aria-label={verdict} data-verdict={verdict} />;
}

export function Badge({ verdict }: { verdict: string }) {
  return <span className={`badge ${verdict.toLowerCase()}`}>{verdict}</span>;
}

export function Loading() {
  return <div className="muted loading">Loading…</div>;
}
