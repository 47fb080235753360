//! capcall-core's integration tests: money laws (property tests), the rubric
//! table cell by cell with its boundaries, and the scenario engine against
//! brute force.

use std::str::FromStr;

use capcall_core::demo;
use capcall_core::money::{allocate, parse_cents, Measured, Planned};
use capcall_core::rubric::{evaluate, Dimension, Path, RubricSettings, Verdict};
use capcall_core::scenario::{self, LineInput, Params, Policy};
use capcall_core::{EvalStatus, Lifecycle, Observation, UseCase};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}
fn m(s: &str) -> Planned {
    Planned::parse(s).unwrap()
}

fn me(s: &str) -> Measured {
    Measured::parse(s).unwrap()
}

// ---------------------------------------------------------------- money laws

proptest! {
    #[test]
    fn allocation_parts_sum_to_total(total in -10_000_000_000i64..10_000_000_000, weights in prop::collection::vec(0u32..1_000_000, 1..40)) {
        prop_assume!(weights.iter().any(|w| *w > 0));
        let ws: Vec<Decimal> = weights.iter().map(|w| Decimal::new(i64::from(*w), 2)).collect();
        let total = Planned::from_cents(total);
        let parts = allocate(total, &ws).unwrap();
        prop_assert_eq!(Planned::sum(parts.iter().copied()).unwrap(), total);
        // Each part is within one cent of its exact share, and zero weight gets nothing.
        let wsum: Decimal = ws.iter().sum();
        for (p, w) in parts.iter().zip(&ws) {
            let exact = total.as_decimal() * *w / wsum;
            prop_assert!((p.as_decimal() - exact).abs() < dec("0.01"), "part {} exact {}", p, exact);
            if w.is_zero() { prop_assert!(p.is_zero()); }
        }
        // Deterministic.
        prop_assert_eq!(allocate(total, &ws).unwrap(), parts);
    }

    #[test]
    fn parse_display_round_trip(cents in -capcall_core::money::PLANNED_MAX_CENTS..=capcall_core::money::PLANNED_MAX_CENTS) {
        let money = Planned::from_cents(cents);
        prop_assert_eq!(Planned::parse(&money.to_string()).unwrap(), money);
        prop_assert_eq!(Planned::parse(&money.display_grouped()).unwrap(), money);
        let json = serde_json::to_string(&money).unwrap();
        prop_assert!(json.starts_with('"'));
        prop_assert_eq!(serde_json::from_str::<Planned>(&json).unwrap(), money);
    }

    #[test]
    fn checked_arithmetic_never_panics(a in any::<i64>(), b in any::<i64>()) {
        let (x, y) = (Planned::from_cents(a), Planned::from_cents(b));
        match x.checked_add(y) {
            Ok(s) => prop_assert_eq!(s.cents().unwrap(), a.checked_add(b).unwrap()),
            Err(_) => prop_assert!(a.checked_add(b).is_none()),
        }
        match x.checked_sub(y) {
            Ok(s) => prop_assert_eq!(s.cents().unwrap(), a.checked_sub(b).unwrap()),
            Err(_) => prop_assert!(a.checked_sub(b).is_none()),
        }
    }

    #[test]
    fn parse_never_rounds(int in 0u64..1_000_000_000, frac in 0u32..100_000, digits in 3usize..6) {
        let text = format!("{int}.{frac:0digits$}");
        let sub_cent = &text[text.find('.').unwrap() + 3..];
        if sub_cent.bytes().all(|b| b == b'0') {
            // Zeros below the cent are the same amount, exactly.
            let exact = Decimal::from_str_exact(&text).unwrap();
            prop_assert_eq!(Planned::parse(&text).unwrap().as_decimal(), exact);
        } else {
            prop_assert!(parse_cents(&text).is_err(), "{} should be rejected", text);
        }
    }

    #[test]
    fn measured_round_trips_exactly(m in -999_999_999_999_999_999_999_999i128..999_999_999_999_999_999_999_999, scale in 0u32..=16) {
        let Ok(v) = Measured::from_decimal(Decimal::from_i128_with_scale(m, scale)) else { return Ok(()) };
        let text = v.to_string();
        let back = Measured::parse(&text).unwrap();
        prop_assert_eq!(back, v);
        prop_assert_eq!(back.to_string(), text, "scale as written is kept");
        let json = serde_json::to_string(&v).unwrap();
        prop_assert_eq!(serde_json::from_str::<Measured>(&json).unwrap(), v);
    }

    /// A total may pass the per-amount range (a billion); what is written
    /// reads back exactly (the board cache relies on it), while an amount
    /// that large is still refused where amounts enter.
    #[test]
    fn measured_totals_beyond_the_amount_range_round_trip(cents in 0i64..=999_999_999_999, n in 2usize..40) {
        let one = Measured::from_decimal(Decimal::new(cents, 4)).unwrap();
        let total = Measured::sum(std::iter::repeat_n(one, n)).unwrap();
        let json = serde_json::to_string(&total).unwrap();
        prop_assert_eq!(serde_json::from_str::<Measured>(&json).unwrap(), total);
        if total.as_decimal().abs() >= Decimal::from(1_000_000_000) {
            prop_assert!(Measured::parse(&total.to_string()).is_err());
        }
    }
}

// ---------------------------------------------------------------- rubric

fn use_case(levers: usize) -> UseCase {
    UseCase {
        id: "uc".into(),
        name: "UC".into(),
        owner: "o".into(),
        wave: "Wave 1".into(),
        region: "EU".into(),
        status: Lifecycle::Live,
        flag: None,
        budget_usd: m("1000"),
        levers: (0..levers).map(|i| format!("lever {i}")).collect(),
        sunset_date: None,
    }
}

