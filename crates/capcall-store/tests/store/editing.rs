//! Editing in place (issue 18): use cases added, set, retired and removed,
//! observations corrected; each edit exact to the cent, audited with its
//! reason, undone and redone exactly, refused with the importer's messages,
//! never touching approved records; `audit verify` stays ok throughout.

use capcall_core::decision::Status;
use capcall_core::model::Lifecycle;
use capcall_core::Planned;
use capcall_store::{Access, Code, ImportKind, Portfolio, StoreError};
use capcall_store::{Change, Drift, NewUseCase};

use super::{ctx, fresh, no_progress, seed_decision, write, USE_CASES};

fn demo() -> (tempfile::TempDir, Portfolio) {
    let (d, db) = fresh();
    let p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    (d, p)
}

fn verified(p: &Portfolio) {
    let v = p.audit_verify(None).unwrap();
    assert!(v.ok, "{:?} {:?}", v.problem, v.mismatches);
}

fn new_use_case(id: &str, budget: &str) -> NewUseCase {
    NewUseCase {
        id: id.into(),
        name: "Field Notes".into(),
        owner: "VP Ops".into(),
        wave: "Wave 4".into(),
        region: "EU".into(),
        budget_usd: budget.into(),
        levers: vec!["prompt caching".into(), "batching".into()],
        ..Default::default()
    }
}

fn invalid_message(e: StoreError) -> String {
    assert_eq!(e.code(), Code::InvalidInput, "{e}");
    e.to_string()
}

