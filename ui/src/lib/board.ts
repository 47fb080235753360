// Filtering and sorting of the portfolio board (pure, unit-tested). The
// figures themselves come from the core (BoardRow.figures, Board.totals);
// this file only decides which rows show and in what order.
import type { BoardRow } from "../bindings";

export interface BoardFilter {
  text: string;
  wave: string;
  region: string;
  verdict: string;
  overBudget: boolean;
}

export type SortKey = "name" | "wave" | "region" | "overall" | "budget" | "spend" | "variance" | "ucr";

const verdictRank: Record<string, number> = { Expand: 0, Hold: 1, Retire: 2 };

/** Letters that do not decompose into a base letter and a mark. */
const FOLD: Record<string, string> = { ł: "l", Ł: "L", ø: "o", Ø: "O", đ: "d", Đ: "D", ß: "ss", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE", ı: "i" };

/** Text for matching and ordering: accents and case ignored ("São Paulo" ~ "sao paulo", "Łódź" ~ "lodz"). */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[łŁøØđĐßæÆœŒı]/g, (c) => FOLD[c] ?? c)
    .toLowerCase();
}

const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/** Locale-aware order of names: accents fold to their letter (Łódź among the L's). */
export function compareText(a: string, b: string): number {
  return collator.compare(fold(a), fold(b)) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Exact order of decimal strings ("-12.5" < "3" < "10.01"); null sorts last. No floats. */
export function compareDecimal(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const parse = (s: string) => {
    const neg = s.startsWith("-");
    const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
    const int = i.replace(/^0+/, "");
    const frac = f.replace(/0+$/, "");
    return { neg: neg && (int !== "" || frac !== ""), int, frac };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const sign = x.neg ? -1 : 1;
  if (x.int.length !== y.int.length) return sign * (x.int.length < y.int.length ? -1 : 1);
  if (x.int !== y.int) return sign * (x.int < y.int ? -1 : 1);
  const n = Math.max(x.frac.length, y.frac.length);
  const fx = x.frac.padEnd(n, "0");
  const fy = y.frac.padEnd(n, "0");
  return fx === fy ? 0 : sign * (fx < fy ? -1 : 1);
}

export function filterRows(rows: BoardRow[], f: BoardFilter): BoardRow[] {
  const q = fold(f.text.trim());
  return rows.filter((r) => {
    const u = r.row;
    if (f.wave && u.wave !== f.wave) return false;
    if (f.region && u.region !== f.region) return false;
    if (f.verdict && r.score.overall !== f.verdict) return false;
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
        return verdictRank[a.score.overall] - verdictRank[b.score.overall];
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
