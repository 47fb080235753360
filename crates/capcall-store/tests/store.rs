//! capcall-store's integration tests: schema and migrations, the writer
//! lock, imports (errors with file:line:column, all-or-nothing, idempotent),
//! backup and restore, and scoring from the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use capcall_core::rubric::Path as Verdict;
use capcall_store::{Access, ImportKind, Portfolio, StoreError};
use tempfile::TempDir;

#[path = "store/architecture.rs"]
mod architecture;
#[path = "store/board_grid.rs"]
mod board_grid;
#[path = "store/focus.rs"]
mod focus;
#[path = "store/focus_parquet.rs"]
mod focus_parquet;
#[path = "store/governance.rs"]
mod governance;
#[path = "store/incidents.rs"]
mod incidents;

#[path = "store/editing.rs"]
mod editing;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
    p
}

const USE_CASES: &str = "id,name,owner,wave,region,status,flag,budget_usd,levers\n\
ops-copilot,Ops Copilot,VP Ops,Wave 3,EU,live,ops_flag,\"300,000.00\",prompt caching;batching\n\
summarizer,Support Summarizer,Support,Wave 1,US,pilot,,120000,\n";

const OBSERVATIONS: &str = "use_case,period_start,spend_usd,forecast_usd,units,eval_status,task_success_pct\n\
ops-copilot,2025-07-07,100.50,100,10000,green,81.5\n\
ops-copilot,2025-07-14,101,100,10100,green,80\n\
summarizer,2025-07-07,50,,5000,yellow,\n";

/// Who acts and when in these tests: passed in, never read from the
/// environment.
fn ctx() -> capcall_store::Context {
    capcall_store::Context::system_clock("tester")
}

fn fresh() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("p.sqlite");
    (dir, db)
}

fn no_progress() -> impl FnMut(capcall_store::ImportProgress) {
    |_| {}
}

/// A new portfolio holding [`USE_CASES`] (no observations yet).
fn with_use_cases() -> (TempDir, Portfolio) {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let uc = write(d.path(), "use_cases.csv", USE_CASES);
    p.import(ImportKind::UseCases, &uc, &mut no_progress()).unwrap();
    (d, p)
}

#[test]
fn create_sets_pragmas_and_schema() {
    let (_d, db) = fresh();
    let p = Portfolio::create(&db, ctx()).unwrap();
    let c = p.connection();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(
        (mode.as_str(), sync, fk, version),
        ("wal", 2, 1, capcall_store::SCHEMA_VERSION)
    );
    assert_eq!(p.rubric().unwrap().version, 2);
    drop(p);
    assert!(matches!(Portfolio::create(&db, ctx()), Err(StoreError::Exists(_))));
}

#[test]
fn newer_database_is_refused_without_writing() {
    let (_d, db) = fresh();
    drop(Portfolio::create(&db, ctx()).unwrap());
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let err = Portfolio::open(&db, Access::Write, ctx()).err().unwrap();
    assert_eq!(err.code().as_str(), "db_too_new");
    assert!(err.to_string().contains("version 99"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!capcall_store::sibling(&db, "-wal").exists());
}

#[test]
fn a_failed_migration_rolls_back_entirely() {
    let (_d, db) = fresh();
    // A version-0 file with data in it (an old or foreign tool's file) is
    // backed up before the schema is written. Simulate an older Capcall by
    // creating the schema then rewinding user_version to 0 with data present.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); PRAGMA user_version = 0;")
            .unwrap();
    }
    // user_version 0 means "no schema": migrations apply and fail on the existing table, leaving the file unchanged.
    let before = std::fs::read(&db).unwrap();
    assert!(Portfolio::open(&db, Access::Write, ctx()).is_err());
    assert_eq!(std::fs::read(&db).unwrap().len(), before.len());
    let c = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 0, "a failed migration rolls back entirely");
}

#[test]
fn second_writer_gets_a_clear_error_naming_the_holder() {
    let (_d, db) = fresh();
    let first = Portfolio::create(&db, ctx()).unwrap();
    let err = Portfolio::open(&db, Access::Write, ctx()).err().unwrap();
    assert_eq!(err.code().as_str(), "locked");
    assert!(
        err.to_string().contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    // Readers are fine while a writer holds the lock.
    assert!(Portfolio::open(&db, Access::Read, ctx()).is_ok());
    drop(first);
    assert!(Portfolio::open(&db, Access::Write, ctx()).is_ok());
}

/// The board's sparkline is the core's window (`board::sparkline_window`):
/// the 12 calendar months to the as-of date, nothing before it, nothing
/// after the as-of day (even in its own month).
#[test]
fn the_board_sparkline_covers_the_cores_window_only() {
    let (d, mut p) = with_use_cases();
    let mut obs = String::from("use_case,period_start,spend_usd,units\n");
    // 2024-05 and 2024-06 fall before the window; 2024-07 opens it.
    for (month, spend) in [("2024-05", 99), ("2024-06", 99), ("2024-07", 20)] {
        obs.push_str(&format!("ops-copilot,{month}-01,{spend},1000\n"));
    }
    for m in 8..=12 {
        obs.push_str(&format!("ops-copilot,2024-{m:02}-01,10,1000\n"));
    }
    for m in 1..=5 {
        obs.push_str(&format!("ops-copilot,2025-{m:02}-01,10,1000\n"));
    }
    // June: the 1st is in, the 20th is after the as-of date.
    obs.push_str("ops-copilot,2025-06-01,30,1000\nops-copilot,2025-06-20,1000,1000\n");
    let f = write(d.path(), "obs.csv", &obs);
    p.import(ImportKind::Observations, &f, &mut no_progress()).unwrap();
    let as_of = "2025-06-15".parse().unwrap();
    let board = p.board(Some(as_of)).unwrap();
    let row = board.rows.iter().find(|r| r.row.id == "ops-copilot").unwrap();
    let spark: Vec<&str> = row.sparkline.iter().map(|u| u.as_deref().unwrap()).collect();
    let window = capcall_core::board::sparkline_window(as_of);
    assert_eq!(spark.len(), capcall_core::board::SPARKLINE_MONTHS as usize, "{spark:?}");
    assert_eq!((window.first.to_string(), window.last), ("2024-07-01".into(), as_of));
    assert_eq!(spark.first(), Some(&"0.02"), "the window opens in 2024-07: {spark:?}");
    assert_eq!(
        spark.last(),
        Some(&"0.03"),
        "the row after the as-of day is out: {spark:?}"
    );
}

#[test]
fn imports_use_cases_and_observations_idempotently() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let uc = write(d.path(), "use_cases.csv", USE_CASES);
    let obs = write(d.path(), "observations.csv", OBSERVATIONS);
    let r = p.import(ImportKind::UseCases, &uc, &mut no_progress()).unwrap();
    assert_eq!((r.rows, r.added, r.replaced), (2, 2, 0));
    let r = p.import(ImportKind::Observations, &obs, &mut no_progress()).unwrap();
    assert_eq!((r.rows, r.added), (3, 3));
    let snapshot = |p: &Portfolio| {
        (
            p.use_cases().unwrap(),
            p.observations("ops-copilot").unwrap(),
            p.counts().unwrap(),
        )
    };
    let first = snapshot(&p);
    let r = p.import(ImportKind::Observations, &obs, &mut no_progress()).unwrap();
    assert_eq!((r.added, r.replaced), (0, 3));
    p.import(ImportKind::UseCases, &uc, &mut no_progress()).unwrap();
    assert_eq!(snapshot(&p), first, "re-import changes nothing");
    let ops = &first.0[0].use_case;
    assert_eq!(ops.budget_usd.to_string(), "300000.00");
    assert_eq!(ops.levers, vec!["prompt caching", "batching"]);
    let o = &first.1[0];
    assert_eq!(o.spend_usd.unwrap().to_string(), "100.50");
    assert_eq!(o.task_success_pct.unwrap().to_string(), "81.5");
    assert_eq!(
        p.observations("summarizer").unwrap()[0].forecast_usd,
        None,
        "empty means unknown"
    );
}

