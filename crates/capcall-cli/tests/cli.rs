//! The `capcall` command line as a user runs it: exit codes, messages,
//! `--json` documents, the writer lock across processes, and kill -9.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

#[path = "cli/architecture.rs"]
mod architecture;
#[path = "cli/focus.rs"]
mod focus;
#[path = "cli/governance.rs"]
mod governance;
#[path = "cli/incidents.rs"]
mod incidents;
#[path = "cli/pack.rs"]
mod pack;

#[path = "cli/editing.rs"]
mod editing;

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
    let holder = capcall_store::Portfolio::open(
        &db,
        capcall_store::Access::Write,
        capcall_store::Context::system_clock("test"),
    )
    .unwrap();
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
const SEED_ENTRY: &str = r#"id: "DEC-2025-09-14-01"
title: "EXPAND — Ops Copilot Wave 3 (EU)"
owner: "VP Ops"
budget_usd: 300000
evidence:
  - "wk08/adoption/study_plan.md#results"
  - "wk08/observability/slo_dashboards.png"
  - "wk08/finops/savings_scoreboard.csv"
guardrails:
  - "p95_latency_ms <= 1200"
  - "grounded_score >= 4.3/5"
  - "unit_cost_usd <= 0.0095"
milestones:
  - "wave3_launch": 2025-10-28
  - "eu_privacy_update": 2025-10-10
status: Approved
"#;

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

