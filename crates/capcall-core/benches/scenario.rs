#![allow(clippy::disallowed_methods)] // a benchmark measures wall time; it is not the domain
//! Recompute benchmark: one scenario over 10,000 use cases in memory, the
//! work the app does on every keystroke. Prints the median and p95 of 200
//! runs per policy (goal: 1 ms; bar: 5 ms). Run: `cargo bench -p capcall-core`.

use std::time::Instant;

use capcall_core::money::Planned;
use capcall_core::rubric::Path;
use capcall_core::scenario::{run, LineInput, Params, Policy};
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn lines(n: usize) -> Vec<LineInput> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |k: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % k
    };
    (0..n)
        .map(|i| {
            let path = match next(10) {
                0..=2 => Path::Retire,
                3..=5 => Path::Hold,
                _ => Path::Expand,
            };
            LineInput {
                use_case: format!("uc-{i:05}"),
                name: format!("Use case {i}"),
                old_budget_usd: Planned::from_cents(next(90_000_000) as i64 + 1_000_000),
                verdict: Some(path),
                ask_usd: (path == Path::Expand).then(|| Planned::from_cents(next(20_000_000) as i64)),
                return_per_usd: (path == Path::Expand).then(|| Decimal::new(next(400) as i64 + 1, 2)),
                cap_usd: (next(3) == 0).then(|| Planned::from_cents(next(15_000_000) as i64 + 1_000_000)),
                floor_usd: (next(5) == 0).then(|| Planned::from_cents(next(1_000_000) as i64)),
                decommission_usd: (path == Path::Retire).then(|| Planned::from_cents(next(5_000_000) as i64)),
                sunset_date: (path == Path::Retire)
                    .then(|| NaiveDate::from_ymd_opt(2025, 10, 1 + next(30) as u32).unwrap()),
                ucr: Some(Decimal::new(next(300) as i64 + 20, 4)),
                ..Default::default()
            }
        })
        .collect()
}

fn main() {
    let n = 10_000;
    let ls = lines(n);
    for policy in [Policy::HighestReturn, Policy::ProRata] {
        let params = Params {
            policy,
            envelope_usd: Planned::from_dollars(500_000),
            reserve_pct: Decimal::from(5),
            quarter_start: NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
        };
        let mut times = Vec::with_capacity(200);
        let mut capital_call = Planned::ZERO;
        for _ in 0..200 {
            let t = Instant::now();
            let out = run(&ls, &params).expect("valid scenario");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            capital_call = out.totals.next_capital_call_usd;
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "scenario recompute, {n} use cases, {}: median {:.3} ms, p95 {:.3} ms (next capital call {})",
            policy.as_str(),
            times[100],
            times[190],
            capital_call.display_grouped()
        );
    }
}
