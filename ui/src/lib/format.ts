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

/**
 * Money to the cent, grouped: "1234567.5" -> "1,234,567.50". Measured money
 * arrives exact ("18885.7030", "0.0095") and is rounded half to even to the
 * cent, the rule of capcall-core/src/format.rs; string arithmetic only.
 */
export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign, intRaw, fracRaw = ""] = m;
  let cents = (intRaw || "0") + (fracRaw + "00").slice(0, 2);
  const rest = fracRaw.slice(2);
  if (rest.length > 0) {
    const first = rest[0];
    const tail = /[1-9]/.test(rest.slice(1));
    const lastKeptOdd = Number(cents[cents.length - 1]) % 2 === 1;
    if (first > "5" || (first === "5" && (tail || lastKeptOdd))) cents = incrementDigits(cents);
  }
  const int = cents.slice(0, -2).replace(/^0+(?=\d)/, "") || "0";
  const frac = cents.slice(-2);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const isZero = /^0*$/.test(cents);
  return `${sign && !isZero ? "-" : ""}${grouped}.${frac}`;
}

/** Money with a currency sign: "$1,234.50". */
export function formatUsd(amount: string | null | undefined): string {
  const f = formatMoney(amount);
  if (f === "—") return f;
  return f.startsWith("-") ? `-$${f.slice(1)}` : `$${f}`;
}

/** A UCR to 4 significant digits: "0.0091344" -> "0.009134". Display only. */
export function formatUcr(ucr: string | null | undefined): string {
  if (ucr === null || ucr === undefined || ucr === "") return "unknown";
  const n = Number(ucr);
  if (!Number.isFinite(n)) return ucr;
  if (n === 0) return "0";
  return String(Number(n.toPrecision(4)));
}

/** "3.25" -> "+3.3%"; null -> "—". */
export function formatPct(p: string | number | null | undefined): string {
  if (p === null || p === undefined || p === "") return "—";
  const n = typeof p === "number" ? p : Number(p);
  if (!Number.isFinite(n)) return String(p);
  const r = Math.round(n * 10) / 10;
  return `${r > 0 ? "+" : ""}${r.toFixed(1)}%`;
}

/** Is this text an amount the backend will accept (it decides; this only guides typing)? */
export function looksLikeAmount(text: string): boolean {
  return /^\s*\(?-?\$?(\d{1,3}(,\d{3})+|\d*)(\.\d{0,2})?\)?\s*$/.test(text) && /\d/.test(text);
}
