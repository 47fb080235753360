// Import: choose a CSV (native dialog, or type a path), preview it, import
// with a progress bar; errors list each bad cell by line and column.
import { useState } from "react";
import { Channel } from "@tauri-apps/api/core";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, CsvPreview, ImportProgress, ImportReport, ImportWhat } from "../bindings";
import { ErrorBanner } from "./common";

export function ImportView({ onImported }: { onImported: () => void }) {
  const [path, setPath] = useState("");
  const [what, setWhat] = useState<ImportWhat>("observations");
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (p: string) => {
    setPath(p);
    setReport(null);
    setError(null);
    setPreview(null);
    if (!p) return;
    try {
      const pv = await call(commands.previewCsv(p));
      setPreview(pv);
      if (pv.looks_like === "observations" || pv.looks_like === "use-cases") setWhat(pv.looks_like);
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
          <div className="muted">use_cases.csv and observations.csv as FORMATS.md defines them. All or nothing: any bad cell rejects the whole file.</div>
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
          <select value={what} onChange={(e) => setWhat(e.target.value as ImportWhat)} aria-label="File kind">
            <option value="use-cases">use_cases.csv</option>
            <option value="observations">observations.csv</option>
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
