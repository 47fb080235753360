//! The governance loop through the command line (issue 15): drafting from a
//! scenario, editing and rejecting drafts, `plan check`, `plan approve
//! --accept-gaps` into the pack, and scenario files between two portfolios.

use super::{capcall, demo, json, stderr, stdout};

const SCENARIO: &str = "Q4-2025 capital call";

#[test]
fn drafts_cover_every_expand_and_retire_path_and_gaps_gate_the_plan() {
    let (dir, db) = demo();
    let run = json(&capcall(&db, &["--json", "scenario", "run", SCENARIO]));
    let paths: Vec<(String, String)> = run["outcome"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["path"] != "Hold")
        .map(|l| {
            (
                l["use_case"].as_str().unwrap().to_string(),
                l["new_budget_usd"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let r = json(&capcall(
        &db,
        &["--json", "decision", "draft", "--from-scenario", SCENARIO],
    ));
    let created = r["created"].as_array().unwrap();
    assert_eq!(created.len(), paths.len());
    for (uc, budget) in &paths {
        let d = created.iter().find(|d| d["use_case"] == uc.as_str()).unwrap();
        assert_eq!(d["budget_usd"], budget.as_str(), "{uc}");
        assert_eq!(d["status"], "Draft");
    }
    let again = json(&capcall(
        &db,
        &["--json", "decision", "draft", "--from-scenario", SCENARIO],
    ));
    assert_eq!(again["created"].as_array().unwrap().len(), 0, "idempotent");
    let human = capcall(&db, &["decision", "draft", "--from-scenario", SCENARIO]);
    assert!(stdout(&human).contains("Drafted 0 decisions"), "{}", stdout(&human));

    // Edit a draft; reject another with its reason.
    let first = created[0]["id"].as_str().unwrap();
    let edited = json(&capcall(
        &db,
        &[
            "--json",
            "decision",
            "edit",
            first,
            "--evidence",
            "https://dash.example/slo",
            "--milestone",
            "kickoff=2025-10-06",
        ],
    ));
    assert_eq!(edited["evidence"][0], "https://dash.example/slo");
    let second = created[1]["id"].as_str().unwrap();
    assert_eq!(
        capcall(&db, &["decision", "reject", second]).status.code(),
        Some(2),
        "--reason is required"
    );
    let o = capcall(&db, &["decision", "reject", second, "--reason", "wrong owner"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let show = stdout(&capcall(&db, &["decision", "show", second]));
    assert!(
        show.contains("status: Rejected\nrejection_reason: \"wrong owner\""),
        "{show}"
    );
    let list = stdout(&capcall(&db, &["decision", "list"]));
    assert!(list.contains("Rejected: wrong owner"), "{list}");
    assert!(capcall(&db, &["decision", "propose", first]).status.success());
    let o = capcall(&db, &["decision", "edit", first, "--owner", "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("only a Draft can be edited"), "{}", stderr(&o));

    // plan check reports (exit 0); plan approve refuses, then records the reason.
    let check = capcall(&db, &["--json", "plan", "check", "--scenario", SCENARIO]);
    let c = json(&check);
    assert_eq!(c["clean"], false);
    assert!(c["gaps"].as_array().unwrap().iter().any(|g| g["kind"] == "no_decision"));
    let human = capcall(&db, &["plan", "check", "--scenario", SCENARIO]);
    assert_eq!(human.status.code(), Some(0));
    assert!(stdout(&human).contains("no decision"), "{}", stdout(&human));
    assert!(capcall(&db, &["scenario", "approve", SCENARIO]).status.success());
    assert!(capcall(&db, &["plan", "build"]).status.success());
    let refused = capcall(&db, &["plan", "approve"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--accept-gaps"), "{}", stderr(&refused));
    let refused_json = capcall(&db, &["--json", "plan", "approve"]);
    let doc: serde_json::Value = serde_json::from_slice(&refused_json.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "conflict");
    let ok = json(&capcall(
        &db,
        &["--json", "plan", "approve", "--accept-gaps", "board meets today"],
    ));
    assert_eq!(ok["status"], "approved");
    assert_eq!(ok["accepted_gaps"]["reason"], "board meets today");
    let out = dir.path().join("pack");
    let o = capcall(&db, &["export", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["accepted_gaps"]["reason"], "board meets today");
    let readout = std::fs::read_to_string(out.join("exec_scale_readout.md")).unwrap();
    assert!(readout.contains("open governance gaps** accepted by"), "{readout}");
    // Workflow words, never verdict words.
    let list = json(&capcall(&db, &["--json", "scenario", "list"]));
    assert_eq!(list["scenarios"][0]["status"], "approved");
}

#[test]
fn a_scenario_file_travels_between_two_portfolios_with_money_exact() {
    let (dir_a, a) = demo();
    let (_dir_b, b) = demo();
    assert!(capcall(&a, &["scenario", "run", SCENARIO, "--envelope", "98765.43"])
        .status
        .success());
    let file = dir_a.path().join("q4.json");
    let o = capcall(&a, &["scenario", "export", SCENARIO, file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&file).unwrap();
    let f: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(f["format"], "capcall-scenario");
    assert_eq!(f["schema_version"], 1);
    assert_eq!(f["params"]["envelope_usd"], "98765.43");
    assert!(f["author"].as_str().is_some_and(|a| !a.is_empty() && a != "unknown"));
    let opened = json(&capcall(
        &b,
        &["--json", "scenario", "open", file.to_str().unwrap(), "--as", "from A"],
    ));
    assert_eq!(opened["scenario"]["meta"]["status"], "draft");
    assert_eq!(
        opened["changes"].as_array().unwrap().len(),
        0,
        "the same demo: nothing changed"
    );
    let run_a = json(&capcall(&a, &["--json", "scenario", "run", SCENARIO]));
    let run_b = json(&capcall(&b, &["--json", "scenario", "run", "from A"]));
    assert_eq!(run_a["outcome"], run_b["outcome"], "the same figures, to the cent");
    let human = capcall(&b, &["scenario", "open", file.to_str().unwrap(), "--as", "again"]);
    assert!(stdout(&human).contains("Nothing changed"), "{}", stdout(&human));
    let newer = dir_a.path().join("newer.json");
    std::fs::write(&newer, text.replace("\"schema_version\": 1", "\"schema_version\": 9")).unwrap();
    let o = capcall(&b, &["scenario", "open", newer.to_str().unwrap(), "--as", "newer"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("upgrade Capcall"), "{}", stderr(&o));
}
