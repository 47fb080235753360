// Rubric settings: the current thresholds (editable: saving writes a new
// version) and every version with what changed.
import { useEffect, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, RubricVersion, SettingInfo } from "../bindings";
import { ErrorBanner, Loading } from "./common";
import { formatTimestamp } from "../lib/format";


export function RubricView({ onChanged }: { onChanged: () => void }) {
  const [versions, setVersions] = useState<RubricVersion[] | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [note, setNote] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // Labels and ranges come from the core (RubricSettings::info), written once.
  const [info, setInfo] = useState<SettingInfo[]>([]);
  const [userName, setUserName] = useState("");
  const [nameSaved, setNameSaved] = useState<string | null>(null);

  const load = () =>
    call(commands.rubricVersions())
      .then((v) => {
        setVersions(v);
        setDraft({ ...(v[v.length - 1].settings as unknown as Record<string, string>) });
      })
      .catch((e) => setError(errorOf(e)));
  useEffect(() => {
    load();
    call(commands.rubricSettingsInfo()).then(setInfo).catch((e) => setError(errorOf(e)));
    call(commands.userName()).then(setUserName).catch(() => {});
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
      <div className="card" data-testid="settings">
        <h3>You</h3>
        <div className="row">
          <label className="field inline">
            Your name (on approvals and in the audit trail)
            <input value={userName} onChange={(e) => setUserName(e.target.value)} aria-label="Your name" data-testid="user-name" />
          </label>
          <button
            onClick={() =>
              call(commands.setUserName(userName))
                .then((n) => {
                  setUserName(n);
                  setNameSaved(`Recorded as ${n} from now on.`);
                })
                .catch((e) => setError(errorOf(e)))
            }
            data-testid="user-name-save"
          >
            Save
          </button>
          {nameSaved && <span className="muted small">{nameSaved}</span>}
        </div>
      </div>
      <div className="card">
        <table className="grid compact">
          <thead>
            <tr>
              <th>Setting</th>
              <th>Key</th>
              <th className="num">Value</th>
              <th className="num">Range</th>
            </tr>
          </thead>
          <tbody>
            {(info.length ? info.map((i) => i.key) : Object.keys(settings)).map((k) => {
              const meta = info.find((i) => i.key === k);
              return (
              <tr key={k} className={draft[k] !== settings[k] ? "changed" : ""}>
                <td>{meta?.label ?? k}</td>
                <td className="muted mono">{k}</td>
                <td className="num">
                  <input className="num-input" value={draft[k] ?? ""} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} aria-label={k} />
                </td>
                <td className="num muted small">{meta ? `${meta.min} … ${meta.max}` : ""}</td>
              </tr>
              );
            })}
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
              const prev = all[i + 1]?.settings as RubricVersion["settings"] | undefined;
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
                  <td className="nowrap">{formatTimestamp(v.created_at)}</td>
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