#[test]
fn bad_cells_are_reported_with_line_and_column_and_nothing_is_written() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.import(
        ImportKind::UseCases,
        &write(d.path(), "u.csv", USE_CASES),
        &mut no_progress(),
    )
    .unwrap();
    let bad = write(
        d.path(),
        "obs.csv",
        "use_case,period_start,spend_usd,units,eval_status\n\
         ops-copilot,2025-07-07,100,10,green\n\
         ops-copilot,2025-07-14,12.3.4,10,green\n\
         nobody,2025-07-21,1,10,green\n\
         ops-copilot,2025-02-30,1,-4,purple\n",
    );
    let err = p
        .import(ImportKind::Observations, &bad, &mut no_progress())
        .unwrap_err();
    let StoreError::Import { errors, total } = &err else {
        panic!("{err}")
    };
    assert_eq!(*total, 5);
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let f = bad.display();
    assert!(
        shown[0].starts_with(&format!("{f}:3:3: spend_usd: '12.3.4' is not an amount")),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with(&format!("{f}:4:1: use_case: unknown use case 'nobody'")),
        "{shown:?}"
    );
    assert!(
        shown[2].starts_with(&format!(
            "{f}:5:2: period_start: '2025-02-30' is not a valid calendar date"
        )),
        "{shown:?}"
    );
    assert!(shown[3].starts_with(&format!("{f}:5:4: units")), "{shown:?}");
    assert!(shown[4].starts_with(&format!("{f}:5:5: eval_status")), "{shown:?}");
    assert_eq!(p.counts().unwrap().1, 0, "the good first row was not written either");
}

#[test]
fn header_problems_and_duplicates() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let err = p
        .import(
            ImportKind::UseCases,
            &write(d.path(), "u.csv", "id,name\nx,y\n"),
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("u.csv:1:1: owner: required column is missing"),
        "{err}"
    );
    let dup = "id,name,owner,wave,region,status,budget_usd\na,A,o,W,EU,live,1\na,A,o,W,EU,live,2\n";
    let err = p
        .import(ImportKind::UseCases, &write(d.path(), "d.csv", dup), &mut no_progress())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("d.csv:3:1: id: duplicate id 'a' (first on line 2)"),
        "{err}"
    );
    let ragged = "id,name,owner,wave,region,status,budget_usd\na,A,o,W,EU,live\n";
    let err = p
        .import(
            ImportKind::UseCases,
            &write(d.path(), "r.csv", ragged),
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("r.csv:2:7: expected 7 fields"), "{err}");
    assert_eq!(p.counts().unwrap(), (0, 0));
}

#[test]
fn error_list_is_capped_with_a_count() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let mut text = String::from("id,name,owner,wave,region,status,budget_usd\n");
    for i in 0..50 {
        text.push_str(&format!("u{i},N,o,W,EU,live,abc\n"));
    }
    let err = p
        .import(
            ImportKind::UseCases,
            &write(d.path(), "u.csv", &text),
            &mut no_progress(),
        )
        .unwrap_err();
    let StoreError::Import { errors, total } = &err else {
        panic!()
    };
    assert_eq!((errors.len(), *total), (20, 50));
    assert!(err.to_string().ends_with("... and 30 more"));
}

#[test]
fn progress_is_reported_to_the_end() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let file = write(d.path(), "u.csv", USE_CASES);
    let mut last = None;
    p.import(ImportKind::UseCases, &file, &mut |pr| last = Some(pr))
        .unwrap();
    let last = last.unwrap();
    assert_eq!(last.bytes_read, last.total_bytes);
    assert_eq!(last.rows, 2);
}

#[test]
fn demo_scores_from_the_file_give_every_verdict() {
    let (_d, db) = fresh();
    let p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let run = p.score(None, None, None).unwrap();
    assert_eq!(run.scores.len(), 12);
    let overall: std::collections::BTreeSet<Verdict> = run.scores.iter().map(|s| s.overall).collect();
    assert_eq!(overall.len(), 3);
    // Scoring from the file equals scoring the in-memory demo (with its incidents).
    let incidents = capcall_core::demo::incidents();
    for (uc, rows) in capcall_core::demo::portfolio() {
        let mem =
            capcall_core::rubric::evaluate_with_incidents(&uc, &rows, &incidents, run.as_of, &Default::default(), 2);
        let stored = run.scores.iter().find(|s| s.use_case == uc.id).unwrap();
        assert_eq!(&mem, stored, "{}", uc.id);
    }
}

