import { describe, expect, it } from "vitest";
import { formatMoney, formatPct, formatUcr, formatUsd, looksLikeAmount } from "./format";

describe("formatMoney", () => {
  it("groups thousands and shows two decimals, exactly", () => {
    expect(formatMoney("1234567.5")).toBe("1,234,567.50");
    expect(formatMoney("300000")).toBe("300,000.00");
    expect(formatMoney("-118222.22")).toBe("-118,222.22");
  });
  it("rounds measured money half to even to the cent, like the Rust side", () => {
    expect(formatMoney("18885.7030")).toBe("18,885.70");
    expect(formatMoney("0.0095")).toBe("0.01");
    expect(formatMoney("0.005")).toBe("0.00");
    expect(formatMoney("0.015")).toBe("0.02");
    expect(formatMoney("0.0150000001")).toBe("0.02");
    expect(formatMoney("999.995")).toBe("1,000.00");
    expect(formatMoney("-0.004")).toBe("0.00");
    expect(formatMoney("-0.0095")).toBe("-0.01");
    expect(formatMoney("0.00")).toBe("0.00");
    expect(formatMoney("-0.00")).toBe("0.00");
    // Beyond float precision: still exact because it never becomes a number.
    expect(formatMoney("92233720368547758.07")).toBe("92,233,720,368,547,758.07");
  });
  it("shows missing values as a dash", () => {
    expect(formatMoney(null)).toBe("—");
    expect(formatUsd("-5")).toBe("-$5.00");
  });
});

describe("formatUcr and formatPct", () => {
  it("uses 4 significant digits for UCR", () => {
    expect(formatUcr("0.0091344")).toBe("0.009134");
    expect(formatUcr("0.0091")).toBe("0.0091");
    expect(formatUcr(null)).toBe("unknown");
  });
  it("signs percentages with one decimal", () => {
    expect(formatPct(-7.14)).toBe("-7.1%");
    expect(formatPct("3.25")).toBe("+3.3%");
    expect(formatPct(null)).toBe("—");
  });
});

describe("looksLikeAmount", () => {
  it("accepts the documented forms and rejects the rest", () => {
    for (const ok of ["1200.50", "1,200.50", "-1,200.50", "(1,200.50)", "$1,200.50", "7"]) expect(looksLikeAmount(ok)).toBe(true);
    for (const bad of ["", "abc", "1.005", "1,20.5", "$"]) expect(looksLikeAmount(bad)).toBe(false);
  });
});
