//! The governance loop between a scenario, the decision log and the next-90
//! plan (PRODUCT.md, "Decisions cover the plan"): decisions drafted from a
//! scenario's paths, and the gaps that block a plan's approval.
//!
//! Rules, written once here:
//! - **Drafting.** One Draft per Expand and Retire path (Holds only when
//!   asked), with the use case, path, the scenario's new budget, the default
//!   title, the use case's owner, and milestones: Retire gets `sunset` on the
//!   day the scenario frees its budget; a Hold gets a work-off due
//!   `workoff_days` after the earlier of the readout and the quarter's start.
//!   A path is skipped (idempotence) when a decision for the same use case
//!   and path is already open or approved for this scenario, or an approved
//!   one is in force with the scenario's budget.
//! - **Gaps.** For each path of the scenario: an Expand or Retire path with no
//!   decision in force (the newest Approved decision of the use case); a
//!   decision in force for another path; a budget that differs from the
//!   scenario's new budget; a Hold without a work-off due by the quarter's
//!   start plus the rubric's work-off days; a path for a retired use case.
//!   For every open or in-force decision of the scenario's use cases: a
//!   milestone outside the plan window, logging later than 24 h after its
//!   readout, and (open ones) what approval still needs.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::decision::{self, default_title, Decision, Milestone, Status};
use crate::model::UseCase;
use crate::money::Planned;
use crate::rubric::Path;
use crate::scenario::Outcome;

/// A decision to draft from a scenario path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DraftSpec {
    pub use_case: String,
    pub path: Path,
    pub title: String,
    pub owner: String,
    pub budget_usd: Planned,
    pub milestones: Vec<Milestone>,
    pub workoff_due: Option<NaiveDate>,
}

/// A path that got no new draft, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Skipped {
    pub use_case: String,
    pub path: Path,
    /// The decision that already covers it.
    pub decision: String,
    pub reason: String,
}

/// What drafting from a scenario will do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Drafting {
    pub drafts: Vec<DraftSpec>,
    pub skipped: Vec<Skipped>,
}

/// What drafting reads.
pub struct DraftInputs<'a> {
    pub scenario: &'a str,
    pub outcome: &'a Outcome,
    pub use_cases: &'a [UseCase],
    pub decisions: &'a [Decision],
    pub readout_date: NaiveDate,
    pub workoff_days: u32,
    /// Draft Hold paths too (with their work-off); off by default.
    pub include_holds: bool,
}

/// The newest Approved decision of a use case: its decision in force.
pub fn in_force<'a>(decisions: &'a [Decision], use_case: &str) -> Option<&'a Decision> {
    decisions
        .iter()
        .filter(|d| d.status == Status::Approved && d.use_case.as_deref() == Some(use_case))
        .max_by_key(|d| (d.readout_date, d.logged_at))
}

/// When a Hold's work-off is due by default: `workoff_days` after the
/// earlier of the readout and the quarter's start, so it satisfies both the
/// approval rule and the plan window.
pub fn default_workoff_due(readout: NaiveDate, quarter_start: NaiveDate, workoff_days: u32) -> NaiveDate {
    let from = readout.min(quarter_start);
    from.checked_add_days(Days::new(u64::from(workoff_days)))
        .unwrap_or(from)
}

