import { describe, expect, it } from "vitest";
import { compareDecimal, compareText, compareTextKeys, fold, sparkPath, textKey } from "./grid";
import { windowToFetch } from "./virtual";

describe("grid keys (the scenario grid's search and sort)", () => {
  it("folds accents and case", () => {
    expect(fold("Łódź São Zürich")).toBe("lodz sao zurich");
    expect(compareText("lodz", "Łódź")).not.toBe(0);
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
  it("fast text keys order like the collator", () => {
    const words = ["use case 10", "Use case 9", "use case 09", "Łódź", "lodz", "Warsaw", "warsaw 2", "a b", "ab", "東京", "Zürich", "zurich", "x1y", "x10y", "x2y"];
    for (const a of words) for (const b of words) expect(Math.sign(compareTextKeys(textKey(a), textKey(b)))).toBe(Math.sign(compareText(a, b)));
  });
  it("draws a sparkline as one path from zero, with gaps for unknown months", () => {
    expect(sparkPath(["1", "2", null, "2"], 30, 12)).toBe("M0.0 6.0L10.0 1.0M30.0 1.0");
    expect(sparkPath([], 30, 12)).toBe("");
    // A flat series runs through the middle, whatever its level.
    expect(sparkPath(["0.5", "0.5", null, "0.5"], 30, 12)).toBe("M0.0 6.0L10.0 6.0M30.0 6.0");
    expect(sparkPath(["0", "0"], 30, 12)).toBe("M0.0 6.0L30.0 6.0");
    // Less than a pixel of movement at this height is flat too; more is drawn from zero.
    expect(sparkPath(["0.18301", "0.18299"], 30, 12)).toBe("M0.0 6.0L30.0 6.0");
    expect(sparkPath(["0.5", "1"], 30, 12)).toBe("M0.0 6.0L30.0 1.0");
  });
});

describe("paging a virtual list", () => {
  const loaded = (from: number, to: number) => (i: number) => i >= from && i < to;
  it("asks for nothing when the visible rows are loaded", () => {
    expect(windowToFetch(100, 130, 10_000, loaded(0, 200), 40)).toBeNull();
  });
  it("asks for the visible rows plus overscan on both sides", () => {
    expect(windowToFetch(1000, 1030, 10_000, loaded(0, 200), 40)).toEqual({ offset: 960, limit: 110 });
  });
  it("stays within the view", () => {
    expect(windowToFetch(9990, 10_000, 10_000, loaded(0, 0), 40)).toEqual({ offset: 9950, limit: 50 });
    expect(windowToFetch(0, 20, 15, loaded(0, 0), 40)).toEqual({ offset: 0, limit: 15 });
    expect(windowToFetch(0, 0, 0, loaded(0, 0), 40)).toBeNull();
  });
});
