//! The demo portfolio: twelve use cases drawn from the seed readout ("Ops
//! Copilot" waves in the EU and US, a support summarizer, a code assistant,
//! ...) with 78 weeks (six quarters) of observations ending on 2025-09-08,
//! just before the seed's readout of 2025-09-14.
//!
//! Deterministic (no randomness: the same data every time) and chosen so that
//! the default rubric gives every verdict: Expand, Hold, Retire, and Opaque
//! dimensions. Generated in memory, with an incident history consistent with
//! it ([`incidents`]); the store writes it.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::model::{EvalStatus, Lifecycle, Observation, UseCase};
use crate::money::{Measured, Planned};
use crate::period::Quarter;

/// The date of the demo's latest observation.
pub fn last_week() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 9, 8).expect("valid date")
}

/// Weeks of history per use case.
pub const WEEKS: u32 = 78;

struct Profile {
    id: &'static str,
    name: &'static str,
    owner: &'static str,
    wave: &'static str,
    region: &'static str,
    status: Lifecycle,
    flag: Option<&'static str>,
    budget: i64,
    levers: &'static [&'static str],
    /// Weekly spend in dollars at the start of history.
    weekly_spend: i64,
    /// UCR at the start, in millionths of a dollar per unit.
    ucr_micros: i64,
    /// UCR change per quarter, percent (negative = getting cheaper).
    ucr_drift_pct: i64,
    /// Spend vs forecast, percent (spend is this much above forecast).
    forecast_bias_pct: i64,
    has_forecast: bool,
    /// Value delta: (last-quarter mean, rise per quarter, target, hurdle, CI half-width); None = not measured.
    value: Option<(i64, i64, i64, i64, i64)>,
    /// p95 as percent of its SLO; every `breach_every`-th week breaches.
    p95_pct: i64,
    breach_every: u32,
    slo_ms: i64,
    eval: EvalStatus,
    remediation: Option<(&'static str, &'static str)>,
    privacy_incident: bool,
    /// Mean DAU as percent of target, and task success percent.
    dau_pct: i64,
    dau_target: i64,
    task_success: i64,
}

