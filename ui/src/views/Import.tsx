// Import: choose a CSV (native dialog, or type a path), preview it, import
// with a progress bar; errors list each bad cell by line and column. FOCUS
// cost exports (CSV, .csv.gz, Parquet; several at once) are previewed as the
// store would import them (a dry run, rolled back) before Import commits.
import { useState } from "react";
import { Channel } from "@tauri-apps/api/core";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, CsvPreview, FocusPreview, ImportOutcome, ImportProgress, ImportKind } from "../bindings";
import { formatMoney, plural } from "../lib/format";
import { ErrorBanner } from "./common";
import { CostMapping } from "./Mapping";

const isFocusBinary = (p: string) => /\.(gz|parquet)$/i.test(p);

/** `onImported`: the data changed (the screens reload, after the report has shown); `onSummary`: refresh the header's counts now. */
export function ImportView({ onImported, onSummary }: { onImported: () => void; onSummary: () => void }) {
  const [path, setPath] = useState("");
  const [what, setWhat] = useState<ImportKind>("observations");
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [outcome, setReport] = useState<ImportOutcome | null>(null);
  const report = outcome?.report ?? null;
  const costs = outcome?.costs ?? null;
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [focusPreview, setFocusPreview] = useState<FocusPreview | null>(null);
  const [previewedPath, setPreviewedPath] = useState<string | null>(null);
  const [mappingKey, setMappingKey] = useState(0);

  const load = async (p: string) => {
    setPath(p);
    setReport(null);
    setError(null);
    setPreview(null);
    setFocusPreview(null);
    setPreviewedPath(null);
    if (!p) return;
    try {
      const first = p.split(";")[0].trim();
      if (isFocusBinary(first) || p.includes(";")) {
        setWhat("focus"); // compressed, Parquet or several FOCUS files: no text preview
        return;
      }
      const pv = await call(commands.previewCsv(first));
      setPreview(pv);
      const kinds: Record<string, ImportKind> = { observations: "observations", "use-cases": "use-cases", incidents: "incidents", units: "units", focus: "focus" };
      if (pv.looks_like && kinds[pv.looks_like]) setWhat(kinds[pv.looks_like]);
    } catch (e) {
      setError(errorOf(e));
    }
  };

  const choose = async () => {
    const p = await call(commands.pickCsv()).catch((e) => {
      setError(errorOf(e));
      return null;
    });
    if (p) await load(p);
  };

  const chooseFocus = async () => {
    const files = await call(commands.pickFocusFiles()).catch((e) => {
      setError(errorOf(e));
      return null;
    });
    if (files && files.length > 0) await load(files.join("; "));
  };

  const dryRun = async () => {
    setBusy(true);
    setError(null);
    setReport(null);
    setFocusPreview(null);
    setProgress({ bytes_read: 0, total_bytes: preview?.total_bytes ?? 0, rows: 0 });
    const channel = new Channel<ImportProgress>();
    channel.onmessage = (p) => setProgress(p);
    try {
      const r = await call(commands.previewFocus(path, channel));
      setFocusPreview(r);
      setPreviewedPath(path);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };

  const focusNeedsPreview = what === "focus" && previewedPath !== path;

  const run = async () => {
    setBusy(true);
    setError(null);
    setReport(null);
    setProgress({ bytes_read: 0, total_bytes: preview?.total_bytes ?? 0, rows: 0 });
    const channel = new Channel<ImportProgress>();
    channel.onmessage = (p) => setProgress(p);
    try {
      const r = await call(commands.importCsv(what, path, channel));
      setReport(r);
      setFocusPreview(null);
      setPreviewedPath(null);
      setMappingKey((k) => k + 1);
      onSummary();
      onImportedLater(onImported);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };

  const pct = progress && progress.total_bytes > 0 ? Math.round((progress.bytes_read / progress.total_bytes) * 100) : 0;
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Import</h1>
          <div className="muted">
            use_cases.csv, observations.csv, incidents.csv, units, and FOCUS cost exports (CSV, .csv.gz or Parquet; several files separated by “;”) as
            FORMATS.md defines them. All or nothing: any bad cell rejects the whole import, named by file, line (or row group and row) and column. A FOCUS
            import is previewed first.
          </div>
        </div>
      </div>
      <div className="card">
        <div className="row">
          <button onClick={choose} disabled={busy}>
            Choose CSV…
          </button>
          <button onClick={chooseFocus} disabled={busy} data-testid="choose-focus">
            Choose FOCUS files…
          </button>
          <input
            className="grow"
            placeholder="or type the path of a CSV file"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            onKeyDown={(e) => e.key === "Enter" && load(path)}
            onBlur={() => path && path !== preview?.file && load(path)}
            aria-label="CSV path"
            data-testid="import-path"
          />
          <select value={what} onChange={(e) => setWhat(e.target.value as ImportKind)} aria-label="File kind">
            <option value="use-cases">use_cases.csv</option>
            <option value="observations">observations.csv</option>
            <option value="incidents">incidents.csv</option>
            <option value="units">units (use_case, period_start, units)</option>
            <option value="focus">FOCUS cost export(s)</option>
          </select>
          {what === "focus" && (
            <button className={focusNeedsPreview ? "primary" : ""} onClick={dryRun} disabled={busy || !path} data-testid="focus-preview-run">
              Preview
            </button>
          )}
          <button
            className={focusNeedsPreview ? "" : "primary"}
            onClick={run}
            disabled={busy || !path || focusNeedsPreview}
            title={focusNeedsPreview ? "Preview the FOCUS import first" : undefined}
            data-testid="import-run"
          >
            Import
          </button>
        </div>
        {progress && (busy || report) && (
          <div className="progress" aria-label="Import progress">
            <div className="bar" style={{ width: `${pct}%` }} />
            <span className="small">
              {pct}% · {plural(progress.rows, "row")}
            </span>
          </div>
        )}
      </div>
      {error && <ErrorBanner error={error} />}
      {report && (
        <div className="notice" data-testid="import-report">
          Imported {plural(report.rows, "row")} from {report.file}: {report.added.toLocaleString("en-US")} added, {report.replaced.toLocaleString("en-US")} replaced.
          {report.ignored_columns.length > 0 && ` Ignored columns: ${report.ignored_columns.join(", ")}.`}
          {costs && (
            <div data-testid="focus-report">
              FOCUS: {costs.files.length} file{costs.files.length === 1 ? "" : "s"}, {costs.rows.toLocaleString("en-US")} charges, total {formatMoney(costs.total)} {costs.currency} ({costs.cost_column}),{" "}
              {costs.billing_periods.length} billing period{costs.billing_periods.length === 1 ? "" : "s"}; weekly spend changed in {plural(costs.spend_weeks_changed, "use-case week")} (mapping v{costs.mapping_version}). The board
              shows spend against budget from it; the cost mapping below shows what is unallocated.
            </div>
          )}
        </div>
      )}
      {focusPreview && <FocusPreviewCard preview={focusPreview} />}
      {preview && (
        <div className="card">
          <h3>
            Preview of {preview.file} ({(preview.total_bytes / 1024).toFixed(1)} KiB){preview.looks_like ? ` — looks like ${preview.looks_like}` : ""}
          </h3>
          <div className="scroll-x raw-preview">
            <table className="grid compact">
              <thead>
                <tr>
                  <th>Line</th>
                  {preview.header.map((h, i) => (
                    <th key={i}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r, i) => (
                  <tr key={i}>
                    <td className="muted">{i + 2}</td>
                    {r.map((c, j) => (
                      <td key={j}>{c}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      <CostMapping key={mappingKey} />
    </div>
  );
}

/** What a FOCUS import would do: nothing is written until Import. */
function FocusPreviewCard({ preview }: { preview: FocusPreview }) {
  const { import: imp, costs } = preview;
  return (
    <div className="card" data-testid="focus-preview">
      <h3>
        Preview: {imp.files.length} file{imp.files.length === 1 ? "" : "s"}, {imp.rows.toLocaleString("en-US")} charges, {imp.billing_periods.length} billing period
        {imp.billing_periods.length === 1 ? "" : "s"} — nothing written yet
      </h3>
      <div className="muted small">
        {imp.cost_column} in {imp.currency}; mapping v{costs.mapping_version} (tag key “{costs.tag_key}”).{" "}
        {imp.billing_periods.some((b) => b.replaced) && "Replaces billing periods imported before (same account and period). "}
        Import commits exactly this.
      </div>
      <div className="row" style={{ alignItems: "flex-start", flexWrap: "wrap", gap: 24 }}>
        <table className="grid compact" data-testid="focus-preview-use-cases">
          <thead>
            <tr>
              <th>use case</th>
              <th className="num">cost</th>
            </tr>
          </thead>
          <tbody>
            {costs.use_cases.map((u) => (
              <tr key={u.id}>
                <td>{u.id}</td>
                <td className="num">{formatMoney(u.cost)}</td>
              </tr>
            ))}
            <tr>
              <td>
                <b>unallocated</b>
                {preview.unallocated_pct !== null && <span className="muted"> ({preview.unallocated_pct}% of the total)</span>}
              </td>
              <td className="num" data-testid="focus-preview-unallocated">
                {formatMoney(costs.unallocated)}
              </td>
            </tr>
            <tr className="total">
              <td>total</td>
              <td className="num" data-testid="focus-preview-total">
                {formatMoney(costs.total)}
              </td>
            </tr>
          </tbody>
        </table>
        {costs.unallocated_by_tag_value.length > 0 && (
          <table className="grid compact" data-testid="focus-preview-tag-values">
            <thead>
              <tr>
                <th>unallocated by “{costs.tag_key}”</th>
                <th className="num">cost</th>
              </tr>
            </thead>
            <tbody>
              {costs.unallocated_by_tag_value.slice(0, 8).map((u) => (
                <tr key={u.tag_value ?? ""}>
                  <td>{u.tag_value ?? <span className="muted">(no such tag)</span>}</td>
                  <td className="num">{formatMoney(u.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {costs.unallocated_by_service.length > 0 && (
          <table className="grid compact" data-testid="focus-preview-services">
            <thead>
              <tr>
                <th>unallocated by service</th>
                <th className="num">cost</th>
              </tr>
            </thead>
            <tbody>
              {costs.unallocated_by_service.slice(0, 8).map((u) => (
                <tr key={u.service}>
                  <td>{u.service || <span className="muted">(none)</span>}</td>
                  <td className="num">{formatMoney(u.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

// Let the report render before the rest of the app refreshes.
function onImportedLater(f: () => void) {
  setTimeout(f, 1500);
}
