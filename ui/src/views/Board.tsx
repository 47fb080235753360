// Portfolio board: every use case with its five traffic lights, overall
// verdict, budget against last quarter's spend and forecast, the labelled
// UCR and its sparkline, open sev1/sev2 incidents; portfolio totals pinned
// on top; filters, accent-insensitive search, locale-aware sort, keyboard,
// CSV of the current view. The board stays in Rust (board_page): filter,
// search and sort run there, and the UI holds only the rows it draws (plus
// overscan), asked for a window at a time as the list scrolls. Every figure
// comes from the core.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, BoardLine as BoardRow, BoardPage, BoardQuery, BoardSort, Path, Score } from "../bindings";
import { formatMoney, formatPct, formatUcr } from "../lib/format";
import { compareDecimal, sparkPath } from "../lib/grid";
import { Badge, ChoiceFilter, ErrorBanner, Light, Loading } from "./common";
import { sharedUndo } from "../lib/undo";
import { startLatency, useLatency } from "../lib/latency";
import { useFillHeight, useHeadHeights } from "../lib/layout";
import { useVirtualRows, windowToFetch } from "../lib/virtual";

/** Every board row is this tall (two lines of text), so the virtualizer knows where each row is. */
const ROW_H = 54;
const SPARK_W = 120;
const SPARK_H = 26;