#[test]
fn rubric_edits_make_new_versions() {
    let (_d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let v = p
        .set_rubric(&[("econ_expand_variance_pct".into(), "4".into())], "tighter")
        .unwrap();
    assert_eq!(v.version, 3);
    assert_eq!(p.rubric_versions().unwrap().len(), 2);
    let err = p
        .set_rubric(&[("econ_hold_variance_pct".into(), "3".into())], "")
        .unwrap_err();
    assert!(err.to_string().contains("must be <="), "{err}");
    assert_eq!(p.rubric().unwrap().version, 3, "a refused edit writes nothing");
    // Old versions cannot be edited in place.
    assert!(p
        .connection()
        .execute("UPDATE rubric_settings SET value = '1' WHERE version = 2", [])
        .is_err());
}

#[test]
fn backup_and_restore_round_trip() {
    let (d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let backup = d.path().join("b.sqlite");
    p.backup(&backup).unwrap();
    assert!(matches!(p.backup(&backup), Err(StoreError::Exists(_))));
    p.import(
        ImportKind::UseCases,
        &write(d.path(), "u.csv", USE_CASES),
        &mut no_progress(),
    )
    .unwrap();
    assert_eq!(p.counts().unwrap().0, 14);
    let kept = p.restore(&backup).unwrap();
    assert_eq!(p.counts().unwrap().0, 12);
    assert!(kept.exists());
    let junk = write(d.path(), "junk.sqlite", "not a database at all, just text");
    assert!(p.restore(&junk).is_err());
    assert_eq!(p.counts().unwrap().0, 12);
}

#[test]
fn migrating_an_older_portfolio_backs_it_up_first() {
    let (_d, db) = fresh();
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(capcall_store::MIGRATIONS[0].1).unwrap();
        c.execute_batch("PRAGMA user_version = 1; INSERT INTO meta VALUES ('note', 'v1 data');")
            .unwrap();
    }
    let p = Portfolio::open(&db, Access::Write, ctx()).unwrap();
    let backup = p.migrated_from_backup.clone().expect("a backup before migrating");
    let v: i64 = p
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, capcall_store::SCHEMA_VERSION);
    let b = rusqlite::Connection::open(&backup).unwrap();
    let (bv, note): (i64, String) = (
        b.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap(),
        b.query_row("SELECT value FROM meta WHERE key = 'note'", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!((bv, note.as_str()), (1, "v1 data"));
}

fn seed_decision() -> capcall_store::NewDecision {
    capcall_store::NewDecision {
        path: Some(Verdict::Expand),
        use_case: Some("ops-copilot-w3-eu".into()),
        owner: "VP Ops".into(),
        budget_usd: Some(capcall_core::Planned::from_dollars(300_000)),
        evidence: vec!["wk08/adoption/study_plan.md#results".into()],
        guardrails: vec!["p95_latency_ms <= 1200".into()],
        milestones: vec!["wave3_launch=2025-10-28".into()],
        readout_date: "2025-09-14".parse().unwrap(),
        ..Default::default()
    }
}

#[test]
fn decisions_follow_the_workflow_and_refuse_incomplete_approvals() {
    use capcall_core::decision::Status;
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let d = p.decision_add(seed_decision()).unwrap();
    assert_eq!(d.id, "DEC-2025-09-14-01");
    assert_eq!(d.title, "EXPAND — Ops Copilot Wave 3 (EU)");
    let second = p
        .decision_add(capcall_store::NewDecision {
            owner: String::new(),
            budget_usd: None,
            evidence: vec![],
            ..seed_decision()
        })
        .unwrap();
    assert_eq!(second.id, "DEC-2025-09-14-02");
    p.decision_move(&second.id, Status::Proposed).unwrap();
    let audit_rows = p.audit_history(None, None, 1000).unwrap().len();
    let err = p.decision_move(&second.id, Status::Approved).unwrap_err();
    assert!(err.to_string().contains("missing owner; budget_usd; evidence"), "{err}");
    assert_eq!(
        p.decision(&second.id).unwrap().status,
        Status::Proposed,
        "nothing changed"
    );
    assert_eq!(p.audit_history(None, None, 1000).unwrap().len(), audit_rows);
    assert!(
        p.decision_move(&d.id, Status::Approved).is_err(),
        "Draft cannot jump to Approved"
    );
    p.decision_move(&d.id, Status::Proposed).unwrap();
    p.decision_move(&d.id, Status::Approved).unwrap();
    // Approved entries are never edited in place.
    assert!(p
        .connection()
        .execute("UPDATE decisions SET owner = 'x' WHERE id = ?1", [&d.id])
        .is_err());
    let third = p
        .decision_add(capcall_store::NewDecision {
            readout_date: "2025-12-15".parse().unwrap(),
            ..seed_decision()
        })
        .unwrap();
    // Only an approved decision supersedes: the path keeps one in force.
    let rows = p.audit_history(None, None, 1000).unwrap().len();
    let err = p.decision_supersede(&d.id, &third.id).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("only an approved decision can supersede"),
        "{err}"
    );
    assert_eq!(p.decision(&d.id).unwrap().status, Status::Approved, "nothing changed");
    p.decision_move(&third.id, Status::Proposed).unwrap();
    assert!(
        p.decision_supersede(&d.id, &third.id).is_err(),
        "Proposed is not enough"
    );
    assert_eq!(p.audit_history(None, None, 1000).unwrap().len(), rows + 1);
    // An incomplete one cannot be approved-and-superseded either; neither changes.
    let incomplete = p
        .decision_add(capcall_store::NewDecision {
            readout_date: "2025-12-16".parse().unwrap(),
            evidence: vec![],
            ..seed_decision()
        })
        .unwrap();
    p.decision_move(&incomplete.id, Status::Proposed).unwrap();
    let err = p.decision_approve_and_supersede(&d.id, &incomplete.id).unwrap_err();
    assert!(err.to_string().contains("missing evidence"), "{err}");
    assert_eq!(p.decision(&d.id).unwrap().status, Status::Approved);
    assert_eq!(p.decision(&incomplete.id).unwrap().status, Status::Proposed);
    // --approve: approve the newer one and supersede in one transaction.
    let sup = p.decision_approve_and_supersede(&d.id, &third.id).unwrap();
    assert_eq!(
        (sup.status, sup.superseded_by.as_deref()),
        (Status::Superseded, Some("DEC-2025-12-15-01"))
    );
    assert_eq!(p.decision(&third.id).unwrap().status, Status::Approved);
    assert!(p.audit_verify(None).unwrap().ok);
    let bad = p.decision_add(capcall_store::NewDecision {
        guardrails: vec!["grounded_score >> 4".into()],
        ..seed_decision()
    });
    assert!(bad.unwrap_err().to_string().contains("column 17"));
}

#[test]
fn audit_chain_detects_edits_and_deletions_and_names_the_row() {
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    p.decision_add(seed_decision()).unwrap();
    p.set_rubric(&[("slo_workoff_days".into(), "21".into())], "").unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(v.ok && v.rows >= 3, "{v:?}");
    let c = p.connection();
    assert!(
        c.execute("UPDATE audit SET who = 'mallory' WHERE seq = 2", []).is_err(),
        "append-only"
    );
    c.execute_batch("DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete")
        .unwrap();
    c.execute("UPDATE audit SET who = 'mallory' WHERE seq = 2", []).unwrap();
    let v = p.audit_verify(None).unwrap();
    assert_eq!((v.ok, v.bad_seq), (false, Some(2)));
    assert!(v.problem.unwrap().contains("audit row 2"));
    c.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(!v.ok && v.problem.unwrap().contains("row 2 is missing"));
    let (_d2, db2) = fresh();
    let mut q = Portfolio::open_or_create_demo(&db2, Access::Write, ctx()).unwrap();
    q.decision_add(seed_decision()).unwrap();
    let last: i64 = q
        .connection()
        .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
        .unwrap();
    q.connection()
        .execute_batch("DROP TRIGGER audit_append_only_delete")
        .unwrap();
    q.connection()
        .execute("DELETE FROM audit WHERE seq = ?1", [last])
        .unwrap();
    assert!(
        !q.audit_verify(None).unwrap().ok,
        "deleting the newest row is caught by the head record"
    );
}

#[test]
fn plan_is_built_from_the_approved_scenario_and_decisions() {
    use capcall_core::decision::Status;
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    assert!(p.plan_build().is_err(), "needs an approved scenario");
    let d = p.decision_add(seed_decision()).unwrap();
    p.decision_move(&d.id, Status::Proposed).unwrap();
    p.decision_move(&d.id, Status::Approved).unwrap();
    p.scenario_approve(capcall_core::demo::SCENARIO).unwrap();
    let plan = p.plan_build().unwrap();
    assert_eq!(plan.status, capcall_core::plan::PlanStatus::Draft);
    assert_eq!(plan.plan.decisions, vec![d.id.clone()]);
    assert!(plan.plan.milestones.iter().any(|m| m.name == "wave3_launch"));
    assert!(plan
        .plan
        .outcomes
        .iter()
        .any(|o| o.targets.contains(&"p95_latency_ms <= 1200".to_string())));
    assert!(plan.plan.totals.projected_ucr.is_some());
    assert_eq!(plan.plan.workoffs.len(), plan.plan.totals.hold_count as usize);
    // What a person reads: milestones and targets in words, the keys kept.
    let label = |key: &str| {
        plan.plan
            .milestones
            .iter()
            .find(|m| m.name == key)
            .map(|m| m.label.clone())
    };
    assert_eq!(label("wave3_launch").as_deref(), Some("Wave3 launch"));
    assert_eq!(
        label("workoff_code-assistant").as_deref(),
        Some("Work-off: Code Assistant")
    );
    assert!(plan
        .plan
        .outcomes
        .iter()
        .any(|o| o.target_labels.contains(&"p95 latency ≤ 1,200 ms".to_string())));
    let views = p.decisions().unwrap();
    let v = views.iter().find(|v| v.decision.id == d.id).unwrap();
    assert_eq!(v.milestone_labels, vec!["Wave3 launch".to_string()]);
    assert_eq!(v.guardrails[0].label, "p95 latency ≤ 1,200 ms");
    // A plan stored before labels existed gains them on reading.
    let bare = serde_json::to_string(&plan.plan)
        .unwrap()
        .replace(r#""label":"Work-off: Code Assistant","#, "");
    assert!(!bare.contains("Work-off: Code Assistant"));
    p.connection()
        .execute(
            "UPDATE plans SET content = ?1 WHERE id = ?2",
            rusqlite::params![bare, plan.id],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let read = p.plan_latest(false).unwrap().unwrap();
    assert!(read
        .plan
        .milestones
        .iter()
        .any(|m| m.label == "Work-off: Code Assistant"));
    // The demo scenario's paths are not all covered: approval needs a reason.
    let refused = p.plan_approve().unwrap_err();
    assert!(refused.to_string().contains("governance gap"), "{refused}");
    let approved = p.plan_approve_with(Some("board meets today")).unwrap();
    assert_eq!(approved.status, capcall_core::plan::PlanStatus::Approved);
    p.plan_build().unwrap();
    p.plan_approve_with(Some("board meets today")).unwrap();
    assert_eq!(
        p.plan_latest(true).unwrap().unwrap().id,
        approved.id + 1,
        "a new plan supersedes the old"
    );
}

// ---- Exact money and importer correctness (issue: real files) ----

fn import_ok(p: &mut Portfolio, kind: ImportKind, file: &Path) {
    p.import(kind, file, &mut no_progress()).unwrap();
}

fn import_err(p: &mut Portfolio, kind: ImportKind, file: &Path) -> Vec<String> {
    match p.import(kind, file, &mut no_progress()) {
        Err(StoreError::Import { errors, .. }) => errors.iter().map(|e| e.to_string()).collect(),
        other => panic!("expected located errors, got {other:?}"),
    }
}

/// The same text with CRLF line ends and a byte-order mark.
fn crlf_bom(text: &str) -> String {
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

#[test]
fn sub_cent_spend_is_kept_exactly_and_sums_exactly() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let uc = "id,name,owner,wave,region,status,budget_usd,levers\n\
              a,A,o,W,EU,live,120000.000,caching\n";
    import_ok(&mut p, ImportKind::UseCases, &write(d.path(), "u.csv", &crlf_bom(uc)));
    assert_eq!(p.use_case("a").unwrap().budget_usd.to_string(), "120000.00");
    let obs = "use_case,period_start,spend_usd,forecast_usd,units\n\
               a,2025-07-07,18885.7030,18000,1000000\n\
               a,2025-07-14,0.0095,0.00000080000,1\n\
               a,2025-07-21,1000.100,1.5E-7,3\n\
               a,2025-10-06,-0.0005,,7\n";
    import_ok(
        &mut p,
        ImportKind::Observations,
        &write(d.path(), "o.csv", &crlf_bom(obs)),
    );
    let rows = p.observations("a").unwrap();
    let spend: Vec<String> = rows.iter().map(|o| o.spend_usd.unwrap().to_string()).collect();
    assert_eq!(spend, ["18885.7030", "0.0095", "1000.100", "-0.0005"]);
    assert_eq!(rows[2].forecast_usd.unwrap().to_string(), "0.00000015");
    let q = p.ucr("a", capcall_store::UcrBy::Quarter).unwrap();
    assert_eq!(q[0].spend_usd.to_string(), "19885.8125");
    // 19885.8125 / 1000004, computed independently to 28 digits.
    let expected =
        rust_decimal::Decimal::from_str_exact("19885.8125").unwrap() / rust_decimal::Decimal::from(1_000_004u64);
    assert_eq!(q[0].ucr, Some(expected));
    assert_eq!(q[1].spend_usd.to_string(), "-0.0005");
    // Re-importing the same file changes nothing.
    import_ok(&mut p, ImportKind::Observations, &write(d.path(), "o2.csv", obs));
    assert_eq!(p.observations("a").unwrap(), rows);
}

#[test]
fn crlf_and_bom_files_report_physical_lines() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    import_ok(&mut p, ImportKind::UseCases, &write(d.path(), "u.csv", USE_CASES));
    let mut text = String::from("use_case,period_start,spend_usd,units,remediation_plan\n");
    // A quoted cell with a line break (lines 2-3), then good rows to line 9.
    text.push_str("ops-copilot,2025-06-30,1,1,\"two\nlines\"\n");
    for day in 1..=6 {
        text.push_str(&format!("ops-copilot,2025-07-0{day},1.5,10,\n"));
    }
    text.push_str("ops-copilot,2025-07-10,oops,10,\n"); // line 10
    for (name, body) in [("lf.csv", text.clone()), ("crlf.csv", crlf_bom(&text))] {
        let f = write(d.path(), name, &body);
        let shown = import_err(&mut p, ImportKind::Observations, &f);
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with(&format!("{}:10:3: spend_usd: 'oops'", f.display())),
            "{name}: {shown:?}"
        );
    }
    assert_eq!(p.counts().unwrap().1, 0);
}

#[test]
fn header_near_misses_duplicates_and_empty_required_cells_are_named() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    import_ok(&mut p, ImportKind::UseCases, &write(d.path(), "u.csv", USE_CASES));
    let f = write(
        d.path(),
        "h.csv",
        "use_case,period_start,Units, Spend USD \nops-copilot,2025-07-07,1,2\n",
    );
    let shown = import_err(&mut p, ImportKind::Observations, &f);
    assert!(
        shown[0].contains("h.csv:1:3: Units: unknown column 'Units': did you mean 'units'?"),
        "{shown:?}"
    );
    assert!(
        shown[1].contains("h.csv:1:4: Spend USD: unknown column 'Spend USD': did you mean 'spend_usd'?"),
        "{shown:?}"
    );
    let f = write(
        d.path(),
        "dup.csv",
        "use_case,period_start,note,note\nops-copilot,2025-07-07,a,b\n",
    );
    let shown = import_err(&mut p, ImportKind::Observations, &f);
    assert!(
        shown[0].contains("dup.csv:1:4: note: duplicate column (also column 3)"),
        "{shown:?}"
    );
    let f = write(
        d.path(),
        "empty.csv",
        "id,name,owner,wave,region,status,budget_usd\r\nb,B,o,W,EU,live,\r\n",
    );
    let shown = import_err(&mut p, ImportKind::UseCases, &f);
    assert_eq!(shown, [format!("{}:2:7: budget_usd: required, but empty", f.display())]);
}