/// A healthy weekly row: every dimension Expand.
fn good(date: NaiveDate) -> Observation {
    Observation {
        period_start: date,
        spend_usd: Some(me("100")),
        forecast_usd: Some(me("100")),
        units: Some(10_000),
        value_delta: Some(dec("20")),
        value_target: Some(dec("15")),
        value_hurdle: Some(dec("5")),
        value_ci_low: Some(dec("2")),
        value_ci_high: Some(dec("30")),
        p95_latency_ms: Some(dec("800")),
        p95_latency_slo_ms: Some(dec("1000")),
        availability_pct: Some(dec("99.9")),
        availability_slo_pct: Some(dec("99.5")),
        eval_status: Some(EvalStatus::Green),
        grounded_score: Some(dec("4.5")),
        privacy_incidents: Some(0),
        dau: Some(dec("1000")),
        dau_target: Some(dec("1000")),
        task_success_pct: Some(dec("80")),
        remediation_plan: None,
        remediation_due: None,
    }
}

const AS_OF: &str = "2025-06-30"; // last quarter = 2025-Q2, previous = 2025-Q1

/// Weekly rows over 2025-Q1 and 2025-Q2, the Q1 rows with a higher UCR.
fn history(edit: impl Fn(&mut Observation)) -> Vec<Observation> {
    let mut rows = vec![];
    let mut day = d("2025-01-06");
    while day <= d(AS_OF) {
        let mut o = good(day);
        if day < d("2025-04-01") {
            o.units = Some(9_000); // Q1 UCR higher: UCR falls q/q
        }
        edit(&mut o);
        rows.push(o);
        day = day.checked_add_days(Days::new(7)).unwrap();
    }
    rows
}

fn verdict(rows: &[Observation], levers: usize, dim: Dimension) -> Verdict {
    evaluate(&use_case(levers), rows, d(AS_OF), &RubricSettings::default(), 2)
        .dimension(dim)
        .verdict
}

fn in_q2(o: &Observation) -> bool {
    o.period_start >= d("2025-04-01")
}

#[test]
fn healthy_history_expands_on_every_dimension() {
    let s = evaluate(&use_case(1), &history(|_| {}), d(AS_OF), &RubricSettings::default(), 2);
    for dim in &s.dimensions {
        assert_eq!(dim.verdict, Verdict::Expand, "{:?}: {}", dim.dimension, dim.explanation);
    }
    assert_eq!(s.overall, Path::Expand);
}

#[test]
fn value_cells_and_boundaries() {
    use Dimension::Value;
    // Exactly at target with stat-sig: Expand (>=).
    assert_eq!(
        verdict(&history(|o| o.value_delta = Some(dec("15"))), 1, Value),
        Verdict::Expand
    );
    // At target but CI low not > 0: Hold (CI overlaps).
    assert_eq!(
        verdict(&history(|o| o.value_ci_low = Some(dec("0"))), 1, Value),
        Verdict::Hold
    );
    // Between hurdle and target: Hold.
    assert_eq!(
        verdict(&history(|o| o.value_delta = Some(dec("10"))), 1, Value),
        Verdict::Hold
    );
    // Exactly at hurdle is not below it: Hold.
    assert_eq!(
        verdict(&history(|o| o.value_delta = Some(dec("5"))), 1, Value),
        Verdict::Hold
    );
    // Below hurdle and not rising: Retire.
    assert_eq!(
        verdict(&history(|o| o.value_delta = Some(dec("3"))), 1, Value),
        Verdict::Retire
    );
    // Below hurdle but rising from Q1: Hold (trending up).
    let rising = history(|o| o.value_delta = Some(if in_q2(o) { dec("4") } else { dec("1") }));
    assert_eq!(verdict(&rising, 1, Value), Verdict::Hold);
    // Below hurdle with only one quarter of history: Opaque (trend unknown).
    let one_quarter: Vec<_> = history(|o| o.value_delta = Some(dec("3")))
        .into_iter()
        .filter(in_q2)
        .collect();
    assert_eq!(verdict(&one_quarter, 1, Value), Verdict::Opaque);
    // No value data: Opaque naming the inputs.
    let none = history(|o| o.value_delta = None);
    let s = evaluate(&use_case(1), &none, d(AS_OF), &RubricSettings::default(), 2);
    assert_eq!(s.dimension(Value).verdict, Verdict::Opaque);
    assert_eq!(s.dimension(Value).missing, vec!["value_delta".to_string()]);
}

#[test]
fn slo_cells_and_boundaries() {
    use Dimension::Slos;
    // p95 exactly 90% of SLO: headroom holds (<=): Expand.
    assert_eq!(
        verdict(&history(|o| o.p95_latency_ms = Some(dec("900"))), 1, Slos),
        Verdict::Expand
    );
    // Just above 90%: tight: Hold.
    assert_eq!(
        verdict(&history(|o| o.p95_latency_ms = Some(dec("901"))), 1, Slos),
        Verdict::Hold
    );
    // Trailing 90 days to 2025-06-30 = rows from 2025-04-02: 13 weekly rows (Apr 7 .. Jun 30).
    let window_rows = history(|_| {})
        .into_iter()
        .filter(|o| o.period_start >= d("2025-04-02"))
        .count();
    assert_eq!(window_rows, 13);
    // Breaching 3 of 13 rows (23%): Hold; 4 of 13 (30.8%): Retire (> 25%).
    let rows3 = {
        let mut rows = history(|_| {});
        rows.iter_mut()
            .filter(|o| o.period_start >= d("2025-04-02"))
            .take(3)
            .for_each(|o| o.availability_pct = Some(dec("99.0")));
        rows
    };
    assert_eq!(verdict(&rows3, 1, Slos), Verdict::Hold);
    let mut rows4 = history(|_| {});
    rows4
        .iter_mut()
        .filter(|o| o.period_start >= d("2025-04-02"))
        .take(4)
        .for_each(|o| o.p95_latency_ms = Some(dec("1001")));
    assert_eq!(verdict(&rows4, 1, Slos), Verdict::Retire);
    // Exactly 25% breaching is not "more than 25%": Hold. Use a 4-row window.
    let four: Vec<Observation> = history(|_| {})
        .into_iter()
        .filter(|o| o.period_start >= d("2025-06-09"))
        .collect();
    assert_eq!(four.len(), 4);
    let mut quarter_breach = four.clone();
    quarter_breach[0].p95_latency_ms = Some(dec("1200"));
    assert_eq!(verdict(&quarter_breach, 1, Slos), Verdict::Hold);
    // No SLO data: Opaque.
    let none = history(|o| {
        o.p95_latency_ms = None;
        o.availability_pct = None;
    });
    assert_eq!(verdict(&none, 1, Slos), Verdict::Opaque);
}

