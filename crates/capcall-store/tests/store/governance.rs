//! The governance loop in the store (issue 15): decisions drafted from a
//! scenario, draft edits as audited revisions, rejection reasons, the gap
//! check that gates a plan's approval, lifecycle in scoring and scenarios,
//! and scenario files between two portfolios.

use capcall_core::decision::{DecisionEdit, Status};
use capcall_core::governance::GapKind;
use capcall_core::plan::PlanStatus;
use capcall_core::rubric::Path as Route;
use capcall_core::scenario::ScenarioStatus;
use capcall_core::Planned;
use capcall_store::{Access, ImportKind, Portfolio, StoreError};

use super::{ctx, fresh, no_progress, seed_decision, write};

const SCENARIO: &str = capcall_core::demo::SCENARIO;

fn demo() -> (tempfile::TempDir, Portfolio) {
    let (d, db) = fresh();
    let p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    (d, p)
}

#[test]
fn drafting_covers_every_expand_and_retire_path_with_its_budget_once() {
    let (_d, mut p) = demo();
    let run = p.scenario_run(SCENARIO, &Default::default()).unwrap();
    let r = p.decision_draft_from_scenario(SCENARIO, None, false).unwrap();
    let paths: Vec<_> = run.lines.iter().filter(|l| l.path != Route::Hold).collect();
    assert_eq!(r.created.len(), paths.len());
    for l in paths {
        let d = r
            .created
            .iter()
            .find(|d| d.use_case.as_deref() == Some(l.use_case.as_str()))
            .unwrap();
        assert_eq!(
            (d.path, d.budget_usd, d.status),
            (l.path, Some(l.new_budget_usd), Status::Draft)
        );
        assert_eq!(d.scenario.as_deref(), Some(SCENARIO));
        assert_eq!(d.owner, p.use_case(&l.use_case).unwrap().owner);
        if l.path == Route::Retire {
            assert_eq!(d.milestones[0].name, "sunset");
        }
    }
    let again = p.decision_draft_from_scenario(SCENARIO, None, false).unwrap();
    assert!(again.created.is_empty(), "idempotent");
    assert_eq!(again.skipped.len(), r.created.len());
    assert!(p.audit_verify(None).unwrap().ok);
}

#[test]
fn drafts_are_edited_as_audited_revisions_until_proposed_and_rejections_keep_their_reason() {
    let (_d, mut p) = demo();
    let r = p.decision_draft_from_scenario(SCENARIO, None, false).unwrap();
    let id = r.created[0].id.clone();
    let edit = DecisionEdit {
        add_evidence: vec!["https://dash.example/slo".into()],
        budget_usd: Some(Planned::parse("1234.56").unwrap()),
        ..Default::default()
    };
    let d = p.decision_edit(&id, &edit).unwrap();
    assert_eq!(d.budget_usd, Some(Planned::parse("1234.56").unwrap()));
    assert_eq!(p.decision(&id).unwrap(), d);
    // No change, no revision.
    p.decision_edit(&id, &DecisionEdit::default()).unwrap();
    let revisions: Vec<_> = p
        .audit_history(Some("decision"), Some(&id), 10)
        .unwrap()
        .into_iter()
        .filter(|a| a.action.starts_with("edit"))
        .collect();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].action, "edit (revision 1)");
    assert!(revisions[0].before.as_deref().unwrap().contains("\"evidence\":[]"));
    assert!(revisions[0]
        .after
        .as_deref()
        .unwrap()
        .contains("https://dash.example/slo"));
    p.decision_move(&id, Status::Proposed).unwrap();
    let refused = p.decision_edit(&id, &edit).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused}");
    assert!(refused.to_string().contains("only a Draft can be edited"));
    // A rejection needs its reason, which is kept and shown.
    assert!(p.decision_move(&id, Status::Rejected).is_err());
    assert!(p.decision_reject(&id, "  ").is_err());
    let rejected = p.decision_reject(&id, "evidence link is missing").unwrap();
    assert_eq!(rejected.rejection_reason.as_deref(), Some("evidence link is missing"));
    assert_eq!(p.decision(&id).unwrap().status, Status::Rejected);
    assert!(capcall_core::decision::to_yaml(&p.decision(&id).unwrap())
        .contains("rejection_reason: \"evidence link is missing\""));
    assert!(p.decision_reject(&id, "again").is_err(), "closed");
    let sql = p
        .connection()
        .execute("UPDATE decisions SET rejection_reason = 'x' WHERE id = ?1", [&id]);
    assert!(sql.is_err(), "the reason is frozen with the rejection");
    assert!(p.audit_verify(None).unwrap().ok);
    // A rejected draft no longer covers its path: drafting again re-drafts it.
    let again = p.decision_draft_from_scenario(SCENARIO, None, false).unwrap();
    assert_eq!(again.created.len(), 1);
}