#[test]
fn every_date_argument_is_strict_iso_and_named_in_the_error() {
    let (_dir, db) = demo();
    for (args, name) in [
        (vec!["score", "--as-of", "25-10-28"], "--as-of"),
        (vec!["score", "--as-of", "+10000-01-01"], "--as-of"),
        (vec!["score", "--as-of", "2025-1-5"], "--as-of"),
        (vec!["scenario", "new", "x", "--as-of", "2025-09-8"], "--as-of"),
        (vec!["incidents", "--from", "2025-7-01"], "--from"),
        (vec!["incidents", "--to", "20250701"], "--to"),
        (
            vec![
                "decision",
                "add",
                "--path",
                "expand",
                "--title",
                "t",
                "--readout",
                "25-10-28",
            ],
            "--readout",
        ),
        (
            vec![
                "decision",
                "add",
                "--path",
                "hold",
                "--title",
                "t",
                "--workoff-due",
                "2025-10-1",
            ],
            "--workoff-due",
        ),
    ] {
        let o = capcall(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(name) && stderr(&o).contains("is not a date (expected YYYY-MM-DD)"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let o = capcall(
        &db,
        &[
            "decision",
            "add",
            "--path",
            "expand",
            "--title",
            "t",
            "--milestone",
            "launch=25-10-28",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("milestone launch: '25-10-28' is not a date"),
        "{}",
        stderr(&o)
    );
    assert!(capcall(&db, &["score", "--as-of", "2025-09-08"]).status.success());
}

#[test]
fn hostile_text_reaches_neither_yaml_keys_nor_the_terminal_raw() {
    let (dir, db) = demo();
    let add = capcall(
        &db,
        &[
            "decision",
            "add",
            "--path",
            "expand",
            "--title",
            "Title\u{1b}[2J\nstatus: Approved",
            "--owner",
            "VP\nsuperseded_by: DEC-X",
            "--readout",
            "2025-09-14",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    assert!(!stdout(&add).contains('\u{1b}'), "{}", stdout(&add));
    let show = stdout(&capcall(&db, &["decision", "show", "DEC-2025-09-14-01"]));
    assert!(show.lines().all(|l| !l.starts_with("superseded_by")), "{show}");
    assert!(show.contains("owner: \"VP\\nsuperseded_by: DEC-X\"\n"), "{show}");
    assert_eq!(show.lines().filter(|l| l.starts_with("status:")).count(), 1, "{show}");
    assert!(!show.contains('\u{1b}'), "{show}");
    let list = stdout(&capcall(&db, &["decision", "list"]));
    assert!(
        !list.contains('\u{1b}') && list.contains("Title\\x1b[2J\\nstatus: Approved"),
        "{list}"
    );
    assert_eq!(list.lines().count(), 2, "one header and one row: {list}");
    // A use case named with escape sequences, imported from CSV.
    let file = dir.path().join("uc.csv");
    std::fs::write(
        &file,
        "id,name,owner,wave,region,status,flag,budget_usd,levers\n\
         kb-search,\"KB\u{1b}]0;pwned\u{7} \u{202e}search\",Ops,Wave 1,US,live,,1000,\n",
    )
    .unwrap();
    assert!(capcall(&db, &["import", "use-cases", file.to_str().unwrap()])
        .status
        .success());
    let out = stdout(&capcall(&db, &["usecase", "list"]));
    assert!(out.contains("KB\\x1b]0;pwned\\x07 \\u{202e}search"), "{out}");
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    let err = capcall(&db, &["ucr", "no\u{1b}[31mcase"]);
    assert!(
        !stderr(&err).contains('\u{1b}') && stderr(&err).contains("no\\x1b[31mcase"),
        "{}",
        stderr(&err)
    );
}

fn add_decision(db: &Path, readout: &str) {
    let o = capcall(
        db,
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
            "1000",
            "--evidence",
            "e.md",
            "--readout",
            readout,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn supersede_needs_an_approved_decision_or_approve() {
    let (_dir, db) = demo();
    add_decision(&db, "2025-09-14");
    add_decision(&db, "2025-12-15");
    for step in ["propose", "approve"] {
        assert!(capcall(&db, &["decision", step, "DEC-2025-09-14-01"]).status.success());
    }
    let o = capcall(
        &db,
        &[
            "decision",
            "supersede",
            "DEC-2025-09-14-01",
            "--by",
            "DEC-2025-12-15-01",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("DEC-2025-12-15-01 is Draft; only an approved decision can supersede"),
        "{}",
        stderr(&o)
    );
    let o = capcall(
        &db,
        &[
            "decision",
            "supersede",
            "DEC-2025-09-14-01",
            "--by",
            "DEC-2025-12-15-01",
            "--approve",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "a Draft cannot be approved in one step");
    assert!(capcall(&db, &["decision", "propose", "DEC-2025-12-15-01"])
        .status
        .success());
    let v = json(&capcall(
        &db,
        &[
            "--json",
            "decision",
            "supersede",
            "DEC-2025-09-14-01",
            "--by",
            "DEC-2025-12-15-01",
            "--approve",
        ],
    ));
    assert_eq!(v["status"], "Superseded");
    let newer = json(&capcall(&db, &["--json", "decision", "show", "DEC-2025-12-15-01"]));
    assert_eq!(newer["status"], "Approved");
    assert!(capcall(&db, &["audit", "verify"]).status.success());
}

#[test]
fn demo_refuses_to_wipe_approved_work_without_force() {
    let (_dir, db) = demo();
    assert!(capcall(&db, &["scenario", "approve", "Q4-2025 capital call"])
        .status
        .success());
    let o = capcall(&db, &["demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("approved scenario 'Q4-2025 capital call'") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    let list = json(&capcall(&db, &["--json", "scenario", "list"]));
    assert_eq!(list["scenarios"][0]["status"], "approved", "nothing was changed");
    assert!(capcall(&db, &["demo", "--force"]).status.success());
    let list = json(&capcall(&db, &["--json", "scenario", "list"]));
    assert_eq!(list["scenarios"][0]["status"], "draft");
}

/// Every file of a complete pack, by name.
fn pack_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for sub in ["", "comms/"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_type().unwrap().is_file() {
                let name = format!("{sub}{}", e.file_name().to_string_lossy());
                out.insert(name, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn kill_9_during_export_never_leaves_a_partial_or_mixed_pack() {
    let (dir, db) = demo();
    assert!(capcall(&db, &["scenario", "approve", "Q4-2025 capital call"])
        .status
        .success());
    assert!(capcall(&db, &["plan", "build"]).status.success());
    let reference = dir.path().join("reference");
    let o = capcall(&db, &["export", "--draft", "--out", reference.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = pack_files(&reference);
    assert_eq!(want.len(), 10);
    let out = dir.path().join("out");
    // A few trials by default; CAPCALL_CRASH_TRIALS=200 for many.
    let trials: u64 = std::env::var("CAPCALL_CRASH_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(8);
    for i in 0..trials {
        let mut child = Command::new(env!("CARGO_BIN_EXE_capcall"))
            .arg("--db")
            .arg(&db)
            .args(["export", "--draft", "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5 + (i * 37) % 60));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let got = pack_files(&out);
        assert!(
            got.is_empty() || got == want,
            "trial {i}: a partial or mixed pack: {:?}",
            got.keys()
        );
    }
    let o = capcall(&db, &["export", "--draft", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(pack_files(&out), want);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".capcall-export-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
