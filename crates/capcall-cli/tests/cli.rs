//! The `capcall` command line as a user runs it: exit codes, messages,
//! `--json` documents, the writer lock across processes, and kill -9.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

#[path = "cli/incidents.rs"]
mod incidents;

fn capcall(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capcall"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CAPCALL_DB")
        .output()
        .expect("run capcall")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn demo() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("p.sqlite");
    let o = capcall(&db, &["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    (dir, db)
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("one JSON document on stdout")
}

#[test]
fn exit_codes_follow_the_contract() {
    let (dir, db) = demo();
    assert_eq!(
        capcall(&db, &["init"]).status.code(),
        Some(1),
        "init refuses to overwrite"
    );
    assert_eq!(capcall(&db, &["frobnicate"]).status.code(), Some(2));
    let bad_date = capcall(&db, &["score", "--as-of", "2025-02-30"]);
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(stderr(&bad_date).contains("--as-of"), "{}", stderr(&bad_date));
    let missing = capcall(&dir.path().join("nope.sqlite"), &["usecase", "list"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(!dir.path().join("nope.sqlite").exists(), "nothing created");
    let o = capcall(&db, &["--json", "ucr", "no-such-case"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
}

#[test]
fn import_errors_name_file_line_column_and_write_nothing() {
    let (dir, db) = demo();
    let before = stdout(&capcall(&db, &["--json", "usecase", "list"]));
    let file = dir.path().join("obs.csv");
    std::fs::write(
        &file,
        "use_case,period_start,units\nops-copilot-w1-us,2025-09-15,10\nops-copilot-w1-us,2025-09-22,ten\n",
    )
    .unwrap();
    let o = capcall(&db, &["import", "observations", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("obs.csv:3:3: units: 'ten' is not a whole number"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&capcall(&db, &["--json", "usecase", "list"])), before);
}

#[test]
fn score_json_has_every_dimension_and_the_rubric_version() {
    let (_dir, db) = demo();
    let v = json(&capcall(&db, &["--json", "score", "--use-case", "hr-policy-bot"]));
    assert_eq!(v["as_of"], "2025-09-08");
    assert_eq!(v["rubric_version"], 2);
    let s = &v["scores"][0];
    assert_eq!(s["overall"], "Hold");
    let dims: Vec<&str> = s["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dimension"].as_str().unwrap())
        .collect();
    assert_eq!(dims, ["value", "slos", "safety", "economics", "adoption"]);
    assert_eq!(s["dimensions"][3]["verdict"], "Opaque");
    assert!(s["dimensions"][3]["missing"][0]
        .as_str()
        .unwrap()
        .contains("forecast_usd"));
}

#[test]
fn rubric_set_writes_a_new_version_and_rejects_bad_values() {
    let (_dir, db) = demo();
    let o = capcall(&db, &["rubric", "set", "econ_expand_variance_pct", "20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("must be <= econ_hold_variance_pct"),
        "{}",
        stderr(&o)
    );
    let v = json(&capcall(
        &db,
        &["--json", "rubric", "set", "adoption_expand_task_success_pct", "75"],
    ));
    assert_eq!(v["version"], 3);
    let s = json(&capcall(&db, &["--json", "score", "--rubric-version", "2"]));
    assert_eq!(s["rubric_version"], 2);
}

#[test]
fn scenario_flow_with_money_as_strings() {
    let (dir, db) = demo();
    let inputs = dir.path().join("in.csv");
    std::fs::write(
        &inputs,
        "use_case,path,reason,ask_usd,return_per_usd\nops-copilot-w3-us,expand,,50000,2\n",
    )
    .unwrap();
    assert_eq!(capcall(&db, &["scenario", "new", "s1"]).status.code(), Some(0));
    let o = capcall(&db, &["scenario", "import", "s1", inputs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("in.csv:2:3: reason: a path override needs a reason"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        &inputs,
        "use_case,path,reason,ask_usd,return_per_usd\nops-copilot-w3-us,expand,SLO fix shipped,50000,2\n",
    )
    .unwrap();
    assert!(capcall(&db, &["scenario", "import", "s1", inputs.to_str().unwrap()])
        .status
        .success());
    let v = json(&capcall(
        &db,
        &[
            "--json",
            "scenario",
            "run",
            "s1",
            "--envelope",
            "10,000",
            "--policy",
            "pro-rata",
        ],
    ));
    let t = &v["outcome"]["totals"];
    assert!(t["next_capital_call_usd"].is_string());
    assert_eq!(t["envelope_usd"], "10000.00");
    assert!(capcall(&db, &["scenario", "approve", "s1"]).status.success());
    let o = capcall(&db, &["scenario", "run", "s1", "--envelope", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("frozen"));
    assert!(capcall(&db, &["scenario", "clone", "s1", "s2"]).status.success());
    let c = json(&capcall(
        &db,
        &["--json", "scenario", "compare", "s1", "Q4-2025 capital call"],
    ));
    assert!(c["lines"].as_array().unwrap().iter().any(|l| l["changed"] == true));
    assert_eq!(
        capcall(&db, &["scenario", "run", "s1", "--reserve-pct", "120"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_second_writer_is_refused_naming_the_holder() {
    let (_dir, db) = demo();
    let holder = capcall_store::Portfolio::open(&db, capcall_store::Access::Write).unwrap();
    let o = capcall(&db, &["rubric", "set", "slo_workoff_days", "20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is open for writing by") && stderr(&o).contains(&format!("pid {}", std::process::id())),
        "{}",
        stderr(&o)
    );
    assert!(
        capcall(&db, &["usecase", "list"]).status.success(),
        "readers still work"
    );
    drop(holder);
    assert!(capcall(&db, &["rubric", "set", "slo_workoff_days", "20"])
        .status
        .success());
}

#[test]
fn kill_9_mid_import_leaves_all_or_nothing_and_no_stale_lock() {
    let (dir, db) = demo();
    let file = dir.path().join("big.csv");
    let mut text = String::from("use_case,period_start,spend_usd,units\n");
    let start = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    for i in 0..300_000u64 {
        let d = start + chrono::Days::new(i % 10_000);
        let uc = ["ops-copilot-w1-us", "kb-search", "code-assistant"][(i / 10_000 % 3) as usize];
        text.push_str(&format!(
            "{uc},{},{}.{:02},{}\n",
            d + chrono::Days::new(30_000 * (i / 30_000)),
            i % 997,
            i % 100,
            i
        ));
    }
    std::fs::write(&file, text).unwrap();
    let count = |db: &Path| -> (String, i64) {
        let c = rusqlite::Connection::open(db).unwrap();
        (
            c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap(),
            c.query_row("SELECT count(*) FROM observations", [], |r| r.get(0))
                .unwrap(),
        )
    };
    let (_, before) = count(&db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_capcall"))
        .arg("--db")
        .arg(&db)
        .args(["import", "observations"])
        .arg(&file)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    let (check, after) = count(&db);
    assert_eq!(check, "ok");
    assert!(
        after == before || after == before + 300_000,
        "partial import: {before} -> {after}"
    );
    assert!(
        capcall(&db, &["rubric", "set", "slo_workoff_days", "21"])
            .status
            .success(),
        "the dead writer's lock is gone"
    );
}

/// The seed's example decision, entered through the CLI and shown back.
const SEED_ENTRY: &str = "id: DEC-2025-09-14-01
title: EXPAND — Ops Copilot Wave 3 (EU)
owner: VP Ops
budget_usd: 300000
evidence:
  - wk08/adoption/study_plan.md#results
  - wk08/observability/slo_dashboards.png
  - wk08/finops/savings_scoreboard.csv
guardrails:
  - p95_latency_ms <= 1200
  - grounded_score >= 4.3/5
  - unit_cost_usd <= 0.0095
milestones:
  - wave3_launch: 2025-10-28
  - eu_privacy_update: 2025-10-10
status: Approved
";

#[test]
fn the_seed_decision_round_trips_through_the_cli() {
    let (_dir, db) = demo();
    let add = capcall(
        &db,
        &[
            "decision",
            "add",
            "--path",
            "expand",
            "--use-case",
            "ops-copilot-w3-eu",
            "--owner",
            "VP Ops",
            "--budget",
            "300000",
            "--evidence",
            "wk08/adoption/study_plan.md#results",
            "--evidence",
            "wk08/observability/slo_dashboards.png",
            "--evidence",
            "wk08/finops/savings_scoreboard.csv",
            "--guardrail",
            "p95_latency_ms <= 1200",
            "--guardrail",
            "grounded_score >= 4.3/5",
            "--guardrail",
            "unit_cost_usd <= 0.0095",
            "--milestone",
            "wave3_launch=2025-10-28",
            "--milestone",
            "eu_privacy_update=2025-10-10",
            "--readout",
            "2025-09-14",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    assert!(capcall(&db, &["decision", "propose", "DEC-2025-09-14-01"])
        .status
        .success());
    assert!(capcall(&db, &["decision", "approve", "DEC-2025-09-14-01"])
        .status
        .success());
    assert_eq!(
        stdout(&capcall(&db, &["decision", "show", "DEC-2025-09-14-01"])),
        SEED_ENTRY
    );
    let bad = capcall(
        &db,
        &[
            "decision",
            "add",
            "--path",
            "hold",
            "--use-case",
            "kb-search",
            "--guardrail",
            "dau >= ten",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("guardrail 'dau >= ten': column 8"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn audit_verify_names_an_edited_row() {
    let (_dir, db) = demo();
    assert!(capcall(&db, &["audit", "verify"]).status.success());
    // The append-only triggers stop a careless edit; an attacker drops them.
    let c = rusqlite::Connection::open(&db).unwrap();
    assert!(c
        .execute("UPDATE audit SET action = 'nothing to see' WHERE seq = 2", [])
        .is_err());
    c.execute_batch("DROP TRIGGER audit_append_only_update; UPDATE audit SET action = 'nothing to see' WHERE seq = 2")
        .unwrap();
    let o = capcall(&db, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("audit row 2"), "{}", stderr(&o));
}
