// Filtering and sorting of the portfolio board (pure, unit-tested). The
// figures themselves come from the core (BoardRow.figures, Board.totals);
// this file only decides which rows show and in what order.
import type { BoardLine as BoardRow } from "../bindings";
import { compareDecimal, compareText, decimalRanks, fold, nameIdRanks, orderBy, sparkPath, textRanks } from "./grid";

export interface BoardFilter {
  text: string;
  wave: string;
  region: string;
  verdict: string;
  overBudget: boolean;
}

export type SortKey = "name" | "wave" | "region" | "overall" | "budget" | "spend" | "variance" | "ucr";

const verdictRank: Record<string, number> = { Expand: 0, Hold: 1, Retire: 2 };

export { compareDecimal, compareText, fold } from "./grid";

export function filterRows(rows: BoardRow[], f: BoardFilter): BoardRow[] {
  const q = fold(f.text.trim());
  return rows.filter((r) => {
    const u = r.row;
    if (f.wave && u.wave !== f.wave) return false;
    if (f.region && u.region !== f.region) return false;
    if (f.verdict && r.overall !== f.verdict) return false;
    if (f.overBudget && !r.figures.over_budget) return false;
    if (q && !fold(`${u.id} ${u.name} ${u.owner} ${u.region} ${u.wave}`).includes(q)) return false;
    return true;
  });
}

export function sortRows(rows: BoardRow[], key: SortKey, desc: boolean): BoardRow[] {
  const dir = desc ? -1 : 1;
  const byName = (a: BoardRow, b: BoardRow) => compareText(a.row.name, b.row.name) || compareText(a.row.id, b.row.id);
  const primary = (a: BoardRow, b: BoardRow): number => {
    switch (key) {
      case "name":
        return byName(a, b);
      case "wave":
        return compareText(a.row.wave, b.row.wave);
      case "region":
        return compareText(a.row.region, b.row.region);
      case "overall":
        return verdictRank[a.overall] - verdictRank[b.overall];
      case "budget":
        return compareDecimal(a.row.budget_usd, b.row.budget_usd);
      case "spend":
        return compareDecimal(a.figures.spend_usd, b.figures.spend_usd);
      case "variance":
        return compareDecimal(a.figures.variance_pct, b.figures.variance_pct);
      case "ucr":
        return compareDecimal(a.figures.ucr.ucr, b.figures.ucr.ucr);
      default: {
        const never: never = key;
        return never;
      }
    }
  };
  const value = (r: BoardRow): string | null | undefined =>
    key === "budget" ? r.row.budget_usd : key === "spend" ? r.figures.spend_usd : key === "variance" ? r.figures.variance_pct : key === "ucr" ? r.figures.ucr.ucr : undefined;
  // Unknown figures sort last in either direction; ties fall back to the name, ascending.
  const unknownLast = (a: BoardRow, b: BoardRow) => Number(value(a) === null) - Number(value(b) === null);
  return [...rows].sort((a, b) => unknownLast(a, b) || dir * primary(a, b) || byName(a, b));
}

export function distinct(rows: BoardRow[], pick: (r: BoardRow) => string): string[] {
  return [...new Set(rows.map(pick))].sort(compareText);
}

/**
 * The board's rows with their search text, sort ranks, ordered views and
 * sparkline paths, each computed once per board load (or on first use), so
 * a keystroke in the search box filters a precomputed order: O(rows), no sort.
 */
export class BoardIndex {
  readonly rows: BoardRow[];
  private readonly hay: string[];
  private readonly nameRank: Int32Array;
  private readonly rankCache = new Map<SortKey, Int32Array>();
  private readonly orderCache = new Map<string, Int32Array>();
  private readonly paths = new Map<number, string>();

  constructor(rows: BoardRow[]) {
    this.rows = rows;
    this.hay = rows.map((r) => fold(`${r.row.id} ${r.row.name} ${r.row.owner} ${r.row.region} ${r.row.wave}`));
    // Name, then id: the tie-break of every order.
    this.nameRank = nameIdRanks(
      rows.map((r) => r.row.name),
      rows.map((r) => r.row.id),
    );
  }

  private rank(key: SortKey): Int32Array {
    let r = this.rankCache.get(key);
    if (r) return r;
    const rows = this.rows;
    switch (key) {
      case "name":
        r = this.nameRank;
        break;
      case "wave":
        r = textRanks(rows.map((x) => x.row.wave));
        break;
      case "region":
        r = textRanks(rows.map((x) => x.row.region));
        break;
      case "overall":
        r = Int32Array.from(rows, (x) => verdictRank[x.overall]);
        break;
      case "budget":
        r = decimalRanks(rows.map((x) => x.row.budget_usd));
        break;
      case "spend":
        r = decimalRanks(rows.map((x) => x.figures.spend_usd));
        break;
      case "variance":
        r = decimalRanks(rows.map((x) => x.figures.variance_pct));
        break;
      case "ucr":
        r = decimalRanks(rows.map((x) => x.figures.ucr.ucr));
        break;
      default: {
        const never: never = key;
        return never;
      }
    }
    this.rankCache.set(key, r);
    return r;
  }

  /** Every row in the order of `key`. */
  order(key: SortKey, desc: boolean): Int32Array {
    const k = `${key}:${desc}`;
    let o = this.orderCache.get(k);
    if (!o) {
      o = orderBy(this.rank(key), this.nameRank, desc);
      this.orderCache.set(k, o);
    }
    return o;
  }

  /** Indices of the rows `f` keeps, in the order of `key`. */
  view(f: BoardFilter, key: SortKey, desc: boolean): number[] {
    const q = fold(f.text.trim());
    const out: number[] = [];
    for (const i of this.order(key, desc)) {
      const r = this.rows[i];
      if (f.wave && r.row.wave !== f.wave) continue;
      if (f.region && r.row.region !== f.region) continue;
      if (f.verdict && r.overall !== f.verdict) continue;
      if (f.overBudget && !r.figures.over_budget) continue;
      if (q && !this.hay[i].includes(q)) continue;
      out.push(i);
    }
    return out;
  }

  /** The row's sparkline as one SVG path (made on first draw, then kept). */
  spark(i: number, width: number, height: number): string {
    let p = this.paths.get(i);
    if (p === undefined) {
      p = sparkPath(this.rows[i].sparkline, width, height);
      this.paths.set(i, p);
    }
    return p;
  }
}
