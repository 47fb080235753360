// Scenario modeller: paths per use case (overrides need a reason), asks,
// returns, floors, caps and sunsets editable; policy, envelope and reserve
// controls; totals and the next capital call recompute on every keystroke
// (pure Rust recompute over IPC); edits save on blur with undo/redo; save,
// clone, compare side by side, approve.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, Comparison, LineInput, Outcome, Params, Path, Policy, ScenarioMeta, ScenarioView } from "../bindings";
import { formatMoney, formatUcr, looksLikeAmount } from "../lib/format";
import { sharedUndo } from "../lib/undo";
import type { LineDrift } from "../bindings";
import { Badge, ErrorBanner, Loading, StateBadge } from "./common";

type MoneyField = "ask_usd" | "floor_usd" | "cap_usd" | "decommission_usd";
type TextField = MoneyField | "return_per_usd" | "reason" | "sunset_date";

const undo = sharedUndo;

function fieldError(field: TextField, text: string): string | null {
  if (text.trim() === "") return null;
  if (field === "return_per_usd") return /^\d*\.?\d+$/.test(text.trim()) ? null : "a decimal number";
  if (field === "sunset_date") return /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? null : "YYYY-MM-DD";
  if (field === "reason") return null;
  return looksLikeAmount(text) ? null : "an amount like 1,200.50";
}

function withText(line: LineInput, field: TextField, text: string): LineInput {
  const v = text.trim() === "" ? null : text.trim();
  return { ...line, [field]: v };
}