#[test]
fn plan_approval_refuses_open_gaps_records_an_accepted_reason_and_approves_a_clean_plan() {
    let (_d, mut p) = demo();
    // The seed's decision: 300,000 and 2025 milestones, approved.
    let seed = p.decision_add(seed_decision()).unwrap();
    p.decision_move(&seed.id, Status::Proposed).unwrap();
    p.decision_move(&seed.id, Status::Approved).unwrap();
    // A scenario for 2027-Q1: the seed's 2025 milestone lands outside its window.
    p.scenario_new("2027-Q1", Some("2026-12-15".parse().unwrap())).unwrap();
    let late = p.governance_check(Some("2027-Q1")).unwrap();
    assert_eq!(late.window_start.to_string(), "2027-01-01");
    assert!(late.gaps.iter().any(|g| g.kind == GapKind::MilestoneOutsideWindow
        && g.decision.as_deref() == Some(seed.id.as_str())
        && g.message.contains("2025-10-28")));
    // The demo scenario: the seed's budget differs from the scenario's.
    let c = p.governance_check(Some(SCENARIO)).unwrap();
    assert!(!c.clean);
    assert!(c
        .gaps
        .iter()
        .any(|g| g.kind == GapKind::BudgetMismatch && g.use_case.as_deref() == Some("ops-copilot-w3-eu")));
    assert!(c.gaps.iter().any(|g| g.kind == GapKind::NoDecision));
    assert!(c.gaps.iter().any(|g| g.kind == GapKind::HoldWithoutWorkoff));
    p.scenario_approve(SCENARIO).unwrap();
    assert_eq!(
        p.governance_check(None).unwrap().gaps,
        c.gaps,
        "default: the approved scenario"
    );
    p.plan_build().unwrap();
    let refused = p.plan_approve().unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)));
    assert!(refused.to_string().contains("--accept-gaps"), "{refused}");
    assert!(p.plan_approve_with(Some("   ")).is_err(), "a blank reason is no reason");
    assert_eq!(p.plan_latest(false).unwrap().unwrap().status, PlanStatus::Draft);
    let approved = p
        .plan_approve_with(Some("board meets today; owners close gaps by Friday"))
        .unwrap();
    assert_eq!(approved.status, PlanStatus::Approved);
    let a = approved.accepted_gaps.clone().unwrap();
    assert_eq!(a.reason, "board meets today; owners close gaps by Friday");
    assert_eq!(a.gaps, c.gaps);
    assert_eq!(p.plan_latest(true).unwrap().unwrap().accepted_gaps, Some(a));
    let sql = p.connection().execute("UPDATE plans SET accepted_gaps = NULL", []);
    assert!(sql.is_err(), "frozen with the approval");
    assert!(p
        .audit_history(Some("plan"), None, 5)
        .unwrap()
        .iter()
        .any(|e| e.action.starts_with("approve, accepting")));

    // Close every gap: supersede the seed with the scenario's budget, draft
    // the rest (Holds too), complete and approve them all; the plan is clean.
    let r = p.decision_draft_from_scenario(SCENARIO, None, true).unwrap();
    for d in &r.created {
        p.decision_edit(
            d.id.as_str(),
            &DecisionEdit {
                add_evidence: vec!["wk08/finops/savings_scoreboard.csv".into()],
                ..Default::default()
            },
        )
        .unwrap();
        p.decision_move(&d.id, Status::Proposed).unwrap();
    }
    let w3 = r
        .created
        .iter()
        .find(|d| d.use_case.as_deref() == Some("ops-copilot-w3-eu"))
        .expect("the seed's budget differs, so the path is drafted again");
    p.decision_approve_and_supersede(&seed.id, &w3.id).unwrap();
    for d in r.created.iter().filter(|d| d.id != w3.id) {
        p.decision_move(&d.id, Status::Approved).unwrap();
    }
    let clean = p.governance_check(None).unwrap();
    assert!(clean.clean, "{:?}", clean.gaps);
    p.plan_build().unwrap();
    let ok = p.plan_approve().unwrap();
    assert_eq!((ok.status, ok.accepted_gaps), (PlanStatus::Approved, None));
    assert!(p.audit_verify(None).unwrap().ok);
}