#[test]
fn endless_or_binary_input_is_a_located_error_in_bounded_memory() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let shown = import_err(&mut p, ImportKind::Observations, Path::new("/dev/zero"));
    assert!(shown[0].starts_with("/dev/zero:1:1:"), "{shown:?}");
    assert!(shown[0].contains("longer than 1048576 bytes"), "{shown:?}");
    import_ok(&mut p, ImportKind::UseCases, &write(d.path(), "u.csv", USE_CASES));
    // An unterminated quote swallowing the rest of a large file.
    let mut text = String::from("use_case,period_start,spend_usd\nops-copilot,2025-07-07,\"1\n");
    text.push_str(&"x,".repeat(600_000));
    let shown = import_err(&mut p, ImportKind::Observations, &write(d.path(), "q.csv", &text));
    assert!(
        shown[0].contains(":2:1:") && shown[0].contains("longer than"),
        "{shown:?}"
    );
    let big_cell = format!(
        "id,name,owner,wave,region,status,budget_usd\nc,{},o,W,EU,live,1\n",
        "n".repeat(70_000)
    );
    let shown = import_err(&mut p, ImportKind::UseCases, &write(d.path(), "c.csv", &big_cell));
    assert!(
        shown[0].contains("c.csv:2:2: name: the cell is longer than 65536 bytes"),
        "{shown:?}"
    );
}

