//! `capcall export --draft --scenario NAME`: the board's pre-read from a
//! draft scenario, with no approval and no plan stored.

use super::{capcall, demo, json, stderr};

#[test]
fn a_draft_pack_exports_from_a_draft_scenario_without_storing_a_plan() {
    let (dir, db) = demo();
    let out = dir.path().join("pre-read");
    let out_s = out.to_str().unwrap();
    // --scenario needs --draft (exit 2, usage), and a scenario that exists.
    let o = capcall(&db, &["export", "--scenario", "Q4-2025 capital call", "--out", out_s]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--draft"), "{}", stderr(&o));
    let o = capcall(&db, &["export", "--draft", "--scenario", "No such", "--out", out_s]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("No such"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written on error");
    // The demo's scenario is a draft and no plan is built: the pre-read exports.
    let report = json(&capcall(
        &db,
        &[
            "--json",
            "export",
            "--draft",
            "--scenario",
            "Q4-2025 capital call",
            "--out",
            out_s,
        ],
    ));
    assert_eq!(report["draft"], serde_json::Value::Bool(true));
    assert_eq!(report["files"].as_array().unwrap().len(), 10);
    for f in [
        "exec_scale_readout.md",
        "next_90_plan.md",
        "budgets.csv",
        "plan.json",
        "comms/ceo_note.md",
    ] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(text.contains("DRAFT"), "{f} does not say DRAFT");
    }
    let pdf = std::fs::read(out.join("exec_scale_readout.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["plan"]["scenario"], "Q4-2025 capital call");
    // Nothing stored: there is still no plan to show.
    let o = capcall(&db, &["plan", "show"]);
    assert!(!o.status.success(), "a plan was stored by the pre-read");
}