const LIFECYCLE: &str = "id,name,owner,wave,region,status,flag,budget_usd,levers,sunset_date\n\
live-bot,Live Bot,Ana,Wave 1,EU,live,,100000.00,caching,\n\
old-bot,Old Bot,Ben,Wave 1,EU,retired,,0,,2025-02-28\n\
fading-bot,Fading Bot,Cy,Wave 1,US,sunsetting,,50000.10,,2025-11-15\n";

const LIFECYCLE_OBS: &str = "use_case,period_start,spend_usd,forecast_usd,units,eval_status,task_success_pct\n\
live-bot,2025-07-07,100,100,10000,green,81\n\
old-bot,2025-02-03,10,10,100,green,40\n\
fading-bot,2025-07-07,50,50,5000,green,75\n";

#[test]
fn retired_use_cases_are_history_and_sunsetting_ones_default_to_retire_from_their_sunset() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.import(
        ImportKind::UseCases,
        &write(d.path(), "u.csv", LIFECYCLE),
        &mut no_progress(),
    )
    .unwrap();
    p.import(
        ImportKind::Observations,
        &write(d.path(), "o.csv", LIFECYCLE_OBS),
        &mut no_progress(),
    )
    .unwrap();
    assert_eq!(
        p.use_case("fading-bot").unwrap().sunset_date,
        Some("2025-11-15".parse().unwrap())
    );
    let run = p.score(None, None, None).unwrap();
    let scored: Vec<&str> = run.scores.iter().map(|s| s.use_case.as_str()).collect();
    assert_eq!(scored, vec!["live-bot", "fading-bot"], "retired: not scored");
    assert_eq!(run.history, vec!["old-bot".to_string()]);
    let err = p.score(None, Some("old-bot"), None).unwrap_err();
    assert!(err.to_string().contains("retired"), "{err}");
    let sc = p.scenario_new("next", None).unwrap();
    let ids: Vec<&str> = sc.lines.iter().map(|l| l.use_case.as_str()).collect();
    assert_eq!(ids, vec!["fading-bot", "live-bot"], "retired: no path");
    let fading = sc.lines.iter().find(|l| l.use_case == "fading-bot").unwrap();
    assert_eq!(fading.path(), Route::Retire);
    assert_eq!(fading.sunset_date, Some("2025-11-15".parse().unwrap()));
    let out = p.scenario_run("next", &Default::default()).unwrap();
    assert_eq!(
        out.totals.old_budget_usd,
        Planned::parse("150000.10").unwrap(),
        "retired budgets are out of next-quarter totals"
    );
    assert_eq!(out.totals.retire_count, 1);
    let gaps = p.governance_check(Some("next")).unwrap();
    assert!(!gaps.gaps.iter().any(|g| g.use_case.as_deref() == Some("old-bot")));
    assert!(p.audit_verify(None).unwrap().ok, "sunset dates are in the trail");
}