#[test]
fn values_that_could_break_later_commands_are_refused_at_import() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let shown = import_err(
        &mut p,
        ImportKind::UseCases,
        &write(
            d.path(),
            "u.csv",
            "id,name,owner,wave,region,status,budget_usd\nbig,B,o,W,EU,live,92233720368547758.07\n",
        ),
    );
    assert!(
        shown[0].contains("u.csv:2:7: budget_usd: '92233720368547758.07' is out of range"),
        "{shown:?}"
    );
    import_ok(&mut p, ImportKind::UseCases, &write(d.path(), "ok.csv", USE_CASES));
    let nines = "9".repeat(28);
    let text = format!(
        "use_case,period_start,units,dau_target,spend_usd\n\
         ops-copilot,2025-07-07,9223372036854775807,1,1\n\
         ops-copilot,2025-07-14,1,{nines},1\n\
         ops-copilot,2025-07-21,1,1,1000000000\n\
         ops-copilot,2025-07-28,1,1,0.00000000000000001\n"
    );
    let shown = import_err(&mut p, ImportKind::Observations, &write(d.path(), "o.csv", &text));
    assert!(
        shown[0].contains("o.csv:2:3: units: '9223372036854775807' is out of range"),
        "{shown:?}"
    );
    assert!(
        shown[1].contains("o.csv:3:4: dau_target:") && shown[1].contains("out of range"),
        "{shown:?}"
    );
    assert!(
        shown[2].contains("o.csv:4:5: spend_usd:") && shown[2].contains("out of range"),
        "{shown:?}"
    );
    assert!(
        shown[3].contains("o.csv:5:5: spend_usd:") && shown[3].contains("16 decimal places"),
        "{shown:?}"
    );
}

