// Display rules, in one place (docs/formats.md "Money in the UI"):
// money: thousands separators, 2 decimals, from the exact decimal string the
// backend sends (never through a float); UCR: 4 significant digits;
// percentages: 1 decimal with sign.

/** Adds one to a string of decimal digits: "0999" -> "1000". */
function incrementDigits(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== "9") {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
    out[i] = "0";
  }
  return "1" + out.join("");
}

/** A plain decimal string split into sign, integer and fraction digits; null if not one. */
function parts(text: string): { negative: boolean; int: string; frac: string } | null {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || !/\d/.test(text)) return null;
  return { negative: m[1] === "-", int: m[2] || "0", frac: m[3] ?? "" };
}

/** Rounds the digit string `kept` half to even given the digits cut off after it. */
function roundKept(kept: string, cut: string): string {
  if (cut.length === 0) return kept;
  const tail = /[1-9]/.test(cut.slice(1));
  const lastKeptOdd = Number(kept[kept.length - 1] ?? "0") % 2 === 1;
  return cut[0] > "5" || (cut[0] === "5" && (tail || lastKeptOdd)) ? incrementDigits(kept) : kept;
}

/**
 * A decimal string rounded half to even to `dp` decimals, as "-?int.frac"
 * (the rule of capcall-core/src/format.rs); string arithmetic only. Null
 * when `text` is not a plain decimal.
 */
export function roundHalfEven(text: string, dp: number): string | null {
  const p = parts(text);
  if (!p) return null;
  const digits = roundKept(p.int + (p.frac + "0".repeat(dp)).slice(0, dp), p.frac.slice(dp));
  const int = digits.slice(0, digits.length - dp).replace(/^0+(?=\d)/, "") || "0";
  const frac = dp > 0 ? digits.slice(-dp) : "";
  const isZero = /^0*$/.test(digits);
  return `${p.negative && !isZero ? "-" : ""}${int}${dp > 0 ? "." + frac : ""}`;
}

/**
 * Money to the cent, grouped: "1234567.5" -> "1,234,567.50". Measured money
 * arrives exact ("18885.7030", "0.0095") and is rounded half to even to the
 * cent, the rule of capcall-core/src/format.rs; string arithmetic only.
 */
export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const r = roundHalfEven(amount, 2);
  if (r === null) return amount;
  const [int, frac] = r.replace("-", "").split(".");
  return `${r.startsWith("-") ? "-" : ""}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
}

/** Money with a currency sign: "$1,234.50". */
export function formatUsd(amount: string | null | undefined): string {
  const f = formatMoney(amount);
  if (f === "—") return f;
  return f.startsWith("-") ? `-$${f.slice(1)}` : `$${f}`;
}

/**
 * A UCR to 4 significant digits, half to even, trailing zeros dropped:
 * "0.0091344" -> "0.009134" (core's `format::ucr`). Display only.
 */
export function formatUcr(ucr: string | null | undefined): string {
  if (ucr === null || ucr === undefined || ucr === "") return "unknown";
  const p = parts(ucr);
  if (!p) return ucr;
  const all = p.int + p.frac;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return "0";
  const keep = lead + 4;
  let point = p.int.length;
  let digits = all;
  if (keep < all.length) {
    const rounded = roundKept(all.slice(0, keep), all.slice(keep));
    point += rounded.length - keep; // a carry adds a digit in front
    digits = rounded.padEnd(point, "0");
  }
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0";
  const frac = digits.slice(point).replace(/0+$/, "");
  return `${p.negative ? "-" : ""}${int}${frac ? "." + frac : ""}`;
}

/** One decimal with sign, half to even (core's `format::pct`): "3.25" -> "+3.2%"; null -> "—". */
export function formatPct(p: string | number | null | undefined): string {
  if (p === null || p === undefined || p === "") return "—";
  const r = roundHalfEven(typeof p === "number" ? String(p) : p, 1);
  if (r === null) return String(p);
  return `${!r.startsWith("-") && r !== "0.0" ? "+" : ""}${r}%`;
}

/** Is this text an amount the backend will accept (it decides; this only guides typing)? */
export function looksLikeAmount(text: string): boolean {
  return /^\s*\(?-?\$?(\d{1,3}(,\d{3})+|\d*)(\.\d{0,2})?\)?\s*$/.test(text) && /\d/.test(text);
}

/**
 * A stored UTC timestamp as people read it (core's `format::timestamp`):
 * "2026-11-25T08:09:58Z" -> "2026-11-25 08:09 UTC"; other text as it is.
 */
export function formatTimestamp(ts: string | null | undefined): string {
  if (ts === null || ts === undefined) return "—";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}Z$/.exec(ts.trim());
  return m ? `${m[1]} ${m[2]} UTC` : ts;
}

/** A count with its noun, grouped: plural(1, "rule change") -> "1 rule change", plural(1200, "week") -> "1,200 weeks". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
