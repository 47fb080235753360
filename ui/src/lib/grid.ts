// Keys computed once per data load so that search, filter and sort over
// 10,000 rows cost integer comparisons, not string work per keystroke per row.
// Pure; unit-tested in grid.test.ts. No money is computed here: decimal
// strings are only compared (exactly, digit by digit, never as floats).

/** Letters that do not decompose into a base letter and a mark. */
const FOLD: Record<string, string> = { ł: "l", Ł: "L", ø: "o", Ø: "O", đ: "d", Đ: "D", ß: "ss", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE", ı: "i" };

/** Text for matching and ordering: accents and case ignored ("São Paulo" ~ "sao paulo", "Łódź" ~ "lodz"). */
export function fold(text: string): string {
  // Plain ASCII (most names) needs no Unicode normalisation.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[łŁøØđĐßæÆœŒı]/g, (c) => FOLD[c] ?? c)
    .toLowerCase();
}

const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/** Locale-aware order of names: accents fold to their letter (Łódź among the L's); raw text breaks ties. */
export function compareText(a: string, b: string): number {
  return collator.compare(fold(a), fold(b)) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A text's sort key, made once: the folded text, and for text of only
 * lowercase letters, digits and spaces a key whose plain `<` order equals the
 * collator's (digit runs zero-padded: numeric order). Other text is compared
 * by the collator.
 */
export interface TextKey {
  raw: string;
  folded: string;
  simple: string | null;
}

export function textKey(raw: string): TextKey {
  const folded = fold(raw);
  const simple = /^[a-z0-9 ]*$/.test(folded) && !/\d{21}/.test(folded) ? folded.replace(/\d+/g, (d) => d.padStart(20, "0")) : null;
  return { raw, folded, simple };
}

/** Same order as `compareText(a.raw, b.raw)`, fast for plain names. */
export function compareTextKeys(a: TextKey, b: TextKey): number {
  if (a.simple !== null && b.simple !== null && a.simple !== b.simple) return a.simple < b.simple ? -1 : 1;
  return collator.compare(a.folded, b.folded) || (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0);
}

/** A decimal string taken apart once for exact comparison. */
export interface DecimalKey {
  neg: boolean;
  int: string;
  frac: string;
}

export function decimalKey(s: string): DecimalKey {
  const neg = s.startsWith("-");
  const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
  const int = i.replace(/^0+/, "");
  const frac = f.replace(/0+$/, "");
  return { neg: neg && (int !== "" || frac !== ""), int, frac };
}

export function compareDecimalKeys(x: DecimalKey, y: DecimalKey): number {
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const sign = x.neg ? -1 : 1;
  if (x.int.length !== y.int.length) return sign * (x.int.length < y.int.length ? -1 : 1);
  if (x.int !== y.int) return sign * (x.int < y.int ? -1 : 1);
  const n = Math.max(x.frac.length, y.frac.length);
  const fx = x.frac.padEnd(n, "0");
  const fy = y.frac.padEnd(n, "0");
  return fx === fy ? 0 : sign * (fx < fy ? -1 : 1);
}

/** Exact order of decimal strings ("-12.5" < "3" < "10.01"); null sorts last. No floats. */
export function compareDecimal(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareDecimalKeys(decimalKey(a), decimalKey(b));
}

/**
 * Ranks of `n` items under `cmp` (equal items share a rank); an item for
 * which `known(i)` is false gets -1 (unknown, sorted last either way).
 */
export function ranks(n: number, cmp: (i: number, j: number) => number, known: (i: number) => boolean = () => true): Int32Array {
  const out = new Int32Array(n).fill(-1);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (known(i)) order.push(i);
  order.sort(cmp);
  let rank = 0;
  for (let k = 0; k < order.length; k++) {
    if (k > 0 && cmp(order[k - 1], order[k]) !== 0) rank = k;
    out[order[k]] = rank;
  }
  return out;
}

/** Ranks of decimal strings (null unknown). */
export function decimalRanks(values: (string | null)[]): Int32Array {
  const keys = values.map((v) => (v === null ? null : decimalKey(v)));
  return ranks(values.length, (i, j) => compareDecimalKeys(keys[i]!, keys[j]!), (i) => keys[i] !== null);
}

/** Ranks of texts with few distinct values (waves, regions): the distinct values are sorted once. */
export function textRanks(values: string[]): Int32Array {
  const distinct = [...new Set(values)].sort(compareText);
  const at = new Map(distinct.map((v, i) => [v, i]));
  return Int32Array.from(values, (v) => at.get(v)!);
}

/** Ranks of many distinct texts (names). */
export function nameRanks(values: string[]): Int32Array {
  const keys = values.map(textKey);
  return ranks(values.length, (i, j) => compareTextKeys(keys[i], keys[j]));
}

/** Unique ranks by name, ties broken by id (the order every grid falls back to). */
export function nameIdRanks(names: string[], ids: string[]): Int32Array {
  const named = nameRanks(names);
  const sorted = names.map((_, i) => i).sort((a, b) => named[a] - named[b] || compareText(ids[a], ids[b]));
  const out = new Int32Array(names.length);
  sorted.forEach((row, k) => (out[row] = k));
  return out;
}

/**
 * All row indices in order: unknown values last in either direction, then
 * by `rank` (descending when `desc`), ties by `tie` ascending.
 */
export function orderBy(rank: Int32Array, tie: Int32Array, desc: boolean): Int32Array {
  const dir = desc ? -1 : 1;
  const idx = Array.from({ length: rank.length }, (_, i) => i);
  idx.sort((a, b) => {
    const ua = rank[a] < 0 ? 1 : 0;
    const ub = rank[b] < 0 ? 1 : 0;
    return ua - ub || dir * (rank[a] - rank[b]) || tie[a] - tie[b];
  });
  return Int32Array.from(idx);
}

/**
 * One SVG path for a sparkline of `values` (null: a gap), in a box of
 * `width` x `height`, with an honest axis: from zero to the largest value.
 * Pixel positions only (the numbers are UCRs, never money totals).
 */
export function sparkPath(values: (string | null)[], width: number, height: number): string {
  const nums = values.map((v) => (v === null ? null : Number(v))); // chart-position
  let max = 0;
  let min = Infinity;
  for (const v of nums) if (v !== null && Number.isFinite(v)) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (nums.length === 0) return "";
  // A flat series (every point the same, or varying by less than a pixel at
  // this height) is a level line through the middle, not pinned to an edge.
  const flat = min === Infinity || max <= 0 || ((max - min) * (height - 2)) / max < 1;
  const step = nums.length > 1 ? width / (nums.length - 1) : 0;
  let d = "";
  let pen = false;
  nums.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (flat ? height / 2 : max > 0 ? height - 1 - ((height - 2) * v) / max : height - 1).toFixed(1);
    d += `${pen ? "L" : "M"}${x} ${y}`;
    pen = true;
  });
  return d;
}