/// A portfolio written by release 0.1.0 (`capcall demo`, then `scenario
/// approve` and `plan build`; schema v2, money in INTEGER cents) migrates to
/// exact decimal text with nothing lost, and scores the same.
#[test]
fn a_release_0_1_0_file_migrates_losslessly() {
    let (d, db) = fresh();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v2-release-0.1.0.sqlite"),
        &db,
    )
    .unwrap();
    let old = rusqlite::Connection::open(&db).unwrap();
    let before: Vec<(i64, String, Option<i64>, Option<i64>)> = old
        .prepare("SELECT use_case, period_start, spend_cents, forecast_cents FROM observations ORDER BY 1, 2")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(old);
    assert_eq!(before.len(), 936);
    let p = Portfolio::open(&db, Access::Write, ctx()).unwrap();
    assert!(p.migrated_from_backup.is_some(), "backed up before migrating");
    let after: Vec<(i64, String, Option<String>, Option<String>)> = p
        .connection()
        .prepare("SELECT use_case, period_start, spend_usd, forecast_usd FROM observations ORDER BY 1, 2")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let cents = |c: Option<i64>| c.map(|c| capcall_core::Planned::from_cents(c).to_string());
    let expected: Vec<_> = before
        .into_iter()
        .map(|(u, p, s, f)| (u, p, cents(s), cents(f)))
        .collect();
    assert_eq!(after, expected);
    // The approved scenario and plan survive; scores and plan rebuild.
    assert!(p.approved_scenario().unwrap().is_some());
    let run = p.score(None, None, None).unwrap();
    assert_eq!(run.scores.len(), 12);
    drop(p);
    let _ = d;
}

// ---- Records users can trust ----

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn another_applications_file_is_refused_byte_for_byte_untouched() {
    let (d, _) = fresh();
    let other = d.path().join("other.sqlite");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE notes(x); INSERT INTO notes VALUES ('mine'); PRAGMA user_version = 2;")
            .unwrap();
    }
    let before = file_bytes(&other);
    for access in [Access::Read, Access::Write] {
        let err = Portfolio::open(&other, access, ctx()).err().expect("refused");
        assert_eq!(err.code().as_str(), "not_a_portfolio", "{err}");
        assert!(err.to_string().contains("another application"), "{err}");
    }
    assert_eq!(file_bytes(&other), before, "not one byte changed");
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("other"))
        .collect();
    assert!(
        names.iter().all(|n| n == "other.sqlite" || n == "other.sqlite.lock"),
        "{names:?}"
    );
    // A file with another application id, and a text file.
    let c = rusqlite::Connection::open(d.path().join("app.sqlite")).unwrap();
    c.execute_batch("PRAGMA application_id = 1234; CREATE TABLE t(x);")
        .unwrap();
    drop(c);
    let err = Portfolio::open(&d.path().join("app.sqlite"), Access::Read, ctx())
        .err()
        .unwrap();
    assert!(err.to_string().contains("application_id 0x4d2"), "{err}");
    let txt = write(d.path(), "notes.txt", "hello, this is not a database at all, but it is long enough to have a header...........................................................................");
    let err = Portfolio::open(&txt, Access::Read, ctx()).err().unwrap();
    assert_eq!(err.code().as_str(), "not_a_portfolio", "{err}");
}

#[test]
fn readers_never_write_and_older_files_are_read_through_memory() {
    let (d, db) = fresh();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v2-release-0.1.0.sqlite"),
        &db,
    )
    .unwrap();
    let before = file_bytes(&db);
    let p = Portfolio::open(&db, Access::Read, ctx()).unwrap();
    assert_eq!(p.use_cases().unwrap().len(), 12);
    assert_eq!(p.score(None, None, None).unwrap().scores.len(), 12);
    assert!(p.migrated_from_backup.is_none());
    drop(p);
    assert_eq!(file_bytes(&db), before, "a read never migrates the file");
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no journal, WAL or backup beside it: {leftovers:?}");
    // Read-only media: the file and its directory cannot be written.
    let ro = d.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let file = ro.join("p.sqlite");
    drop(Portfolio::open_or_create_demo(&file, Access::Write, ctx()).unwrap());
    let set_mode = |p: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set_mode(&file, 0o444);
    set_mode(&ro, 0o555);
    let root = unsafe_is_root();
    let read = Portfolio::open(&file, Access::Read, ctx());
    if !root {
        assert!(read.is_ok(), "{:?}", read.err());
        assert_eq!(read.unwrap().use_cases().unwrap().len(), 12);
        let err = Portfolio::open(&file, Access::Write, ctx())
            .err()
            .expect("cannot write");
        assert!(matches!(err.code().as_str(), "read_only" | "io"), "{err}");
    }
    set_mode(&ro, 0o755);
    set_mode(&file, 0o644);
}

/// Root ignores file permissions, so the read-only checks only mean
/// something for an ordinary user.
fn unsafe_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.uid() == 0
        })
        .unwrap_or(false)
}