#[test]
fn a_scenario_file_round_trips_between_two_portfolios_with_money_exact() {
    let (da, mut a) = demo();
    a.scenario_save_params(
        SCENARIO,
        &capcall_store::ParamChanges {
            envelope_usd: Some(Planned::parse("123456.78").unwrap()),
            ..Default::default()
        },
    )
    .unwrap();
    let file = da.path().join("q4.capcall-scenario.json");
    let written = a.scenario_export(SCENARIO, &file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"format\": \"capcall-scenario\"") && text.contains("\"schema_version\": 1"));
    assert!(
        text.contains("\"envelope_usd\": \"123456.78\""),
        "money as exact strings"
    );
    assert_eq!(written.rubric.version, a.rubric().unwrap().version);

    // Portfolio B: the same demo, then a budget change, a new use case and a retirement.
    let (db_dir, mut b) = demo();
    let w1 = b.use_case("ops-copilot-w1-us").unwrap();
    let csv = format!(
        "id,name,owner,wave,region,status,flag,budget_usd,levers\n\
         ops-copilot-w1-us,\"{}\",\"{}\",\"{}\",\"{}\",live,,{},\n\
         kb-search,Knowledge Base Search,IT,Wave 1,US,retired,,0,\n\
         new-bot,New Bot,Ana,Wave 4,EU,pilot,,1000,\n",
        w1.name,
        w1.owner,
        w1.wave,
        w1.region,
        w1.budget_usd.checked_add(Planned::parse("0.01").unwrap()).unwrap()
    );
    b.import(
        ImportKind::UseCases,
        &write(db_dir.path(), "u.csv", &csv),
        &mut no_progress(),
    )
    .unwrap();
    let before = b.scenarios().unwrap().len();
    let o = b.scenario_open(&file, Some("from VP Ops")).unwrap();
    assert_eq!(o.scenario.meta.status, ScenarioStatus::Draft);
    assert_eq!(o.scenario.meta.as_of, a.scenario(SCENARIO).unwrap().meta.as_of);
    let from = o.scenario.meta.opened_from.clone().unwrap();
    assert_eq!(
        (from.author.as_str(), from.name.as_str()),
        (written.author.as_str(), SCENARIO)
    );
    let kinds: Vec<_> = o.changes.iter().map(|c| (c.kind, c.use_case.clone())).collect();
    use capcall_core::exchange::ChangeKind as K;
    assert!(
        kinds.contains(&(K::UseCaseRetired, Some("kb-search".into()))),
        "{kinds:?}"
    );
    assert!(kinds.contains(&(K::BudgetChanged, Some("ops-copilot-w1-us".into()))));
    assert!(kinds.contains(&(K::UseCaseAdded, Some("new-bot".into()))));
    // The same inputs, the same figures, to the cent.
    assert_eq!(o.scenario.lines, a.scenario(SCENARIO).unwrap().lines);
    assert_eq!(
        b.scenario_run("from VP Ops", &Default::default()).unwrap(),
        a.scenario_run(SCENARIO, &Default::default()).unwrap()
    );
    // Exported again from B, the file says the same (but who and when).
    let back = b.scenario_file("from VP Ops").unwrap();
    assert_eq!(
        (back.lines, back.params),
        (written.lines.clone(), written.params.clone())
    );
    // Refusals write nothing.
    assert!(matches!(
        b.scenario_open(&file, Some("from VP Ops")),
        Err(StoreError::Conflict(_))
    ));
    let newer = write(
        db_dir.path(),
        "newer.json",
        &text.replace("\"schema_version\": 1", "\"schema_version\": 2"),
    );
    let err = b.scenario_open(&newer, Some("newer")).unwrap_err();
    assert!(err.to_string().contains("schema version 2"), "{err}");
    let portfolio = b.path().to_path_buf();
    assert!(b.scenario_open(&portfolio, Some("not json")).is_err());
    assert_eq!(b.scenarios().unwrap().len(), before + 1);
    assert!(b.audit_verify(None).unwrap().ok);
}