#[test]
fn safety_cells() {
    use Dimension::Safety;
    assert_eq!(verdict(&history(|_| {}), 1, Safety), Verdict::Expand);
    let yellow = history(|o| o.eval_status = Some(EvalStatus::Yellow));
    let s = evaluate(&use_case(1), &yellow, d(AS_OF), &RubricSettings::default(), 2);
    assert_eq!(s.dimension(Safety).verdict, Verdict::Hold);
    assert_eq!(s.dimension(Safety).flags, vec!["plan missing".to_string()]);
    let planned = history(|o| {
        o.eval_status = Some(EvalStatus::Yellow);
        o.remediation_plan = Some("fix".into());
        o.remediation_due = Some(d("2025-07-15"));
    });
    let s = evaluate(&use_case(1), &planned, d(AS_OF), &RubricSettings::default(), 2);
    assert!(s.dimension(Safety).flags.is_empty());
    assert_eq!(
        verdict(&history(|o| o.eval_status = Some(EvalStatus::Red)), 1, Safety),
        Verdict::Retire
    );
    // One privacy incident in the trailing 90 days: Retire, and overall Retire (hard rule).
    let mut incident = history(|_| {});
    incident.last_mut().unwrap().privacy_incidents = Some(1);
    let s = evaluate(&use_case(1), &incident, d(AS_OF), &RubricSettings::default(), 2);
    assert_eq!(s.dimension(Safety).verdict, Verdict::Retire);
    assert_eq!(s.overall, Path::Retire);
    // An incident older than 90 days does not count.
    let mut old = history(|_| {});
    old[0].privacy_incidents = Some(1);
    assert_eq!(verdict(&old, 1, Safety), Verdict::Expand);
    assert_eq!(verdict(&history(|o| o.eval_status = None), 1, Safety), Verdict::Opaque);
}

#[test]
fn economics_cells_and_boundaries() {
    use Dimension::Economics;
    // Spend exactly 5% over forecast, UCR down: Expand (<=).
    let over = |pct: &str| {
        history(move |o| {
            o.spend_usd =
                Some(Measured::from_decimal(dec("100") * (Decimal::ONE + dec(pct) / Decimal::ONE_HUNDRED)).unwrap())
        })
    };
    assert_eq!(verdict(&over("5"), 1, Economics), Verdict::Expand);
    assert_eq!(verdict(&over("5.01"), 1, Economics), Verdict::Hold);
    assert_eq!(verdict(&over("15"), 1, Economics), Verdict::Hold);
    assert_eq!(verdict(&over("15"), 0, Economics), Verdict::Retire); // no levers
    assert_eq!(verdict(&over("15.01"), 1, Economics), Verdict::Retire);
    assert_eq!(verdict(&over("-15"), 1, Economics), Verdict::Hold); // under forecast counts too
                                                                    // UCR flat q/q within 5%: not Expand; Hold with levers.
    let flat = history(|o| o.units = Some(10_000));
    assert_eq!(verdict(&flat, 1, Economics), Verdict::Hold);
    // No forecast: Opaque, which counts as Retire overall.
    let opaque = history(|o| o.forecast_usd = None);
    let s = evaluate(&use_case(1), &opaque, d(AS_OF), &RubricSettings::default(), 2);
    assert_eq!(s.dimension(Economics).verdict, Verdict::Opaque);
    assert!(capcall_core::rubric::counts_as_retire(s.dimension(Economics)));
    // The explanation carries the numbers.
    let s = evaluate(&use_case(2), &over("3.2"), d(AS_OF), &RubricSettings::default(), 2);
    let e = &s.dimension(Economics).explanation;
    assert!(
        e.contains("UCR 0.01032 USD/unit")
            && e.contains("-10.0% q/q")
            && e.contains("spend +3.2% vs forecast")
            && e.contains("2 levers"),
        "{e}"
    );
}

#[test]
fn economics_boundaries_hold_exactly_with_sub_cent_amounts() {
    use Dimension::Economics;
    // Forecast 0.0020 a row; spend written with sub-cent digits lands exactly
    // on the 5% and 15% boundaries (a rounding to cents would erase them).
    let rows = |spend: &'static str| {
        history(move |o| {
            o.forecast_usd = Some(me("0.0020"));
            o.spend_usd = Some(me(spend));
            o.units = Some(if in_q2(o) { 10 } else { 1 });
        })
    };
    assert_eq!(verdict(&rows("0.00210"), 1, Economics), Verdict::Expand, "+5% exactly");
    assert_eq!(
        verdict(&rows("0.0021000001"), 1, Economics),
        Verdict::Hold,
        "just over 5%"
    );
    assert_eq!(verdict(&rows("0.0019"), 1, Economics), Verdict::Expand, "-5% exactly");
    assert_eq!(
        verdict(&rows("0.00230"), 1, Economics),
        Verdict::Hold,
        "+15% exactly, with levers"
    );
    assert_eq!(
        verdict(&rows("0.0023000000000001"), 1, Economics),
        Verdict::Retire,
        "just over 15%"
    );
    assert_eq!(verdict(&rows("0.0023"), 0, Economics), Verdict::Retire, "no levers");
    // UCR exact from the sums: 13 rows of 0.0021 over 130 units.
    let s = evaluate(&use_case(1), &rows("0.0021"), d(AS_OF), &RubricSettings::default(), 2);
    assert_eq!(s.ucr_last_quarter, Some(dec("0.00021")));
}