#[test]
fn restore_validates_everything_before_touching_the_live_file() {
    let (d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let digest = p.audit_digest().unwrap();
    // Not Capcall's: user_version 2 and no Capcall tables.
    let bogus = d.path().join("bogus.sqlite");
    rusqlite::Connection::open(&bogus)
        .unwrap()
        .execute_batch("PRAGMA user_version = 2; CREATE TABLE x(y);")
        .unwrap();
    // A v1 Capcall file whose migration cannot succeed.
    let broken_v1 = d.path().join("v1.sqlite");
    {
        let c = rusqlite::Connection::open(&broken_v1).unwrap();
        c.execute_batch(capcall_store::MIGRATIONS[0].1).unwrap();
        c.execute_batch("PRAGMA user_version = 1; CREATE TABLE decisions(x);")
            .unwrap();
    }
    // A real backup whose audit trail was tampered with.
    let tampered = d.path().join("tampered.sqlite");
    p.backup(&tampered).unwrap();
    rusqlite::Connection::open(&tampered)
        .unwrap()
        .execute_batch("DROP TRIGGER audit_append_only_update; UPDATE audit SET who = 'mallory' WHERE seq = 1;")
        .unwrap();
    for (file, why) in [
        (&bogus, "another application"),
        (&broken_v1, "cannot be upgraded"),
        (&tampered, "audit trail does not verify"),
        (&d.path().join("missing.sqlite"), "no such portfolio"),
    ] {
        let err = p.restore(file).expect_err("refused");
        assert!(err.to_string().contains(why), "{}: {err}", file.display());
        assert_eq!(p.audit_digest().unwrap(), digest, "live portfolio untouched");
        assert_eq!(p.use_cases().unwrap().len(), 12);
    }
    // Two good restores keep two safety copies, and both are audited.
    let good = d.path().join("good.sqlite");
    p.backup(&good).unwrap();
    // One pinned instant for both: the safety copies still differ.
    p.set_context(
        ctx().at(chrono::NaiveDate::from_ymd_opt(2025, 9, 15)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()),
    );
    let first = p.restore(&good).unwrap();
    let second = p.restore(&good).unwrap();
    p.set_context(ctx());
    assert_ne!(first, second);
    assert!(first.exists() && second.exists(), "no safety copy is ever deleted");
    let restores = p.audit_history(Some("portfolio"), Some("restore"), 10).unwrap();
    assert_eq!(
        restores.len(),
        1,
        "the second restore replaced the trail with the backup's, then appended its own entry"
    );
    assert!(restores[0].after.as_deref().unwrap().contains("safety_copy"));
    assert!(p.audit_verify(None).unwrap().ok);
    // Crash leftovers beside the file are cleaned at the next writer open.
    drop(p);
    let leftover = d.path().join(".p.sqlite.pre-restore-x.sqlite.tmp-99999");
    std::fs::write(&leftover, b"partial").unwrap();
    drop(Portfolio::open(&db, Access::Write, ctx()).unwrap());
    assert!(!leftover.exists());
}

#[test]
fn direct_sql_edits_and_wipes_are_named_against_the_trail_and_a_pack_digest() {
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let d = p.decision_add(seed_decision()).unwrap();
    p.decision_move(&d.id, capcall_core::decision::Status::Proposed)
        .unwrap();
    p.decision_move(&d.id, capcall_core::decision::Status::Approved)
        .unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(v.ok, "{v:?}");
    let pack_digest = v.digest.clone();
    let c = p.connection();
    // The triggers refuse what Capcall never does.
    for sql in [
        "UPDATE decisions SET status = 'Draft'",
        "DELETE FROM decisions",
        "DELETE FROM audit",
    ] {
        assert!(c.execute(sql, []).is_err(), "{sql}");
    }
    // An edit of a budget, behind Capcall's back.
    c.execute(
        "UPDATE use_cases SET budget_cents = budget_cents + 1 WHERE id = 'kb-search'",
        [],
    )
    .unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(!v.ok);
    assert_eq!(
        v.mismatches,
        ["use_case kb-search was changed outside Capcall (it differs from its last audited state)"]
    );
    c.execute(
        "UPDATE use_cases SET budget_cents = budget_cents - 1 WHERE id = 'kb-search'",
        [],
    )
    .unwrap();
    // The approver of a decision, with the triggers dropped.
    c.execute_batch("DROP TRIGGER decisions_approved_frozen; DROP TRIGGER decisions_status_forward;")
        .unwrap();
    c.execute("UPDATE decisions SET owner = 'Someone else'", []).unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(
        v.mismatches
            .iter()
            .any(|m| m.starts_with(&format!("decision {}", d.id))),
        "{v:?}"
    );
    // A wiped trail: intact in itself, but the records say otherwise, and the
    // digest kept outside the file proves the wipe.
    c.execute_batch(
        "DROP TRIGGER audit_append_only_delete; DELETE FROM audit; DELETE FROM meta WHERE key = 'audit_head';",
    )
    .unwrap();
    let v = p.audit_verify(None).unwrap();
    assert!(!v.ok && v.mismatches.len() > 12, "{v:?}");
    assert!(v.mismatches.iter().any(|m| m.contains("has no audit record")));
    let v = p.audit_verify(Some(&pack_digest)).unwrap();
    assert!(!v.ok);
    assert!(v.problem.unwrap().contains("the trail was wiped"), "names the wipe");
}

#[test]
fn identity_is_the_configured_name_else_the_os_account_never_unknown() {
    let (d, _) = fresh();
    let config = capcall_store::ConfigFile::at(d.path().join("config.json"));
    let os = config.identity();
    assert!(!os.is_empty() && os != "unknown", "{os}");
    config.set("user.name", "Ana Ruiz").unwrap();
    assert_eq!(config.identity(), "Ana Ruiz");
    assert!(config.set("user.nmae", "x").is_err());
    assert!(config.set("user.name", "a\nb").is_err());
    config.set("user.name", "").unwrap();
    assert_eq!(config.identity(), os);
}

#[test]
fn demo_reset_refuses_to_wipe_approved_work_without_force() {
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    p.load_demo().unwrap(); // nothing approved yet: a plain reset is fine
    p.scenario_approve(capcall_core::demo::SCENARIO).unwrap();
    let d = p.decision_add(seed_decision()).unwrap();
    p.decision_move(&d.id, capcall_core::decision::Status::Proposed)
        .unwrap();
    p.decision_move(&d.id, capcall_core::decision::Status::Approved)
        .unwrap();
    let rows = p.audit_history(None, None, 10_000).unwrap().len();
    let err = p.load_demo().unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("approved scenario 'Q4-2025 capital call'")
            && msg.contains("approved decision 'DEC-2025-09-14-01'")
            && msg.contains("--force"),
        "{msg}"
    );
    assert_eq!(
        p.audit_history(None, None, 10_000).unwrap().len(),
        rows,
        "nothing written"
    );
    assert_eq!(
        p.approved_scenario().unwrap().unwrap().meta.name,
        capcall_core::demo::SCENARIO
    );
    assert!(
        p.connection().is_autocommit(),
        "the refused reset left no transaction open"
    );
    p.reset_to_demo(true).unwrap();
    assert!(p.approved_scenario().unwrap().is_none());
    assert_eq!(
        p.scenario(capcall_core::demo::SCENARIO).unwrap().meta.status,
        capcall_core::scenario::ScenarioStatus::Draft
    );
    assert!(p.audit_verify(None).unwrap().ok);
}