/// One Draft per Expand and Retire path (and Hold with `include_holds`)
/// that no decision covers yet.
pub fn drafts_from_scenario(i: &DraftInputs<'_>) -> Drafting {
    let start = i.outcome.params.quarter_start;
    let mut out = Drafting::default();
    for l in &i.outcome.lines {
        if l.path == Path::Hold && !i.include_holds {
            continue;
        }
        let same_path = |d: &&Decision| d.use_case.as_deref() == Some(l.use_case.as_str()) && d.path == l.path;
        let covered = i
            .decisions
            .iter()
            .filter(same_path)
            .find(|d| {
                matches!(d.status, Status::Draft | Status::Proposed | Status::Approved)
                    && d.scenario.as_deref() == Some(i.scenario)
            })
            .map(|d| (d, format!("{} is {} for this scenario", d.id, d.status.as_str())))
            .or_else(|| {
                in_force(i.decisions, &l.use_case)
                    .filter(|d| d.path == l.path && d.budget_usd == Some(l.new_budget_usd))
                    .map(|d| (d, format!("{} is in force with this budget", d.id)))
            });
        if let Some((d, reason)) = covered {
            out.skipped.push(Skipped {
                use_case: l.use_case.clone(),
                path: l.path,
                decision: d.id.clone(),
                reason,
            });
            continue;
        }
        let uc = i.use_cases.iter().find(|u| u.id == l.use_case);
        let mut milestones = vec![];
        let mut workoff_due = None;
        match l.path {
            Path::Retire => {
                if let Some(date) = l.sunset(start) {
                    milestones.push(Milestone {
                        name: "sunset".into(),
                        date,
                    });
                }
            }
            Path::Hold => workoff_due = Some(default_workoff_due(i.readout_date, start, i.workoff_days)),
            Path::Expand => {}
        }
        out.drafts.push(DraftSpec {
            use_case: l.use_case.clone(),
            path: l.path,
            title: default_title(l.path, uc.map(|u| u.name.as_str()).unwrap_or(l.name.as_str())),
            owner: uc.map(|u| u.owner.clone()).unwrap_or_default(),
            budget_usd: l.new_budget_usd,
            milestones,
            workoff_due,
        });
    }
    out
}

/// The kind of a governance gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    NoDecision,
    PathMismatch,
    BudgetMismatch,
    HoldWithoutWorkoff,
    MilestoneOutsideWindow,
    LateDecision,
    IncompleteDecision,
    RetiredInScenario,
}

/// One governance gap, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Gap {
    pub kind: GapKind,
    pub use_case: Option<String>,
    pub decision: Option<String>,
    pub message: String,
    /// The message as a person reads it: the use case named by its name
    /// where `message` names it by its id ("Code Assistant: Hold without a
    /// work-off in force; …"). Scripts keep reading `message`.
    #[serde(default)]
    pub label: String,
}

/// What the gap check reads.
pub struct GapInputs<'a> {
    pub scenario: &'a str,
    pub outcome: &'a Outcome,
    pub use_cases: &'a [UseCase],
    pub decisions: &'a [Decision],
    pub workoff_days: u32,
}

/// The gap check of a scenario's paths against the decision log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GovernanceCheck {
    pub scenario: String,
    /// The plan window (first and last day).
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    /// Paths checked (one per use case of the scenario).
    pub paths: u32,
    pub gaps: Vec<Gap>,
    /// No gaps.
    pub clean: bool,
}

/// Gaps accepted at a plan's approval: the reason, who, when, and the gaps
/// as they stood. Stored with the plan and shown in the board pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AcceptedGaps {
    pub reason: String,
    pub accepted_by: String,
    pub accepted_at: String,
    pub gaps: Vec<Gap>,
}

