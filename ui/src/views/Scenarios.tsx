// Scenario modeller: paths per use case (overrides need a reason), asks,
// returns, floors, caps and sunsets editable; policy, envelope and reserve
// controls; totals and the next capital call recompute on every keystroke
// (pure Rust recompute over IPC); edits save on blur with undo/redo; save,
// clone, compare side by side, approve.
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, Comparison, LineGroup, LineInput, LiveLine, ModellerSaved, ModellerView, Params, Path, Policy, ScenarioMeta, Totals } from "../bindings";
import { compareDecimal, compareText, decimalRanks, fold, nameIdRanks, orderBy, textRanks } from "../lib/grid";
import { startLatency, useLatency } from "../lib/latency";
import { useFillHeight, useHeadHeights } from "../lib/layout";
import { formatMoney, formatTimestamp, formatUcr, looksLikeAmount } from "../lib/format";
import { sharedUndo } from "../lib/undo";
import type { LineDrift } from "../bindings";
import { Badge, ChoiceFilter, ErrorBanner, Loading, StateBadge } from "./common";
import { useVirtualRows } from "../lib/virtual";

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

type Live = { totals: Totals; lines: LiveLine[] };
type ColKey = "name" | "new" | "delta" | "result" | "path" | "verdict" | "old" | "ask" | "return" | "floor" | "cap" | "decommission" | "sunset";
type LineFilter = { text: string; wave: string; region: string; verdict: string; path: string; changed: boolean };
const NO_FILTER: LineFilter = { text: "", wave: "", region: "", verdict: "", path: "", changed: false };
const ROW_H = 40;
const verdictRank: Record<string, number> = { Expand: 0, Hold: 1, Retire: 2 };

/** What a line's result says, from the core's path, funding and freed amount. */
function resultText(r: LiveLine | undefined): string {
  if (!r) return "";
  return r.path === "Expand" ? r.funding.replace("-", " ") : r.path === "Retire" ? `frees ${formatMoney(r.freed_gross_usd)}` : "kept";
}

/**
 * Keys of a scenario's lines made once per load: search text, name ranks,
 * wave and region. Orders of the result columns use the result of the last
 * load or save (so rows do not jump while you type).
 */
class LineIndex {
  readonly hay: string[];
  readonly nameRank: Int32Array;
  readonly wave: string[];
  readonly region: string[];
  private readonly cache = new Map<string, Int32Array>();
  constructor(
    readonly lines: LineInput[],
    groups: LineGroup[],
    readonly results: LiveLine[],
  ) {
    const g = new Map(groups.map((x) => [x.use_case, x]));
    this.wave = lines.map((l) => g.get(l.use_case)?.wave ?? "");
    this.region = lines.map((l) => g.get(l.use_case)?.region ?? "");
    this.hay = lines.map((l, i) => fold(`${l.use_case} ${l.name} ${this.wave[i]} ${this.region[i]} ${g.get(l.use_case)?.owner ?? ""}`));
    this.nameRank = nameIdRanks(
      lines.map((l) => l.name),
      lines.map((l) => l.use_case),
    );
  }
  private rank(key: ColKey): Int32Array {
    const ls = this.lines;
    const rs = this.results;
    switch (key) {
      case "name":
        return this.nameRank;
      case "new":
        return decimalRanks(rs.map((r) => r?.new_budget_usd ?? null));
      case "delta":
        return decimalRanks(rs.map((r) => r?.delta_usd ?? null));
      case "result":
        return textRanks(rs.map((r) => resultText(r)));
      case "path":
        return Int32Array.from(rs, (r) => (r ? verdictRank[r.path] : -1));
      case "verdict":
        return Int32Array.from(ls, (l) => (l.verdict ? verdictRank[l.verdict] : -1));
      case "old":
        return decimalRanks(ls.map((l) => l.old_budget_usd));
      case "ask":
        return decimalRanks(ls.map((l) => l.ask_usd));
      case "return":
        return decimalRanks(ls.map((l) => l.return_per_usd));
      case "floor":
        return decimalRanks(ls.map((l) => l.floor_usd));
      case "cap":
        return decimalRanks(ls.map((l) => l.cap_usd));
      case "decommission":
        return decimalRanks(ls.map((l) => l.decommission_usd));
      case "sunset":
        return textRanks(ls.map((l) => l.sunset_date ?? "\uffff"));
      default: {
        const never: never = key;
        return never;
      }
    }
  }
  order(key: ColKey, desc: boolean): Int32Array {
    const k = `${key}:${desc}`;
    let o = this.cache.get(k);
    if (!o) {
      o = orderBy(this.rank(key), this.nameRank, desc);
      this.cache.set(k, o);
    }
    return o;
  }
  view(f: LineFilter, key: ColKey, desc: boolean, live: LiveLine[], edits: Map<string, LineInput>): number[] {
    const q = fold(f.text.trim());
    const out: number[] = [];
    for (const i of this.order(key, desc)) {
      if (f.wave && this.wave[i] !== f.wave) continue;
      if (f.region && this.region[i] !== f.region) continue;
      if (f.verdict && (this.lines[i].verdict ?? "") !== f.verdict) continue;
      if (f.path && live[i]?.path !== f.path) continue;
      if (f.changed && !(live[i]?.overridden || edits.has(this.lines[i].use_case))) continue;
      if (q && !this.hay[i].includes(q)) continue;
      out.push(i);
    }
    return out;
  }
}