export function ScenariosView({ onChanged }: { onChanged: () => void }) {
  const [list, setList] = useState<ScenarioMeta[] | null>(null);
  const [name, setName] = useState<string>("");
  const [view, setView] = useState<ScenarioView | null>(null);
  const [drift, setDrift] = useState<LineDrift[]>([]);
  const [lines, setLines] = useState<LineInput[]>([]);
  const [params, setParams] = useState<Params | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [liveError, setLiveError] = useState<AppError | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [envelopeText, setEnvelopeText] = useState("");
  const [reserveText, setReserveText] = useState("");
  const [newName, setNewName] = useState("");
  const [compareWith, setCompareWith] = useState("");
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [, setTick] = useState(0);
  const seq = useRef(0);

  const loadList = useCallback(async (select?: string) => {
    try {
      const l = await call(commands.scenarios());
      setList(l);
      const pick = select ?? (l.find((s) => s.status === "draft") ?? l[0])?.name ?? "";
      setName((n) => (select ? select : n || pick));
    } catch (e) {
      setError(errorOf(e));
    }
  }, []);

  const apply = (v: ScenarioView) => {
    setView(v);
    // A draft shows which of its lines the portfolio changed under it.
    if (v.scenario.meta.status === "draft")
      call(commands.scenarioDrift(v.scenario.meta.name))
        .then(setDrift)
        .catch(() => setDrift([]));
    else setDrift([]);
    setLines(v.scenario.lines);
    setParams(v.scenario.meta.params);
    setOutcome(v.outcome);
    setEnvelopeText(formatMoney(v.scenario.meta.params.envelope_usd));
    setReserveText(v.scenario.meta.params.reserve_pct);
    setLiveError(null);
  };

  useEffect(() => {
    loadList();
  }, [loadList]);

  useEffect(() => {
    if (!name) return;
    setComparison(null);
    undo.clear();
    call(commands.scenario(name))
      .then(apply)
      .catch((e) => setError(errorOf(e)));
  }, [name]);

  // Live recompute: every keystroke sends the edited inputs to the pure engine.
  const recompute = useCallback((ls: LineInput[], ps: Params) => {
    const mine = ++seq.current;
    call(commands.recompute(ls, ps))
      .then((o) => {
        if (mine === seq.current) {
          setOutcome(o);
          setLiveError(null);
        }
      })
      .catch((e) => mine === seq.current && setLiveError(errorOf(e)));
  }, []);

  const frozen = view?.scenario.meta.status !== "draft";

  const saveLine = async (line: LineInput, previous: LineInput, label: string) => {
    if (JSON.stringify(line) === JSON.stringify(previous)) return;
    try {
      const v = await call(commands.saveLine(name, line));
      apply(v);
      const scenarioName = name;
      undo.push({
        label,
        undo: async () => apply(await call(commands.saveLine(scenarioName, previous))),
        redo: async () => apply(await call(commands.saveLine(scenarioName, line))),
      });
      setTick((t) => t + 1);
    } catch (e) {
      setLiveError(errorOf(e));
    }
  };

  const editLine = (i: number, next: LineInput) => {
    const ls = lines.map((l, j) => (j === i ? next : l));
    setLines(ls);
    if (params) recompute(ls, params);
  };

  const saveParams = async (changes: { policy?: Policy; envelope_usd?: string; reserve_pct?: string }) => {
    if (!params) return;
    const previous = { policy: params.policy, envelope_usd: params.envelope_usd, reserve_pct: params.reserve_pct };
    try {
      const v = await call(commands.saveParams(name, { policy: changes.policy ?? null, envelope_usd: changes.envelope_usd ?? null, reserve_pct: changes.reserve_pct ?? null }));
      apply(v);
      const scenarioName = name;
      undo.push({
        label: "scenario parameters",
        undo: async () => apply(await call(commands.saveParams(scenarioName, previous))),
        redo: async () => apply(await call(commands.saveParams(scenarioName, { policy: changes.policy ?? null, envelope_usd: changes.envelope_usd ?? null, reserve_pct: changes.reserve_pct ?? null }))),
      });
      setTick((t) => t + 1);
    } catch (e) {
      setLiveError(errorOf(e));
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z") return;
      if ((e.target as HTMLElement)?.tagName === "INPUT") return; // the field's own undo
      e.preventDefault();
      (e.shiftKey ? undo.redo() : undo.undo()).then((l) => l && setNotice(`${e.shiftKey ? "Redid" : "Undid"}: ${l}`)).finally(() => setTick((t) => t + 1));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const act = async (f: () => Promise<string>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await f());
      onChanged();
    } catch (e) {
      setError(errorOf(e));
    }
  };

  const byId = useMemo(() => new Map(outcome?.lines.map((l) => [l.use_case, l]) ?? []), [outcome]);

  if (!list) return error ? <ErrorBanner error={error} /> : <Loading />;
  const t = outcome?.totals;
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Scenarios</h1>
          <div className="muted">Move capital from Retire to Expand paths for the next quarter; the next capital call is what the board is asked for.</div>
        </div>
        <div className="row">
          <select value={name} onChange={(e) => setName(e.target.value)} aria-label="Scenario" data-testid="scenario-select">
            {list.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} — {s.status}
              </option>
            ))}
          </select>
          <input placeholder="New or clone name" value={newName} onChange={(e) => setNewName(e.target.value)} aria-label="New scenario name" data-testid="new-name" />
          <button
            disabled={!newName.trim()}
            onClick={() =>
              act(async () => {
                const m = await call(commands.newScenario(newName.trim(), null));
                await loadList(m.name);
                setNewName("");
                return `Created '${m.name}' from the rubric's verdicts as of ${m.as_of}.`;
              })
            }
          >
            New
          </button>
          <button
            disabled={!name}
            data-testid="export-scenario"
            title="One file (author, as-of, rubric, inputs, the budgets it assumed) another portfolio can open"
            onClick={() =>
              act(async () => {
                const f = await call(commands.exportScenarioFile(name, null));
                return f ? `Wrote '${name}' to ${f}.` : "Export cancelled.";
              })
            }
          >
            Export file…
          </button>
          <button
            data-testid="open-scenario"
            onClick={() =>
              act(async () => {
                const o = await call(commands.openScenarioFile(null, newName.trim() || null));
                if (!o) return "Open cancelled.";
                await loadList(o.scenario.meta.name);
                const changes = o.changes.length === 0 ? "nothing changed in this portfolio since" : `${o.changes.length} change${o.changes.length === 1 ? "" : "s"} since: ${o.changes.map((c) => c.message).join("; ")}`;
                return `Opened '${o.scenario.meta.name}' by ${o.author} (exported ${o.exported_at}) as a draft; ${changes}.`;
              })
            }
          >
            Open file…
          </button>
          <button
            disabled={!newName.trim() || !name}
            data-testid="clone"
            onClick={() =>
              act(async () => {
                const m = await call(commands.cloneScenario(name, newName.trim()));
                await loadList(m.name);
                setNewName("");
                return `Cloned to '${m.name}' (a draft).`;
              })
            }
          >
            Clone
          </button>
        </div>
      </div>
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      {notice && <div className="notice" data-testid="notice">{notice}</div>}
      {drift.length > 0 && (
        <div className="card governance gaps" data-testid="drift">
          <h3>Changed under this draft since it was made</h3>
          <ul className="gap-list">
            {drift.map((d) => (
              <li key={d.use_case}>
                <span className="gap-kind">{d.drift.join(", ").replace(/-/g, " ")}</span> {d.name}: scenario started from {formatMoney(d.scenario_budget_usd)}, now {formatMoney(d.current_budget_usd)}
                {d.current_status ? ` (${d.current_status})` : " (removed)"}
              </li>
            ))}
          </ul>
        </div>
      )}
      {list !== null && list.length === 0 ? (
        <div className="empty" data-testid="no-scenarios">
          <h2>No scenario yet</h2>
          <p>Type a name above and press New: the scenario starts from the rubric's verdicts (Retire frees budget, Expand asks for more). Or open a scenario file someone sent you.</p>
        </div>
      ) : !view || !params || !t ? (
        <Loading />
      ) : (
        <>
          <div className="card controls">
            <div className="row">
              <span>
                <StateBadge state={view.scenario.meta.status} />
                {view.scenario.meta.approved_at ? ` ${view.scenario.meta.approved_at} by ${view.scenario.meta.approved_by}` : ""} · as of {view.scenario.meta.as_of} · rubric v
                {view.scenario.meta.rubric_version} · quarter from {params.quarter_start}
              </span>
              <span className="grow" />
              <button onClick={() => undo.undo().then(() => setTick((x) => x + 1))} disabled={!undo.canUndo()} title="Ctrl+Z">
                Undo{undo.canUndo() ? ` (${undo.depth})` : ""}
              </button>
              <button onClick={() => undo.redo().then(() => setTick((x) => x + 1))} disabled={!undo.canRedo()} title="Ctrl+Shift+Z">
                Redo
              </button>
              <button
                className="primary"
                disabled={frozen}
                data-testid="approve"
                onClick={() =>
                  act(async () => {
                    const m = await call(commands.approveScenario(name));
                    await loadList(m.name);
                    apply(await call(commands.scenario(m.name)));
                    return `Approved '${m.name}'. It is frozen; clone it to change it.`;
                  })
                }
              >
                Approve
              </button>
            </div>
            <div className="row">
              <label className="field inline">
                Policy
                <select
                  value={params.policy}
                  disabled={frozen}
                  data-testid="policy"
                  onChange={(e) => {
                    const p = { ...params, policy: e.target.value as Policy };
                    setParams(p);
                    recompute(lines, p);
                    saveParams({ policy: p.policy });
                  }}
                >
                  <option value="highest-return">Highest return first</option>
                  <option value="pro-rata">Pro rata to asks</option>
                </select>
              </label>
              <label className="field inline">
                Envelope (new money, USD)
                <input
                  className="num-input"
                  value={envelopeText}
                  disabled={frozen}
                  data-testid="envelope"
                  onChange={(e) => {
                    setEnvelopeText(e.target.value);
                    if (looksLikeAmount(e.target.value)) {
                      const p = { ...params, envelope_usd: e.target.value.trim() };
                      recompute(lines, p);
                    }
                  }}
                  onBlur={() => looksLikeAmount(envelopeText) && saveParams({ envelope_usd: envelopeText.trim() })}
                  onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
                />
              </label>
              <label className="field inline">
                Reserve %
                <input
                  className="num-input short"
                  value={reserveText}
                  disabled={frozen}
                  onChange={(e) => {
                    setReserveText(e.target.value);
                    if (/^\d+(\.\d+)?$/.test(e.target.value.trim())) recompute(lines, { ...params, reserve_pct: e.target.value.trim() });
                  }}
                  onBlur={() => /^\d+(\.\d+)?$/.test(reserveText.trim()) && saveParams({ reserve_pct: reserveText.trim() })}
                  onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
                />
              </label>
            </div>
          </div>
          {liveError && <ErrorBanner error={liveError} onClose={() => setLiveError(null)} />}
          <div className="totals" data-testid="totals">
            <Total label="Next capital call" value={t.next_capital_call_usd} big testid="capital-call" note={`${formatMoney(t.envelope_shortfall_usd)} beyond the envelope`} />
            <Total label="Freed by Retire (net)" value={t.freed_usd} note={`decommission ${formatMoney(t.decommission_usd)}`} testid="freed" />
            <Total label="Reallocated to Expand" value={t.reallocated_usd} note={`of ${formatMoney(t.requested_usd)} asked`} testid="reallocated" />
            <Total label="Reserve" value={t.reserve_usd} />
            <Total label="Unallocated" value={t.unallocated_usd} />
            <Total label="Projected value" value={t.projected_value} note={`UCR ${formatUcr(t.current_ucr)} → ${formatUcr(t.projected_ucr)}`} testid="projected-value" />
          </div>
          <div className="scroll-x">
            <table className="grid scenario" data-testid="scenario-lines">
              <thead>
                <tr>
                  <th>Use case</th>
                  <th>Rubric</th>
                  <th>Path</th>
                  <th>Reason for override</th>
                  <th className="num">Ask</th>
                  <th className="num">Return / $</th>
                  <th className="num">Floor</th>
                  <th className="num">Cap</th>
                  <th className="num">Decommission</th>
                  <th>Sunset</th>
                  <th className="num">Old budget</th>
                  <th className="num">New budget</th>
                  <th className="num">Delta</th>
                  <th>Result</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((l, i) => {
                  const r = byId.get(l.use_case);
                  const saved = view.scenario.lines.find((s) => s.use_case === l.use_case)!;
                  const cell = (field: TextField, cls = "num-input") => (
                    <Cell
                      key={field}
                      value={l[field] ?? ""}
                      saved={saved[field] ?? ""}
                      disabled={frozen}
                      className={cls}
                      label={`${field} of ${l.use_case}`}
                      testid={`${field}-${l.use_case}`}
                      error={(txt) => fieldError(field, txt)}
                      onText={(txt) => !fieldError(field, txt) && editLine(i, withText(l, field, txt))}
                      onCommit={(txt) => !fieldError(field, txt) && saveLine(withText(l, field, txt), saved, `${field} of ${l.use_case}`)}
                    />
                  );
                  return (
                    <tr key={l.use_case} data-id={l.use_case}>
                      <td>
                        <div className="uc-name" title={l.use_case}>
                          {l.name}
                        </div>
                      </td>
                      <td>{l.verdict ? <Badge verdict={l.verdict} /> : "—"}</td>
                      <td>
                        <select
                          value={l.path_override ?? ""}
                          disabled={frozen}
                          aria-label={`Path of ${l.use_case}`}
                          data-testid={`path-${l.use_case}`}
                          onChange={(e) => {
                            const next = { ...l, path_override: (e.target.value || null) as Path | null };
                            editLine(i, next);
                            if (!next.path_override || (next.reason ?? "").trim()) saveLine(next, saved, `path of ${l.use_case}`);
                          }}
                        >
                          <option value="">Rubric ({l.verdict ?? "Hold"})</option>
                          <option value="Expand">Expand</option>
                          <option value="Hold">Hold</option>
                          <option value="Retire">Retire</option>
                        </select>
                      </td>
                      <td>{cell("reason", l.path_override && !(l.reason ?? "").trim() ? "text-input needs" : "text-input")}</td>
                      <td>{cell("ask_usd")}</td>
                      <td>{cell("return_per_usd", "num-input short")}</td>
                      <td>{cell("floor_usd")}</td>
                      <td>{cell("cap_usd")}</td>
                      <td>{cell("decommission_usd")}</td>
                      <td>{cell("sunset_date", "date-input")}</td>
                      <td className="num">{formatMoney(l.old_budget_usd)}</td>
                      <td className="num">{r ? formatMoney(r.new_budget_usd) : "—"}</td>
                      <td className={`num ${r && r.delta_usd.startsWith("-") ? "neg" : r && r.delta_usd !== "0.00" ? "pos" : ""}`}>{r ? formatMoney(r.delta_usd) : "—"}</td>
                      <td className="small reason" title={r?.reason}>
                        {r ? (r.path === "Expand" ? r.funding.replace("-", " ") : r.path === "Retire" ? `frees ${formatMoney(r.freed_gross_usd)}` : "kept") : ""}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="card">
            <div className="row">
              <h3 className="grow">Compare side by side</h3>
              <select value={compareWith} onChange={(e) => setCompareWith(e.target.value)} aria-label="Compare with" data-testid="compare-with">
                <option value="">Choose a scenario…</option>
                {list
                  .filter((s) => s.name !== name)
                  .map((s) => (
                    <option key={s.name} value={s.name}>
                      {s.name}
                    </option>
                  ))}
              </select>
              <button disabled={!compareWith} onClick={() => call(commands.compareScenarios(name, compareWith)).then(setComparison).catch((e) => setError(errorOf(e)))} data-testid="compare">
                Compare
              </button>
            </div>
            {comparison && <CompareTable c={comparison} />}
          </div>
        </>
      )}
    </div>
  );
}

function Total({ label, value, note, big, testid }: { label: string; value: string; note?: string; big?: boolean; testid?: string }) {
  return (
    <div className={big ? "total big" : "total"}>
      <div className="muted small">{label}</div>
      <div className="total-value" data-testid={testid}>
        ${formatMoney(value)}
      </div>
      {note && <div className="muted small">{note}</div>}
    </div>
  );
}

/** A text cell that recomputes as you type and saves when you leave it. */
function Cell(props: {
  value: string;
  /** The stored value: leaving the field saves when the text differs from it. */
  saved: string;
  disabled: boolean;
  className: string;
  label: string;
  testid: string;
  error: (text: string) => string | null;
  onText: (text: string) => void;
  onCommit: (text: string) => void;
}) {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const err = props.error(text);
  return (
    <input
      className={`${props.className}${err ? " invalid" : ""}`}
      value={text}
      disabled={props.disabled}
      aria-label={props.label}
      aria-invalid={!!err}
      title={err ? `Expected ${err}` : undefined}
      data-testid={props.testid}
      onChange={(e) => {
        setText(e.target.value);
        props.onText(e.target.value);
      }}
      onBlur={() => text.trim() !== props.saved && props.onCommit(text)}
      onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
    />
  );
}

function CompareTable({ c }: { c: Comparison }) {
  return (
    <div className="compare" data-testid="comparison">
      <table className="grid compact">
        <thead>
          <tr>
            <th>Use case</th>
            <th>{c.a}</th>
            <th>{c.b}</th>
            <th className="num">New budget {c.a}</th>
            <th className="num">New budget {c.b}</th>
            <th className="num">Difference</th>
          </tr>
        </thead>
        <tbody>
          {c.lines.map((l) => (
            <tr key={l.use_case} className={l.changed ? "changed" : ""}>
              <td>{l.name}</td>
              <td>{l.path_a ?? "—"}</td>
              <td>{l.path_b ?? "—"}</td>
              <td className="num">{formatMoney(l.new_budget_a)}</td>
              <td className="num">{formatMoney(l.new_budget_b)}</td>
              <td className="num">{formatMoney(l.difference)}</td>
            </tr>
          ))}
        </tbody>
        <tbody className="totals-rows">
          {c.totals.map((x) => (
            <tr key={x.name} className={x.difference !== "0.00" ? "changed" : ""}>
              <td>
                <strong>{x.name}</strong>
              </td>
              <td />
              <td />
              <td className="num">{formatMoney(x.a)}</td>
              <td className="num">{formatMoney(x.b)}</td>
              <td className="num">{formatMoney(x.difference)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