fn audit_rows(p: &Portfolio) -> i64 {
    p.connection()
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn edits_persist_to_the_cent_are_audited_with_reasons_and_undo_exactly() {
    let (_d, mut p) = demo();
    let add = p.use_case_add(new_use_case("field-notes", "$1,234.56")).unwrap();
    assert!(add.changed && add.seq.is_some());
    let uc = p.use_case("field-notes").unwrap();
    assert_eq!(uc.budget_usd, Planned::from_cents(123_456));
    assert_eq!(uc.status, Lifecycle::Pilot, "a new use case starts as a pilot");
    assert_eq!(uc.levers, ["prompt caching", "batching"]);
    verified(&p);

    let set = p
        .use_case_set("field-notes", "budget_usd", "98765.43", Some("Q4 reforecast"))
        .unwrap();
    assert_eq!(
        p.use_case("field-notes").unwrap().budget_usd,
        Planned::from_cents(9_876_543)
    );
    let entry = &p.audit_history(Some("use_case"), Some("field-notes"), 1).unwrap()[0];
    assert_eq!(entry.action, "set budget_usd");
    assert_eq!(entry.reason.as_deref(), Some("Q4 reforecast"));
    assert!(entry.before.as_deref().unwrap().contains("123456"), "{entry:?}");
    assert!(entry.after.as_deref().unwrap().contains("9876543"), "{entry:?}");
    assert!(!entry.who.is_empty() && entry.who != "unknown");
    verified(&p);

    // Undo restores the exact previous budget, redo the new one.
    let before_undo = p.use_case_state("field-notes").unwrap();
    let undo = p.edit_undo(&set).unwrap();
    assert!(undo.action.starts_with("undo set budget_usd"), "{}", undo.action);
    assert!(undo.reason.as_deref().unwrap().contains("Q4 reforecast"));
    assert_eq!(
        p.use_case("field-notes").unwrap().budget_usd,
        Planned::from_cents(123_456)
    );
    // Undoing it twice is refused: the record is no longer in its after state.
    assert_eq!(p.edit_undo(&set).unwrap_err().code(), Code::Conflict);
    p.edit_redo(&set).unwrap();
    assert_eq!(p.use_case_state("field-notes").unwrap(), before_undo);
    verified(&p);

    // Every other column, each audited.
    for (field, value) in [
        ("name", "Field Notes Pro"),
        ("owner", "Head of Field Ops"),
        ("wave", "Wave 5"),
        ("region", "US"),
        ("flag", "field_notes_v2"),
        ("levers", "model routing; caching"),
    ] {
        let e = p.use_case_set("field-notes", field, value, None).unwrap();
        assert!(e.changed, "{field}");
        assert_eq!(e.action, format!("set {field}"));
    }
    let uc = p.use_case("field-notes").unwrap();
    assert_eq!(
        (
            uc.name.as_str(),
            uc.owner.as_str(),
            uc.wave.as_str(),
            uc.region.as_str()
        ),
        ("Field Notes Pro", "Head of Field Ops", "Wave 5", "US")
    );
    assert_eq!(uc.flag.as_deref(), Some("field_notes_v2"));
    assert_eq!(uc.levers, ["model routing", "caching"]);
    // An empty flag is unknown, as in the CSV.
    p.use_case_set("field-notes", "flag", "", None).unwrap();
    assert_eq!(p.use_case("field-notes").unwrap().flag, None);
    // The same value again changes nothing and writes nothing.
    let rows = audit_rows(&p);
    let same = p.use_case_set("field-notes", "budget_usd", "98,765.430", None).unwrap();
    assert!(!same.changed && same.seq.is_none());
    assert_eq!(audit_rows(&p), rows);
    verified(&p);

    // The add cannot be undone while the record is not as the add left it.
    assert_eq!(p.edit_undo(&add).unwrap_err().code(), Code::Conflict);
    // Undo an add: the use case is gone, and the replay agrees.
    let fresh_add = p.use_case_add(new_use_case("scratch", "10")).unwrap();
    p.edit_undo(&fresh_add).unwrap();
    assert_eq!(p.use_case("scratch").unwrap_err().code(), Code::NotFound);
    verified(&p);
    p.edit_redo(&fresh_add).unwrap();
    assert_eq!(p.use_case("scratch").unwrap().budget_usd, Planned::from_dollars(10));
    verified(&p);
}

#[test]
fn fifty_undo_steps_walk_back_exactly_and_redo_forward() {
    let (_d, mut p) = demo();
    let id = "support-summarizer";
    let start = p.use_case_state(id).unwrap();
    let mut edits = vec![];
    for n in 1..=30 {
        edits.push(
            p.use_case_set(id, "budget_usd", &format!("{n}000.{:02}", n % 100), Some("step"))
                .unwrap(),
        );
        if n % 3 == 0 {
            edits.push(p.use_case_set(id, "owner", &format!("Owner {n}"), None).unwrap());
        }
    }
    let period = p.observations(id).unwrap()[0].period_start;
    for n in 1..=10 {
        edits.push(
            p.observation_correct(id, period, "spend_usd", &format!("0.00000{n}7"), "bill reissued")
                .unwrap(),
        );
    }
    assert!(edits.len() >= 50);
    let end = p.use_case_state(id).unwrap();
    let end_spend = p.observations(id).unwrap()[0].spend_usd;
    for e in edits.iter().rev() {
        p.edit_undo(e).unwrap();
    }
    assert_eq!(p.use_case_state(id).unwrap(), start);
    verified(&p);
    for e in &edits {
        p.edit_redo(e).unwrap();
    }
    assert_eq!(p.use_case_state(id).unwrap(), end);
    assert_eq!(p.observations(id).unwrap()[0].spend_usd, end_spend);
    verified(&p);
}

#[test]
fn invalid_edits_are_refused_with_the_importers_messages_and_write_nothing() {
    let (d, mut p) = demo();
    // What the importer says about the same cells.
    let file = write(
        d.path(),
        "bad.csv",
        "id,name,owner,wave,region,status,budget_usd\nBad Id,n,o,w,r,paused,12.345\n",
    );
    let import = p
        .import(ImportKind::UseCases, &file, &mut no_progress())
        .unwrap_err()
        .to_string();
    let rows = audit_rows(&p);
    let state = p.use_case_state("kb-search").unwrap();
    let e = invalid_message(p.use_case_set("kb-search", "budget_usd", "12.345", None).unwrap_err());
    assert!(e.starts_with("budget_usd: "), "{e}");
    assert!(import.contains(&e), "edit: {e}\nimport: {import}");
    let e = invalid_message(p.use_case_set("kb-search", "budget_usd", "-5", None).unwrap_err());
    assert_eq!(e, "budget_usd: '-5' is negative; amounts here must be >= 0");
    let e = invalid_message(p.use_case_set("kb-search", "status", "paused", Some("x")).unwrap_err());
    assert!(import.contains(&e), "edit: {e}\nimport: {import}");
    let e = invalid_message(p.use_case_set("kb-search", "name", "  ", None).unwrap_err());
    assert_eq!(e, "name: required, but empty");
    let e = invalid_message(p.use_case_set("kb-search", "colour", "red", None).unwrap_err());
    assert!(e.contains("'colour' is not a column of use_cases.csv"), "{e}");
    let e = invalid_message(p.use_case_set("kb-search", "id", "kb", None).unwrap_err());
    assert!(e.starts_with("id: "), "{e}");
    // Lifecycle: a reason is required, retiring needs a sunset date.
    let e = invalid_message(p.use_case_set("kb-search", "status", "sunsetting", None).unwrap_err());
    assert!(e.contains("reason"), "{e}");
    let e = invalid_message(
        p.use_case_set("kb-search", "status", "retired", Some("done"))
            .unwrap_err(),
    );
    assert!(e.contains("sunset"), "{e}");
    // A new use case: every bad field named, in the columns' order.
    let mut bad = new_use_case("Bad Id", "12.345");
    bad.status = Some("paused".into());
    bad.name = String::new();
    let e = invalid_message(p.use_case_add(bad).unwrap_err());
    let first = import.lines().find(|l| l.contains(": id: ")).unwrap();
    let id_message = first.split(": id: ").nth(1).unwrap();
    assert!(e.starts_with(&format!("id: {id_message}")), "{e}");
    assert!(e.contains("name: required, but empty"), "{e}");
    assert!(e.contains("status: 'paused' is not a status"), "{e}");
    assert!(e.contains("budget_usd: "), "{e}");
    assert_eq!(
        p.use_case_add(new_use_case("kb-search", "1")).unwrap_err().code(),
        Code::Conflict
    );
    // Observations: the importer's column checks.
    let period = p.observations("kb-search").unwrap()[0].period_start;
    for (field, value, want) in [
        ("units", "ten", "units: 'ten' is not a whole number >= 0"),
        (
            "availability_pct",
            "101",
            "availability_pct: 101 is out of range 0..100",
        ),
        (
            "forecast_usd",
            "-1",
            "forecast_usd: '-1' is negative; amounts here must be >= 0",
        ),
        (
            "eval_status",
            "blue",
            "eval_status: 'blue' is not an eval status (green, yellow, red)",
        ),
    ] {
        let e = invalid_message(
            p.observation_correct("kb-search", period, field, value, "typo")
                .unwrap_err(),
        );
        assert_eq!(e, want);
    }
    let e = invalid_message(
        p.observation_correct("kb-search", period, "spend_usd", "1", "  ")
            .unwrap_err(),
    );
    assert!(e.contains("reason"), "{e}");
    let e = invalid_message(
        p.observation_correct("kb-search", period, "period_start", "2025-01-01", "x")
            .unwrap_err(),
    );
    assert!(e.starts_with("period_start: "), "{e}");
    // Nothing was written by any of them.
    assert_eq!(audit_rows(&p), rows);
    assert_eq!(p.use_case_state("kb-search").unwrap(), state);
    verified(&p);
}

#[test]
fn corrections_keep_the_original_in_the_trail_and_differ_from_imports() {
    let (d, mut p) = demo();
    let id = "support-summarizer";
    let row = p.observations(id).unwrap().pop().unwrap();
    let period = row.period_start;
    let old_spend = row.spend_usd.unwrap().to_string();
    let e = p
        .observation_correct(id, period, "spend_usd", "$1,200.000000015", "invoice corrected")
        .unwrap();
    let Change::Observation { before, after, .. } = &e.change else {
        panic!("an observation change")
    };
    assert_eq!(before.as_deref(), Some(old_spend.as_str()));
    assert_eq!(after.as_deref(), Some("1200.000000015"), "stored canonical, exact");
    let now = p.observations(id).unwrap().pop().unwrap();
    assert_eq!(now.spend_usd.unwrap().to_string(), "1200.000000015");
    p.observation_correct(id, period, "units", "123456789012345", "recount")
        .unwrap();
    p.observation_correct(id, period, "task_success_pct", "", "not measured")
        .unwrap();
    let now = p.observations(id).unwrap().pop().unwrap();
    assert_eq!(now.units, Some(123_456_789_012_345));
    assert_eq!(now.task_success_pct, None);
    // The ends of a confidence interval stay in order.
    p.observation_correct(id, period, "value_ci_low", "1", "x").unwrap();
    p.observation_correct(id, period, "value_ci_high", "2", "x").unwrap();
    let e = invalid_message(p.observation_correct(id, period, "value_ci_low", "3", "x").unwrap_err());
    assert_eq!(e, "value_ci_low: 3 is above value_ci_high 2");

    let corrections = p.observation_corrections(Some(id)).unwrap();
    assert_eq!(corrections.len(), 5);
    let spend = corrections.iter().find(|c| c.field == "spend_usd").unwrap();
    assert_eq!(spend.action, "correct spend_usd");
    assert_eq!(spend.before.as_deref(), Some(old_spend.as_str()));
    assert_eq!(spend.reason.as_deref(), Some("invoice corrected"));
    assert_eq!(spend.period_start, period.to_string());
    // An import of the same file is recorded as an import, not a correction.
    let f = write(
        d.path(),
        "o.csv",
        &format!("use_case,period_start,spend_usd\n{id},{period},5\n"),
    );
    p.import(ImportKind::Observations, &f, &mut no_progress()).unwrap();
    assert_eq!(p.observation_corrections(Some(id)).unwrap().len(), 5);
    let last = &p.audit_history(None, None, 1).unwrap()[0];
    assert_eq!((last.entity.as_str(), last.action.as_str()), ("import", "import"));
    // Missing rows and use cases are named.
    assert_eq!(
        p.observation_correct(id, "1999-01-04".parse().unwrap(), "units", "1", "x")
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    verified(&p);
}

/// Approves the demo scenario, a decision and a plan.
fn approve_everything(p: &mut Portfolio) {
    let d = p.decision_add(seed_decision()).unwrap();
    p.decision_move(&d.id, Status::Proposed).unwrap();
    p.decision_move(&d.id, Status::Approved).unwrap();
    p.scenario_approve(capcall_core::demo::SCENARIO).unwrap();
    p.plan_build().unwrap();
    p.plan_approve_with(Some("test: the demo's governance gaps are accepted"))
        .unwrap();
}

#[test]
fn approved_records_never_change_and_the_board_sees_the_difference() {
    let (_d, mut p) = demo();
    approve_everything(&mut p);
    let sc = p.scenario(capcall_core::demo::SCENARIO).unwrap();
    let outcome = p
        .scenario_run(capcall_core::demo::SCENARIO, &Default::default())
        .unwrap();
    let decisions = p.decisions().unwrap();
    let plan = p.plan_latest(true).unwrap().unwrap();
    let plan_json = serde_json::to_string(&plan.plan).unwrap();
    let id = "ops-copilot-w3-eu";
    let approved_new = outcome.lines.iter().find(|l| l.use_case == id).unwrap().new_budget_usd;
    let vs = p.budget_vs_approved().unwrap().unwrap();
    let line = vs.lines.iter().find(|l| l.use_case == id).unwrap();
    assert!(!line.changed_since_approval);
    assert_eq!(line.approved_new_budget_usd, Some(approved_new));

    p.use_case_set(id, "budget_usd", "1.01", Some("cut")).unwrap();
    p.use_case_retire("kb-search", "2025-11-01".parse().unwrap(), "sunset agreed")
        .unwrap();
    let rd = p.use_case_remove("marketing-copy", None);
    // Edits happened; nothing approved moved.
    assert_eq!(p.scenario(capcall_core::demo::SCENARIO).unwrap(), sc);
    assert_eq!(
        p.scenario_run(capcall_core::demo::SCENARIO, &Default::default())
            .unwrap(),
        outcome
    );
    assert_eq!(
        serde_json::to_string(&p.decisions().unwrap().iter().map(|v| &v.decision).collect::<Vec<_>>()).unwrap(),
        serde_json::to_string(&decisions.iter().map(|v| &v.decision).collect::<Vec<_>>()).unwrap()
    );
    let plan_after = p.plan_latest(true).unwrap().unwrap();
    assert_eq!(serde_json::to_string(&plan_after.plan).unwrap(), plan_json);
    assert_eq!(plan_after.status, capcall_core::plan::PlanStatus::Approved);
    // The difference from the approved scenario, exact.
    let vs = p.budget_vs_approved().unwrap().unwrap();
    let line = vs.lines.iter().find(|l| l.use_case == id).unwrap();
    assert!(line.changed_since_approval);
    assert_eq!(line.current_budget_usd, Some(Planned::from_cents(101)));
    assert_eq!(
        line.difference_usd,
        Some(Planned::from_cents(101).checked_sub(approved_new).unwrap())
    );
    assert_eq!(
        vs.difference_usd,
        vs.current_total_usd.checked_sub(vs.approved_total_usd).unwrap()
    );
    // The approved scenario refers to every demo use case: removal refused.
    let e = rd.unwrap_err();
    assert_eq!(e.code(), Code::Conflict);
    verified(&p);
}

#[test]
fn remove_is_refused_naming_what_refers_and_undo_restores_history() {
    let (_d, mut p) = demo();
    // A draft decision refers to ops-copilot-w3-eu.
    let d = p.decision_add(seed_decision()).unwrap();
    let e = p.use_case_remove("ops-copilot-w3-eu", None).unwrap_err();
    assert_eq!(e.code(), Code::Conflict);
    let m = e.to_string();
    assert!(m.contains(&format!("decision {} (Draft)", d.id)), "{m}");
    assert!(m.contains("usecase retire ops-copilot-w3-eu"), "{m}");
    assert_eq!(
        p.use_case_references("ops-copilot-w3-eu").unwrap(),
        vec![format!("decision {} (Draft)", d.id)]
    );
    // Approved scenario and plan are named too.
    p.scenario_approve(capcall_core::demo::SCENARIO).unwrap();
    p.plan_build().unwrap();
    let m = p.use_case_remove("kb-search", None).unwrap_err().to_string();
    assert!(
        m.contains(&format!("approved scenario '{}'", capcall_core::demo::SCENARIO)),
        "{m}"
    );
    assert!(m.contains("draft plan 1"), "{m}");
    verified(&p);

    // A use case nothing refers to goes, with its observations and
    // incidents; undo restores every row exactly.
    let (_d2, mut q) = demo();
    let id = "kb-search";
    let obs = q.observations(id).unwrap();
    let incidents = q.incidents(Default::default(), Some(id)).unwrap();
    assert!(!obs.is_empty() && !incidents.is_empty());
    let state = q.use_case_state(id).unwrap();
    let removed = q.use_case_remove(id, Some("duplicate")).unwrap();
    assert_eq!(q.use_case(id).unwrap_err().code(), Code::NotFound);
    assert!(q.incidents(Default::default(), Some(id)).unwrap_or_default().is_empty());
    let last = &q.audit_history(Some("use_case"), Some(id), 1).unwrap()[0];
    assert!(last.action.starts_with("remove"));
    assert_eq!(last.after, None);
    verified(&q);
    // The draft scenario shows the line whose use case went.
    let drift = q.scenario_drift(capcall_core::demo::SCENARIO).unwrap();
    let line = drift.iter().find(|l| l.use_case == id).unwrap();
    assert_eq!(line.drift, vec![Drift::Removed]);
    q.edit_undo(&removed).unwrap();
    assert_eq!(q.use_case_state(id).unwrap(), state);
    assert_eq!(q.observations(id).unwrap(), obs);
    assert_eq!(q.incidents(Default::default(), Some(id)).unwrap(), incidents);
    verified(&q);
    q.edit_redo(&removed).unwrap();
    assert_eq!(q.use_case(id).unwrap_err().code(), Code::NotFound);
    verified(&q);
}

#[test]
fn retire_records_the_sunset_and_drafts_show_what_changed_under_them() {
    let (_d, mut p) = demo();
    let sc = capcall_core::demo::SCENARIO;
    assert!(p.scenario_drift(sc).unwrap().is_empty(), "nothing changed yet");
    let e = p
        .use_case_retire("invoice-matching", "2025-12-31".parse().unwrap(), "replaced by ERP")
        .unwrap();
    let row = p
        .use_cases()
        .unwrap()
        .into_iter()
        .find(|r| r.use_case.id == "invoice-matching")
        .unwrap();
    assert_eq!(row.use_case.status, Lifecycle::Retired);
    assert_eq!(row.use_case.sunset_date, Some("2025-12-31".parse().unwrap()));
    let entry = &p.audit_history(Some("use_case"), Some("invoice-matching"), 1).unwrap()[0];
    assert_eq!(entry.action, "retire");
    assert_eq!(entry.reason.as_deref(), Some("replaced by ERP"));
    assert!(entry.after.as_deref().unwrap().contains("2025-12-31"));
    verified(&p);
    assert!(p
        .use_case_retire("invoice-matching", "2025-12-31".parse().unwrap(), " ")
        .is_err());

    p.use_case_set("code-assistant", "budget_usd", "1", None).unwrap();
    p.use_case_add(new_use_case("field-notes", "5")).unwrap();
    let drift = p.scenario_drift(sc).unwrap();
    let kinds: Vec<(&str, &Vec<Drift>)> = drift.iter().map(|l| (l.use_case.as_str(), &l.drift)).collect();
    assert_eq!(
        kinds,
        vec![
            ("code-assistant", &vec![Drift::BudgetChanged]),
            ("field-notes", &vec![Drift::Added]),
            ("invoice-matching", &vec![Drift::Retired]),
        ]
    );
    let ca = &drift[0];
    assert_eq!(ca.current_budget_usd, Some(Planned::from_cents(100)));
    assert_ne!(ca.scenario_budget_usd, ca.current_budget_usd);
    // The scenario itself did not change.
    assert!(p
        .scenario(sc)
        .unwrap()
        .lines
        .iter()
        .any(|l| l.use_case == "code-assistant" && l.old_budget_usd != Planned::from_cents(100)));

    // Undo of the retire restores status and the absent sunset date;
    // leaving retired with `set status` clears the date too.
    p.edit_undo(&e).unwrap();
    let s = p.use_case_state("invoice-matching").unwrap();
    assert_eq!((s.use_case.status, s.use_case.sunset_date), (Lifecycle::Live, None));
    p.edit_redo(&e).unwrap();
    p.use_case_set("invoice-matching", "status", "sunsetting", Some("ERP delayed"))
        .unwrap();
    let s = p.use_case_state("invoice-matching").unwrap();
    assert_eq!(
        (s.use_case.status, s.use_case.sunset_date),
        (Lifecycle::Sunsetting, None)
    );
    verified(&p);
}

#[test]
fn an_undo_that_would_lose_later_work_is_refused() {
    let (d, mut p) = demo();
    let add = p.use_case_add(new_use_case("field-notes", "5")).unwrap();
    let f = write(
        d.path(),
        "o.csv",
        "use_case,period_start,units\nfield-notes,2025-09-01,3\n",
    );
    p.import(ImportKind::Observations, &f, &mut no_progress()).unwrap();
    let e = p.edit_undo(&add).unwrap_err();
    assert_eq!(e.code(), Code::Conflict);
    assert!(e.to_string().contains("1 observations"), "{e}");
    // A set undone after an import changed the record: refused, unchanged.
    let set = p.use_case_set("summarizer-x", "owner", "x", None).unwrap_err();
    assert_eq!(set.code(), Code::NotFound);
    let set = p.use_case_set("field-notes", "owner", "Ana", None).unwrap();
    let u = write(
        d.path(),
        "u.csv",
        "id,name,owner,wave,region,status,budget_usd\nfield-notes,Field Notes,Bo,Wave 4,EU,pilot,5\n",
    );
    p.import(ImportKind::UseCases, &u, &mut no_progress()).unwrap();
    assert_eq!(p.edit_undo(&set).unwrap_err().code(), Code::Conflict);
    assert_eq!(p.use_case("field-notes").unwrap().owner, "Bo");
    verified(&p);
}

#[test]
fn edits_need_a_writer_and_readers_see_them() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.import(
        ImportKind::UseCases,
        &write(d.path(), "u.csv", USE_CASES),
        &mut no_progress(),
    )
    .unwrap();
    p.use_case_set("summarizer", "budget_usd", "0.01", None).unwrap();
    drop(p);
    let r = Portfolio::open(&db, Access::Read, ctx()).unwrap();
    assert_eq!(r.use_case("summarizer").unwrap().budget_usd, Planned::from_cents(1));
    drop(r);
    let mut r = Portfolio::open(&db, Access::Read, ctx()).unwrap();
    assert!(r.use_case_set("summarizer", "budget_usd", "2", None).is_err());
}

#[test]
fn an_edit_crosses_json_and_back_and_still_undoes_exactly() {
    // The app keeps edits as JSON (IPC) and sends them back to undo/redo.
    let (_d, mut p) = demo();
    let id = "kb-search";
    let state = p.use_case_state(id).unwrap();
    let obs = p.observations(id).unwrap();
    let period = obs[3].period_start;
    let edits = vec![
        p.use_case_set(id, "budget_usd", "0.07", None).unwrap(),
        p.observation_correct(id, period, "units", "", "unknown after all")
            .unwrap(),
        p.use_case_retire(id, "2026-01-01".parse().unwrap(), "sunset").unwrap(),
        p.use_case_remove(id, None).unwrap(),
    ];
    let wire: Vec<String> = edits.iter().map(|e| serde_json::to_string(e).unwrap()).collect();
    let back: Vec<capcall_store::Edit> = wire.iter().map(|w| serde_json::from_str(w).unwrap()).collect();
    assert_eq!(back, edits);
    for e in back.iter().rev() {
        p.edit_undo(e).unwrap();
    }
    assert_eq!(p.use_case_state(id).unwrap(), state);
    assert_eq!(p.observations(id).unwrap(), obs);
    for e in &back {
        p.edit_redo(e).unwrap();
    }
    assert_eq!(p.use_case(id).unwrap_err().code(), Code::NotFound);
    verified(&p);
}

#[test]
fn a_trail_written_before_migration_0007_still_verifies_and_takes_edits() {
    let (_d, db) = fresh();
    let before_digest = {
        let p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
        let d = p.audit_digest().unwrap();
        drop(p);
        // The file as the schema before 0007 had it.
        let c = rusqlite::Connection::open(&db).unwrap();
        let v = capcall_store::MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0007_editing.sql")
            .unwrap();
        // Undo what 0007 and later migrations (0008, 0009) added.
        c.execute_batch(&format!(
            "DROP TABLE board_cache; DROP TRIGGER decisions_rejection_reason_frozen; DROP TRIGGER plans_accepted_gaps_frozen; \
             ALTER TABLE decisions DROP COLUMN rejection_reason; ALTER TABLE plans DROP COLUMN accepted_gaps; \
             ALTER TABLE scenarios DROP COLUMN opened_from; \
             ALTER TABLE audit DROP COLUMN reason; ALTER TABLE use_cases DROP COLUMN sunset_date; \
             PRAGMA user_version = {v};"
        ))
        .unwrap();
        d
    };
    // A reader reads it through an in-memory migration; a writer migrates it.
    let r = Portfolio::open(&db, Access::Read, ctx()).unwrap();
    verified(&r);
    drop(r);
    let mut p = Portfolio::open(&db, Access::Write, ctx()).unwrap();
    assert!(p.migrated_from_backup.is_some());
    verified(&p);
    assert_eq!(p.audit_digest().unwrap(), before_digest, "old rows hash as before");
    p.use_case_retire("kb-search", "2025-11-01".parse().unwrap(), "done")
        .unwrap();
    verified(&p);
    // The sunset date is part of the replayed record: a direct edit shows.
    p.connection()
        .execute(
            "UPDATE use_cases SET sunset_date = '2030-01-01' WHERE id = 'kb-search'",
            [],
        )
        .unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(!v.ok && v.mismatches.iter().any(|m| m.contains("kb-search")), "{v:?}");
}