const PROFILES: &[Profile] = &[
    Profile {
        id: "ops-copilot-w1-us",
        name: "Ops Copilot Wave 1 (US)",
        owner: "VP Ops",
        wave: "Wave 1",
        region: "US",
        status: Lifecycle::Live,
        flag: Some("ops_copilot_w1"),
        budget: 420_000,
        levers: &["prompt caching", "model routing"],
        weekly_spend: 30_000,
        ucr_micros: 11_800,
        ucr_drift_pct: -6,
        forecast_bias_pct: 2,
        has_forecast: true,
        value: Some((180, 10, 150, 60, 40)),
        p95_pct: 70,
        breach_every: 0,
        slo_ms: 1200,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 115,
        dau_target: 2400,
        task_success: 82,
    },
    Profile {
        id: "ops-copilot-w2-eu",
        name: "Ops Copilot Wave 2 (EU)",
        owner: "VP Ops",
        wave: "Wave 2",
        region: "EU",
        status: Lifecycle::Live,
        flag: Some("ops_copilot_w2"),
        budget: 310_000,
        levers: &["prompt caching", "batching"],
        weekly_spend: 21_000,
        ucr_micros: 12_400,
        ucr_drift_pct: -5,
        forecast_bias_pct: -3,
        has_forecast: true,
        value: Some((165, 12, 150, 60, 35)),
        p95_pct: 76,
        breach_every: 0,
        slo_ms: 1200,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 104,
        dau_target: 1800,
        task_success: 78,
    },
    Profile {
        id: "ops-copilot-w3-eu",
        name: "Ops Copilot Wave 3 (EU)",
        owner: "VP Ops",
        wave: "Wave 3",
        region: "EU",
        status: Lifecycle::Pilot,
        flag: Some("ops_copilot_w3_eu"),
        budget: 150_000,
        levers: &["prompt caching"],
        weekly_spend: 6_000,
        ucr_micros: 13_900,
        ucr_drift_pct: -7,
        forecast_bias_pct: 3,
        has_forecast: true,
        value: Some((140, 25, 150, 60, 30)),
        p95_pct: 78,
        breach_every: 0,
        slo_ms: 1200,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 80,
        dau_target: 1200,
        task_success: 74,
    },
    Profile {
        id: "ops-copilot-w3-us",
        name: "Ops Copilot Wave 3 (US)",
        owner: "Director Ops",
        wave: "Wave 3",
        region: "US",
        status: Lifecycle::Pilot,
        flag: Some("ops_copilot_w3_us"),
        budget: 160_000,
        levers: &["model routing"],
        weekly_spend: 7_500,
        ucr_micros: 13_100,
        ucr_drift_pct: -4,
        forecast_bias_pct: 4,
        has_forecast: true,
        value: Some((160, 15, 150, 60, 30)),
        p95_pct: 94,
        breach_every: 9,
        slo_ms: 1200,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 102,
        dau_target: 1300,
        task_success: 76,
    },
    Profile {
        id: "support-summarizer",
        name: "Support Ticket Summarizer",
        owner: "Head of Support",
        wave: "Wave 1",
        region: "Global",
        status: Lifecycle::Live,
        flag: Some("support_summary"),
        budget: 260_000,
        levers: &["prompt caching", "smaller model for triage"],
        weekly_spend: 17_000,
        ucr_micros: 4_200,
        ucr_drift_pct: -8,
        forecast_bias_pct: 1,
        has_forecast: true,
        value: Some((210, 8, 180, 80, 45)),
        p95_pct: 62,
        breach_every: 0,
        slo_ms: 2000,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 122,
        dau_target: 900,
        task_success: 88,
    },
    Profile {
        id: "code-assistant",
        name: "Code Assistant",
        owner: "VP Engineering",
        wave: "Wave 2",
        region: "Global",
        status: Lifecycle::Live,
        flag: Some("code_assist"),
        budget: 380_000,
        levers: &["seat right-sizing", "context trimming"],
        weekly_spend: 26_000,
        ucr_micros: 21_000,
        ucr_drift_pct: 3,
        forecast_bias_pct: 11,
        has_forecast: true,
        value: Some((190, 6, 170, 70, 40)),
        p95_pct: 74,
        breach_every: 0,
        slo_ms: 1500,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 110,
        dau_target: 3000,
        task_success: 79,
    },
    Profile {
        id: "contract-review",
        name: "Contract Review Assistant",
        owner: "General Counsel",
        wave: "Wave 2",
        region: "EU",
        status: Lifecycle::Live,
        flag: Some("contract_review"),
        budget: 140_000,
        levers: &["prompt caching"],
        weekly_spend: 9_000,
        ucr_micros: 61_000,
        ucr_drift_pct: -2,
        forecast_bias_pct: 4,
        has_forecast: true,
        value: Some((120, 8, 150, 60, 30)),
        p95_pct: 80,
        breach_every: 0,
        slo_ms: 3000,
        eval: EvalStatus::Red,
        remediation: None,
        privacy_incident: true,
        dau_pct: 90,
        dau_target: 400,
        task_success: 71,
    },
    Profile {
        id: "sales-email-drafter",
        name: "Sales Email Drafter",
        owner: "CRO",
        wave: "Wave 1",
        region: "US",
        status: Lifecycle::Live,
        flag: Some("sales_drafts"),
        budget: 120_000,
        levers: &[],
        weekly_spend: 8_500,
        ucr_micros: 9_000,
        ucr_drift_pct: 4,
        forecast_bias_pct: 22,
        has_forecast: true,
        value: Some((30, -10, 150, 60, 40)),
        p95_pct: 72,
        breach_every: 0,
        slo_ms: 1500,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 38,
        dau_target: 1500,
        task_success: 46,
    },
    Profile {
        id: "invoice-matching",
        name: "Invoice Matching Agent",
        owner: "Controller",
        wave: "Wave 2",
        region: "US",
        status: Lifecycle::Live,
        flag: Some("invoice_agent"),
        budget: 180_000,
        levers: &["batching"],
        weekly_spend: 11_000,
        ucr_micros: 32_000,
        ucr_drift_pct: -3,
        forecast_bias_pct: 4,
        has_forecast: true,
        value: Some((175, 10, 160, 60, 35)),
        p95_pct: 75,
        breach_every: 0,
        slo_ms: 5000,
        eval: EvalStatus::Yellow,
        remediation: Some(("tighten PII redaction in extraction prompts", "2025-10-03")),
        privacy_incident: false,
        dau_pct: 108,
        dau_target: 250,
        task_success: 81,
    },
    Profile {
        id: "hr-policy-bot",
        name: "HR Policy Q&A",
        owner: "CHRO",
        wave: "Wave 3",
        region: "EU",
        status: Lifecycle::Pilot,
        flag: Some("hr_policy_qa"),
        budget: 90_000,
        levers: &["prompt caching"],
        weekly_spend: 4_000,
        ucr_micros: 7_500,
        ucr_drift_pct: -2,
        forecast_bias_pct: 0,
        has_forecast: false,
        value: Some((150, 10, 140, 60, 25)),
        p95_pct: 70,
        breach_every: 0,
        slo_ms: 1500,
        eval: EvalStatus::Yellow,
        remediation: None,
        privacy_incident: false,
        dau_pct: 96,
        dau_target: 600,
        task_success: 73,
    },
    Profile {
        id: "kb-search",
        name: "Knowledge Base Search",
        owner: "CIO",
        wave: "Wave 1",
        region: "Global",
        status: Lifecycle::Live,
        flag: Some("kb_search_v2"),
        budget: 200_000,
        levers: &[],
        weekly_spend: 14_000,
        ucr_micros: 6_100,
        ucr_drift_pct: 5,
        forecast_bias_pct: 19,
        has_forecast: true,
        value: Some((90, 4, 140, 60, 30)),
        p95_pct: 96,
        breach_every: 3,
        slo_ms: 1000,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 60,
        dau_target: 2000,
        task_success: 58,
    },
    Profile {
        id: "marketing-copy",
        name: "Marketing Copy Generator",
        owner: "CMO",
        wave: "Wave 3",
        region: "US",
        status: Lifecycle::Pilot,
        flag: None,
        budget: 70_000,
        levers: &["model routing"],
        weekly_spend: 3_000,
        ucr_micros: 15_500,
        ucr_drift_pct: -4,
        forecast_bias_pct: 6,
        has_forecast: true,
        value: None,
        p95_pct: 68,
        breach_every: 0,
        slo_ms: 2500,
        eval: EvalStatus::Green,
        remediation: None,
        privacy_incident: false,
        dau_pct: 95,
        dau_target: 500,
        task_success: 72,
    },
];

