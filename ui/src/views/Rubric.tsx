// Rubric settings: the current thresholds (editable: saving writes a new
// version) and every version with what changed.
import { useEffect, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, RubricSettings, RubricVersion } from "../bindings";
import { ErrorBanner, Loading } from "./common";

const LABELS: Record<string, string> = {
  value_ci_low_min: "Value: stat-sig needs mean CI low above",
  slo_window_days: "SLOs: trailing window (days)",
  slo_headroom_pct: "SLOs: headroom, p95 ≤ % of SLO",
  slo_chronic_breach_pct: "SLOs: chronic when more than % of rows breach",
  slo_workoff_days: "SLOs: Hold work-off due within (days)",
  safety_window_days: "Safety: privacy incident window (days)",
  econ_expand_variance_pct: "Economics: Expand within ±% of forecast",
  econ_hold_variance_pct: "Economics: Hold within ±% of forecast",
  econ_min_levers: "Economics: cost levers needed for Hold",
  adoption_window_days: "Adoption: trailing window (days)",
  adoption_expand_task_success_pct: "Adoption: Expand needs task success above %",
  adoption_retire_dau_pct: "Adoption: Retire below % of target DAU",
  adoption_retire_task_success_pct: "Adoption: Retire below % task success",
  overall_retire_min: "Overall: Retire when this many dimensions are Retire",
};

export function RubricView({ onChanged }: { onChanged: () => void }) {
  const [versions, setVersions] = useState<RubricVersion[] | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [note, setNote] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const load = () =>
    call(commands.rubricVersions())
      .then((v) => {
        setVersions(v);
        setDraft({ ...(v[v.length - 1].settings as unknown as Record<string, string>) });
      })
      .catch((e) => setError(errorOf(e)));
  useEffect(() => {
    load();
  }, []);

  if (!versions) return error ? <ErrorBanner error={error} /> : <Loading />;
  const current = versions[versions.length - 1];
  const settings = current.settings as unknown as Record<string, string>;
  const changes = Object.keys(settings)
    .filter((k) => draft[k] !== settings[k])
    .map((k) => ({ key: k, value: draft[k] }));

  const save = async () => {
    setError(null);
    try {
      const v = await call(commands.setRubric(changes, note));
      setSaved(`Saved as ${v.name} (version ${v.version}). Scores now use it; older scenarios keep theirs.`);
      setNote("");
      await load();
      onChanged();
    } catch (e) {
      setError(errorOf(e));
    }
  };

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Rubric</h1>
          <div className="muted">
            Current: {current.name} (version {current.version}). Editing writes a new version; past versions never change, so every past verdict can be re-derived.
          </div>
        </div>
      </div>
      {error && <ErrorBanner error={error} />}
      {saved && <div className="notice">{saved}</div>}
      <div className="card">
        <table className="grid compact">
          <thead>
            <tr>
              <th>Setting</th>
              <th>Key</th>
              <th className="num">Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.keys(settings).map((k) => (
              <tr key={k} className={draft[k] !== settings[k] ? "changed" : ""}>
                <td>{LABELS[k] ?? k}</td>
                <td className="muted mono">{k}</td>
                <td className="num">
                  <input className="num-input" value={draft[k] ?? ""} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} aria-label={k} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="row">
          <input className="grow" placeholder="Why (recorded with the version)" value={note} onChange={(e) => setNote(e.target.value)} aria-label="Note" />
          <button onClick={() => setDraft({ ...settings })} disabled={changes.length === 0}>
            Discard
          </button>
          <button className="primary" onClick={save} disabled={changes.length === 0}>
            Save as new version ({changes.length} change{changes.length === 1 ? "" : "s"})
          </button>
        </div>
      </div>
      <div className="card">
        <h3>Versions</h3>
        <table className="grid compact">
          <thead>
            <tr>
              <th>Version</th>
              <th>Name</th>
              <th>By</th>
              <th>At</th>
              <th>Changed from previous</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {[...versions].reverse().map((v, i, all) => {
              const prev = all[i + 1]?.settings as RubricSettings | undefined;
              const diff = prev
                ? Object.entries(v.settings as unknown as Record<string, string>)
                    .filter(([k, val]) => (prev as unknown as Record<string, string>)[k] !== val)
                    .map(([k, val]) => `${k}: ${(prev as unknown as Record<string, string>)[k]} → ${val}`)
                : ["default (PRODUCT.md)"];
              return (
                <tr key={v.version}>
                  <td>v{v.version}</td>
                  <td>{v.name}</td>
                  <td>{v.created_by}</td>
                  <td>{v.created_at}</td>
                  <td className="small">{diff.join("; ")}</td>
                  <td className="small">{v.note}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