const VERDICT_CHOICES = [
  ["Expand", "Verdict Expand"],
  ["Hold", "Verdict Hold"],
  ["Retire", "Verdict Retire"],
] as const;
const PATH_CHOICES = [
  ["Expand", "Path Expand"],
  ["Hold", "Path Hold"],
  ["Retire", "Path Retire"],
] as const;

export function ScenariosView({ onChanged }: { onChanged: () => void }) {
  const [list, setList] = useState<ScenarioMeta[] | null>(null);
  const [name, setName] = useState<string>("");
  const [view, setView] = useState<ModellerView | null>(null);
  const [meta, setMeta] = useState<ScenarioMeta | null>(null);
  const [editable, setEditable] = useState(false);
  const editableRef = useRef(false);
  const [drift, setDrift] = useState<LineDrift[]>([]);
  // Saved lines, the unsaved edits on top of them, and the latest result.
  const [lines, setLines] = useState<LineInput[]>([]);
  const [edits, setEdits] = useState<Map<string, LineInput>>(new Map());
  const [params, setParams] = useState<Params | null>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [ordered, setOrdered] = useState<LiveLine[]>([]);
  const [liveError, setLiveError] = useState<AppError | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [envelopeText, setEnvelopeText] = useState("");
  const [reserveText, setReserveText] = useState("");
  const [newName, setNewName] = useState("");
  const [compareWith, setCompareWith] = useState("");
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [filter, setFilter] = useState<LineFilter>(NO_FILTER);
  const [sort, setSort] = useState<{ key: ColKey; desc: boolean }>({ key: "name", desc: false });
  const [cursor, setCursor] = useState(0);
  const [, setTick] = useState(0);
  const seq = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const height = useFillHeight(scrollRef, [list, meta, drift, notice, error, liveError], 300, 24);

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

  const showParams = (m: ScenarioMeta) => {
    setMeta(m);
    setParams(m.params);
    setEnvelopeText(formatMoney(m.params.envelope_usd));
    setReserveText(m.params.reserve_pct);
  };

  const apply = (v: ModellerView) => {
    setView(v);
    setEditable(v.editable);
    editableRef.current = v.editable;
    // A frozen scenario has nothing to undo: its edits are part of what was approved.
    if (!v.editable) undo.clear();
    // A draft shows which of its lines the portfolio changed under it.
    if (v.editable)
      call(commands.scenarioDrift(v.scenario.meta.name))
        .then(setDrift)
        .catch(() => setDrift([]));
    else setDrift([]);
    setLines(v.scenario.lines);
    setEdits(new Map());
    setLive({ totals: v.outcome.totals, lines: v.outcome.lines });
    setOrdered(v.outcome.lines);
    showParams(v.scenario.meta);
    setLiveError(null);
  };

  /** A save came back: the stored line replaces the saved one; the result is current. */
  const applySaved = (saved: ModellerSaved) => {
    seq.current += 1; // any recompute still in flight is older than this save
    setEditable(saved.editable);
    editableRef.current = saved.editable;
    showParams(saved.meta);
    if (saved.line) {
      const line = saved.line;
      setLines((ls) => ls.map((l) => (l.use_case === line.use_case ? line : l)));
      setEdits((m) => {
        const next = new Map(m);
        next.delete(line.use_case);
        return next;
      });
    }
    setLive(saved.live);
    setOrdered(saved.live.lines);
    setLiveError(null);
  };

  useEffect(() => {
    loadList();
  }, [loadList]);

  useEffect(() => {
    if (!name) return;
    setComparison(null);
    undo.clear();
    call(commands.modellerOpen(name))
      .then(apply)
      .catch((e) => setError(errorOf(e)));
  }, [name]);

  // Live recompute: each keystroke sends only the edited lines and the
  // parameters; the engine (Rust) holds the saved lines. Responses older
  // than the latest request are dropped, so typing never waits for them.
  const recompute = useCallback(
    (es: Map<string, LineInput>, ps: Params) => {
      const mine = ++seq.current;
      call(commands.recomputeLive(name, [...es.values()], ps))
        .then((d) => {
          if (mine === seq.current) {
            // Only the lines whose result moved come back; the rest are as saved.
            const ls = ordered.slice();
            for (const c of d.changed) ls[c.index] = c.line;
            setLive({ totals: d.totals, lines: ls });
            setLiveError(null);
          }
        })
        .catch((e) => mine === seq.current && setLiveError(errorOf(e)));
    },
    [name, ordered],
  );
  useLatency("recompute", [live]);

  // Core decides which scenarios may change (ScenarioStatus::is_editable).
  const frozen = !editable;

  const saveLine = async (line: LineInput, previous: LineInput, label: string) => {
    if (JSON.stringify(line) === JSON.stringify(previous)) return;
    try {
      applySaved(await call(commands.modellerSaveLine(name, line)));
      const scenarioName = name;
      undo.push({
        label,
        undo: async () => applySaved(await call(commands.modellerSaveLine(scenarioName, previous))),
        redo: async () => applySaved(await call(commands.modellerSaveLine(scenarioName, line))),
      });
      setTick((t) => t + 1);
    } catch (e) {
      setLiveError(errorOf(e));
    }
  };

  const editLine = (next: LineInput) => {
    const es = new Map(edits);
    es.set(next.use_case, next);
    setEdits(es);
    startLatency("recompute");
    if (params) recompute(es, params);
  };

  const saveParams = async (changes: { policy?: Policy; envelope_usd?: string; reserve_pct?: string }) => {
    if (!params) return;
    const previous = { policy: params.policy, envelope_usd: params.envelope_usd, reserve_pct: params.reserve_pct };
    const next = { policy: changes.policy ?? null, envelope_usd: changes.envelope_usd ?? null, reserve_pct: changes.reserve_pct ?? null };
    try {
      applySaved(await call(commands.modellerSaveParams(name, next)));
      const scenarioName = name;
      undo.push({
        label: "scenario parameters",
        undo: async () => applySaved(await call(commands.modellerSaveParams(scenarioName, previous))),
        redo: async () => applySaved(await call(commands.modellerSaveParams(scenarioName, next))),
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
      if (!editableRef.current) return; // a frozen scenario: nothing to undo
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

  // Keys once per load; order per filter/sort; the latest result only paints.
  const index = useMemo(() => (view ? new LineIndex(lines, view.groups, ordered) : null), [view, lines, ordered]);
  const shown = useMemo(() => (index && live ? index.view(filter, sort.key, sort.desc, live.lines, edits) : []), [index, filter, sort, live, edits]);
  const waves = useMemo(() => (index ? [...new Set(index.wave)].sort(compareText) : []), [index]);
  const regions = useMemo(() => (index ? [...new Set(index.region)].sort(compareText) : []), [index]);
  useLatency("filter", [shown]);

  const [headH, head1] = useHeadHeights(headRef, [view, meta], [70, 30]);
  const { items, before, after, scrollToIndex } = useVirtualRows({ count: shown.length, scrollRef, rowH: ROW_H, headH, overscan: 12 });
  const onGridKey = (e: React.KeyboardEvent) => {
    const tag = (e.target as HTMLElement).tagName;
    if (tag === "INPUT" || tag === "SELECT") return;
    const keys: Record<string, number> = { ArrowDown: cursor + 1, ArrowUp: cursor - 1, Home: 0, End: shown.length - 1 };
    if (e.key in keys) {
      const next = Math.max(0, Math.min(keys[e.key], shown.length - 1));
      setCursor(next);
      scrollToIndex(next);
      e.preventDefault();
    }
  };

  if (!list) return error ? <ErrorBanner error={error} /> : <Loading />;
  const t = live?.totals;
  const header = (key: ColKey, label: string, cls = "") => (
    <th
      className={`sortable ${cls}`}
      onClick={() => {
        startLatency("filter");
        setSort({ key, desc: sort.key === key ? !sort.desc : false });
      }}
      aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}
      data-testid={`sort-${key}`}
    >
      {label}
      {sort.key === key ? (sort.desc ? "\u00a0▾" : "\u00a0▴") : ""}
    </th>
  );
  const setF = (f: Partial<LineFilter>) => {
    startLatency("filter");
    setFilter({ ...filter, ...f });
  };
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
                return `Opened '${o.scenario.meta.name}' by ${o.author} (exported ${formatTimestamp(o.exported_at)}) as a draft; ${changes}.`;
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
      ) : !view || !meta || !params || !t ? (
        <Loading />
      ) : (
        <>
          <div className={`card controls${frozen ? " frozen" : ""}`}>
            <div className="row">
              <span>
                <StateBadge state={meta.status} />
                {meta.approved_at ? ` ${formatTimestamp(meta.approved_at)} by ${meta.approved_by}` : ""} · as of {meta.as_of} · rubric v
                {meta.rubric_version} · quarter from {params.quarter_start}
                {frozen && (
                  <span className="muted small" data-testid="read-only" title="Approved scenarios are frozen: clone it to change it">
                    {" "}
                    · read-only
                  </span>
                )}
              </span>
              <span className="grow" />
              <button onClick={() => undo.undo().then(() => setTick((x) => x + 1))} disabled={frozen || !undo.canUndo()} title="Ctrl+Z" data-testid="undo">
                Undo{!frozen && undo.canUndo() ? ` (${undo.depth})` : ""}
              </button>
              <button onClick={() => undo.redo().then(() => setTick((x) => x + 1))} disabled={frozen || !undo.canRedo()} title="Ctrl+Shift+Z">
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
                    apply(await call(commands.modellerOpen(m.name)));
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
                    startLatency("recompute");
                    recompute(edits, p);
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
                  className="num-input wide"
                  value={envelopeText}
                  disabled={frozen}
                  data-testid="envelope"
                  onChange={(e) => {
                    setEnvelopeText(e.target.value);
                    if (looksLikeAmount(e.target.value)) {
                      const p = { ...params, envelope_usd: e.target.value.trim() };
                      startLatency("recompute");
                      recompute(edits, p);
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
                    if (/^\d+(\.\d+)?$/.test(e.target.value.trim())) {
                      startLatency("recompute");
                      recompute(edits, { ...params, reserve_pct: e.target.value.trim() });
                    }
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
            <Total label="Unallocated" value={t.unallocated_usd} testid="unallocated-total" />
            <Total label="Projected value" value={t.projected_value} note={`UCR ${formatUcr(t.current_ucr)} → ${formatUcr(t.projected_ucr)}`} testid="projected-value" />
          </div>
          <div className="filters grid-tools">
            <input placeholder="Search use cases…" value={filter.text} onChange={(e) => setF({ text: e.target.value })} aria-label="Search lines" data-testid="line-search" />
            <ChoiceFilter value={filter.wave} onChange={(wave) => setF({ wave })} label="Wave" all="All waves" choices={waves} />
            <ChoiceFilter value={filter.region} onChange={(region) => setF({ region })} label="Region" all="All regions" choices={regions} />
            <ChoiceFilter value={filter.verdict} onChange={(verdict) => setF({ verdict })} label="Rubric verdict" all="Any verdict" choices={VERDICT_CHOICES} testid="line-verdict" />
            <ChoiceFilter value={filter.path} onChange={(path) => setF({ path })} label="Path" all="Any path" choices={PATH_CHOICES} testid="line-path" />
            <label className="check">
              <input type="checkbox" checked={filter.changed} onChange={(e) => setF({ changed: e.target.checked })} /> Overridden or edited only
            </label>
            <span className="muted small" data-testid="line-count">
              {shown.length.toLocaleString("en-US")} of {lines.length.toLocaleString("en-US")} lines
            </span>
          </div>
          <div className="vscroll" ref={scrollRef} style={{ height, ["--head1" as string]: `${head1}px` }} tabIndex={0} onKeyDown={onGridKey} data-testid="scenario-scroll">
            <table className={`grid scenario vtable${frozen ? " frozen" : ""}`} data-testid="scenario-lines" aria-rowcount={shown.length}>
              <thead ref={headRef}>
                <tr>
                  {header("name", "Use case", "sticky-col")}
                  {header("new", "New budget", "num")}
                  {header("delta", "Delta", "num")}
                  {header("result", "Funding")}
                  {header("path", "Path")}
                  {header("verdict", "Rubric")}
                  {header("old", "Old budget", "num")}
                  {header("ask", "Ask", "num")}
                  {header("return", "Return / $", "num")}
                  {header("floor", "Floor", "num")}
                  {header("cap", "Cap", "num")}
                  {header("decommission", "Decommission", "num")}
                  {header("sunset", "Sunset")}
                  <th>Reason for override</th>
                </tr>
                <tr className="pinned" data-testid="line-totals">
                  <th className="sticky-col">
                    Total · {t.expand_count.toLocaleString("en-US")} Expand, {t.hold_count.toLocaleString("en-US")} Hold, {t.retire_count.toLocaleString("en-US")} Retire
                  </th>
                  <th className="num" data-testid="total-new-budget">
                    {formatMoney(t.new_budget_usd)}
                  </th>
                  <th className={`num ${t.delta_usd.startsWith("-") ? "neg" : t.delta_usd !== "0.00" ? "pos" : ""}`}>{formatMoney(t.delta_usd)}</th>
                  <th>
                    {formatMoney(t.reallocated_usd)} of {formatMoney(t.requested_usd)}
                  </th>
                  <th />
                  <th />
                  <th className="num">{formatMoney(t.old_budget_usd)}</th>
                  <th className="num">{formatMoney(t.requested_usd)}</th>
                  <th />
                  <th />
                  <th />
                  <th className="num">{formatMoney(t.decommission_usd)}</th>
                  <th />
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.length > 0 && <tr className="spacer" style={{ height: before }} aria-hidden />}
                {items.map((it) => {
                  const i = shown[it.index];
                  const saved = lines[i];
                  const l = edits.get(saved.use_case) ?? saved;
                  return (
                    <LineRow
                      key={saved.use_case}
                      l={l}
                      saved={saved}
                      r={live?.lines[i]}
                      wave={index?.wave[i] ?? ""}
                      region={index?.region[i] ?? ""}
                      cursor={it.index === cursor}
                      frozen={frozen}
                      onEdit={editLine}
                      onSave={saveLine}
                      onSelect={() => setCursor(it.index)}
                    />
                  );
                })}
                {items.length > 0 && <tr className="spacer" style={{ height: after }} aria-hidden />}
              </tbody>
            </table>
            {shown.length === 0 && (
              <div className="empty small" data-testid="lines-no-match">
                No line matches these filters.
              </div>
            )}
          </div>
          <p className="muted small">↑/↓ to move between lines; type in a cell to see the totals change, leave it to save (Ctrl+Z undoes). Rows keep their order while you type; it refreshes on save.</p>
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

/** One scenario line: name pinned left, its result beside it, then its inputs. */
const LineRow = memo(function LineRow(props: {
  l: LineInput;
  saved: LineInput;
  r: LiveLine | undefined;
  wave: string;
  region: string;
  cursor: boolean;
  frozen: boolean;
  onEdit: (next: LineInput) => void;
  onSave: (line: LineInput, previous: LineInput, label: string) => void;
  onSelect: () => void;
}) {
  const { l, saved, r, frozen } = props;
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
      onText={(txt) => !fieldError(field, txt) && props.onEdit(withText(l, field, txt))}
      onCommit={(txt) => !fieldError(field, txt) && props.onSave(withText(l, field, txt), saved, `${field} of ${l.use_case}`)}
    />
  );
  return (
    <tr data-id={l.use_case} className={`${props.cursor ? "cursor" : ""}${r?.overridden ? " overridden" : ""}`} onClick={props.onSelect}>
      <td className="sticky-col">
        <div className="uc-name" title={`${l.name} (${l.use_case})`}>
          {l.name}
        </div>
        <div className="muted small uc-sub">
          {l.use_case} · {props.wave} · {props.region}
        </div>
      </td>
      <td className="num strong" data-testid={`new-${l.use_case}`}>
        {r ? formatMoney(r.new_budget_usd) : "—"}
      </td>
      <td className={`num ${r && r.delta_usd.startsWith("-") ? "neg" : r && r.delta_usd !== "0.00" ? "pos" : ""}`}>{r ? formatMoney(r.delta_usd) : "—"}</td>
      <td className="small result">{resultText(r)}</td>
      <td>
        <select
          value={l.path_override ?? ""}
          disabled={frozen}
          aria-label={`Path of ${l.use_case}`}
          data-testid={`path-${l.use_case}`}
          onChange={(e) => {
            const next = { ...l, path_override: (e.target.value || null) as Path | null };
            props.onEdit(next);
            if (!next.path_override || (next.reason ?? "").trim()) props.onSave(next, saved, `path of ${l.use_case}`);
          }}
        >
          <option value="">Rubric ({l.verdict ?? "Hold"})</option>
          <option value="Expand">Expand</option>
          <option value="Hold">Hold</option>
          <option value="Retire">Retire</option>
        </select>
      </td>
      <td>{l.verdict ? <Badge verdict={l.verdict} /> : "—"}</td>
      <td className="num">{formatMoney(l.old_budget_usd)}</td>
      <td>{cell("ask_usd")}</td>
      <td>{cell("return_per_usd", "num-input short")}</td>
      <td>{cell("floor_usd")}</td>
      <td>{cell("cap_usd")}</td>
      <td>{cell("decommission_usd")}</td>
      <td>{cell("sunset_date", "date-input")}</td>
      <td>{cell("reason", l.path_override && !(l.reason ?? "").trim() ? "text-input needs" : "text-input")}</td>
    </tr>
  );
});

const FIELD_LABEL: Record<string, string> = {
  policy: "Policy",
  envelope_usd: "Envelope",
  reserve_pct: "Reserve %",
  quarter_start: "Quarter start",
  old_budget_usd: "Old budget",
  verdict: "Rubric verdict",
  path_override: "Path override",
  reason: "Reason",
  ask_usd: "Ask",
  return_per_usd: "Return / $",
  floor_usd: "Floor",
  cap_usd: "Cap",
  decommission_usd: "Decommission",
  sunset_date: "Sunset",
  line: "Line",
};
const SHOW = 200;
const abs = (s: string) => s.replace(/^-/, "");

function CompareTable({ c }: { c: Comparison }) {
  const changed = useMemo(() => c.lines.filter((l) => l.changed).sort((x, y) => compareDecimal(abs(y.difference), abs(x.difference)) || compareText(x.name, y.name)), [c]);
  const moneyField = (f: string) => f.endsWith("_usd");
  const show = (f: string, v: string | null) => (v === null ? "—" : moneyField(f) ? formatMoney(v) : v);
  return (
    <div className="compare" data-testid="comparison">
      <div className="compare-grid">
        <table className="grid compact" data-testid="compare-totals">
          <thead>
            <tr>
              <th>Total</th>
              <th className="num">{c.a}</th>
              <th className="num">{c.b}</th>
              <th className="num">Difference</th>
            </tr>
          </thead>
          <tbody>
            {c.totals.map((x) => (
              <tr key={x.name} className={x.difference !== "0.00" ? "changed" : ""}>
                <td>{x.name}</td>
                <td className="num">{formatMoney(x.a)}</td>
                <td className="num">{formatMoney(x.b)}</td>
                <td className="num">{formatMoney(x.difference)}</td>
              </tr>
            ))}
            {c.measures.map((m) => {
              const f = m.name === "projected value" ? formatMoney : formatUcr;
              return (
                <tr key={m.name} className={m.difference !== null && compareDecimal(m.difference, "0") !== 0 ? "changed" : ""} data-testid={`measure-${m.name.replace(/ /g, "-")}`}>
                  <td>{m.name}</td>
                  <td className="num">{f(m.a)}</td>
                  <td className="num">{f(m.b)}</td>
                  <td className="num">{m.difference === null ? "—" : f(m.difference)}</td>
                </tr>
              );
            })}
            {c.counts.map((n) => (
              <tr key={n.name} className={n.difference !== 0 ? "changed" : ""}>
                <td>use cases on {n.name}</td>
                <td className="num">{n.a}</td>
                <td className="num">{n.b}</td>
                <td className="num">{n.difference > 0 ? `+${n.difference}` : n.difference}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div>
          <h3>
            What changed in the inputs <span className="muted small">({c.input_changes.length.toLocaleString("en-US")})</span>
          </h3>
          {c.input_changes.length === 0 ? (
            <p className="muted">Same inputs: the differences come from nothing but the parameters above.</p>
          ) : (
            <div className="compare-scroll">
              <table className="grid compact" data-testid="input-changes">
                <thead>
                  <tr>
                    <th>Where</th>
                    <th>Field</th>
                    <th>{c.a}</th>
                    <th>{c.b}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.input_changes.slice(0, SHOW).map((x, k) => (
                    <tr key={k}>
                      <td>{x.use_case ? x.name || x.use_case : "Scenario"}</td>
                      <td>{FIELD_LABEL[x.field] ?? x.field}</td>
                      <td className={moneyField(x.field) ? "num" : ""}>{show(x.field, x.a)}</td>
                      <td className={moneyField(x.field) ? "num" : ""}>{show(x.field, x.b)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {c.input_changes.length > SHOW && <p className="muted small">and {(c.input_changes.length - SHOW).toLocaleString("en-US")} more changed inputs.</p>}
            </div>
          )}
        </div>
      </div>
      <h3>
        Use cases whose new budget or path differs <span className="muted small">({changed.length.toLocaleString("en-US")} of {c.lines.length.toLocaleString("en-US")}, largest difference first)</span>
      </h3>
      {changed.length === 0 ? (
        <p className="muted">No use case differs.</p>
      ) : (
        <div className="compare-scroll">
          <table className="grid compact" data-testid="compare-lines">
            <thead>
              <tr>
                <th>Use case</th>
                <th>Path {c.a}</th>
                <th>Path {c.b}</th>
                <th className="num">New budget {c.a}</th>
                <th className="num">New budget {c.b}</th>
                <th className="num">Difference</th>
              </tr>
            </thead>
            <tbody>
              {changed.slice(0, SHOW).map((l) => (
                <tr key={l.use_case}>
                  <td>{l.name}</td>
                  <td>{l.path_a ?? "—"}</td>
                  <td>{l.path_b ?? "—"}</td>
                  <td className="num">{formatMoney(l.new_budget_a)}</td>
                  <td className="num">{formatMoney(l.new_budget_b)}</td>
                  <td className={`num ${l.difference.startsWith("-") ? "neg" : "pos"}`}>{formatMoney(l.difference)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {changed.length > SHOW && <p className="muted small">and {(changed.length - SHOW).toLocaleString("en-US")} more with smaller differences.</p>}
        </div>
      )}
    </div>
  );
}
