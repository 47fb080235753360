//! `capcall import incidents` and `capcall incidents` as a user runs them:
//! located errors in LF and CRLF files, idempotent re-import, the JSON
//! figures against a hand computation, and a privacy incident in `score`.

use super::{capcall, demo, json, stderr, stdout};

const HEADER: &str = "id,use_case,severity,opened,closed,title,privacy,rca";

/// Eight good rows (lines 2-9) and a bad severity on line 10.
fn bad_line_10(eol: &str) -> String {
    let mut lines = vec![HEADER.to_string()];
    for n in 1..=8 {
        lines.push(format!(
            "T-{n},ops-copilot-w1-us,sev4,2025-10-0{n}T09:00Z,2025-10-0{n}T10:00Z,Row {n},no,"
        ));
    }
    lines.push("T-9,ops-copilot-w1-us,sev9,2025-10-09,,Bad severity,no,".into());
    (lines.join("\n") + "\n").replace('\n', eol)
}

#[test]
fn import_errors_name_the_physical_line_in_lf_and_crlf_files() {
    let (dir, db) = demo();
    let before = stdout(&capcall(&db, &["--json", "incidents", "--to", "2025-12-31"]));
    for (name, eol) in [("lf.csv", "\n"), ("crlf.csv", "\r\n")] {
        let file = dir.path().join(name);
        std::fs::write(&file, bad_line_10(eol)).unwrap();
        let o = capcall(&db, &["import", "incidents", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(
            stderr(&o).contains(&format!(
                "{name}:10:3: severity: 'sev9' is not a severity (sev1, sev2, sev3, sev4)"
            )),
            "{name}: {}",
            stderr(&o)
        );
        let after = stdout(&capcall(&db, &["--json", "incidents", "--to", "2025-12-31"]));
        assert_eq!(after, before, "{name}: nothing written");
    }
}

const Q4: &str = "id,use_case,severity,opened,closed,title,privacy,rca\r\n\
    Q-1,ops-copilot-w1-us,sev1,2025-10-02T08:00Z,2025-10-02T11:00Z,Provider outage,no,https://wiki/rca/Q-1\r\n\
    Q-2,ops-copilot-w1-us,sev3,2025-10-20,2025-10-21T06:00+01:00,Slow answers,no,\r\n\
    Q-3,ops-copilot-w1-us,sev3,2025-11-05T12:00Z,,Stale citations,no,\r\n";

#[test]
fn reimport_is_idempotent() {
    let (dir, db) = demo();
    let file = dir.path().join("q4.csv");
    std::fs::write(&file, Q4).unwrap();
    let r = json(&capcall(
        &db,
        &["--json", "import", "incidents", file.to_str().unwrap()],
    ));
    assert_eq!(
        (r["rows"].as_u64(), r["added"].as_u64(), r["replaced"].as_u64()),
        (Some(3), Some(3), Some(0))
    );
    let args = ["--json", "incidents", "--from", "2025-10-01", "--to", "2025-12-31"];
    let first = stdout(&capcall(&db, &args));
    let r = json(&capcall(
        &db,
        &["--json", "import", "incidents", file.to_str().unwrap()],
    ));
    assert_eq!((r["added"].as_u64(), r["replaced"].as_u64()), (Some(0), Some(3)));
    assert_eq!(stdout(&capcall(&db, &args)), first);
    let o = capcall(&db, &["import", "incidents", file.to_str().unwrap()]);
    assert!(
        stdout(&o).contains(": 3 incidents (0 added, 3 replaced)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn incidents_json_matches_a_hand_computation() {
    let (dir, db) = demo();
    let file = dir.path().join("q4.csv");
    std::fs::write(&file, Q4).unwrap();
    json(&capcall(
        &db,
        &["--json", "import", "incidents", file.to_str().unwrap()],
    ));
    let v = json(&capcall(
        &db,
        &["--json", "incidents", "--from", "2025-10-01", "--to", "2025-12-31"],
    ));
    let p = &v["portfolio"];
    // 3 h = 10 800 s; Q-2: 2025-10-20T00:00Z to 2025-10-21T05:00Z = 29 h =
    // 104 400 s; Q-3 open. Mean 115 200 / 2 = 57 600 s; p90 rank ceil(1.8) = 2nd.
    assert_eq!(p["opened"], 3);
    assert_eq!(
        p["by_severity"],
        serde_json::json!({"sev1": 1, "sev2": 0, "sev3": 2, "sev4": 0})
    );
    assert_eq!((p["resolved"].as_u64(), p["unresolved"].as_u64()), (Some(2), Some(1)));
    assert_eq!(p["mean_time_to_resolve_seconds"], 57_600);
    assert_eq!(p["mean_time_to_resolve"], "16h");
    assert_eq!(p["p90_time_to_resolve_seconds"], 104_400);
    // Open at the end of 2025-12-31: the demo's KB-2025-084 (opened in
    // September, never closed) and Q-3; worst severity first.
    let open: Vec<&str> = v["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(open, ["KB-2025-084", "Q-3"]);
    assert_eq!(v["open"][1]["opened"], "2025-11-05T12:00:00Z");
    assert_eq!(v["use_cases"].as_array().unwrap().len(), 1);
    assert_eq!(v["use_cases"][0]["use_case"], "ops-copilot-w1-us");
    let q = &v["quarters"][0];
    assert_eq!(
        (q["quarter"].as_str(), q["partial"].as_bool()),
        (Some("2025-Q4"), Some(false))
    );
    assert_eq!(
        q["sentences"],
        serde_json::json!([
            "1 sev1 incident in 2025-Q4, closed within 3 hours",
            "2 sev3 incidents in 2025-Q4: 1 closed within 29 hours, 1 still open"
        ])
    );
    // One use case only: KB-2025-084 is another use case's.
    let v = json(&capcall(
        &db,
        &["--json", "incidents", "--to", "2025-12-31", "--use-case", "kb-search"],
    ));
    assert_eq!(v["portfolio"]["opened"], 4);
    assert_eq!(v["open"].as_array().unwrap().len(), 1);
    let o = capcall(&db, &["incidents", "--use-case", "no-such-case"]);
    assert_eq!(o.status.code(), Some(1));
    let o = capcall(&db, &["incidents", "--from", "2025-13-01"]);
    assert_eq!(o.status.code(), Some(2), "a bad date is bad usage");
}

#[test]
fn a_privacy_incident_turns_safety_to_retire() {
    let (dir, db) = demo();
    let score = |db: &std::path::Path| json(&capcall(db, &["--json", "score", "--use-case", "ops-copilot-w1-us"]));
    let s = score(&db);
    assert_eq!(s["scores"][0]["dimensions"][2]["verdict"], "Expand");
    assert_eq!(s["scores"][0]["overall"], "Expand");
    let file = dir.path().join("p.csv");
    std::fs::write(
        &file,
        "id,use_case,severity,opened,closed,title,privacy\nPRIV-77,ops-copilot-w1-us,sev2,2025-09-01T10:00Z,2025-09-01T18:00Z,Customer emails in an answer,yes\n",
    )
    .unwrap();
    json(&capcall(
        &db,
        &["--json", "import", "incidents", file.to_str().unwrap()],
    ));
    let s = score(&db);
    let safety = &s["scores"][0]["dimensions"][2];
    assert_eq!(safety["dimension"], "safety");
    assert_eq!(safety["verdict"], "Retire");
    assert!(
        safety["explanation"]
            .as_str()
            .unwrap()
            .contains("1 privacy incident in trailing 90 days (incident PRIV-77 opened 2025-09-01)"),
        "{safety}"
    );
    assert_eq!(s["scores"][0]["overall"], "Retire");
}