#[test]
fn adoption_cells_and_boundaries() {
    use Dimension::Adoption;
    // Exactly 70% task success is not "> 70%": Hold.
    assert_eq!(
        verdict(&history(|o| o.task_success_pct = Some(dec("70"))), 1, Adoption),
        Verdict::Hold
    );
    assert_eq!(
        verdict(&history(|o| o.task_success_pct = Some(dec("70.01"))), 1, Adoption),
        Verdict::Expand
    );
    // DAU exactly 50% of target is not below it: Hold; below: Retire.
    assert_eq!(
        verdict(&history(|o| o.dau = Some(dec("500"))), 1, Adoption),
        Verdict::Hold
    );
    assert_eq!(
        verdict(&history(|o| o.dau = Some(dec("499.99"))), 1, Adoption),
        Verdict::Retire
    );
    assert_eq!(
        verdict(&history(|o| o.task_success_pct = Some(dec("49.9"))), 1, Adoption),
        Verdict::Retire
    );
    assert_eq!(verdict(&history(|o| o.dau = None), 1, Adoption), Verdict::Opaque);
}

#[test]
fn overall_rule() {
    // Two Retire dimensions: Retire. One: Hold.
    let two = history(|o| {
        o.task_success_pct = Some(dec("40"));
        o.value_delta = Some(dec("1"));
    });
    let s = evaluate(&use_case(1), &two, d(AS_OF), &RubricSettings::default(), 2);
    assert_eq!(s.overall, Path::Retire, "{}", s.overall_explanation);
    let one = history(|o| o.task_success_pct = Some(dec("40")));
    assert_eq!(
        evaluate(&use_case(1), &one, d(AS_OF), &RubricSettings::default(), 2).overall,
        Path::Hold
    );
    // Opaque value counts as Hold: Hold overall, and named.
    let s = evaluate(
        &use_case(1),
        &history(|o| o.value_target = None),
        d(AS_OF),
        &RubricSettings::default(),
        2,
    );
    assert_eq!(s.overall, Path::Hold);
    assert!(s.overall_explanation.contains("opaque: Value"));
}

#[test]
fn as_of_quarter_edges_and_leap_days() {
    // As of 2024-03-31 (Q1 ends, leap year), Q1 2024 is the last quarter; as of 2024-03-30 it is Q4 2023.
    let mut rows = vec![];
    let mut day = d("2023-10-02");
    while day <= d("2024-03-31") {
        rows.push(good(day));
        day = day.checked_add_days(Days::new(1)).unwrap();
    }
    let s = evaluate(&use_case(1), &rows, d("2024-03-31"), &RubricSettings::default(), 2);
    assert!(s.dimension(Dimension::Value).explanation.contains("2024-Q1"));
    let s = evaluate(&use_case(1), &rows, d("2024-03-30"), &RubricSettings::default(), 2);
    assert!(s.dimension(Dimension::Value).explanation.contains("2023-Q4"));
    // Adoption's 30-day window to 2024-03-01 includes Feb 29 and starts Feb 1.
    let mut sparse = rows.clone();
    for o in &mut sparse {
        o.dau = if o.period_start == d("2024-02-29") || o.period_start == d("2024-02-01") {
            Some(dec("2000"))
        } else if o.period_start == d("2024-01-31") {
            Some(dec("1"))
        } else {
            None
        };
    }
    let s = evaluate(&use_case(1), &sparse, d("2024-03-01"), &RubricSettings::default(), 2);
    assert!(
        s.dimension(Dimension::Adoption).explanation.contains("mean DAU 2000"),
        "{}",
        s.dimension(Dimension::Adoption).explanation
    );
}

#[test]
fn rubric_settings_validate() {
    let mut s = RubricSettings::default();
    assert!(s.set("econ_expand_variance_pct", "20").is_err()); // 20% > 15%
    assert!(s.set("adoption_expand_task_success_pct", "120").is_err());
    assert!(s.set("slo_window_days", "7.5").is_err());
    assert!(s.set("nope", "1").is_err());
    assert!(s.set("econ_hold_variance_pct", "abc").is_err());
    s.set("econ_expand_variance_pct", "4").unwrap();
    assert_eq!(s.econ_expand_variance_pct, dec("4"));
    // A changed threshold changes the verdict.
    let rows = history(|o| o.spend_usd = Some(me("104.50")));
    assert_eq!(
        evaluate(&use_case(1), &rows, d(AS_OF), &RubricSettings::default(), 2)
            .dimension(Dimension::Economics)
            .verdict,
        Verdict::Expand
    );
    assert_eq!(
        evaluate(&use_case(1), &rows, d(AS_OF), &s, 3)
            .dimension(Dimension::Economics)
            .verdict,
        Verdict::Hold
    );
}

#[test]
fn demo_portfolio_gives_every_verdict() {
    let mut overall = std::collections::BTreeSet::new();
    let mut dims = std::collections::BTreeSet::new();
    for (uc, rows) in demo::portfolio() {
        let s = evaluate(&uc, &rows, demo::last_week(), &RubricSettings::default(), 2);
        overall.insert(s.overall);
        dims.extend(s.dimensions.iter().map(|d| d.verdict));
    }
    assert_eq!(overall.len(), 3, "{overall:?}");
    assert_eq!(dims.len(), 4, "{dims:?}");
}

// ---------------------------------------------------------------- scenarios

fn expand(id: &str, ask: i64, ret: &str, cap: Option<i64>, floor: Option<i64>) -> LineInput {
    LineInput {
        use_case: id.into(),
        name: id.into(),
        old_budget_usd: Planned::from_dollars(1000),
        verdict: Some(Path::Expand),
        ask_usd: Some(Planned::from_cents(ask)),
        return_per_usd: Some(dec(ret)),
        cap_usd: cap.map(Planned::from_cents),
        floor_usd: floor.map(Planned::from_cents),
        ..Default::default()
    }
}