/// Every governance gap of a scenario's paths, in path order, then by kind.
pub fn gaps(i: &GapInputs<'_>) -> GovernanceCheck {
    let (start, end) = crate::plan::window(i.outcome.params.quarter_start);
    let workoff_limit = start
        .checked_add_days(Days::new(u64::from(i.workoff_days)))
        .unwrap_or(start);
    let mut out: Vec<Gap> = vec![];
    let mut push = |kind: GapKind, use_case: &str, name: &str, decision: Option<&str>, message: String| {
        let by_decision = decision.and_then(|d| message.strip_prefix(d).map(|rest| (d, rest)));
        let label = match (message.strip_prefix(use_case), by_decision) {
            _ if name.is_empty() => message.clone(),
            (Some(rest), _) => format!("{name}{rest}"),
            (None, Some((d, rest))) => format!("{name} ({d}){rest}"),
            (None, None) => message.clone(),
        };
        out.push(Gap {
            kind,
            use_case: Some(use_case.to_string()),
            decision: decision.map(String::from),
            message,
            label,
        })
    };
    for l in &i.outcome.lines {
        let id = l.use_case.as_str();
        let name = l.name.as_str();
        if i.use_cases.iter().any(|u| u.id == id && u.status.is_history()) {
            push(
                GapKind::RetiredInScenario,
                id,
                name,
                None,
                format!("{id} is retired (history) but has a {} path in this scenario; take it out of the scenario (a new scenario leaves it out)", l.path.as_str()),
            );
        }
        let open: Vec<&Decision> = i
            .decisions
            .iter()
            .filter(|d| d.use_case.as_deref() == Some(id) && matches!(d.status, Status::Draft | Status::Proposed))
            .collect();
        let pending = || {
            if open.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = open
                    .iter()
                    .map(|d| format!("{} is {}", d.id, d.status.as_str()))
                    .collect();
                format!(" ({}: propose and approve it)", names.join(", "))
            }
        };
        let force = in_force(i.decisions, id);
        match (l.path, force) {
            (Path::Hold, f) => {
                let due = f.filter(|d| d.path == Path::Hold).and_then(|d| d.workoff_due);
                match due {
                    None => push(
                        GapKind::HoldWithoutWorkoff,
                        id,
                        name,
                        f.map(|d| d.id.as_str()),
                        format!(
                            "{id}: Hold without a work-off in force; approve a Hold decision with a work-off due by {workoff_limit} ({} days into the quarter){}",
                            i.workoff_days,
                            pending()
                        ),
                    ),
                    Some(due) if due > workoff_limit => push(
                        GapKind::HoldWithoutWorkoff,
                        id,
                        name,
                        f.map(|d| d.id.as_str()),
                        format!(
                            "{id}: the work-off is due {due}, later than {workoff_limit} ({} days into the quarter)",
                            i.workoff_days
                        ),
                    ),
                    Some(_) => {}
                }
                if let Some(d) = f.filter(|d| d.path != Path::Hold) {
                    push(
                        GapKind::PathMismatch,
                        id,
                        name,
                        Some(&d.id),
                        format!(
                            "{id}: the scenario's path is Hold but {} in force is {}",
                            d.id,
                            d.path.as_str()
                        ),
                    );
                }
            }
            (path, None) => push(
                GapKind::NoDecision,
                id,
                name,
                None,
                format!("{id}: {} path with no decision in force{}", path.as_str(), pending()),
            ),
            (path, Some(d)) if d.path != path => push(
                GapKind::PathMismatch,
                id,
                name,
                Some(&d.id),
                format!(
                    "{id}: the scenario's path is {} but {} in force is {}{}",
                    path.as_str(),
                    d.id,
                    d.path.as_str(),
                    pending()
                ),
            ),
            (_, Some(d)) if d.budget_usd != Some(l.new_budget_usd) => push(
                GapKind::BudgetMismatch,
                id,
                name,
                Some(&d.id),
                format!(
                    "{id}: {} budgets {} but the scenario's new budget is {}",
                    d.id,
                    d.budget_usd
                        .map(|b| b.display_grouped())
                        .unwrap_or_else(|| "nothing".into()),
                    l.new_budget_usd.display_grouped()
                ),
            ),
            _ => {}
        }
        // The decisions the plan will carry or that are on their way.
        let mut relevant: Vec<&Decision> = open.clone();
        relevant.extend(force);
        relevant.sort_by_key(|d| (d.readout_date, d.logged_at));
        for d in relevant {
            for m in &d.milestones {
                if m.date < start || m.date > end {
                    push(
                        GapKind::MilestoneOutsideWindow,
                        id,
                        name,
                        Some(&d.id),
                        format!(
                            "{}: milestone {} on {} is outside the plan window {start} to {end}",
                            d.id, m.name, m.date
                        ),
                    );
                }
            }
            if !decision::logged_within_24h(d) {
                push(
                    GapKind::LateDecision,
                    id,
                    name,
                    Some(&d.id),
                    format!(
                        "{}: logged {} UTC, later than 24 h after its readout {}",
                        d.id,
                        d.logged_at.format("%Y-%m-%d %H:%M"),
                        d.readout_date
                    ),
                );
            }
            if d.status != Status::Approved {
                let missing = decision::missing_for_approval(d, i64::from(i.workoff_days));
                if !missing.is_empty() {
                    push(
                        GapKind::IncompleteDecision,
                        id,
                        name,
                        Some(&d.id),
                        format!("{}: incomplete, missing {}", d.id, missing.join("; ")),
                    );
                }
            }
        }
    }
    GovernanceCheck {
        scenario: i.scenario.to_string(),
        window_start: start,
        window_end: end,
        paths: i.outcome.lines.len() as u32,
        clean: out.is_empty(),
        gaps: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lifecycle;
    use crate::scenario::{run, LineInput, Params, Policy};

    fn d(s: &str) -> NaiveDate {
        crate::period::parse_iso_date(s).unwrap()
    }

    fn uc(id: &str, status: Lifecycle) -> UseCase {
        UseCase {
            id: id.into(),
            name: format!("Name {id}"),
            owner: format!("owner of {id}"),
            wave: "Wave 1".into(),
            region: "EU".into(),
            status,
            flag: None,
            budget_usd: Planned::from_dollars(100_000),
            levers: vec![],
            sunset_date: None,
        }
    }

    fn outcome() -> Outcome {
        let line = |id: &str, path: Path| LineInput {
            use_case: id.into(),
            name: format!("Name {id}"),
            old_budget_usd: Planned::from_dollars(100_000),
            verdict: Some(path),
            ..Default::default()
        };
        let mut grow = line("grow", Path::Expand);
        grow.ask_usd = Some(Planned::from_dollars(50_000));
        grow.return_per_usd = Some(2.into());
        let mut stop = line("stop", Path::Retire);
        stop.sunset_date = Some(d("2027-02-15"));
        run(
            &[grow, line("keep", Path::Hold), stop],
            &Params {
                policy: Policy::HighestReturn,
                envelope_usd: Planned::from_dollars(100_000),
                reserve_pct: 0.into(),
                quarter_start: d("2027-01-01"),
            },
        )
        .unwrap()
    }

    fn ucs() -> Vec<UseCase> {
        ["grow", "keep", "stop"]
            .iter()
            .map(|i| uc(i, Lifecycle::Live))
            .collect()
    }

    /// Drafts as the store would save them (ids, Draft, logged on the readout).
    fn saved(specs: &[DraftSpec], scenario: &str, readout: NaiveDate, first: usize) -> Vec<Decision> {
        specs
            .iter()
            .enumerate()
            .map(|(n, s)| Decision {
                id: format!("DEC-{readout}-{:02}", first + n),
                title: s.title.clone(),
                path: s.path,
                use_case: Some(s.use_case.clone()),
                scenario: Some(scenario.into()),
                owner: s.owner.clone(),
                budget_usd: Some(s.budget_usd),
                evidence: vec![],
                guardrails: vec![],
                milestones: s.milestones.clone(),
                status: Status::Draft,
                readout_date: readout,
                logged_at: readout.and_hms_opt(10, 0, 0).unwrap(),
                workoff_due: s.workoff_due,
                superseded_by: None,
                rejection_reason: None,
            })
            .collect()
    }

    fn draft(o: &Outcome, u: &[UseCase], decisions: &[Decision], include_holds: bool) -> Drafting {
        drafts_from_scenario(&DraftInputs {
            scenario: "s",
            outcome: o,
            use_cases: u,
            decisions,
            readout_date: d("2026-12-10"),
            workoff_days: 30,
            include_holds,
        })
    }

    #[test]
    fn drafting_covers_every_expand_and_retire_path_once() {
        let o = outcome();
        let u = ucs();
        let first = draft(&o, &u, &[], false);
        let paths: Vec<(&str, Path)> = first.drafts.iter().map(|s| (s.use_case.as_str(), s.path)).collect();
        assert_eq!(paths, vec![("grow", Path::Expand), ("stop", Path::Retire)]);
        let grow = &first.drafts[0];
        assert_eq!(
            grow.budget_usd,
            Planned::from_dollars(150_000),
            "the scenario's new budget"
        );
        assert_eq!(grow.owner, "owner of grow");
        assert_eq!(grow.title, "EXPAND — Name grow");
        let stop = &first.drafts[1];
        assert_eq!(
            stop.milestones,
            vec![Milestone {
                name: "sunset".into(),
                date: d("2027-02-15")
            }]
        );
        assert_eq!(stop.budget_usd, o.lines[2].new_budget_usd);
        // Re-running with the drafts saved drafts nothing more.
        let decisions = saved(&first.drafts, "s", d("2026-12-10"), 1);
        let again = draft(&o, &u, &decisions, false);
        assert!(again.drafts.is_empty());
        assert_eq!(again.skipped.len(), 2);
        // A rejected draft does not cover its path; an approved one in force
        // with the same budget does, whatever scenario it came from.
        let mut other = decisions.clone();
        other[0].status = Status::Rejected;
        other[1].status = Status::Approved;
        other[1].scenario = Some("older".into());
        let after = draft(&o, &u, &other, false);
        assert_eq!(after.drafts.len(), 1);
        assert_eq!(after.drafts[0].use_case, "grow");
        // Holds on request, with a work-off inside both limits.
        let holds = draft(&o, &u, &decisions, true);
        assert_eq!(holds.drafts.len(), 1);
        assert_eq!(holds.drafts[0].workoff_due, Some(d("2027-01-09")));
    }

    #[test]
    fn workflow_words_never_reuse_verdict_words() {
        use crate::plan::PlanStatus;
        use crate::rubric::Verdict;
        use crate::scenario::ScenarioStatus;
        let verdicts: Vec<String> = [Verdict::Expand, Verdict::Hold, Verdict::Retire, Verdict::Opaque]
            .iter()
            .map(|v| v.as_str().to_ascii_lowercase())
            .collect();
        let workflow = Status::ALL
            .iter()
            .map(|s| s.as_str())
            .chain(ScenarioStatus::ALL.iter().map(|s| s.as_str()))
            .chain(PlanStatus::ALL.iter().map(|s| s.as_str()));
        for w in workflow {
            assert!(!verdicts.contains(&w.to_ascii_lowercase()), "{w}");
        }
        // The JSON words are the stored words.
        assert_eq!(serde_json::to_string(&ScenarioStatus::Draft).unwrap(), "\"draft\"");
        assert_eq!(
            serde_json::to_string(&PlanStatus::Superseded).unwrap(),
            "\"superseded\""
        );
    }

    #[test]
    fn lifecycle_sets_a_new_scenarios_lines() {
        use crate::scenario::default_line;
        assert!(default_line(&uc("gone", Lifecycle::Retired), Some(Path::Hold), None).is_none());
        let mut s = uc("fading", Lifecycle::Sunsetting);
        s.sunset_date = Some(d("2027-02-01"));
        let l = default_line(&s, Some(Path::Expand), None).unwrap();
        assert_eq!((l.path(), l.sunset_date), (Path::Retire, Some(d("2027-02-01"))));
        assert!(l.reason.unwrap().contains("sunsetting"));
        let live = default_line(&uc("live", Lifecycle::Live), Some(Path::Expand), None).unwrap();
        assert_eq!((live.path(), live.path_override), (Path::Expand, None));
    }

    #[test]
    fn gaps_name_every_hole_between_scenario_decisions_and_plan_window() {
        let o = outcome();
        let u = ucs();
        let check = |decisions: &[Decision]| {
            gaps(&GapInputs {
                scenario: "s",
                outcome: &o,
                use_cases: &u,
                decisions,
                workoff_days: 30,
            })
        };
        let none = check(&[]);
        let kinds: Vec<GapKind> = none.gaps.iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            vec![GapKind::NoDecision, GapKind::HoldWithoutWorkoff, GapKind::NoDecision]
        );
        assert!(!none.clean);
        assert_eq!((none.window_start, none.window_end), (d("2027-01-01"), d("2027-03-31")));
        // Drafts from the scenario, plus a Hold draft: still open, and incomplete (no evidence).
        let readout = d("2026-12-10");
        let specs = drafts_from_scenario(&DraftInputs {
            scenario: "s",
            outcome: &o,
            use_cases: &u,
            decisions: &[],
            readout_date: readout,
            workoff_days: 30,
            include_holds: true,
        });
        let mut ds = saved(&specs.drafts, "s", readout, 1);
        let open = check(&ds);
        assert!(open.gaps.iter().any(|g| g.kind == GapKind::IncompleteDecision));
        // A person reads the use case's name where scripts read its id.
        for g in &open.gaps {
            let id = g.use_case.as_deref().unwrap();
            let name = o.lines.iter().find(|l| l.use_case == id).unwrap().name.as_str();
            assert!(g.label.starts_with(name), "{} / {}", g.label, g.message);
            assert!(g.message.starts_with(id) || g.message.starts_with(g.decision.as_deref().unwrap()));
            if let Some(d) = g.decision.as_deref().filter(|d| g.message.starts_with(d)) {
                assert_eq!(g.label, format!("{name} ({d}){}", &g.message[d.len()..]));
            }
        }
        assert!(
            open.gaps[0].message.contains("is Draft: propose and approve it"),
            "{}",
            open.gaps[0].message
        );
        // Approved and complete: clean.
        for x in ds.iter_mut() {
            x.status = Status::Approved;
            x.evidence = vec!["e.md".into()];
        }
        let clean = check(&ds);
        assert!(clean.clean, "{:?}", clean.gaps);
        // A budget that differs, a 2025 milestone in a 2027 plan, a late log, a late work-off.
        let grow = ds.iter_mut().find(|x| x.use_case.as_deref() == Some("grow")).unwrap();
        grow.budget_usd = Some(Planned::from_dollars(300_000));
        grow.milestones = vec![Milestone {
            name: "wave3_launch".into(),
            date: d("2025-10-28"),
        }];
        grow.logged_at = d("2026-12-12").and_hms_opt(9, 0, 0).unwrap();
        let keep = ds.iter_mut().find(|x| x.use_case.as_deref() == Some("keep")).unwrap();
        keep.workoff_due = Some(d("2027-03-01"));
        let stop = ds.iter_mut().find(|x| x.use_case.as_deref() == Some("stop")).unwrap();
        stop.path = Path::Expand;
        let kinds: Vec<GapKind> = check(&ds).gaps.iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            vec![
                GapKind::BudgetMismatch,
                GapKind::MilestoneOutsideWindow,
                GapKind::LateDecision,
                GapKind::HoldWithoutWorkoff,
                GapKind::PathMismatch,
            ]
        );
        // A retired use case still in an old scenario.
        let mut retired = ucs();
        retired[1].status = Lifecycle::Retired;
        let g = gaps(&GapInputs {
            scenario: "s",
            outcome: &o,
            use_cases: &retired,
            decisions: &[],
            workoff_days: 30,
        });
        assert!(g.gaps.iter().any(|g| g.kind == GapKind::RetiredInScenario));
    }
}
