import { describe, expect, it } from "vitest";
import { formatMoney, formatPct, formatTimestamp, formatUcr, formatUsd, looksLikeAmount } from "./format";
import cases from "../../../crates/capcall-core/tests/format_cases.json";

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
  // One table of cases for core's rules and this port (read by core's
  // the_uis_format_port_cases_are_cores_answers too).
  it("answers as capcall-core's format does", () => {
    for (const [v, want] of cases.ucr) expect(formatUcr(v), `ucr ${v}`).toBe(want);
    for (const [v, want] of cases.pct) expect(formatPct(v), `pct ${v}`).toBe(want);
    for (const [v, want] of cases.money) expect(formatMoney(v), `money ${v}`).toBe(want);
    for (const [v, want] of cases.timestamp) expect(formatTimestamp(v), `timestamp ${v}`).toBe(want);
    expect(formatUcr(null)).toBe("unknown");
    expect(formatPct(-7.14)).toBe("-7.1%");
    expect(formatPct(null)).toBe("—");
  });
});

describe("looksLikeAmount", () => {
  it("accepts the documented forms and rejects the rest", () => {
    for (const ok of ["1200.50", "1,200.50", "-1,200.50", "(1,200.50)", "$1,200.50", "7"]) expect(looksLikeAmount(ok)).toBe(true);
    for (const bad of ["", "abc", "1.005", "1,20.5", "$"]) expect(looksLikeAmount(bad)).toBe(false);
  });
});