fn params(policy: Policy, envelope: i64) -> Params {
    Params {
        policy,
        envelope_usd: Planned::from_cents(envelope),
        reserve_pct: Decimal::ZERO,
        quarter_start: d("2025-10-01"),
    }
}

/// Best value over whole-cent allocations by exhaustive search (tiny instances).
fn brute_force(asks: &[(i64, Decimal)], pool: i64) -> Decimal {
    fn go(i: usize, left: i64, asks: &[(i64, Decimal)]) -> Decimal {
        if i == asks.len() {
            return Decimal::ZERO;
        }
        let mut best = Decimal::ZERO;
        for x in 0..=asks[i].0.min(left) {
            let v = asks[i].1 * Decimal::new(x, 2) + go(i + 1, left - x, asks);
            if v > best {
                best = v;
            }
        }
        best
    }
    go(0, pool, asks)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn highest_return_matches_brute_force(asks in prop::collection::vec((1i64..40, 1u32..500, prop::option::of(1i64..40)), 1..4), pool in 0i64..60) {
        let lines: Vec<LineInput> = asks.iter().enumerate().map(|(i, (a, r, c))| expand(&format!("u{i}"), *a, &Decimal::new(i64::from(*r), 2).to_string(), *c, None)).collect();
        let out = scenario::run(&lines, &params(Policy::HighestReturn, pool)).unwrap();
        let bounded: Vec<(i64, Decimal)> = lines.iter().map(|l| (l.effective_ask().cents().unwrap(), l.return_per_usd.unwrap())).collect();
        prop_assert_eq!(out.totals.projected_value, brute_force(&bounded, pool));
    }

    #[test]
    fn every_run_conserves_money(n in 1usize..30, seed in any::<u64>(), envelope in 0i64..100_000_000, reserve in 0u32..50, pro_rata in any::<bool>()) {
        let mut x = seed | 1;
        let mut next = |k: u64| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x % k };
        let lines: Vec<LineInput> = (0..n).map(|i| {
            let mut l = expand(&format!("u{i:02}"), next(50_000_000) as i64, &Decimal::new(next(400) as i64 + 1, 2).to_string(), None, None);
            l.old_budget_usd = Planned::from_cents(next(100_000_000) as i64);
            match next(4) {
                0 => { l.verdict = Some(Path::Retire); l.decommission_usd = Some(Planned::from_cents(next(60_000_000) as i64)); l.sunset_date = Some(d("2025-10-01").checked_add_days(Days::new(next(120))).unwrap()); }
                1 => l.verdict = Some(Path::Hold),
                2 => { l.floor_usd = Some(Planned::from_cents(next(1_000_000) as i64)); }
                _ => { l.cap_usd = Some(Planned::from_cents(next(50_000_000) as i64)); }
            }
            l
        }).collect();
        let mut p = params(if pro_rata { Policy::ProRata } else { Policy::HighestReturn }, envelope);
        p.reserve_pct = Decimal::from(reserve);
        let out = scenario::run(&lines, &p).unwrap();
        out.check_conservation().unwrap();
        // The capital call is the least envelope that funds every ask.
        let mut full = p.clone();
        full.envelope_usd = out.totals.next_capital_call_usd;
        let funded = scenario::run(&lines, &full).unwrap();
        prop_assert!(funded.totals.available_usd >= funded.totals.requested_usd);
        prop_assert!(funded.totals.decommission_shortfall_usd.is_zero());
        if out.totals.next_capital_call_usd.is_positive() {
            full.envelope_usd = out.totals.next_capital_call_usd.checked_sub(Planned::from_cents(1)).unwrap();
            let short = scenario::run(&lines, &full).unwrap();
            prop_assert!(short.totals.available_usd < short.totals.requested_usd || short.totals.decommission_shortfall_usd.is_positive());
        }
    }
}

#[test]
fn retire_frees_pro_rated_budget_minus_decommission() {
    let mut retire = expand("old", 0, "1", None, None);
    retire.verdict = Some(Path::Retire);
    retire.ask_usd = None;
    retire.return_per_usd = None;
    retire.old_budget_usd = m("90000");
    retire.sunset_date = Some(d("2025-10-31")); // 30 days in: 60 of 90 freed
    retire.decommission_usd = Some(m("10000"));
    let mut costly = retire.clone();
    costly.use_case = "costly".into();
    costly.sunset_date = Some(d("2025-12-20")); // 80 days in: 10 of 90 freed = 10,000
    costly.decommission_usd = Some(m("15000"));
    let grow = expand("grow", 5_000_000, "1.5", None, None); // asks 50,000
    let out = scenario::run(&[retire, costly, grow], &params(Policy::HighestReturn, 0)).unwrap();
    let t = &out.totals;
    assert_eq!(out.lines[0].freed_gross_usd, m("60000"));
    assert_eq!(out.lines[0].new_budget_usd, m("30000"));
    assert_eq!(out.lines[1].net_decommission_cost_usd, m("5000"));
    assert_eq!(t.freed_usd, m("50000"));
    assert_eq!(t.decommission_covered_usd, m("5000"));
    assert_eq!(t.available_usd, m("45000"));
    assert_eq!(t.reallocated_usd, m("45000"));
    assert_eq!(t.next_capital_call_usd, m("5000"));
    assert_eq!(t.projected_value, dec("67500.000"));
    assert_eq!(out.lines[2].funding, scenario::Funding::PartlyFunded);
}