/** A new use case, validated by the store exactly as the importer validates a row. */
function AddUseCase({ onAdded }: { onAdded: (id: string) => void }) {
  const [shown, setShown] = useState(false);
  const [f, setF] = useState({ id: "", name: "", owner: "", wave: "", region: "", budget_usd: "", status: "pilot", levers: "" });
  const [error, setError] = useState<AppError | null>(null);
  if (!shown)
    return (
      <button className="ghost" onClick={() => setShown(true)} data-testid="add-use-case">
        + Add use case
      </button>
    );
  const field = (k: keyof typeof f, label: string, placeholder = "") => (
    <label className="field">
      {label}
      <input value={f[k]} placeholder={placeholder} onChange={(e) => setF({ ...f, [k]: e.target.value })} data-testid={`new-${k}`} />
    </label>
  );
  const save = async () => {
    setError(null);
    try {
      const edit = await call(
        commands.addUseCase({ ...f, flag: null, status: f.status, levers: f.levers ? [f.levers] : [], reason: null, budget_usd: f.budget_usd }),
      );
      sharedUndo.push({
        label: `add ${f.name || f.id}`,
        undo: async () => void (await call(commands.undoEdit(edit))),
        redo: async () => void (await call(commands.redoEdit(edit))),
      });
      setShown(false);
      onAdded(f.id);
    } catch (e) {
      setError(errorOf(e));
    }
  };
  return (
    <div className="card" data-testid="add-form">
      <h3>New use case</h3>
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      <div className="form-grid">
        {field("id", "Id", "lowercase-slug")}
        {field("name", "Name")}
        {field("owner", "Owner")}
        {field("wave", "Wave", "Wave 4")}
        {field("region", "Region", "EU")}
        {field("budget_usd", "Budget / quarter (USD)", "120000.00")}
        {field("levers", "Cost levers (; separated)", "prompt caching; batching")}
        <label className="field">
          Status
          <select value={f.status} onChange={(e) => setF({ ...f, status: e.target.value })}>
            <option value="pilot">pilot</option>
            <option value="live">live</option>
            <option value="sunsetting">sunsetting</option>
          </select>
        </label>
      </div>
      <div className="row">
        <button className="primary" onClick={save} data-testid="new-save">
          Add
        </button>
        <button className="ghost" onClick={() => setShown(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Rows asked for beyond the visible ones, on each side. */
const FETCH_OVERSCAN = 40;
/** Rows kept in memory at most; those far from the view are dropped. */
const KEEP_ROWS = 1500;
const FIRST_QUERY: BoardQuery = { text: "", wave: "", region: "", verdict: null, over_budget: false, sort: "overall", desc: false };
/** Rows of the first page asked for at startup: a tall window's worth. */
const FIRST_ROWS = 60;
// The first page is asked for while React starts, not after it mounts (the
// startup benchmark's largest wait); main.tsx waits briefly for it, so the
// first render is the board itself, and the first view takes it once.
let firstPage: ReturnType<typeof commands.boardPage> | null =
  typeof window !== "undefined" && "__TAURI_INTERNALS__" in window ? commands.boardPage(null, null, FIRST_QUERY, 0, FIRST_ROWS) : null;
/** The first page, once it has arrived (until the first view takes it). */
let firstAnswer: BoardPage | null = null;
/** Settles when the first page has arrived or failed (main.tsx waits for it, briefly). */
export const firstPageSettled: Promise<void> = firstPage
  ? firstPage.then(
      (r) => {
        if (r.status === "ok") firstAnswer = r.data;
      },
      () => undefined,
    )
  : Promise.resolve();
function takeFirstPage(asOf: string, q: BoardQuery, offset: number, limit: number) {
  const p = firstPage;
  firstPage = null;
  const same = asOf === "" && offset === 0 && limit <= FIRST_ROWS && JSON.stringify(q) === JSON.stringify(FIRST_QUERY);
  return same ? p : null;
}
/** The first page if it has already arrived: the first view draws it in its first render. */
function takeFirstAnswer(): BoardPage | null {
  const a = firstAnswer;
  firstAnswer = null;
  if (a) firstPage = null;
  return a;
}

/** The page's startup timeline (ms since its time origin), for the startup benchmark. */
function pageTimeline(): [string, number][] {
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  const marks: [string, number][] = nav
    ? [
        ["html received", nav.responseEnd],
        ["dom interactive", nav.domInteractive],
        ["dom content loaded", nav.domContentLoadedEventEnd],
      ]
    : [];
  for (const p of performance.getEntriesByType("paint")) marks.push([p.name, p.startTime]);
  for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("capcall-")) marks.push([m.name.slice("capcall-".length), m.startTime]);
  return marks.sort((a, b) => a[1] - b[1]);
}

const VERDICTS: readonly (readonly [Path, string])[] = [
  ["Expand", "Expand"],
  ["Hold", "Hold"],
  ["Retire", "Retire"],
];
const SORTS: readonly (readonly [BoardSort, string])[] = [
  ["overall", "Sort: verdict"],
  ["name", "Sort: name"],
  ["wave", "Sort: wave"],
  ["region", "Sort: region"],
  ["budget", "Sort: budget"],
  ["spend", "Sort: spend"],
  ["variance", "Sort: vs forecast"],
  ["ucr", "Sort: UCR"],
];

/** The rows of the current view that are loaded, by position in the view. */
type Loaded = { seq: number; rows: Map<number, BoardRow> };

export function BoardView({ open }: { open: (id: string) => void }) {
  const [initial] = useState(takeFirstAnswer);
  const [page, setPage] = useState<BoardPage | null>(initial);
  const [loaded, setLoaded] = useState<Loaded>(() => ({ seq: initial ? 1 : 0, rows: new Map(initial?.rows.map((r, k) => [k, r])) }));
  const [error, setError] = useState<AppError | null>(null);
  const [asOf, setAsOf] = useState("");
  const [query, setQuery] = useState<BoardQuery>(FIRST_QUERY);
  const [asOfText, setAsOfText] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const [cursor, setCursor] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const height = useFillHeight(scrollRef, [page === null, saved, error]);
  // The latest request wins: answers to older ones are dropped.
  const seq = useRef(initial ? 1 : 0);
  const snapshot = useRef<number | null>(initial?.snapshot ?? null);
  const asked = useRef(new Set<string>());
  // A new view asks for the rows on screen and a few more (a small answer:
  // the keystroke's latency); scrolling then asks for wider windows.
  const visibleRows = Math.ceil(height / ROW_H) + 10;

  /** Asks for rows offset..offset+limit of `q`; `fresh`: a new board (a new snapshot). */
  const fetchPage = useCallback(
    (q: BoardQuery, offset: number, limit: number, fresh: boolean, forSeq: number) =>
      call((fresh && takeFirstPage(asOf, q, offset, limit)) || commands.boardPage(asOf || null, fresh ? null : snapshot.current, q, offset, limit)).then((p) => {
        performance.mark("capcall-board-page");
        if (forSeq !== seq.current) return;
        snapshot.current = p.snapshot;
        setPage(p);
        setLoaded((prev) => {
          const rows = prev.seq === forSeq ? new Map(prev.rows) : new Map<number, BoardRow>();
          p.rows.forEach((r, k) => rows.set(p.offset + k, r));
          if (rows.size > KEEP_ROWS)
            for (const i of rows.keys()) if (i < p.offset - KEEP_ROWS / 2 || i > p.offset + p.rows.length + KEEP_ROWS / 2) rows.delete(i);
          return { seq: forSeq, rows };
        });
      }),
    [asOf],
  );

  // A new board: on first show, a new as-of date, or after an edit here.
  const drawnFirst = useRef(initial !== null);
  useEffect(() => {
    if (drawnFirst.current) {
      drawnFirst.current = false;
      return;
    }
    setError(null);
    const s = ++seq.current;
    asked.current = new Set();
    fetchPage(query, 0, visibleRows, true, s).catch((e) => setError(errorOf(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [asOf, reloadKey]);
  useEffect(() => {
    if (page) setAsOfText(page.as_of ?? "");
  }, [page?.as_of]);

  // Another view of the same board: filter, search or sort changed.
  const firstQuery = useRef(true);
  useEffect(() => {
    if (firstQuery.current) {
      firstQuery.current = false;
      return;
    }
    const s = ++seq.current;
    asked.current = new Set();
    setCursor(0);
    scrollRef.current?.scrollTo({ top: 0 });
    fetchPage(query, 0, visibleRows, false, s).catch((e) => setError(errorOf(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  const count = page?.count ?? 0;
  const [headH, head1] = useHeadHeights(headRef, [page === null, count === 0], [80, 33]);
  const { items, before, after, scrollToIndex } = useVirtualRows({ count, scrollRef, rowH: ROW_H, headH, overscan: 10 });

  // Rows scrolled into view that are not loaded yet: ask for their window.
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index + 1 : 0;
  useEffect(() => {
    if (!page || loaded.seq !== seq.current) return;
    const w = windowToFetch(first, last, count, (i) => loaded.rows.has(i), FETCH_OVERSCAN);
    if (!w) return;
    const key = `${seq.current}:${w.offset}:${w.limit}`;
    if (asked.current.has(key)) return;
    asked.current.add(key);
    fetchPage(query, w.offset, w.limit, false, seq.current).catch((e) => setError(errorOf(e)));
  }, [first, last, count, loaded, page, query, fetchPage]);

  useLatency("search", [loaded.seq]);
  useLatency("sort", [loaded.seq]);
  useLatency("move", [cursor]);
  const move = (to: number) => {
    const next = Math.max(0, Math.min(to, count - 1));
    setCursor(next);
    scrollToIndex(next);
  };
  const pageRows = Math.max(1, Math.floor((height - headH) / ROW_H) - 1);
  const onKey = (e: React.KeyboardEvent) => {
    const keys: Record<string, number> = { ArrowDown: cursor + 1, ArrowUp: cursor - 1, PageDown: cursor + pageRows, PageUp: cursor - pageRows, Home: 0, End: count - 1 };
    if (e.key in keys && (e.target as HTMLElement).tagName !== "INPUT") {
      startLatency("move");
      move(keys[e.key]);
      e.preventDefault();
    } else if (e.key === "Enter") {
      const r = loaded.rows.get(cursor);
      if (r) open(r.row.id);
    }
  };

  // Tell the backend once the board is on screen (startup benchmark).
  const reported = useRef(false);
  useLayoutEffect(() => {
    if (page && !reported.current) performance.mark("capcall-board-committed");
  }, [page]);
  useEffect(() => {
    if (page && !reported.current) {
      reported.current = true;
      performance.mark("capcall-board-effect");
      requestAnimationFrame(() => {
        performance.mark("capcall-board-drawn");
        void commands.boardDrawn(pageTimeline());
      });
    }
  }, [page]);

  const set = (change: Partial<BoardQuery>) => setQuery((q) => ({ ...q, ...change }));
  const header = (key: BoardSort, label: string, cls = "") => (
    <th
      className={`sortable ${cls}`}
      onClick={() => {
        startLatency("sort");
        set({ sort: key, desc: query.sort === key ? !query.desc : false });
      }}
      aria-sort={query.sort === key ? (query.desc ? "descending" : "ascending") : "none"}
    >
      {label}
      {query.sort === key ? (query.desc ? "\u00a0▾" : "\u00a0▴") : ""}
    </th>
  );
  const quarter = useMemo(() => loaded.rows.values().next().value?.figures.quarter, [loaded]);

  if (error && !page) return <ErrorBanner error={error} />;
  if (!page) return <Loading />;
  if (page.totals.use_cases === 0)
    return (
      <div className="empty">
        <h2>This portfolio is empty</h2>
        <p>Import use_cases.csv and observations.csv from the Import screen, or use File › Reset to demo portfolio.</p>
      </div>
    );
  const t = page.totals;
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Portfolio</h1>
          <div className="muted">
            Scored as of <strong data-testid="as-of">{page.as_of}</strong> under <span title={`rubric version ${page.rubric_version}`}>{page.rubric_name}</span> ·{" "}
            <span className="count expand">{page.expand.toLocaleString("en-US")} Expand</span> · <span className="count hold">{page.hold.toLocaleString("en-US")} Hold</span> ·{" "}
            <span className="count retire">{page.retire.toLocaleString("en-US")} Retire</span>
          </div>
        </div>
        <label className="field inline">
          As of
          <input
            className="date"
            value={asOfText}
            placeholder="YYYY-MM-DD"
            inputMode="numeric"
            onChange={(e) => setAsOfText(e.target.value)}
            onBlur={() => /^\d{4}-\d{2}-\d{2}$/.test(asOfText.trim()) && asOfText.trim() !== page.as_of && setAsOf(asOfText.trim())}
            onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
            aria-label="Score as of date (YYYY-MM-DD)"
            data-testid="as-of-input"
          />
        </label>
      </div>
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      <div className="filters">
        <input
          placeholder="Search use cases…"
          value={query.text}
          onChange={(e) => {
            startLatency("search");
            set({ text: e.target.value });
          }}
          aria-label="Search"
        />
        <ChoiceFilter value={query.wave} onChange={(wave) => set({ wave })} label="Wave" all="All waves" choices={page.waves} />
        <ChoiceFilter value={query.region} onChange={(region) => set({ region })} label="Region" all="All regions" choices={page.regions} />
        <ChoiceFilter value={query.verdict ?? ""} onChange={(v) => set({ verdict: v ? (v as Path) : null })} label="Verdict" all="All verdicts" choices={VERDICTS} testid="verdict-filter" />
        <select
          value={query.sort}
          onChange={(e) => {
            startLatency("sort");
            set({ sort: e.target.value as BoardSort, desc: false });
          }}
          aria-label="Sort by"
        >
          {SORTS.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={query.over_budget} onChange={(e) => set({ over_budget: e.target.checked })} /> Over budget only
        </label>
        <button
          className="ghost"
          data-testid="board-csv"
          onClick={async () => {
            try {
              const file = await call(commands.exportBoardCsv(page.as_of, page.snapshot, query, null));
              setSaved(file);
            } catch (e) {
              setError(errorOf(e));
            }
          }}
        >
          Export view to CSV
        </button>
        {saved && <span className="muted small">Saved {saved}</span>}
        <AddUseCase
          onAdded={(id) => {
            setSaved(null);
            setReloadKey((k) => k + 1);
            set({ text: id });
          }}
        />
      </div>
      <div className="legend muted small" data-testid="legend">
        Lights, left to right: {page.dimension_labels.join(" · ")}. <span className="light expand" /> Expand <span className="light hold" /> Hold <span className="light retire" /> Retire <span className="light opaque" /> Opaque (data missing; counts as Retire for Economics, Hold elsewhere).
        Spend, forecast and UCR are for {quarter ?? "the last complete quarter"}, the last complete quarter.
      </div>
      <div className="vscroll" ref={scrollRef} style={{ height, ["--head1" as string]: `${head1}px` }} tabIndex={0} onKeyDown={onKey} data-testid="board-scroll">
        <table className="grid board vtable" data-testid="board" aria-rowcount={count}>
          <thead ref={headRef}>
            <tr>
              {header("name", "Use case", "c-name")}
              <th className="lights-head c-lights" title={page.dimension_labels.join(" · ")}>
                Lights
              </th>
              {header("overall", "Overall", "c-overall")}
              {header("budget", "Budget / qtr (USD)", "num c-money")}
              {header("spend", "Spend (USD)", "num c-money")}
              {header("variance", "vs forecast", "num c-var wide-only")}
              {header("ucr", "UCR (q/q)", "num c-pct")}
              <th className="spark c-spark">UCR trend (12 mo)</th>
            </tr>
            <tr className="board-totals" data-testid="board-totals">
              <th colSpan={3}>
                Portfolio: {t.use_cases.toLocaleString("en-US")} use cases
                {count !== t.use_cases && <span data-testid="shown-count"> · {count.toLocaleString("en-US")} shown</span>}
                {t.over_budget > 0 && <span className="over"> · {t.over_budget.toLocaleString("en-US")} over budget</span>}
                {t.open_sev1 + t.open_sev2 > 0 && (
                  <span className="incident-mark">
                    {" "}
                    · open incidents: {t.open_sev1} sev1, {t.open_sev2} sev2
                  </span>
                )}
              </th>
              <th className="num">{formatMoney(t.budget_usd)}</th>
              <th className="num" title={`exact: ${t.spend_usd}`}>
                {formatMoney(t.spend_usd)}
                {page.unallocated_cost_usd !== null && compareDecimal(page.unallocated_cost_usd, "0") !== 0 && (
                  <div className="muted small" title={`exact: ${page.unallocated_cost_usd}`} data-testid="unallocated">
                    + {formatMoney(page.unallocated_cost_usd)} unallocated
                  </div>
                )}
                <div className="muted small narrow-only">{formatPct(t.variance_pct)} vs forecast</div>
              </th>
              <th className="num wide-only" title={`forecast: ${formatMoney(t.forecast_usd)}`}>
                {formatPct(t.variance_pct)}
                <div className="muted small" data-testid="total-forecast">
                  of {formatMoney(t.forecast_usd)}
                </div>
              </th>
              <th />
              <th className="spark" />
            </tr>
          </thead>
          <tbody>
            {items.length > 0 && <tr className="spacer" style={{ height: before }} aria-hidden />}
            {items.map((it) => {
              const r = loaded.rows.get(it.index);
              if (!r)
                return (
                  <tr key={`pending-${it.index}`} data-index={it.index} className={`pending ${it.index === cursor ? "cursor" : ""}`} style={{ height: ROW_H }}>
                    <td colSpan={8} />
                  </tr>
                );
              return (
                <BoardLine
                  key={r.row.id}
                  r={r}
                  at={it.index}
                  cursor={it.index === cursor}
                  approvedName={page.approved_scenario ?? ""}
                  dims={page.dimensions}
                  labels={page.dimension_labels}
                  asOf={page.as_of}
                  select={setCursor}
                  open={open}
                />
              );
            })}
            {items.length > 0 && <tr className="spacer" style={{ height: after }} aria-hidden />}
          </tbody>
        </table>
        {count === 0 && (
          <div className="empty small" data-testid="board-no-match">
            No use case matches these filters.
          </div>
        )}
      </div>
      <p className="muted small">↑/↓, Page Up/Down, Home/End to move, Enter to open. Hover a light for its explanation.</p>
    </div>
  );
}

/** One board row; re-renders only when its own data or the cursor on it changes. */
const BoardLine = memo(function BoardLine({ r, at, cursor, approvedName, dims, labels, asOf, select, open }: { r: BoardRow; at: number; cursor: boolean; approvedName: string; dims: string[]; labels: string[]; asOf: string | null; select: (i: number) => void; open: (id: string) => void }) {
  // One SVG path per drawn row, made when the row is first drawn.
  const spark = useMemo(() => sparkPath(r.sparkline, SPARK_W, SPARK_H), [r.sparkline]);
  const approved = r.vs_approved;
  // The worded explanations are asked for when the pointer first reaches the lights.
  const [score, setScore] = useState<Score | null>(null);
  const explain = () => {
    if (!score) call(commands.boardRowScore(asOf, r.row.id)).then(setScore, () => {});
  };
  return (
    <tr data-index={at} data-id={r.row.id} className={cursor ? "cursor" : ""} onClick={() => select(at)} onDoubleClick={() => open(r.row.id)}>
              <td>
                <button className="link" onClick={() => open(r.row.id)}>
                  {r.row.name}
                </button>
                {r.figures.open_sev1 + r.figures.open_sev2 > 0 && (
                  <span className="incident-mark" title={`open incidents: ${r.figures.open_sev1} sev1, ${r.figures.open_sev2} sev2`} data-testid="incident-mark">
                    {" "}
                    ⚠ {r.figures.open_sev1 > 0 ? `sev1×${r.figures.open_sev1}` : `sev2×${r.figures.open_sev2}`}
                  </span>
                )}
                <div className="muted small" title={`${r.row.id} · ${r.row.owner} · ${r.row.wave} · ${r.row.region} · ${r.row.status}`}>
                  <span className="wide-inline">{r.row.id} · </span>
                  {r.row.owner} · {r.row.wave} · {r.row.region} · {r.row.status}
                </div>
              </td>
              <td className="lights" onMouseEnter={explain} title={score ? `Overall: ${score.overall_explanation}` : "Hover for explanations"}>
                {dims.map((d, k) => {
                  const s = score?.dimensions.find((x) => x.dimension === d);
                  return <Light key={d} verdict={r.lights[k]} title={`${labels[k] ?? d}: ${s ? s.explanation : r.lights[k]}`} />;
                })}
              </td>
              <td>
                <Badge verdict={r.overall} />
              </td>
              <td className="num">
                {formatMoney(r.row.budget_usd)}
                {(() => {
                  const a = approved;
                  return a && a.difference_usd ? (
                    <div className="muted small" title={`approved plan (${approvedName}): ${formatMoney(a.approved_new_budget_usd)}`} data-testid={`vs-approved-${r.row.id}`}>
                      {a.difference_usd.startsWith("-") ? "" : "+"}
                      {formatMoney(a.difference_usd)} vs approved
                    </div>
                  ) : null;
                })()}
              </td>
              <td className={`num ${r.figures.over_budget ? "over" : ""}`} title={r.figures.spend_usd ? `exact: ${r.figures.spend_usd}; ${r.figures.over_budget ? "over" : "within"} budget by ${formatMoney(r.figures.over_budget_by_usd?.replace(/^-/, "") ?? null)}` : "no spend recorded"}>
                {r.figures.over_budget && <span className="over-flag">over</span>}
                {formatMoney(r.figures.spend_usd)}
                <div className="muted small narrow-only">{formatPct(r.figures.variance_pct)} vs forecast</div>
              </td>
              <td className="num wide-only">
                {formatPct(r.figures.variance_pct)}
                {r.figures.forecast_usd !== null && <div className="muted small">of {formatMoney(r.figures.forecast_usd)}</div>}
              </td>
              <td className="num" title={`${r.figures.ucr.quarter} vs ${r.figures.ucr.previous_quarter}${r.figures.ucr.partial_quarter ? `; ${r.figures.ucr.partial_quarter} so far (partial): ${formatUcr(r.figures.ucr.partial_ucr)}` : ""}`}>
                {r.figures.ucr.ucr === null ? <span title="UCR unknown: no spend or no units recorded for the quarter">—</span> : formatUcr(r.figures.ucr.ucr)}
                <div className="muted small">{formatPct(r.figures.ucr.change_pct)}</div>
              </td>
              <td className="spark">
                <svg className="sparkline" viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} preserveAspectRatio="none" role="img" aria-label={`UCR trend of ${r.row.name}, axis from zero`}>
                  <path d={spark} />
                </svg>
              </td>
    </tr>
  );
});