/// Deterministic jitter in `[-amp, amp]` for week `w` of series `salt`.
fn jitter(salt: u64, w: u32, amp: i64) -> i64 {
    if amp == 0 {
        return 0;
    }
    let mut x = salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(w).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    let span = (2 * amp + 1) as u64;
    (x % span) as i64 - amp
}

fn dec(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

/// The demo's use cases and their observations.
pub fn portfolio() -> Vec<(UseCase, Vec<Observation>)> {
    let first = last_week()
        .checked_sub_days(Days::new(7 * u64::from(WEEKS - 1)))
        .expect("valid");
    let last_q = Quarter::last_complete(last_week());
    PROFILES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let salt = i as u64 + 1;
            let uc = UseCase {
                id: p.id.into(),
                name: p.name.into(),
                owner: p.owner.into(),
                wave: p.wave.into(),
                region: p.region.into(),
                status: p.status,
                flag: p.flag.map(Into::into),
                budget_usd: Planned::from_dollars(p.budget),
                levers: p.levers.iter().map(|s| s.to_string()).collect(),
                sunset_date: None,
            };
            let rows = (0..WEEKS)
                .map(|w| {
                    let date = first.checked_add_days(Days::new(7 * u64::from(w))).expect("valid");
                    let q = Quarter::of(date);
                    // Quarters before the last complete quarter (negative after it).
                    let back = i64::from((last_q.year - q.year) * 4 + i32::from(last_q.q) - i32::from(q.q));
                    let spend_cents =
                        (p.weekly_spend * 100 * (1000 + 4 * i64::from(w))) / 1000 + jitter(salt, w, p.weekly_spend * 2);
                    // ucr(q) = start * (1 + drift)^(quarters elapsed), in micro-dollars.
                    let elapsed = 5 - back.min(5);
                    let mut ucr = p.ucr_micros * 1000;
                    for _ in 0..elapsed {
                        ucr = ucr * (100 + p.ucr_drift_pct) / 100;
                    }
                    let units = (spend_cents * 10_000_000 / ucr.max(1)).max(1) as u64;
                    let forecast_cents = spend_cents * 100 / (100 + p.forecast_bias_pct) + jitter(salt + 100, w, 50);
                    let value = p.value.map(|(last, rise, target, hurdle, ci)| {
                        let mean = last - rise * back + jitter(salt + 200, w, 6);
                        (mean, target, hurdle, ci)
                    });
                    let breach = p.breach_every > 0 && w % p.breach_every == 0;
                    let p95 = if breach {
                        p.slo_ms * 112 / 100
                    } else {
                        (p.slo_ms * p.p95_pct / 100 + jitter(salt + 300, w, p.slo_ms / 100)).min(p.slo_ms)
                    };
                    let availability = if breach {
                        dec(99_35, 2)
                    } else {
                        dec(99_90 + jitter(salt + 400, w, 5), 2)
                    };
                    let dau = p.dau_target * p.dau_pct / 100 + jitter(salt + 500, w, p.dau_target / 50);
                    let success = p.task_success * 10 + jitter(salt + 600, w, 15);
                    let recent = back < 0;
                    Observation {
                        period_start: date,
                        spend_usd: Some(Measured::from_planned(Planned::from_cents(spend_cents))),
                        forecast_usd: p
                            .has_forecast
                            .then(|| Measured::from_planned(Planned::from_cents(forecast_cents))),
                        units: Some(units),
                        value_delta: value.map(|v| dec(v.0, 1)),
                        value_target: value.map(|v| dec(v.1, 1)),
                        value_hurdle: value.map(|v| dec(v.2, 1)),
                        value_ci_low: value.map(|v| dec(v.0 - v.3, 1)),
                        value_ci_high: value.map(|v| dec(v.0 + v.3, 1)),
                        p95_latency_ms: Some(Decimal::from(p95)),
                        p95_latency_slo_ms: Some(Decimal::from(p.slo_ms)),
                        availability_pct: Some(availability),
                        availability_slo_pct: Some(dec(99_50, 2)),
                        eval_status: Some(if recent || p.eval == EvalStatus::Green {
                            p.eval
                        } else {
                            EvalStatus::Green
                        }),
                        grounded_score: Some(dec(44 + jitter(salt + 700, w, 3), 1)),
                        privacy_incidents: Some(u32::from(p.privacy_incident && w == WEEKS - 4)),
                        dau: Some(Decimal::from(dau)),
                        dau_target: Some(Decimal::from(p.dau_target)),
                        task_success_pct: Some(dec(success, 1)),
                        remediation_plan: p.remediation.filter(|_| recent).map(|r| r.0.to_string()),
                        remediation_due: p
                            .remediation
                            .filter(|_| recent)
                            .map(|r| r.1.parse().expect("valid date")),
                    }
                })
                .collect();
            (uc, rows)
        })
        .collect()
}

