// The cost mapping editor: which imported costs belong to which use case.
// The rules are data in the portfolio (versioned, audited); an edit is
// previewed (cost per use case before, after, difference; unallocated before
// and after, computed by the store) and applied with a reason.
import { useEffect, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, Mapping, MappingPreview, MappingView, Rule } from "../bindings";
import { formatMoney, formatTimestamp, plural } from "../lib/format";
import { ErrorBanner, Loading } from "./common";

const blank: Rule = { tag_key: "", tag_value: "", use_case: "" };

export function CostMapping() {
  const [view, setView] = useState<MappingView | null>(null);
  const [draft, setDraft] = useState<Mapping | null>(null);
  const [adding, setAdding] = useState<Rule>(blank);
  const [preview, setPreview] = useState<MappingPreview | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const v = await call(commands.costMapping());
      setView(v);
      setDraft(v.current.mapping);
      setAdding({ ...blank, tag_key: v.current.mapping.tag_key });
      setPreview(null);
    } catch (e) {
      setError(errorOf(e));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  if (!view || !draft) return error ? <ErrorBanner error={error} /> : <Loading />;

  const edit = (m: Mapping) => {
    setDraft(m);
    setPreview(null);
    setNotice(null);
  };
  const setRule = (i: number, r: Rule) => edit({ ...draft, rules: draft.rules.map((x, j) => (j === i ? r : x)) });
  const removeRule = (i: number) => edit({ ...draft, rules: draft.rules.filter((_, j) => j !== i) });
  const addRule = () => {
    edit({ ...draft, rules: [...draft.rules, adding] });
    setAdding({ ...blank, tag_key: draft.tag_key });
  };
  const changed = JSON.stringify(draft) !== JSON.stringify(view.current.mapping);

  const runPreview = async () => {
    setBusy(true);
    setError(null);
    try {
      setPreview(await call(commands.previewMapping(draft)));
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call(commands.setMapping(draft, reason));
      setReason("");
      await load();
      setNotice(`Mapping version ${r.version} applied: ${plural(r.rules_changed, "rule change")}; weekly spend changed in ${plural(r.spend_weeks_changed, "use-case week")}.`);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };

  const useCaseSelect = (value: string, onChange: (v: string) => void, label: string) => (
    <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label}>
      <option value="">— use case —</option>
      {view.use_cases.map((id, k) => (
        <option key={id} value={id} title={id}>
          {view.use_case_names[k] ?? id}
        </option>
      ))}
    </select>
  );
  const nameOf = new Map(view.use_cases.map((id, k) => [id, view.use_case_names[k] ?? id]));
  const costs = view.costs;
  const moved = preview?.use_cases.filter((m) => m.moved) ?? [];

  return (
    <div className="card" data-testid="cost-mapping">
      <h3>Cost mapping</h3>
      <div className="muted small">
        Version {view.current.version}
        {view.current.created_by ? ` by ${view.current.created_by} at ${formatTimestamp(view.current.created_at)}` : " (default)"}. Explicit rules first, in order; then the tag
        key’s value, slugified, when it is a use case id; otherwise the cost is unallocated. Imported total {formatMoney(costs.total)} {costs.currency}, of which{" "}
        <b data-testid="mapping-unallocated">{formatMoney(costs.unallocated)}</b> unallocated.
      </div>
      <div className="row">
        <label className="field">
          Default tag key{" "}
          <input className="text-input" value={draft.tag_key} onChange={(e) => edit({ ...draft, tag_key: e.target.value })} aria-label="Default tag key" data-testid="mapping-tag-key" />
        </label>
      </div>
      <table className="grid compact" data-testid="mapping-rules">
        <thead>
          <tr>
            <th>tag key</th>
            <th>tag value</th>
            <th>use case</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {draft.rules.map((r, i) => (
            <tr key={i}>
              <td>
                <input className="text-input" value={r.tag_key} onChange={(e) => setRule(i, { ...r, tag_key: e.target.value })} aria-label={`Rule ${i + 1} tag key`} />
              </td>
              <td>
                <input className="text-input" value={r.tag_value} onChange={(e) => setRule(i, { ...r, tag_value: e.target.value })} aria-label={`Rule ${i + 1} tag value`} />
              </td>
              <td>{useCaseSelect(r.use_case, (v) => setRule(i, { ...r, use_case: v }), `Rule ${i + 1} use case`)}</td>
              <td>
                <button onClick={() => removeRule(i)} aria-label={`Remove rule ${i + 1}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          <tr>
            <td>
              <input className="text-input" placeholder="tag key" value={adding.tag_key} onChange={(e) => setAdding({ ...adding, tag_key: e.target.value })} aria-label="New rule tag key" data-testid="rule-new-key" />
            </td>
            <td>
              <input className="text-input" placeholder="tag value" value={adding.tag_value} onChange={(e) => setAdding({ ...adding, tag_value: e.target.value })} aria-label="New rule tag value" data-testid="rule-new-value" />
            </td>
            <td>{useCaseSelect(adding.use_case, (v) => setAdding({ ...adding, use_case: v }), "New rule use case")}</td>
            <td>
              <button onClick={addRule} disabled={!adding.tag_key.trim() || !adding.tag_value.trim() || !adding.use_case} data-testid="rule-add">
                Add rule
              </button>
            </td>
          </tr>
        </tbody>
      </table>
      {costs.unallocated_by_tag_value.length > 0 && (
        <div className="small" data-testid="mapping-unallocated-values">
          <span className="muted">Largest unallocated by “{costs.tag_key}”: </span>
          {costs.unallocated_by_tag_value.slice(0, 6).map((u, i) => (
            <span key={i}>
              {i > 0 && " · "}
              {u.tag_value !== null ? (
                <button className="link" onClick={() => setAdding({ tag_key: costs.tag_key, tag_value: u.tag_value ?? "", use_case: adding.use_case })} title="Start a rule for this value">
                  {u.tag_value}
                </button>
              ) : (
                <span className="muted">(no tag)</span>
              )}{" "}
              {formatMoney(u.cost)}
            </span>
          ))}
        </div>
      )}
      <div className="row">
        <button onClick={runPreview} disabled={busy || !changed} data-testid="mapping-preview">
          Preview the change
        </button>
        <button onClick={() => edit(view.current.mapping)} disabled={busy || !changed}>
          Discard
        </button>
      </div>
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      {notice && <div className="notice">{notice}</div>}
      {preview && (
        <div data-testid="mapping-preview-result">
          <table className="grid compact">
            <thead>
              <tr>
                <th>use case</th>
                <th className="num">before</th>
                <th className="num">after</th>
                <th className="num">difference</th>
              </tr>
            </thead>
            <tbody>
              {moved.map((m) => (
                <tr key={m.id}>
                  <td title={m.id}>{nameOf.get(m.id) ?? m.id}</td>
                  <td className="num">{formatMoney(m.before)}</td>
                  <td className="num">{formatMoney(m.after)}</td>
                  <td className="num">{formatMoney(m.difference)}</td>
                </tr>
              ))}
              <tr>
                <td>
                  <b>unallocated</b>
                </td>
                <td className="num">{formatMoney(preview.unallocated_before)}</td>
                <td className="num" data-testid="mapping-preview-unallocated-after">
                  {formatMoney(preview.unallocated_after)}
                </td>
                <td className="num">{formatMoney(preview.unallocated_difference)}</td>
              </tr>
            </tbody>
          </table>
          <div className="muted small">
            {plural(preview.rules_changed, "rule change")} → version {preview.version + 1}; {moved.length === 0 ? "no use case’s cost moves" : `${plural(moved.length, "use case")} ${moved.length === 1 ? "moves" : "move"}`}. Total{" "}
            {formatMoney(preview.total)} {preview.currency} unchanged.
          </div>
          <div className="row">
            <input className="text-input grow" placeholder="reason (recorded in the audit trail)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Reason for the mapping change" data-testid="mapping-reason" />
            <button className="primary" onClick={apply} disabled={busy || !reason.trim()} data-testid="mapping-apply">
              Apply
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