#[test]
fn demo_reset_is_one_transaction() {
    let (_dir, mut p) = with_use_cases();
    let audit_rows = p.audit_history(None, None, 10_000).unwrap().len();
    // Make the last step of the reset (the demo scenario's run parameters) fail.
    p.connection()
        .execute_batch(
            "CREATE TEMP TRIGGER boom BEFORE UPDATE OF envelope_cents ON scenarios
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let err = p.load_demo().unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert!(p.connection().is_autocommit());
    let ids: Vec<String> = p.use_cases().unwrap().into_iter().map(|r| r.use_case.id).collect();
    assert_eq!(
        ids,
        ["ops-copilot", "summarizer"],
        "the clear and the demo data rolled back"
    );
    assert!(p.scenarios().unwrap().is_empty(), "no demo scenario");
    assert_eq!(p.audit_history(None, None, 10_000).unwrap().len(), audit_rows);
    p.connection().execute_batch("DROP TRIGGER boom").unwrap();
    p.load_demo().unwrap();
    assert_eq!(p.scenarios().unwrap().len(), 1);
    assert!(p.audit_verify(None).unwrap().ok);
}

#[test]
fn corrupt_stored_values_are_errors_naming_table_row_and_column() {
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let d = p.decision_add(seed_decision()).unwrap();
    let c = p.connection();
    c.execute(
        "UPDATE decisions SET readout_date = '14/09/2025' WHERE id = ?1",
        [&d.id],
    )
    .unwrap();
    let err = p.decision(&d.id).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "decisions row {}, column readout_date: stored value '14/09/2025'",
            d.id
        )),
        "{err}"
    );
    // CHECK constraints guard the status; someone editing the file can lift them.
    c.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    c.execute(
        "UPDATE decisions SET readout_date = '2025-09-14', status = 'Maybe' WHERE id = ?1",
        [&d.id],
    )
    .unwrap();
    let err = p.decision(&d.id).unwrap_err().to_string();
    assert!(err.contains("column status: stored value 'Maybe'"), "{err}");
    c.execute("UPDATE decisions SET status = 'Draft' WHERE id = ?1", [&d.id])
        .unwrap();
    c.execute(
        "UPDATE scenarios SET policy = 'random' WHERE name = ?1",
        [capcall_core::demo::SCENARIO],
    )
    .unwrap();
    let err = p.scenario(capcall_core::demo::SCENARIO).unwrap_err().to_string();
    assert!(
        err.contains("scenarios row Q4-2025 capital call, column policy: stored value 'random'"),
        "{err}"
    );
    c.execute_batch(
        "UPDATE use_cases SET status = 'zombie' WHERE id = 'kb-search'; PRAGMA ignore_check_constraints = OFF;",
    )
    .unwrap();
    let err = p.use_cases().unwrap_err().to_string();
    assert!(
        err.contains("use_cases row kb-search, column status: stored value 'zombie'"),
        "{err}"
    );
}

#[test]
fn compare_reports_projected_value_ucr_counts_and_what_changed_in_the_inputs() {
    use capcall_core::scenario::Policy;
    use capcall_store::ParamChanges;
    let (_d, db) = fresh();
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write, ctx()).unwrap();
    let base = "Q4-2025 capital call";
    p.scenario_clone(base, "pro rata").unwrap();
    let pr = p
        .scenario_save_params(
            "pro rata",
            &ParamChanges {
                policy: Some(Policy::ProRata),
                ..Default::default()
            },
        )
        .unwrap();
    let mut line = p.scenario("pro rata").unwrap().lines[0].clone();
    line.ask_usd = Some(capcall_core::Planned::from_dollars(12_345));
    let id = line.use_case.clone();
    p.scenario_set_line("pro rata", line).unwrap();
    let a = p.scenario_run(base, &ParamChanges::default()).unwrap();
    let b = p.scenario_run("pro rata", &ParamChanges::default()).unwrap();
    assert_eq!(pr.params.policy, Policy::ProRata);
    let c = p.scenario_compare(base, "pro rata").unwrap();
    let value = c.measures.iter().find(|m| m.name == "projected value").unwrap();
    assert_eq!(value.a, Some(a.totals.projected_value));
    assert_eq!(value.b, Some(b.totals.projected_value));
    assert_eq!(
        value.difference,
        Some(b.totals.projected_value - a.totals.projected_value)
    );
    let ucr = c.measures.iter().find(|m| m.name == "projected UCR").unwrap();
    assert_eq!((ucr.a, ucr.b), (a.totals.projected_ucr, b.totals.projected_ucr));
    assert!(c.totals.iter().any(|t| t.name == "requested"));
    assert_eq!(c.counts.iter().map(|n| n.a).sum::<u32>() as usize, a.lines.len());
    let changes: Vec<(Option<&str>, &str)> = c
        .input_changes
        .iter()
        .map(|x| (x.use_case.as_deref(), x.field.as_str()))
        .collect();
    assert_eq!(changes, vec![(None, "policy"), (Some(id.as_str()), "ask_usd")]);
    assert!(p.scenario_compare(base, base).unwrap().input_changes.is_empty());
    let groups = p.line_groups().unwrap();
    assert_eq!(groups.len(), p.use_cases().unwrap().len());
    assert!(groups.iter().all(|g| !g.wave.is_empty() && !g.region.is_empty()));
}
