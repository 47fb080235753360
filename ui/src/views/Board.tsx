// Portfolio board: every use case with its five traffic lights, overall
// verdict, budget, latest UCR and sparkline; filters, sort, keyboard.
import { useEffect, useMemo, useRef, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, Board } from "../bindings";
import { distinct, filterRows, sortRows, type BoardFilter, type SortKey } from "../lib/board";
import { formatMoney, formatUcr } from "../lib/format";
import { Sparkline } from "../lib/Chart";
import { Badge, ErrorBanner, Light, Loading } from "./common";

const PAGE = 200;
const DIMS = ["value", "slos", "safety", "economics", "adoption"] as const;

export function BoardView({ open }: { open: (id: string) => void }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [asOf, setAsOf] = useState("");
  const [filter, setFilter] = useState<BoardFilter>({ text: "", wave: "", region: "", verdict: "" });
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "overall", desc: false });
  const [cursor, setCursor] = useState(0);
  const [page, setPage] = useState(0);
  const tableRef = useRef<HTMLTableElement>(null);

  useEffect(() => {
    setError(null);
    call(commands.board(asOf || null))
      .then(setBoard)
      .catch((e) => setError(errorOf(e)));
  }, [asOf]);

  const rows = useMemo(() => (board ? sortRows(filterRows(board.rows, filter), sort.key, sort.desc) : []), [board, filter, sort]);
  const shown = rows.slice(page * PAGE, (page + 1) * PAGE);
  const counts = useMemo(() => {
    const c: Record<string, number> = { Expand: 0, Hold: 0, Retire: 0 };
    rows.forEach((r) => (c[r.score.overall] += 1));
    return c;
  }, [rows]);

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowDown") {
      setCursor((c) => Math.min(c + 1, shown.length - 1));
      e.preventDefault();
    } else if (e.key === "ArrowUp") {
      setCursor((c) => Math.max(c - 1, 0));
      e.preventDefault();
    } else if (e.key === "Enter" && shown[cursor]) {
      open(shown[cursor].row.id);
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

  useEffect(() => {
    tableRef.current?.querySelector<HTMLElement>(`tr[data-index="${cursor}"]`)?.scrollIntoView({ block: "nearest" });
  }, [cursor]);

  const header = (key: SortKey, label: string, cls = "") => (
    <th className={`sortable ${cls}`} onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : false })} aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}>
      {label}
      {sort.key === key ? (sort.desc ? " ▾" : " ▴") : ""}
    </th>
  );

  if (error) return <ErrorBanner error={error} />;
  if (!board) return <Loading />;
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
          <input type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} aria-label="Score as of date" />
        </label>
      </div>
      <div className="filters">
        <input placeholder="Search use cases…" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} aria-label="Search" />
        <select value={filter.wave} onChange={(e) => setFilter({ ...filter, wave: e.target.value })} aria-label="Wave">
          <option value="">All waves</option>
          {distinct(board.rows, (r) => r.row.wave).map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
        <select value={filter.region} onChange={(e) => setFilter({ ...filter, region: e.target.value })} aria-label="Region">
          <option value="">All regions</option>
          {distinct(board.rows, (r) => r.row.region).map((w) => (
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
      </div>
      <table className="grid board" tabIndex={0} onKeyDown={onKey} ref={tableRef} data-testid="board">
        <thead>
          <tr>
            {header("name", "Use case")}
            {header("wave", "Wave")}
            {header("region", "Region")}
            <th className="lights-head" title="Value · SLOs · Safety · Economics · Adoption">V · S · Sa · E · A</th>
            {header("overall", "Overall")}
            {header("budget", "Budget / qtr (USD)", "num")}
            {header("ucr", "Latest UCR", "num")}
            <th>UCR trend (12 mo)</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={r.row.id} data-index={i} data-id={r.row.id} className={i === cursor ? "cursor" : ""} onClick={() => setCursor(i)} onDoubleClick={() => open(r.row.id)}>
              <td>
                <button className="link" onClick={() => open(r.row.id)}>
                  {r.row.name}
                </button>
                <div className="muted small">
                  {r.row.id} · {r.row.owner} · {r.row.status}
                </div>
              </td>
              <td>{r.row.wave}</td>
              <td>{r.row.region}</td>
              <td className="lights">
                {DIMS.map((d) => {
                  const s = r.score.dimensions.find((x) => x.dimension === d)!;
                  return <Light key={d} verdict={s.verdict} title={`${d}: ${s.explanation}`} />;
                })}
              </td>
              <td>
                <Badge verdict={r.score.overall} />
              </td>
              <td className="num">{formatMoney(r.row.budget_usd)}</td>
              <td className="num">{formatUcr(r.row.latest_ucr)}</td>
              <td className="spark">
                <Sparkline values={r.sparkline} label={`UCR trend of ${r.row.name}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > PAGE && (
        <div className="pager">
          <button disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span className="muted">
            {page * PAGE + 1}–{Math.min(rows.length, (page + 1) * PAGE)} of {rows.length.toLocaleString("en-US")}
          </span>
          <button disabled={(page + 1) * PAGE >= rows.length} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </div>
      )}
      <p className="muted small">↑/↓ to move, Enter to open. Hover a light for its explanation.</p>
    </div>
  );
}
