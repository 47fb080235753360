// Portfolio board: every use case with its five traffic lights, overall
// verdict, budget against last quarter's spend and forecast, the labelled
// UCR and its sparkline, open sev1/sev2 incidents; portfolio totals pinned
// on top; filters, accent-insensitive search, locale-aware sort, keyboard,
// CSV of the current view. Every figure comes from the core.
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, BoardLine as BoardRow, BoardView as Board, Score } from "../bindings";
import { BoardIndex, distinct, type BoardFilter, type SortKey } from "../lib/board";
import { formatMoney, formatPct, formatUcr } from "../lib/format";
import { Badge, ErrorBanner, Light, Loading } from "./common";
import { sharedUndo } from "../lib/undo";
import { startLatency, useLatency } from "../lib/latency";
import { useFillHeight } from "../lib/layout";

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
        label: `add ${f.id}`,
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

export function BoardView({ open }: { open: (id: string) => void }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [asOf, setAsOf] = useState("");
  const [filter, setFilter] = useState<BoardFilter>({ text: "", wave: "", region: "", verdict: "", overBudget: false });
  const [asOfText, setAsOfText] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "overall", desc: false });
  const [cursor, setCursor] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const [headH, setHeadH] = useState(80);
  const [head1, setHead1] = useState(33);
  const height = useFillHeight(scrollRef, [board, saved, error]);

  useEffect(() => {
    setError(null);
    call(commands.board(asOf || null))
      .then((b) => {
        setBoard(b);
        setAsOfText(b.as_of ?? "");
      })
      .catch((e) => setError(errorOf(e)));
  }, [asOf, reloadKey]);

  // Keys, ranks and orders are computed once per board load; a search
  // keystroke then filters a precomputed order (no sort, no string folding per row).
  const index = useMemo(() => (board ? new BoardIndex(board.rows) : null), [board]);
  const view = useMemo(() => (index ? index.view(filter, sort.key, sort.desc) : []), [index, filter, sort]);
  const waves = useMemo(() => (board ? distinct(board.rows, (r) => r.row.wave) : []), [board]);
  const regions = useMemo(() => (board ? distinct(board.rows, (r) => r.row.region) : []), [board]);
  const counts = useMemo(() => {
    const c: Record<string, number> = { Expand: 0, Hold: 0, Retire: 0 };
    if (index) for (const i of view) c[index.rows[i].overall] += 1;
    return c;
  }, [index, view]);
  const approved = useMemo(() => new Map(board?.vs_approved?.lines.map((l) => [l.use_case, l]) ?? []), [board]);

  useLayoutEffect(() => {
    if (!headRef.current) return;
    setHeadH(headRef.current.getBoundingClientRect().height);
    setHead1(headRef.current.rows[0]?.getBoundingClientRect().height ?? 33);
  }, [board, view.length === 0]);
  // Orders of every sort key made while the user reads the first screen,
  // so the first click on a header is a filter pass, not a sort.
  useEffect(() => {
    if (!index) return;
    let stop = false;
    const keys: SortKey[] = ["name", "budget", "spend", "variance", "ucr", "wave", "region", "overall"];
    const jobs = keys.flatMap((k) => [() => index.order(k, false), () => index.order(k, true)]);
    const next = () => {
      const job = jobs.shift();
      if (!stop && job) {
        job();
        setTimeout(next, 30);
      }
    };
    const first = setTimeout(next, 500);
    return () => {
      stop = true;
      clearTimeout(first);
    };
  }, [index]);
  const virtualizer = useVirtualizer({
    count: view.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 10,
    paddingStart: headH,
    scrollPaddingStart: headH,
  });
  const items = virtualizer.getVirtualItems();

  useLatency("search", [view]);
  useLatency("sort", [view]);
  useLatency("move", [cursor]);
  const move = (to: number) => {
    const next = Math.max(0, Math.min(to, view.length - 1));
    setCursor(next);
    virtualizer.scrollToIndex(next, { align: "auto" });
  };
  const pageRows = Math.max(1, Math.floor((height - headH) / ROW_H) - 1);
  const onKey = (e: React.KeyboardEvent) => {
    const keys: Record<string, number> = { ArrowDown: cursor + 1, ArrowUp: cursor - 1, PageDown: cursor + pageRows, PageUp: cursor - pageRows, Home: 0, End: view.length - 1 };
    if (e.key in keys && (e.target as HTMLElement).tagName !== "INPUT") {
      startLatency("move");
      move(keys[e.key]);
      e.preventDefault();
    } else if (e.key === "Enter" && index && view[cursor] !== undefined) {
      open(index.rows[view[cursor]].row.id);
    }
  };

  // Tell the backend once the board is on screen (startup benchmark).
  const reported = useRef(false);
  useEffect(() => {
    if (board && !reported.current) {
      reported.current = true;
      requestAnimationFrame(() => void commands.boardDrawn());
    }
  }, [board]);

  // A new view starts at its top.
  useEffect(() => {
    setCursor(0);
    scrollRef.current?.scrollTo({ top: 0 });
  }, [filter, sort]);

  const header = (key: SortKey, label: string, cls = "") => (
    <th className={`sortable ${cls}`} onClick={() => {
        startLatency("sort");
        setSort({ key, desc: sort.key === key ? !sort.desc : false });
      }} aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}>
      {label}
      {sort.key === key ? (sort.desc ? " ▾" : " ▴") : ""}
    </th>
  );

  if (error) return <ErrorBanner error={error} />;
  if (!board || !index) return <Loading />;
  if (board.rows.length === 0)
    return (
      <div className="empty">
        <h2>This portfolio is empty</h2>
        <p>Import use_cases.csv and observations.csv from the Import screen, or use File › Reset to demo portfolio.</p>
      </div>
    );
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Portfolio</h1>
          <div className="muted">
            Scored as of <strong data-testid="as-of">{board.as_of}</strong> under {board.rubric_name} (v{board.rubric_version}) ·{" "}
            <span className="count expand">{counts.Expand} Expand</span> · <span className="count hold">{counts.Hold} Hold</span> ·{" "}
            <span className="count retire">{counts.Retire} Retire</span>
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
            onBlur={() => /^\d{4}-\d{2}-\d{2}$/.test(asOfText.trim()) && asOfText.trim() !== board.as_of && setAsOf(asOfText.trim())}
            onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
            aria-label="Score as of date (YYYY-MM-DD)"
            data-testid="as-of-input"
          />
        </label>
      </div>
      <div className="filters">
        <input placeholder="Search use cases…" value={filter.text} onChange={(e) => {
            startLatency("search");
            setFilter({ ...filter, text: e.target.value });
          }}
          aria-label="Search"
        />
        <select value={filter.wave} onChange={(e) => setFilter({ ...filter, wave: e.target.value })} aria-label="Wave">
          <option value="">All waves</option>
          {waves.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
        <select value={filter.region} onChange={(e) => setFilter({ ...filter, region: e.target.value })} aria-label="Region">
          <option value="">All regions</option>
          {regions.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
        <select value={filter.verdict} onChange={(e) => setFilter({ ...filter, verdict: e.target.value })} aria-label="Verdict" data-testid="verdict-filter">
          <option value="">All verdicts</option>
          <option value="Expand">Expand</option>
          <option value="Hold">Hold</option>
          <option value="Retire">Retire</option>
        </select>
        <select
          value={sort.key}
          onChange={(e) => {
            startLatency("sort");
            setSort({ key: e.target.value as SortKey, desc: false });
          }}
          aria-label="Sort by"
        >
          {(
            [
              ["overall", "Sort: verdict"],
              ["name", "Sort: name"],
              ["wave", "Sort: wave"],
              ["region", "Sort: region"],
              ["budget", "Sort: budget"],
              ["spend", "Sort: spend"],
              ["variance", "Sort: vs forecast"],
              ["ucr", "Sort: UCR"],
            ] as [SortKey, string][]
          ).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={filter.overBudget} onChange={(e) => setFilter({ ...filter, overBudget: e.target.checked })} /> Over budget only
        </label>
        <button
          className="ghost"
          data-testid="board-csv"
          onClick={async () => {
            try {
              const file = await call(commands.exportBoardCsv(board.as_of, view.map((i) => index.rows[i].row.id), null));
              setSaved(file);
            } catch (e) {
              setError(errorOf(e));
            }
          }}
        >
          Export view to CSV
        </button>
        {saved && <span className="muted small">Saved {saved}</span>}
        <AddUseCase onAdded={(id) => { setSaved(null); setReloadKey((k) => k + 1); setFilter({ ...filter, text: id }); }} />
      </div>
      <div className="legend muted small" data-testid="legend">
        Lights, left to right: Value · SLOs · Safety · Economics · Adoption.{" "}
        <span className="light expand" /> Expand <span className="light hold" /> Hold <span className="light retire" /> Retire <span className="light opaque" /> Opaque (data missing; counts as Retire for Economics, Hold elsewhere).
        Spend, forecast and UCR are for {board.totals.use_cases > 0 && board.rows[0] ? board.rows[0].figures.quarter : "the last complete quarter"}, the last complete quarter.
      </div>
      <div className="vscroll" ref={scrollRef} style={{ height, ["--head1" as string]: `${head1}px` }} tabIndex={0} onKeyDown={onKey} data-testid="board-scroll">
        <table className="grid board vtable" data-testid="board" aria-rowcount={view.length}>
          <thead ref={headRef}>
            <tr>
              {header("name", "Use case")}
              <th className="lights-head" title="Value · SLOs · Safety · Economics · Adoption">V · S · Sa · E · A</th>
              {header("overall", "Overall")}
              {header("budget", "Budget / qtr (USD)", "num")}
              {header("spend", "Spend (USD)", "num")}
              {header("variance", "vs forecast", "num")}
              {header("ucr", "UCR (q/q)", "num")}
              <th className="spark">UCR trend (12 mo)</th>
            </tr>
            <tr className="board-totals" data-testid="board-totals">
              <th colSpan={3}>
                Portfolio: {board.totals.use_cases.toLocaleString("en-US")} use cases
                {view.length !== board.rows.length && <span data-testid="shown-count"> · {view.length.toLocaleString("en-US")} shown</span>}
                {board.totals.over_budget > 0 && <span className="over"> · {board.totals.over_budget} over budget</span>}
                {board.totals.open_sev1 + board.totals.open_sev2 > 0 && (
                  <span className="incident-mark">
                    {" "}
                    · open incidents: {board.totals.open_sev1} sev1, {board.totals.open_sev2} sev2
                  </span>
                )}
              </th>
              <th className="num">{formatMoney(board.totals.budget_usd)}</th>
              <th className="num" title={`exact: ${board.totals.spend_usd}`}>
                {formatMoney(board.totals.spend_usd)}
                {board.unallocated_cost_usd !== null && (
                  <div className="muted small" title={`exact: ${board.unallocated_cost_usd}`} data-testid="unallocated">
                    + {formatMoney(board.unallocated_cost_usd)} unallocated
                  </div>
                )}
              </th>
              <th className="num">{formatPct(board.totals.variance_pct)}</th>
              <th />
              <th className="spark" />
            </tr>
          </thead>
          <tbody>
            {items.length > 0 && <tr className="spacer" style={{ height: items[0].start - headH }} aria-hidden />}
            {items.map((it) => {
              const r = index.rows[view[it.index]];
              return (
                <BoardLine
                  key={r.row.id}
                  r={r}
                  at={it.index}
                  cursor={it.index === cursor}
                  spark={index.spark(view[it.index], SPARK_W, SPARK_H)}
                  approved={approved.get(r.row.id)}
                  approvedName={board.vs_approved?.scenario ?? ""}
                  dims={board.dimensions}
                  asOf={board.as_of}
                  select={setCursor}
                  open={open}
                />
              );
            })}
            {items.length > 0 && <tr className="spacer" style={{ height: virtualizer.getTotalSize() - items[items.length - 1].end }} aria-hidden />}
          </tbody>
        </table>
        {view.length === 0 && (
          <div className="empty small" data-testid="board-no-match">
            No use case matches these filters.
          </div>
        )}
      </div>
      <p className="muted small">↑/↓, Page Up/Down, Home/End to move, Enter to open. Hover a light for its explanation.</p>
    </div>
  );
}

type ApprovedLine = NonNullable<Board["vs_approved"]>["lines"][number];

/** One board row; re-renders only when its own data or the cursor on it changes. */
const BoardLine = memo(function BoardLine({ r, at, cursor, spark, approved, approvedName, dims, asOf, select, open }: { r: BoardRow; at: number; cursor: boolean; spark: string; approved: ApprovedLine | undefined; approvedName: string; dims: string[]; asOf: string | null; select: (i: number) => void; open: (id: string) => void }) {
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
                <div className="muted small">
                  {r.row.id} · {r.row.owner} · {r.row.wave} · {r.row.region} · {r.row.status}
                </div>
              </td>
              <td className="lights" onMouseEnter={explain} title={score ? `Overall: ${score.overall_explanation}` : "Hover for explanations"}>
                {dims.map((d, k) => {
                  const s = score?.dimensions.find((x) => x.dimension === d);
                  return <Light key={d} verdict={r.lights[k]} title={s ? `${d}: ${s.explanation}` : `${d}: ${r.lights[k]}`} />;
                })}
              </td>
              <td>
                <Badge verdict={r.overall} />
              </td>
              <td className="num">
                {formatMoney(r.row.budget_usd)}
                {(() => {
                  const a = approved;
                  return a && a.difference_usd && a.difference_usd !== "0.00" ? (
                    <div className="muted small" title={`approved plan (${approvedName}): ${formatMoney(a.approved_new_budget_usd)}`} data-testid={`vs-approved-${r.row.id}`}>
                      {a.difference_usd.startsWith("-") ? "" : "+"}
                      {formatMoney(a.difference_usd)} vs approved
                    </div>
                  ) : null;
                })()}
              </td>
              <td className={`num ${r.figures.over_budget ? "over" : ""}`} title={r.figures.spend_usd ? `exact: ${r.figures.spend_usd}; ${r.figures.over_budget ? "over" : "within"} budget by ${formatMoney(r.figures.over_budget_by_usd?.replace(/^-/, "") ?? null)}` : "no spend recorded"}>
                {formatMoney(r.figures.spend_usd)}
                {r.figures.over_budget && <span className="over-flag"> over</span>}
              </td>
              <td className="num">{formatPct(r.figures.variance_pct)}</td>
              <td className="num" title={`${r.figures.ucr.quarter} vs ${r.figures.ucr.previous_quarter}${r.figures.ucr.partial_quarter ? `; ${r.figures.ucr.partial_quarter} so far (partial): ${formatUcr(r.figures.ucr.partial_ucr)}` : ""}`}>
                {formatUcr(r.figures.ucr.ucr)}
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
