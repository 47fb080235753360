// Filtering and sorting of the portfolio board (pure, unit-tested).
import type { BoardRow } from "../bindings";

export interface BoardFilter {
  text: string;
  wave: string;
  region: string;
  verdict: string;
}

export type SortKey = "name" | "wave" | "region" | "overall" | "budget" | "ucr";

const verdictRank: Record<string, number> = { Expand: 0, Hold: 1, Retire: 2 };

/** Compares decimal strings exactly enough for ordering (sign, integer length, digits). */
export function compareDecimal(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const na = Number(a);
  const nb = Number(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export function filterRows(rows: BoardRow[], f: BoardFilter): BoardRow[] {
  const q = f.text.trim().toLowerCase();
  return rows.filter((r) => {
    const u = r.row;
    if (f.wave && u.wave !== f.wave) return false;
    if (f.region && u.region !== f.region) return false;
    if (f.verdict && r.score.overall !== f.verdict) return false;
    if (q && !`${u.id} ${u.name} ${u.owner}`.toLowerCase().includes(q)) return false;
    return true;
  });
}

export function sortRows(rows: BoardRow[], key: SortKey, desc: boolean): BoardRow[] {
  const dir = desc ? -1 : 1;
  const cmp = (a: BoardRow, b: BoardRow): number => {
    switch (key) {
      case "name":
        return a.row.name.localeCompare(b.row.name);
      case "wave":
        return a.row.wave.localeCompare(b.row.wave) || a.row.name.localeCompare(b.row.name);
      case "region":
        return a.row.region.localeCompare(b.row.region) || a.row.name.localeCompare(b.row.name);
      case "overall":
        return verdictRank[a.score.overall] - verdictRank[b.score.overall] || a.row.name.localeCompare(b.row.name);
      case "budget":
        return compareDecimal(a.row.budget_usd, b.row.budget_usd);
      case "ucr":
        return compareDecimal(a.row.latest_ucr, b.row.latest_ucr);
    }
  };
  return [...rows].sort((a, b) => dir * cmp(a, b));
}

export function distinct(rows: BoardRow[], pick: (r: BoardRow) => string): string[] {
  return [...new Set(rows.map(pick))].sort();
}