#[test]
fn portfolio_ucr_uses_full_precision_ucrs() {
    let mut a = expand("a", 0, "1", None, None);
    a.verdict = Some(Path::Hold);
    a.old_budget_usd = m("1000");
    a.ucr = Some(dec("1") / dec("3")); // 0.3333... with 28 digits
    let mut b = a.clone();
    b.use_case = "b".into();
    b.ucr = Some(dec("0.01"));
    let out = scenario::run(&[a, b], &params(Policy::ProRata, 0)).unwrap();
    // 2000 USD / (3000 + 100000 units) = 0.019417...
    let ucr = out.totals.current_ucr.unwrap();
    assert!((ucr - dec("0.0194174757")).abs() < dec("0.0000000001"), "{ucr}");
}

#[test]
fn floors_skip_and_say_so() {
    let lines = vec![
        expand("a", 10_000, "3", None, Some(8_000)),
        expand("b", 5_000, "2", None, None),
    ];
    let out = scenario::run(&lines, &params(Policy::HighestReturn, 7_000)).unwrap();
    assert_eq!(out.lines[0].allocated_usd, Planned::ZERO);
    assert!(
        out.lines[0].reason.contains("floor 80.00 does not fit"),
        "{}",
        out.lines[0].reason
    );
    assert_eq!(out.lines[1].allocated_usd, m("50"));
    assert_eq!(out.totals.unallocated_usd, m("20"));
    // Pro rata: a's share (46.67) is below its floor: dropped, b funded in full.
    let out = scenario::run(&lines, &params(Policy::ProRata, 7_000)).unwrap();
    assert_eq!(out.lines[0].allocated_usd, Planned::ZERO);
    assert_eq!(out.lines[1].allocated_usd, m("50"));
}

#[test]
fn pro_rata_is_exact_to_the_cent() {
    let lines = vec![
        expand("a", 10_000, "1", None, None),
        expand("b", 10_000, "1", None, None),
        expand("c", 10_000, "1", None, None),
    ];
    let out = scenario::run(&lines, &params(Policy::ProRata, 10_000)).unwrap();
    let got: Vec<Planned> = out.lines.iter().map(|l| l.allocated_usd).collect();
    assert_eq!(got, vec![m("33.34"), m("33.33"), m("33.33")]);
}

#[test]
fn overrides_need_reasons() {
    let mut l = expand("a", 100, "1", None, None);
    l.path_override = Some(Path::Retire);
    let err = scenario::run(&[l.clone()], &params(Policy::ProRata, 0)).unwrap_err();
    assert_eq!(err.to_string(), "a: reason: a path override needs a reason");
    l.reason = Some("sunset per CFO".into());
    let out = scenario::run(&[l], &params(Policy::ProRata, 0)).unwrap();
    assert!(out.lines[0].overridden && out.lines[0].reason.contains("sunset per CFO"));
}

/// Values at the edges of every accepted range: score, scenario run and plan
/// build never panic, and the scenario conserves money exactly.
mod extremes {
    use super::*;
    use capcall_core::plan::{self, PlanInputs};

    fn measured() -> impl Strategy<Value = Option<Measured>> {
        prop_oneof![
            Just(None),
            Just(Some(me("999999999.9999999999999999"))),
            Just(Some(me("-999999999.9999999999999999"))),
            Just(Some(me("0.0000000000000001"))),
            Just(Some(me("-0.0005"))),
            Just(Some(me("0"))),
            (-999_999_999i64..999_999_999, 0u32..=16)
                .prop_map(|(m, s)| Measured::from_decimal(Decimal::new(m, s)).ok()),
        ]
    }

    fn metric() -> impl Strategy<Value = Option<Decimal>> {
        prop_oneof![
            Just(None),
            Just(Some(dec("999999999999999.9999999999999"))),
            Just(Some(dec("-999999999999999.9999999999999"))),
            Just(Some(Decimal::ZERO)),
            (-1_000_000i64..1_000_000, 0u32..=28).prop_map(|(m, s)| Some(Decimal::new(m, s))),
        ]
    }