/// The demo's incident history (as `incidents.csv` would give it),
/// consistent with its observations and verdicts: the Contract Review
/// Assistant's privacy incident is the one its observations count in the
/// week of 2025-08-18 (so Safety counts it once); Knowledge Base Search,
/// with chronic SLO breaches, has recurring latency incidents and one sev2
/// still open; the yellow-eval use cases have the small incidents behind
/// their evals (no personal data exposed); healthy use cases have a few
/// sev3/sev4 incidents closed within hours, and Wave 1 had one provider
/// outage in 2024. Times are UTC.
pub fn incidents() -> Vec<crate::incident::Incident> {
    use crate::incident::{parse_timestamp, Incident, Severity::*};
    #[rustfmt::skip]
    let rows = [
        ("OPS-2024-112", "ops-copilot-w1-us", Sev1, "2024-11-12T14:10Z", Some("2024-11-12T17:40Z"), "Model provider outage: copilot unavailable in US", false, Some("https://wiki.example.com/rca/OPS-2024-112")),
        ("OPS-2025-014", "ops-copilot-w1-us", Sev4, "2025-02-04T09:15Z", Some("2025-02-04T10:05Z"), "Citation links broken in answers", false, None),
        ("OPS-2025-061", "ops-copilot-w2-eu", Sev3, "2025-06-17T07:30Z", Some("2025-06-17T09:45Z"), "Slow answers after prompt cache flush", false, None),
        ("OPS-2025-088", "ops-copilot-w3-us", Sev3, "2025-07-21T15:20Z", Some("2025-07-21T20:20Z"), "p95 latency above SLO during Wave 3 ramp", false, Some("https://wiki.example.com/rca/OPS-2025-088")),
        ("SUP-2025-009", "support-summarizer", Sev4, "2025-03-11T13:00Z", Some("2025-03-11T13:40Z"), "Summaries truncated for very long tickets", false, None),
        ("SUP-2025-033", "support-summarizer", Sev3, "2025-08-06T08:05Z", Some("2025-08-06T10:35Z"), "Wrong language in summaries for Portuguese tickets", false, None),
        ("ENG-2025-021", "code-assistant", Sev3, "2025-05-27T16:00Z", Some("2025-05-27T18:30Z"), "Completions timing out in the monorepo", false, None),
        ("ENG-2025-047", "code-assistant", Sev4, "2025-08-12T11:10Z", Some("2025-08-12T11:55Z"), "IDE plugin shows stale model name", false, None),
        ("CR-2025-019", "contract-review", Sev3, "2025-05-06T10:00Z", Some("2025-05-07T12:00Z"), "Clause extraction missed indemnity caps", false, None),
        ("CR-2025-031", "contract-review", Sev1, "2025-08-19T09:40Z", Some("2025-08-21T16:00Z"), "Counterparty personal data quoted in a summary shared outside Legal", true, Some("https://wiki.example.com/rca/CR-2025-031")),
        ("SAL-2025-012", "sales-email-drafter", Sev3, "2025-04-15T14:00Z", Some("2025-04-16T09:00Z"), "Drafts quoting discontinued pricing", false, None),
        ("SAL-2025-027", "sales-email-drafter", Sev4, "2025-07-08T10:20Z", Some("2025-07-08T12:00Z"), "Signature block missing in drafts", false, None),
        ("FIN-2025-018", "invoice-matching", Sev3, "2025-08-26T08:00Z", Some("2025-08-28T17:00Z"), "Redaction missed a bank field in extraction prompts (caught in evals, no exposure)", false, Some("https://wiki.example.com/rca/FIN-2025-018")),
        ("HR-2025-007", "hr-policy-bot", Sev3, "2025-08-05T09:00Z", Some("2025-08-07T15:30Z"), "Answers cited the superseded parental leave policy", false, None),
        ("KB-2025-030", "kb-search", Sev2, "2025-04-22T13:00Z", Some("2025-04-23T09:00Z"), "Search p95 latency above SLO after index growth", false, Some("https://wiki.example.com/rca/KB-2025-030")),
        ("KB-2025-052", "kb-search", Sev3, "2025-06-10T07:45Z", Some("2025-06-10T16:15Z"), "Availability below SLO during re-indexing", false, None),
        ("KB-2025-071", "kb-search", Sev2, "2025-07-29T12:30Z", Some("2025-07-31T10:00Z"), "Search p95 latency above SLO (recurring)", false, Some("https://wiki.example.com/rca/KB-2025-071")),
        ("KB-2025-084", "kb-search", Sev2, "2025-09-02T08:20Z", None, "Search p95 latency above SLO (recurring, re-architecture pending)", false, None),
        ("MKT-2025-004", "marketing-copy", Sev4, "2025-07-15T15:00Z", Some("2025-07-15T15:30Z"), "Brand glossary not applied to headlines", false, None),
    ];
    rows.into_iter()
        .map(
            |(id, use_case, severity, opened, closed, title, privacy, rca)| Incident {
                id: id.into(),
                use_case: use_case.into(),
                severity,
                opened: parse_timestamp(opened).expect("valid demo time"),
                closed: closed.map(|c| parse_timestamp(c).expect("valid demo time")),
                title: title.into(),
                privacy,
                rca: rca.map(Into::into),
            },
        )
        .collect()
}

