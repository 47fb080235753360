// Import: choose a CSV (native dialog, or type a path), preview it, import
// with a progress bar; errors list each bad cell by line and column.
import { useState } from "react";
import { Channel } from "@tauri-apps/api/core";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, CsvPreview, ImportOutcome, ImportProgress, ImportKind } from "../bindings";
import { formatMoney } from "../lib/format";
import { ErrorBanner } from "./common";

export function ImportView({ onImported }: { onImported: () => void }) {
  const [path, setPath] = useState("");
  const [what, setWhat] = useState<ImportKind>("observations");
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [outcome, setReport] = useState<ImportOutcome | null>(null);
  const report = outcome?.report ?? null;
  const costs = outcome?.costs ?? null;
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (p: string) => {
    setPath(p);
    setReport(null);
    setError(null);
    setPreview(null);
    if (!p) return;
    try {
      const first = p.split(";")[0].trim();
      if (first.endsWith(".gz")) {
        setWhat("focus"); // compressed FOCUS export: no text preview
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
            use_cases.csv, observations.csv, incidents.csv, units, and FOCUS cost exports (CSV or .csv.gz; several files separated by “;”) as FORMATS.md
            defines them. All or nothing: any bad cell rejects the whole import, named by file, line and column.
          </div>
        </div>
      </div>
      <div className="card">
        <div className="row">
          <button onClick={choose} disabled={busy}>
            Choose CSV…
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
          <button className="primary" onClick={run} disabled={busy || !path} data-testid="import-run">
            Import
          </button>
        </div>
        {progress && (busy || report) && (
          <div className="progress" aria-label="Import progress">
            <div className="bar" style={{ width: `${pct}%` }} />
            <span className="small">
              {pct}% · {progress.rows.toLocaleString("en-US")} rows
            </span>
          </div>
        )}
      </div>
      {error && <ErrorBanner error={error} />}
      {report && (
        <div className="notice" data-testid="import-report">
          Imported {report.rows.toLocaleString("en-US")} rows from {report.file}: {report.added.toLocaleString("en-US")} added, {report.replaced.toLocaleString("en-US")} replaced.
          {report.ignored_columns.length > 0 && ` Ignored columns: ${report.ignored_columns.join(", ")}.`}
          {costs && (
            <div data-testid="focus-report">
              FOCUS: {costs.files.length} file{costs.files.length === 1 ? "" : "s"}, {costs.rows.toLocaleString("en-US")} charges, total {formatMoney(costs.total)} {costs.currency} ({costs.cost_column}),{" "}
              {costs.billing_periods.length} billing period{costs.billing_periods.length === 1 ? "" : "s"}; weekly spend changed in {costs.spend_weeks_changed} use-case weeks (mapping v{costs.mapping_version}). See
              allocated and unallocated cost with <code>capcall costs</code>.
            </div>
          )}
        </div>
      )}
      {preview && (
        <div className="card">
          <h3>
            Preview of {preview.file} ({(preview.total_bytes / 1024).toFixed(1)} KiB){preview.looks_like ? ` — looks like ${preview.looks_like}` : ""}
          </h3>
          <div className="scroll-x">
            <table className="grid compact">
              <thead>
                <tr>
                  <th>line</th>
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
    </div>
  );
}

// Let the report render before the rest of the app refreshes.
function onImportedLater(f: () => void) {
  setTimeout(f, 1500);
}