    fn row() -> impl Strategy<Value = Observation> {
        (
            0u64..200,
            measured(),
            measured(),
            prop_oneof![
                Just(None),
                Just(Some(0u64)),
                Just(Some(1_000_000_000_000_000u64)),
                (0u64..1000).prop_map(Some)
            ],
            [metric(), metric(), metric(), metric(), metric(), metric(), metric()],
            prop_oneof![Just(None), Just(Some(0u32)), Just(Some(1_000_000u32))],
        )
            .prop_map(|(day, spend, forecast, units, m, privacy)| Observation {
                period_start: d("2025-01-06").checked_add_days(Days::new(day)).unwrap(),
                spend_usd: spend,
                forecast_usd: forecast.map(|f| if f.is_negative() { Measured::ZERO } else { f }),
                units,
                value_delta: m[0],
                value_target: m[1],
                value_hurdle: m[2],
                value_ci_low: m[3],
                p95_latency_ms: m[4].map(|v| v.abs()),
                p95_latency_slo_ms: m[5].map(|v| v.abs()),
                dau: m[6].map(|v| v.abs()),
                dau_target: m[6].map(|v| v.abs()),
                task_success_pct: Some(dec("50")),
                privacy_incidents: privacy,
                eval_status: Some(EvalStatus::Green),
                ..Default::default()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn no_panic_and_money_is_conserved(
            rows in proptest::collection::vec(row(), 0..40),
            budget_cents in prop_oneof![Just(0i64), Just(capcall_core::money::PLANNED_MAX_CENTS), 0i64..1_000_000_000],
            ask_cents in prop_oneof![Just(capcall_core::money::PLANNED_MAX_CENTS), 0i64..1_000_000_000],
            envelope_cents in prop_oneof![Just(capcall_core::money::PLANNED_MAX_CENTS), 0i64..1_000_000_000],
            ret in prop_oneof![Just(capcall_core::scenario::RETURN_PER_USD_MAX), Just(dec("0.0000000000000000000000000001")), Just(dec("1.5"))],
        ) {
            let mut uc = use_case(1);
            uc.budget_usd = Planned::from_cents(budget_cents);
            let score = evaluate(&uc, &rows, d(AS_OF), &RubricSettings::default(), 2);
            let _ = capcall_core::ucr::by_quarter(&rows);
            let _ = capcall_core::ucr::by_month(&rows);
            let mut lines = vec![];
            for (i, path) in [Path::Expand, Path::Retire, Path::Hold, Path::Expand].into_iter().enumerate() {
                lines.push(LineInput {
                    use_case: format!("u{i}"),
                    name: format!("U{i}"),
                    old_budget_usd: Planned::from_cents(budget_cents),
                    ucr: score.ucr_last_quarter,
                    verdict: Some(path),
                    ask_usd: Some(Planned::from_cents(ask_cents)),
                    return_per_usd: Some(ret),
                    decommission_usd: Some(Planned::from_cents(ask_cents)),
                    ..Default::default()
                });
            }
            let params = Params {
                policy: Policy::HighestReturn,
                envelope_usd: Planned::from_cents(envelope_cents),
                reserve_pct: dec("5"),
                quarter_start: d("2025-07-01"),
            };
            for policy in [Policy::HighestReturn, Policy::ProRata] {
                let params = Params { policy, ..params.clone() };
                let outcome = scenario::run(&lines, &params).expect("in-range inputs always run");
                let t = &outcome.totals;
                let sum_new = Planned::sum(outcome.lines.iter().map(|l| l.new_budget_usd)).unwrap();
                prop_assert_eq!(sum_new, t.new_budget_usd);
                prop_assert_eq!(
                    t.old_budget_usd.checked_add(t.delta_usd).unwrap(),
                    t.new_budget_usd
                );
                let uc_list: Vec<UseCase> = lines.iter().map(|l| UseCase { id: l.use_case.clone(), ..use_case(1) }).collect();
                let built = plan::build(&PlanInputs {
                    scenario: "x",
                    rubric_version: 2,
                    as_of: d(AS_OF),
                    outcome: &outcome,
                    use_cases: &uc_list,
                    decisions: &[],
                    scores: std::slice::from_ref(&score),
                    workoff_days: 30,
                });
                prop_assert!(built.is_ok(), "{:?}", built.err());
            }
        }
    }
}

// ------------------------------------------------- decision log YAML (to_yaml)

mod decision_yaml {
    use capcall_core::decision::{to_yaml, Decision, Milestone, Status};
    use proptest::prelude::*;

    /// What a YAML reader sees in an entry.
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        id: String,
        title: String,
        owner: String,
        budget_usd: Option<u64>,
        evidence: Vec<String>,
        guardrails: Vec<String>,
        milestones: Vec<std::collections::BTreeMap<String, String>>,
        status: String,
    }

    fn decision(title: &str, owner: &str, evidence: Vec<String>, milestone: &str) -> Decision {
        Decision {
            id: "DEC-2025-09-14-01".into(),
            title: title.into(),
            path: capcall_core::Path::Expand,
            use_case: None,
            scenario: None,
            owner: owner.into(),
            budget_usd: Some(capcall_core::Planned::from_dollars(300_000)),
            evidence,
            guardrails: vec![capcall_core::decision::Guardrail::parse("grounded_score >= 4.3/5").unwrap()],
            milestones: vec![Milestone {
                name: milestone.into(),
                date: super::d("2025-10-28"),
            }],
            status: Status::Approved,
            readout_date: super::d("2025-09-14"),
            logged_at: super::d("2025-09-14").and_hms_opt(9, 0, 0).unwrap(),
            workoff_due: None,
            superseded_by: None,
            rejection_reason: None,
        }
    }

    fn read_back(d: &Decision) -> Entry {
        let yaml = to_yaml(d);
        serde_norway::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
    }

    #[test]
    fn a_hostile_owner_is_one_value() {
        let d = decision(
            "x\nstatus: Rejected",
            "VP\nsuperseded_by: DEC-X",
            vec!["a # b".into(), "- c: d".into()],
            "true",
        );
        let e = read_back(&d);
        assert_eq!(e.owner, "VP\nsuperseded_by: DEC-X");
        assert_eq!(e.title, "x\nstatus: Rejected");
        assert_eq!(e.status, "Approved");
        assert_eq!(e.evidence, ["a # b", "- c: d"]);
        assert_eq!(e.milestones[0]["true"], "2025-10-28");
        assert!(to_yaml(&d).lines().all(|l| !l.starts_with("superseded_by")));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_text_reads_back_as_itself(
            title in "\\PC*|[\\x00-\\x7f\\u{80}-\\u{9f}\\u{2028}\\u{feff}:#\"'\\\\ -]{0,30}",
            owner in any::<String>(),
            ev in prop::collection::vec(any::<String>(), 0..3),
        ) {
            let d = decision(&title, &owner, ev.clone(), "wave3_launch");
            let e = read_back(&d);
            prop_assert_eq!(e.title, title);
            prop_assert_eq!(e.owner, owner);
            prop_assert_eq!(e.evidence, ev);
            prop_assert_eq!(e.id, "DEC-2025-09-14-01");
            prop_assert_eq!(e.budget_usd, Some(300_000));
            prop_assert_eq!(e.guardrails, vec!["grounded_score >= 4.3/5".to_string()]);
            prop_assert_eq!(e.status, "Approved");
        }
    }
}

// ---------------------------------------------------------------- live recompute and compare

fn mixed_lines() -> Vec<LineInput> {
    let mut ls = vec![
        expand("a", 50_000, "2.0", None, None),
        expand("b", 80_000, "1.5", Some(60_000), None),
        expand("c", 30_000, "0.5", None, Some(20_000)),
    ];
    ls.push(LineInput {
        use_case: "r".into(),
        name: "r".into(),
        old_budget_usd: Planned::from_dollars(900),
        verdict: Some(Path::Retire),
        decommission_usd: Some(Planned::from_dollars(100)),
        ucr: Some(dec("0.02")),
        ..Default::default()
    });
    ls
}

#[test]
fn live_recompute_with_edits_equals_a_full_run_and_leaves_the_base_alone() {
    let mut base = mixed_lines();
    let before = base.clone();
    let p = params(Policy::HighestReturn, 40_000);
    let mut edited_b = base[1].clone();
    edited_b.ask_usd = Some(Planned::from_cents(10_000));
    let mut edited_r = base[3].clone();
    edited_r.path_override = Some(Path::Hold);
    edited_r.reason = Some("still needed".into());
    // A later edit of the same line wins.
    let stale_b = base[1].clone();
    let live = scenario::run_edited(&mut base, &[stale_b, edited_r.clone(), edited_b.clone()], &p).unwrap();
    assert_eq!(base, before, "the base lines are restored");
    let mut full_lines = before.clone();
    full_lines[1] = edited_b;
    full_lines[3] = edited_r;
    let full = scenario::run(&full_lines, &p).unwrap();
    assert_eq!(live, scenario::LiveOutcome::from(&full));
    assert_eq!(live.lines.len(), 4);
    assert_eq!(live.lines[3].path, Path::Hold);
    assert_ne!(
        live.totals,
        scenario::run(&before, &p).unwrap().totals,
        "the edits changed the totals"
    );
    // Sent while typing: only the lines whose result moved from the saved run.
    let saved = scenario::LiveOutcome::from(&scenario::run(&before, &p).unwrap());
    let delta = live.clone().delta_from(&saved.lines);
    assert_eq!(delta.totals, live.totals);
    assert!(!delta.changed.is_empty() && delta.changed.len() < live.lines.len());
    for c in &delta.changed {
        assert_eq!(c.line, live.lines[c.index as usize]);
        assert_ne!(c.line, saved.lines[c.index as usize]);
    }
    let mut patched = saved.lines.clone();
    for c in delta.changed {
        patched[c.index as usize] = c.line;
    }
    assert_eq!(patched, live.lines, "saved lines plus the changes are the live result");
    assert!(saved.clone().delta_from(&saved.lines).changed.is_empty());
    // An edit of a use case that is not in the scenario is an error naming it.
    let mut ghost = before[0].clone();
    ghost.use_case = "ghost".into();
    let err = scenario::run_edited(&mut base, &[ghost], &p).unwrap_err().to_string();
    assert!(err.contains("ghost"), "{err}");
    // A bad edit is an error and the base is still restored.
    let mut bad = before[0].clone();
    bad.return_per_usd = Some(dec("-1"));
    assert!(scenario::run_edited(&mut base, &[bad], &p).is_err());
    assert_eq!(base, before);
}

#[test]
fn comparison_reports_projected_value_ucr_and_changed_inputs() {
    let a = mixed_lines();
    let mut b = a.clone();
    b[0].ask_usd = Some(Planned::from_cents(70_000));
    b[2].floor_usd = None;
    b.remove(3);
    let (pa, mut pb) = (
        params(Policy::HighestReturn, 40_000),
        params(Policy::HighestReturn, 40_000),
    );
    pb.policy = Policy::ProRata;
    let (oa, ob) = (scenario::run(&a, &pa).unwrap(), scenario::run(&b, &pb).unwrap());
    let m = scenario::measure_differences(&oa.totals, &ob.totals).unwrap();
    assert_eq!(m[0].name, "projected value");
    assert_eq!(
        m[0].difference,
        Some(ob.totals.projected_value - oa.totals.projected_value)
    );
    assert_ne!(
        m[0].difference,
        Some(Decimal::ZERO),
        "two policies with different values differ"
    );
    assert_eq!(m[1].name, "projected UCR");
    let changes = scenario::input_changes(&a, &pa, &b, &pb);
    type Row<'a> = (Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);
    let got: Vec<Row> = changes
        .iter()
        .map(|c| (c.use_case.as_deref(), c.field.as_str(), c.a.as_deref(), c.b.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (None, "policy", Some("highest-return"), Some("pro-rata")),
            (Some("a"), "ask_usd", Some("500.00"), Some("700.00")),
            (Some("c"), "floor_usd", Some("200.00"), None),
            (Some("r"), "line", Some("present"), None),
        ]
    );
    assert!(scenario::input_changes(&a, &pa, &a, &pa).is_empty());
}
/// The display rules the UI ports (ui/src/lib/format.ts): one table of
/// cases, read by this test and by the UI's `format.test.ts`, so the port
/// and the rule cannot drift apart.
#[test]
fn the_uis_format_port_cases_are_cores_answers() {
    let cases: serde_json::Value = serde_json::from_str(include_str!("format_cases.json")).unwrap();
    let table = |k: &str| -> Vec<(String, String)> {
        cases[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_str().unwrap().to_string(), c[1].as_str().unwrap().to_string()))
            .collect()
    };
    for (v, want) in table("ucr") {
        assert_eq!(capcall_core::format::ucr(v.parse().unwrap()), want, "ucr {v}");
    }
    for (v, want) in table("pct") {
        assert_eq!(capcall_core::format::pct(v.parse().unwrap()), want, "pct {v}");
    }
    for (v, want) in table("money") {
        let m = capcall_core::money::Measured::parse(&v).unwrap();
        assert_eq!(capcall_core::format::measured(m), want, "money {v}");
    }
    for (v, want) in table("timestamp") {
        assert_eq!(capcall_core::format::timestamp(&v), want, "timestamp {v}");
    }
}

/// Guardrail states are an enum that crosses JSON as the words scripts read.
#[test]
fn guardrail_states_cross_json_as_their_words() {
    use capcall_core::decision::GuardrailState;
    for (s, word) in [
        (GuardrailState::Met, "met"),
        (GuardrailState::Breached, "breached"),
        (GuardrailState::NoData, "no data"),
    ] {
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{word}\""));
        assert_eq!(s.to_string(), word);
        assert_eq!(
            serde_json::from_str::<GuardrailState>(&format!("\"{word}\"")).unwrap(),
            s
        );
    }
}