/// The demo's draft scenario inputs (as `scenario_inputs.csv` would give
/// them): asks for the Expand paths, one override with its reason, and
/// sunsets with decommission costs for the Retire paths.
pub fn scenario_inputs() -> Vec<crate::scenario::LineInput> {
    use crate::rubric::Path;
    use crate::scenario::LineInput;
    let date = |s: &str| s.parse::<NaiveDate>().ok();
    let usd = Planned::from_dollars;
    let ret = |s: &str| s.parse::<Decimal>().ok();
    vec![
        LineInput {
            use_case: "ops-copilot-w1-us".into(),
            ask_usd: Some(usd(120_000)),
            return_per_usd: ret("2.4"),
            cap_usd: Some(usd(100_000)),
            ..Default::default()
        },
        LineInput {
            use_case: "ops-copilot-w2-eu".into(),
            ask_usd: Some(usd(90_000)),
            return_per_usd: ret("2.1"),
            floor_usd: Some(usd(40_000)),
            ..Default::default()
        },
        LineInput {
            use_case: "support-summarizer".into(),
            ask_usd: Some(usd(80_000)),
            return_per_usd: ret("3.2"),
            ..Default::default()
        },
        LineInput {
            use_case: "ops-copilot-w3-eu".into(),
            path_override: Some(Path::Expand),
            reason: Some("Wave 3 EU launch on 2025-10-28; adoption ramp on plan".into()),
            ask_usd: Some(usd(150_000)),
            return_per_usd: ret("1.8"),
            floor_usd: Some(usd(60_000)),
            ..Default::default()
        },
        LineInput {
            use_case: "contract-review".into(),
            decommission_usd: Some(usd(25_000)),
            sunset_date: date("2025-10-15"),
            ..Default::default()
        },
        LineInput {
            use_case: "sales-email-drafter".into(),
            decommission_usd: Some(usd(10_000)),
            ..Default::default()
        },
        LineInput {
            use_case: "kb-search".into(),
            decommission_usd: Some(usd(40_000)),
            sunset_date: date("2025-11-01"),
            ..Default::default()
        },
    ]
}

/// Name of the demo's draft scenario.
pub const SCENARIO: &str = "Q4-2025 capital call";
