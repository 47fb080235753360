//! The next-90 plan: built from the approved scenario's result and the
//! approved decisions. Pure; the store saves it and the exports render it.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::decision::{Decision, Status};
use crate::model::UseCase;
use crate::money::{MoneyError, Planned};
use crate::rubric::{Path, Score, Verdict};
use crate::scenario::{Outcome, Totals};

/// The plan's JSON schema version (`plan.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// Where a stored plan is in its workflow (workflow words, never verdicts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum PlanStatus {
    Draft,
    Approved,
    Superseded,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [PlanStatus::Draft, PlanStatus::Approved, PlanStatus::Superseded];
    /// The stored and displayed word: `draft`, `approved`, `superseded`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Approved => "approved",
            PlanStatus::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<PlanStatus> {
        PlanStatus::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

impl std::fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The plan window: the 90 days from the quarter's first day (first and
/// last day, inclusive).
pub fn window(quarter_start: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        quarter_start,
        quarter_start.checked_add_days(Days::new(89)).unwrap_or(quarter_start),
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanOutcome {
    pub use_case: String,
    pub name: String,
    /// What will be measured, e.g. "p95_latency_ms <= 1200".
    pub targets: Vec<String>,
    /// The same targets in words ("p95 latency ≤ 1,200 ms"), one per target
    /// ([`crate::decision::guardrail_label`]); filled by [`Plan::label`].
    #[serde(default)]
    pub target_labels: Vec<String>,
    pub projected_value: Planned,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanMilestone {
    /// The milestone's key (`workoff_<use case>`, `sunset_<use case>`, or
    /// the name a decision gave it).
    pub name: String,
    /// The milestone as a person reads it ([`milestone_label`]); filled by
    /// [`Plan::label`].
    #[serde(default)]
    pub label: String,
    pub date: NaiveDate,
    pub owner: String,
    pub decision: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Wave {
    pub wave: String,
    pub use_cases: Vec<String>,
    pub new_budget_usd: Planned,
    pub delta_usd: Planned,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Boost {
    pub use_case: String,
    pub name: String,
    pub amount_usd: Planned,
    pub projected_value: Planned,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Workoff {
    pub use_case: String,
    pub name: String,
    pub issues: Vec<String>,
    pub owner: String,
    pub due: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Retirement {
    pub use_case: String,
    pub name: String,
    pub sunset: NaiveDate,
    pub freed_usd: Planned,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Review {
    pub name: String,
    pub when: String,
}

/// The next-90 plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Plan {
    pub schema_version: u32,
    pub title: String,
    pub scenario: String,
    pub rubric_version: u32,
    pub as_of: NaiveDate,
    pub quarter_start: NaiveDate,
    pub quarter_end: NaiveDate,
    pub totals: Totals,
    pub outcomes: Vec<PlanOutcome>,
    pub milestones: Vec<PlanMilestone>,
    pub waves: Vec<Wave>,
    pub enablement: Vec<Boost>,
    pub workoffs: Vec<Workoff>,
    pub retirements: Vec<Retirement>,
    pub dashboards: Vec<String>,
    pub cadence: Vec<Review>,
    pub decisions: Vec<String>,
}

impl Plan {
    /// Fills the labels a person reads (milestones, targets) where they are
    /// missing (a plan stored before labels existed keeps its keys and gains
    /// the words). `name_of` gives a use case's name by its id.
    pub fn label(&mut self, mut name_of: impl FnMut(&str) -> Option<String>) {
        for m in &mut self.milestones {
            if m.label.is_empty() {
                m.label = milestone_label(&m.name, &mut name_of);
            }
        }
        for o in &mut self.outcomes {
            if o.target_labels.len() != o.targets.len() {
                o.target_labels = o.targets.iter().map(|t| crate::decision::guardrail_label(t)).collect();
            }
        }
    }
}

/// A milestone's key as a person reads it: `workoff_lodz-invoice-ocr` →
/// "Work-off: Łódź Invoice OCR" (the use case's name, from `name_of`),
/// `sunset_x` → "Sunset: …", `wave3_launch` → "Wave3 launch", with known
/// acronyms upper-cased ("slos_review" → "SLOs review"). The one rule for the
/// app's plan screen and the board pack.
pub fn milestone_label(raw: &str, mut name_of: impl FnMut(&str) -> Option<String>) -> String {
    for (prefix, label) in [("workoff_", "Work-off"), ("sunset_", "Sunset")] {
        if let Some(id) = raw.strip_prefix(prefix) {
            if let Some(name) = name_of(id) {
                return format!("{label}: {name}");
            }
        }
    }
    const ACRONYMS: [&str; 16] = [
        "eu", "us", "uk", "ai", "slo", "slos", "pii", "hr", "ucr", "api", "ux", "kpi", "ocr", "llm", "elt", "ceo",
    ];
    let words: Vec<String> = raw
        .split(['_', ' '])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| {
            if ACRONYMS.contains(&w.to_lowercase().as_str()) {
                if w.eq_ignore_ascii_case("slos") {
                    "SLOs".to_string()
                } else {
                    w.to_uppercase()
                }
            } else if i == 0 {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            } else {
                w.to_string()
            }
        })
        .collect();
    words.join(" ")
}

/// What the plan is built from.
pub struct PlanInputs<'a> {
    pub scenario: &'a str,
    pub rubric_version: u32,
    pub as_of: NaiveDate,
    pub outcome: &'a Outcome,
    pub use_cases: &'a [UseCase],
    pub decisions: &'a [Decision],
    pub scores: &'a [Score],
    pub workoff_days: u64,
}

/// A plan figure that cannot be formed exactly, naming the use case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("use case {use_case}: {source}")]
pub struct PlanError {
    pub use_case: String,
    pub source: MoneyError,
}

pub fn build(i: &PlanInputs<'_>) -> Result<Plan, PlanError> {
    let (start, end) = window(i.outcome.params.quarter_start);
    let uc = |id: &str| i.use_cases.iter().find(|u| u.id == id);
    let approved: Vec<&Decision> = i.decisions.iter().filter(|d| d.status == Status::Approved).collect();
    let decision_for = |id: &str| approved.iter().find(|d| d.use_case.as_deref() == Some(id));
    let mut outcomes = vec![];
    let mut enablement = vec![];
    let mut workoffs = vec![];
    let mut retirements = vec![];
    let mut waves: BTreeMap<String, Wave> = BTreeMap::new();
    for l in &i.outcome.lines {
        let wave = uc(&l.use_case)
            .map(|u| u.wave.clone())
            .unwrap_or_else(|| "Unassigned".into());
        let w = waves.entry(wave.clone()).or_insert(Wave {
            wave,
            use_cases: vec![],
            new_budget_usd: Planned::ZERO,
            delta_usd: Planned::ZERO,
        });
        if l.path != Path::Retire {
            w.use_cases.push(l.name.clone());
        }
        let named = |source: MoneyError| PlanError {
            use_case: l.use_case.clone(),
            source,
        };
        w.new_budget_usd = w.new_budget_usd.checked_add(l.new_budget_usd).map_err(named)?;
        w.delta_usd = w.delta_usd.checked_add(l.delta_usd).map_err(named)?;
        let value = Planned::round_from(l.projected_value).map_err(named)?;
        match l.path {
            Path::Expand => {
                let mut targets: Vec<String> = decision_for(&l.use_case)
                    .map(|d| d.guardrails.iter().map(|g| g.to_string()).collect())
                    .unwrap_or_default();
                if targets.is_empty() {
                    targets.push("hold every traffic light at Expand (rubric re-score at the next readout)".into());
                }
                outcomes.push(PlanOutcome {
                    use_case: l.use_case.clone(),
                    name: l.name.clone(),
                    targets,
                    target_labels: vec![],
                    projected_value: value,
                });
                if l.allocated_usd.is_positive() {
                    enablement.push(Boost {
                        use_case: l.use_case.clone(),
                        name: l.name.clone(),
                        amount_usd: l.allocated_usd,
                        projected_value: value,
                    });
                }
            }
            Path::Hold => {
                let issues: Vec<String> = i
                    .scores
                    .iter()
                    .find(|s| s.use_case == l.use_case)
                    .map(|s| {
                        s.dimensions
                            .iter()
                            .filter(|d| d.verdict != Verdict::Expand)
                            .map(|d| {
                                let flags = if d.flags.is_empty() {
                                    String::new()
                                } else {
                                    format!(" ({})", d.flags.join(", "))
                                };
                                format!("{} {}{flags}", d.dimension.label(), d.verdict.as_str())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let due = decision_for(&l.use_case)
                    .and_then(|d| d.workoff_due)
                    .unwrap_or_else(|| start.checked_add_days(Days::new(i.workoff_days)).unwrap_or(start));
                let owner = uc(&l.use_case).map(|u| u.owner.clone()).unwrap_or_default();
                workoffs.push(Workoff {
                    use_case: l.use_case.clone(),
                    name: l.name.clone(),
                    issues,
                    owner,
                    due,
                });
            }
            Path::Retire => {
                let sunset = l.sunset(start).unwrap_or(start);
                retirements.push(Retirement {
                    use_case: l.use_case.clone(),
                    name: l.name.clone(),
                    sunset,
                    freed_usd: l.freed_gross_usd,
                });
            }
        }
    }
    let mut milestones: Vec<PlanMilestone> = approved
        .iter()
        .flat_map(|d| {
            d.milestones.iter().map(move |m| PlanMilestone {
                name: m.name.clone(),
                label: String::new(),
                date: m.date,
                owner: d.owner.clone(),
                decision: d.id.clone(),
            })
        })
        .collect();
    for r in &retirements {
        milestones.push(PlanMilestone {
            name: format!("sunset_{}", r.use_case),
            label: String::new(),
            date: r.sunset,
            owner: uc(&r.use_case).map(|u| u.owner.clone()).unwrap_or_default(),
            decision: "scenario".into(),
        });
    }
    for w in &workoffs {
        milestones.push(PlanMilestone {
            name: format!("workoff_{}", w.use_case),
            label: String::new(),
            date: w.due,
            owner: w.owner.clone(),
            decision: "scenario".into(),
        });
    }
    milestones.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.name.cmp(&b.name)));
    let mut dashboards: Vec<String> = approved
        .iter()
        .flat_map(|d| d.evidence.iter().cloned())
        .filter(|e| e.contains("dashboard") || e.starts_with("http"))
        .collect();
    dashboards.sort();
    dashboards.dedup();
    let month = |n: u32| start.checked_add_months(chrono::Months::new(n)).unwrap_or(start);
    let cadence = vec![
        Review {
            name: "Weekly ops review: SLOs, incidents, guardrails".into(),
            when: format!("every Monday from {start}"),
        },
        Review {
            name: "Monthly FinOps review: UCR trend and spend vs forecast".into(),
            when: format!("{}, {}, {}", start, month(1), month(2)),
        },
        Review {
            name: "Work-off check-in for every Hold".into(),
            when: format!(
                "by {}",
                start.checked_add_days(Days::new(i.workoff_days)).unwrap_or(start)
            ),
        },
        Review {
            name: "Next executive scale readout and capital call".into(),
            when: end.checked_add_days(Days::new(1)).unwrap_or(end).to_string(),
        },
    ];
    let mut plan = Plan {
        schema_version: SCHEMA_VERSION,
        title: format!("Next-90 plan, {start} to {end}"),
        scenario: i.scenario.to_string(),
        rubric_version: i.rubric_version,
        as_of: i.as_of,
        quarter_start: start,
        quarter_end: end,
        totals: i.outcome.totals.clone(),
        outcomes,
        milestones,
        waves: waves.into_values().collect(),
        enablement,
        workoffs,
        retirements,
        dashboards,
        cadence,
        decisions: approved.iter().map(|d| d.id.clone()).collect(),
    };
    plan.label(|id| uc(id).map(|u| u.name.clone()));
    Ok(plan)
}
