// Architecture invariant: the UI renders what the core decides and never
// computes money. Money fields arrive as exact strings; the only operations
// allowed on them are formatting (format.ts), comparing for sort order
// (board.ts compareDecimal) and chart positions (marked `chart-position`).
// This test reads every view and helper and fails on arithmetic or float
// conversion of a money field.
import { describe, expect, it } from "vitest";

const MONEY = /\b\w*(_usd|projected_value|_cost)\b/;
const FLOAT_OR_MATH = [
  /\b(Number|parseFloat|parseInt|Math\.\w+)\s*\([^)]*\b\w*(_usd|projected_value|_cost)\b/,
  /\b\w*(_usd|projected_value|_cost)\b\s*[-+*/%]\s*[\w(]/,
  /[\w)]\s*[-+*/%]\s*[\w.?]*\b\w*(_usd|projected_value|_cost)\b/,
  /\b\w*(_usd|projected_value|_cost)\b[^;]*\.(toFixed|toPrecision)\(/,
];

/** Every source file of the UI (not tests, not the generated bindings), read by Vite. */
const SOURCES = import.meta.glob(["../**/*.ts", "../**/*.tsx", "!../**/*.test.ts", "!../**/*.test.tsx", "!../bindings.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

export function moneyMathViolations(file: string, text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!MONEY.test(line) || line.includes("chart-position")) return;
    const code = line.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '""').replace(/\/\/.*$/, "");
    if (FLOAT_OR_MATH.some((re) => re.test(code))) found.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return found;
}

describe("the UI never computes money", () => {
  it("has no arithmetic or float conversion on a money field", () => {
    const files = Object.entries(SOURCES);
    expect(files.length).toBeGreaterThan(8);
    const all = files.flatMap(([f, text]) => moneyMathViolations(f, text));
    expect(all).toEqual([]);
  });
  it("catches what it is meant to catch", () => {
    for (const bad of [
      "const x = Number(t.reserve_usd) + 1;",
      "const y = line.new_budget_usd - line.old_budget_usd;",
      "total += r.delta_usd * 2;",
      "parseFloat(row.budget_usd)",
      "v.projected_value.toFixed(2)",
    ]) {
      expect(moneyMathViolations("x.ts", bad)).toHaveLength(1);
    }
    for (const ok of ["formatMoney(t.reserve_usd)", "budget_usd: budget.trim() || null,", "<Total label=\"Reserve\" value={t.reserve_usd} />"]) {
      expect(moneyMathViolations("x.ts", ok)).toEqual([]);
    }
  });
});
