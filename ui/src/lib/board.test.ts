import { describe, expect, it } from "vitest";
import type { BoardRow } from "../bindings";
import { compareDecimal, distinct, filterRows, sortRows } from "./board";

function row(id: string, wave: string, region: string, overall: "Expand" | "Hold" | "Retire", budget: string, ucr: string | null): BoardRow {
  return {
    row: { id, name: id.toUpperCase(), owner: "o", wave, region, status: "live", flag: null, budget_usd: budget, levers: [], observations: 1, latest_period: null, latest_ucr: ucr },
    score: { use_case: id, as_of: "2025-09-08", rubric_version: 2, dimensions: [], overall, overall_explanation: "", ucr_last_quarter: null },
    sparkline: [],
  } as BoardRow;
}

const rows = [row("a", "Wave 1", "EU", "Retire", "900.00", "0.01"), row("b", "Wave 2", "US", "Expand", "10000.00", null), row("c", "Wave 1", "US", "Hold", "50.00", "0.002")];

describe("board", () => {
  it("filters by wave, region, verdict and text", () => {
    expect(filterRows(rows, { text: "", wave: "Wave 1", region: "", verdict: "" }).map((r) => r.row.id)).toEqual(["a", "c"]);
    expect(filterRows(rows, { text: "", wave: "", region: "US", verdict: "Hold" }).map((r) => r.row.id)).toEqual(["c"]);
    expect(filterRows(rows, { text: "B", wave: "", region: "", verdict: "" }).map((r) => r.row.id)).toEqual(["b"]);
  });
  it("sorts by verdict, budget and UCR (unknown last)", () => {
    expect(sortRows(rows, "overall", false).map((r) => r.row.id)).toEqual(["b", "c", "a"]);
    expect(sortRows(rows, "budget", true).map((r) => r.row.id)).toEqual(["b", "a", "c"]);
    expect(sortRows(rows, "ucr", false).map((r) => r.row.id)).toEqual(["c", "a", "b"]);
    expect(compareDecimal(null, "1")).toBe(1);
  });
  it("lists distinct values sorted", () => {
    expect(distinct(rows, (r) => r.row.region)).toEqual(["EU", "US"]);
  });
});
