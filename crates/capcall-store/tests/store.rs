//! capcall-store's integration tests: schema and migrations, the writer
//! lock, imports (errors with file:line:column, all-or-nothing, idempotent),
//! backup and restore, and scoring from the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use capcall_core::rubric::Path as Verdict;
use capcall_store::{Access, ImportKind, Portfolio, StoreError};
use tempfile::TempDir;

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

fn fresh() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("p.sqlite");
    (dir, db)
}

fn no_progress() -> impl FnMut(capcall_store::ImportProgress) {
    |_| {}
}

#[test]
fn create_sets_pragmas_and_schema() {
    let (_d, db) = fresh();
    let p = Portfolio::create(&db).unwrap();
    let c = p.connection();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(
        (mode.as_str(), sync, fk, version),
        ("wal", 2, 1, capcall_store::db::SCHEMA_VERSION)
    );
    assert_eq!(p.rubric().unwrap().version, 2);
    drop(p);
    assert!(matches!(Portfolio::create(&db), Err(StoreError::Exists(_))));
}

#[test]
fn newer_database_is_refused_without_writing() {
    let (_d, db) = fresh();
    drop(Portfolio::create(&db).unwrap());
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let err = Portfolio::open(&db, Access::Write).err().unwrap();
    assert_eq!(err.code(), "db_too_new");
    assert!(err.to_string().contains("version 99"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!capcall_store::db::sibling(&db, "-wal").exists());
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
    assert!(Portfolio::open(&db, Access::Write).is_err());
    assert_eq!(std::fs::read(&db).unwrap().len(), before.len());
    let c = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 0, "a failed migration rolls back entirely");
}

#[test]
fn second_writer_gets_a_clear_error_naming_the_holder() {
    let (_d, db) = fresh();
    let first = Portfolio::create(&db).unwrap();
    let err = Portfolio::open(&db, Access::Write).err().unwrap();
    assert_eq!(err.code(), "locked");
    assert!(
        err.to_string().contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    // Readers are fine while a writer holds the lock.
    assert!(Portfolio::open(&db, Access::Read).is_ok());
    drop(first);
    assert!(Portfolio::open(&db, Access::Write).is_ok());
}

#[test]
fn imports_use_cases_and_observations_idempotently() {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db).unwrap();
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
    let mut p = Portfolio::create(&db).unwrap();
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
         ops-copilot,2025-07-14,12.345,10,green\n\
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
        shown[0].starts_with(&format!("{f}:3:3: spend_usd: '12.345' has more than 2 decimal places")),
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
    let mut p = Portfolio::create(&db).unwrap();
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
    let mut p = Portfolio::create(&db).unwrap();
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
    let mut p = Portfolio::create(&db).unwrap();
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
    let p = Portfolio::open_or_create_demo(&db, Access::Write).unwrap();
    let run = p.score(None, None, None).unwrap();
    assert_eq!(run.scores.len(), 12);
    let overall: std::collections::BTreeSet<Verdict> = run.scores.iter().map(|s| s.overall).collect();
    assert_eq!(overall.len(), 3);
    // Scoring from the file equals scoring the in-memory demo.
    for (uc, rows) in capcall_core::demo::portfolio() {
        let mem = capcall_core::rubric::evaluate(&uc, &rows, run.as_of, &Default::default(), 2);
        let stored = run.scores.iter().find(|s| s.use_case == uc.id).unwrap();
        assert_eq!(&mem, stored, "{}", uc.id);
    }
}

#[test]
fn rubric_edits_make_new_versions() {
    let (_d, db) = fresh();
    let mut p = Portfolio::create(&db).unwrap();
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
    let mut p = Portfolio::open_or_create_demo(&db, Access::Write).unwrap();
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
