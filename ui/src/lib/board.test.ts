import { describe, expect, it } from "vitest";
import type { BoardLine as BoardRow } from "../bindings";
import { BoardIndex, compareDecimal, compareText, distinct, filterRows, fold, sortRows, type SortKey } from "./board";
import { compareTextKeys, sparkPath, textKey } from "./grid";

function row(id: string, name: string, wave: string, region: string, overall: "Expand" | "Hold" | "Retire", budget: string, ucr: string | null, spend: string | null = null, over = false): BoardRow {
  return {
    row: { id, name, owner: "o", wave, region, status: "live", flag: null, budget_usd: budget, levers: [], observations: 1, latest_period: null, latest_ucr: ucr },
    overall,
    lights: [],
    figures: {
      quarter: "2025-Q2",
      spend_usd: spend,
      forecast_usd: null,
      variance_pct: null,
      over_budget: over,
      over_budget_by_usd: null,
      ucr: { quarter: "2025-Q2", ucr, previous_quarter: "2025-Q1", previous_ucr: null, change_pct: null, partial_quarter: null, partial_ucr: null },
      open_sev1: 0,
      open_sev2: 0,
    },
    sparkline: [],
  } as unknown as BoardRow;
}

const none = { text: "", wave: "", region: "", verdict: "", overBudget: false };
const rows = [
  row("a", "Warsaw Claims", "Wave 1", "EU", "Retire", "900.00", "0.01", "1000.5", true),
  row("b", "São Paulo Support", "Wave 2", "US", "Expand", "10000.00", null),
  row("c", "Łódź Invoice OCR", "Wave 1", "US", "Hold", "50.00", "0.002", "49.9999"),
  row("d", "東京 Support Bot", "Wave 3", "APAC", "Hold", "50.00", "0.0020"),
  row("e", "Zürich Triage", "Wave 2", "EU", "Expand", "-0.00", null),
];

describe("board", () => {
  it("filters by wave, region, verdict, over-budget and text", () => {
    expect(filterRows(rows, { ...none, wave: "Wave 1" }).map((r) => r.row.id)).toEqual(["a", "c"]);
    expect(filterRows(rows, { ...none, region: "US", verdict: "Hold" }).map((r) => r.row.id)).toEqual(["c"]);
    expect(filterRows(rows, { ...none, overBudget: true }).map((r) => r.row.id)).toEqual(["a"]);
  });
  it("searches without accents or case", () => {
    expect(filterRows(rows, { ...none, text: "sao paulo" }).map((r) => r.row.id)).toEqual(["b"]);
    expect(filterRows(rows, { ...none, text: "LODZ" }).map((r) => r.row.id)).toEqual(["c"]);
    expect(filterRows(rows, { ...none, text: "zurich" }).map((r) => r.row.id)).toEqual(["e"]);
    expect(filterRows(rows, { ...none, text: "東京" }).map((r) => r.row.id)).toEqual(["d"]);
    expect(fold("Łódź São Zürich")).toBe("lodz sao zurich");
  });
  it("sorts names the way a reader expects: Łódź among the L's, before Warsaw", () => {
    expect(sortRows(rows, "name", false).map((r) => r.row.name)).toEqual(["Łódź Invoice OCR", "São Paulo Support", "Warsaw Claims", "Zürich Triage", "東京 Support Bot"]);
    expect(compareText("lodz", "Łódź")).not.toBe(0);
  });
  it("sorts by verdict, budget, spend and UCR exactly (unknown last)", () => {
    expect(sortRows(rows, "overall", false).map((r) => r.row.id)).toEqual(["b", "e", "c", "d", "a"]);
    expect(sortRows(rows, "budget", true).map((r) => r.row.id)).toEqual(["b", "a", "c", "d", "e"]);
    expect(sortRows(rows, "spend", false).map((r) => r.row.id)).toEqual(["c", "a", "b", "e", "d"]);
    expect(sortRows(rows, "spend", true).map((r) => r.row.id)).toEqual(["a", "c", "b", "e", "d"]);
    expect(sortRows(rows, "ucr", false).map((r) => r.row.id)).toEqual(["c", "d", "a", "b", "e"]);
  });
  it("compares decimal strings exactly", () => {
    expect(compareDecimal("0.1", "0.10")).toBe(0);
    expect(compareDecimal("-0.00", "0")).toBe(0);
    expect(compareDecimal("-12.5", "3")).toBe(-1);
    expect(compareDecimal("10.01", "9.999")).toBe(1);
    expect(compareDecimal("-10", "-9.5")).toBe(-1);
    expect(compareDecimal("0.30000000000000001", "0.3")).toBe(1);
    expect(compareDecimal(null, "1")).toBe(1);
  });
  it("lists distinct values in locale order", () => {
    expect(distinct(rows, (r) => r.row.region)).toEqual(["APAC", "EU", "US"]);
  });
  it("the precomputed index gives the same views as filtering and sorting each time", () => {
    const names = ["Łódź", "Lodz", "lodz", "São Paulo", "Sao Paulo", "東京", "Use case 9", "Use case 10", "use case 10", "Zürich", "a-b", "A b", "Ærø", "ß", ""];
    const verdicts = ["Expand", "Hold", "Retire"] as const;
    const many = Array.from({ length: 600 }, (_, i) =>
      row(`uc-${i}`, `${names[i % names.length]} ${i % 7}`, `Wave ${i % 3}`, ["EU", "US", "APAC"][i % 3], verdicts[(i * 7) % 3], `${(i * 37) % 101}.${i % 10}0`, i % 5 ? `0.00${i % 9}` : null, i % 4 ? `${(i * 13) % 97}.5` : null, i % 6 === 0),
    );
    const ix = new BoardIndex(many);
    const keys: SortKey[] = ["name", "wave", "region", "overall", "budget", "spend", "variance", "ucr"];
    for (const key of keys)
      for (const desc of [false, true])
        for (const f of [none, { ...none, text: "lodz" }, { ...none, region: "EU", overBudget: true }, { ...none, verdict: "Hold", text: "case 1" }]) {
          const expected = sortRows(filterRows(many, f), key, desc).map((r) => r.row.id);
          expect(ix.view(f, key, desc).map((i) => many[i].row.id)).toEqual(expected);
        }
  });
  it("fast text keys order like the collator", () => {
    const words = ["use case 10", "Use case 9", "use case 09", "Łódź", "lodz", "Warsaw", "warsaw 2", "a b", "ab", "東京", "Zürich", "zurich", "x1y", "x10y", "x2y"];
    for (const a of words) for (const b of words) expect(Math.sign(compareTextKeys(textKey(a), textKey(b)))).toBe(Math.sign(compareText(a, b)));
  });
  it("draws a sparkline as one path from zero, with gaps for unknown months", () => {
    expect(sparkPath(["1", "2", null, "2"], 30, 12)).toBe("M0.0 6.0L10.0 1.0M30.0 1.0");
    expect(sparkPath([], 30, 12)).toBe("");
  });
});
