//! `capcall usecase add|set|retire|remove` and `capcall observation correct`
//! as a user runs them: exact cents, `--json` edits, reasons in the audit
//! log, the importer's messages on refusal (exit 1, nothing written),
//! removal refused naming what refers, `audit verify` ok after edits.

use super::{capcall, demo, json, stderr, stdout};

fn audit_length(db: &std::path::Path) -> u64 {
    let v = json(&capcall(db, &["--json", "audit", "verify"]));
    assert_eq!(v["ok"], true, "{v}");
    v["rows"].as_u64().unwrap()
}

fn budget_of(db: &std::path::Path, id: &str) -> String {
    let list = json(&capcall(db, &["--json", "usecase", "list"]));
    list["use_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .map(|u| u["budget_usd"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn edits_are_exact_audited_with_reasons_and_verify() {
    let (_dir, db) = demo();
    let add = json(&capcall(
        &db,
        &[
            "--json",
            "usecase",
            "add",
            "field-notes",
            "--name",
            "Field Notes",
            "--owner",
            "VP Ops",
            "--wave",
            "Wave 4",
            "--region",
            "EU",
            "--budget",
            "$1,234.56",
            "--lever",
            "prompt caching",
            "--flag",
            "field_notes",
        ],
    ));
    assert_eq!(add["action"], "add");
    assert_eq!(add["change"]["before"], serde_json::Value::Null);
    assert_eq!(add["change"]["after"]["budget_usd"], "1234.56");
    assert_eq!(add["change"]["after"]["status"], "pilot");
    assert_eq!(budget_of(&db, "field-notes"), "1234.56");

    let set = json(&capcall(
        &db,
        &[
            "--json",
            "usecase",
            "set",
            "field-notes",
            "budget_usd",
            "98765.40",
            "--reason",
            "Q4 reforecast",
        ],
    ));
    assert_eq!(set["change"]["before"]["budget_usd"], "1234.56");
    assert_eq!(set["change"]["after"]["budget_usd"], "98765.40");
    assert_eq!(set["reason"], "Q4 reforecast");
    assert!(set["seq"].as_i64().unwrap() > add["seq"].as_i64().unwrap());
    assert_eq!(budget_of(&db, "field-notes"), "98765.40");

    let o = capcall(&db, &["usecase", "set", "field-notes", "owner", "Head of Field"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Set field-notes owner: VP Ops -> Head of Field"),
        "{}",
        stdout(&o)
    );
    let retire = json(&capcall(
        &db,
        &[
            "--json",
            "usecase",
            "retire",
            "field-notes",
            "--sunset",
            "2025-12-31",
            "--reason",
            "merged into ops copilot",
        ],
    ));
    assert_eq!(retire["change"]["after"]["status"], "retired");
    assert_eq!(retire["change"]["after"]["sunset_date"], "2025-12-31");
    let list = json(&capcall(&db, &["--json", "usecase", "list"]));
    let row = list["use_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "field-notes")
        .unwrap()
        .clone();
    assert_eq!(row["sunset_date"], "2025-12-31");

    let correct = json(&capcall(
        &db,
        &[
            "--json",
            "observation",
            "correct",
            "support-summarizer",
            "2025-09-01",
            "spend_usd",
            "-12.000000015",
            "--reason",
            "credit note",
        ],
    ));
    assert_eq!(correct["action"], "correct spend_usd");
    assert_eq!(correct["change"]["entity"], "observation");
    assert_eq!(correct["change"]["after"], "-12.000000015");
    assert!(correct["change"]["before"].is_string());
    let corrections = json(&capcall(&db, &["--json", "observation", "corrections"]));
    assert_eq!(corrections["corrections"][0]["reason"], "credit note");
    assert_eq!(corrections["corrections"][0]["before"], correct["change"]["before"]);

    // Who, what and why in the trail; the replay still vouches for every record.
    let log = json(&capcall(&db, &["--json", "audit", "log", "--limit", "10"]));
    let rows = log["audit"].as_array().unwrap();
    let reasons: Vec<&str> = rows.iter().filter_map(|r| r["reason"].as_str()).collect();
    for want in ["Q4 reforecast", "merged into ops copilot", "credit note"] {
        assert!(reasons.contains(&want), "{reasons:?}");
    }
    assert!(rows.iter().all(|r| !r["who"].as_str().unwrap().is_empty()));
    audit_length(&db);

    let remove = json(&capcall(&db, &["--json", "usecase", "remove", "field-notes"]));
    assert_eq!(remove["action"], "remove");
    assert_eq!(remove["change"]["after"], serde_json::Value::Null);
    assert_eq!(budget_of(&db, "field-notes"), "");
    audit_length(&db);
}

#[test]
fn invalid_edits_exit_1_with_the_importers_messages_and_write_nothing() {
    let (dir, db) = demo();
    let file = dir.path().join("u.csv");
    std::fs::write(
        &file,
        "id,name,owner,wave,region,status,budget_usd\nkb-search,KB,CIO,Wave 1,Global,paused,12.345\n",
    )
    .unwrap();
    let import = stderr(&capcall(&db, &["import", "use-cases", file.to_str().unwrap()]));
    let before = stdout(&capcall(&db, &["--json", "usecase", "list"]));
    let length = audit_length(&db);
    for (args, want) in [
        (
            vec!["usecase", "set", "kb-search", "budget_usd", "12.345"],
            import
                .lines()
                .find(|l| l.contains("budget_usd: "))
                .unwrap()
                .split(": budget_usd: ")
                .nth(1)
                .unwrap()
                .to_string(),
        ),
        (
            vec!["usecase", "set", "kb-search", "status", "paused", "--reason", "x"],
            "status: 'paused' is not a status (pilot, live, sunsetting, retired)".into(),
        ),
        (
            vec!["usecase", "set", "kb-search", "budget_usd", "-1"],
            "budget_usd: '-1' is negative; amounts here must be >= 0".into(),
        ),
        (
            vec![
                "usecase", "add", "New Case", "--name", "n", "--owner", "o", "--wave", "w", "--region", "r",
                "--budget", "1",
            ],
            "id: 'New Case' is not a slug (lowercase letters, digits and '-')".into(),
        ),
        (
            vec![
                "observation",
                "correct",
                "kb-search",
                "2025-09-01",
                "units",
                "ten",
                "--reason",
                "x",
            ],
            "units: 'ten' is not a whole number >= 0".into(),
        ),
        (
            vec![
                "usecase",
                "retire",
                "kb-search",
                "--sunset",
                "2025-11-01",
                "--reason",
                "",
            ],
            "reason".into(),
        ),
        (
            vec!["usecase", "set", "no-such-case", "owner", "x"],
            "no use case 'no-such-case'".into(),
        ),
    ] {
        let o = capcall(&db, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{args:?}: want {want}\n{}", stderr(&o));
        let j = capcall(&db, &[&["--json"][..], &args].concat());
        let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    // A date that is not strict ISO is bad usage, named.
    let o = capcall(
        &db,
        &[
            "usecase",
            "retire",
            "kb-search",
            "--sunset",
            "2025-02-30",
            "--reason",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--sunset"), "{}", stderr(&o));
    assert_eq!(stdout(&capcall(&db, &["--json", "usecase", "list"])), before);
    assert_eq!(audit_length(&db), length, "nothing was written");
}

#[test]
fn remove_is_refused_naming_what_refers_and_suggesting_retire() {
    let (_dir, db) = demo();
    let add = capcall(
        &db,
        &[
            "decision",
            "add",
            "--path",
            "retire",
            "--use-case",
            "marketing-copy",
            "--owner",
            "CMO",
            "--readout",
            "2025-09-14",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let o = capcall(&db, &["--json", "usecase", "remove", "marketing-copy"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["code"], "conflict");
    let m = v["error"]["message"].as_str().unwrap();
    assert!(m.contains("decision DEC-2025-09-14-01 (Draft)"), "{m}");
    assert!(m.contains("usecase retire marketing-copy"), "{m}");
    assert!(!budget_of(&db, "marketing-copy").is_empty(), "nothing was removed");
}

#[test]
fn drafts_and_the_board_see_what_changed() {
    let (_dir, db) = demo();
    assert!(capcall(&db, &["usecase", "set", "code-assistant", "budget_usd", "1"])
        .status
        .success());
    let drift = json(&capcall(&db, &["--json", "scenario", "drift", "Q4-2025 capital call"]));
    assert_eq!(drift["lines"][0]["use_case"], "code-assistant");
    assert_eq!(drift["lines"][0]["drift"][0], "budget-changed");
    assert_eq!(drift["lines"][0]["current_budget_usd"], "1.00");
    let none = json(&capcall(&db, &["--json", "usecase", "vs-approved"]));
    assert_eq!(none["approved"], serde_json::Value::Null);
}
