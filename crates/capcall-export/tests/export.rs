//! Board-pack tests: golden files for every export of the demo plan, the
//! decision log's YAML round trip, budgets equal to the scenario totals,
//! the PDF's text, determinism, DRAFT marking and safe writes.

use std::path::{Path, PathBuf};

use capcall_core::decision::Status;
use capcall_export::{export, Formats};
use capcall_store::{Access, Portfolio};

/// The board's clock and user, pinned so files are reproducible.
fn ctx() -> capcall_store::Context {
    let at = chrono::NaiveDate::from_ymd_opt(2025, 9, 14)
        .unwrap()
        .and_hms_opt(16, 30, 0)
        .unwrap();
    capcall_store::Context::fixed(at, "vp-ops")
}

/// The demo portfolio with an approved scenario, the seed's decision and an
/// approved plan; the clock and user are pinned so files are reproducible.
fn demo_plan(dir: &Path, approve_plan: bool) -> Portfolio {
    let mut p = Portfolio::open_or_create_demo(&dir.join("p.sqlite"), Access::Write, ctx()).unwrap();
    let d = p
        .decision_add(capcall_store::NewDecision {
            path: Some(capcall_core::rubric::Path::Expand),
            use_case: Some("ops-copilot-w3-eu".into()),
            owner: "VP Ops".into(),
            budget_usd: Some(capcall_core::Planned::from_dollars(300_000)),
            evidence: vec![
                "wk08/adoption/study_plan.md#results".into(),
                "wk08/observability/slo_dashboards.png".into(),
            ],
            guardrails: vec![
                "p95_latency_ms <= 1200".into(),
                "grounded_score >= 4.3/5".into(),
                "unit_cost_usd <= 0.0095".into(),
            ],
            milestones: vec!["wave3_launch=2025-10-28".into(), "eu_privacy_update=2025-10-10".into()],
            readout_date: "2025-09-14".parse().unwrap(),
            ..Default::default()
        })
        .unwrap();
    p.decision_move(&d.id, Status::Proposed).unwrap();
    p.decision_move(&d.id, Status::Approved).unwrap();
    p.scenario_approve(capcall_core::demo::SCENARIO).unwrap();
    p.plan_build().unwrap();
    if approve_plan {
        p.plan_approve_with(Some("demo: the board accepts the open gaps"))
            .unwrap();
    }
    p
}

fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn every_export_matches_its_golden_file_and_is_deterministic() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let report = export(&p, &a, Formats::ALL, false).unwrap();
    export(&p, &b, Formats::ALL, false).unwrap();
    assert!(!report.draft);
    assert_eq!(report.files.len(), 10);
    for f in &report.files {
        let got = std::fs::read(a.join(f)).unwrap();
        assert_eq!(got, std::fs::read(b.join(f)).unwrap(), "{f} differs between two runs");
        let gold = golden().join(f);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(gold.parent().unwrap()).unwrap();
            std::fs::write(&gold, &got).unwrap();
            continue;
        }
        let want = std::fs::read(&gold).unwrap_or_else(|_| panic!("missing golden file {f}; run with UPDATE_GOLDEN=1"));
        assert!(
            got == want,
            "{f} differs from tests/golden/{f} (UPDATE_GOLDEN=1 to accept)"
        );
    }
}

/// What a YAML reader sees in a decision-log entry.
#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    title: String,
    owner: String,
    budget_usd: Option<u64>,
    evidence: Vec<String>,
    guardrails: Vec<String>,
    milestones: Vec<std::collections::BTreeMap<String, String>>,
    status: String,
}

fn yaml_blocks(log: &str) -> Vec<Entry> {
    log.split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .map(|b| serde_norway::from_str(b).unwrap_or_else(|e| panic!("{e}\n{b}")))
        .collect()
}

#[test]
fn decision_log_yaml_reads_back_the_stored_values() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    export(&p, &tmp.path().join("out"), Formats::ALL, false).unwrap();
    let log = std::fs::read_to_string(tmp.path().join("out/decision_log.md")).unwrap();
    let block = log.split("```yaml\n").nth(1).unwrap().split("```").next().unwrap();
    let d = p.decision("DEC-2025-09-14-01").unwrap();
    assert_eq!(block, capcall_core::decision::to_yaml(&d));
    let e = &yaml_blocks(&log)[0];
    assert_eq!(e.id, d.id);
    assert_eq!(e.title, d.title);
    assert_eq!(e.owner, d.owner);
    assert_eq!(e.budget_usd, Some(300_000));
    assert_eq!(e.status, "Approved");
    assert_eq!(e.evidence, d.evidence);
    assert_eq!(
        e.guardrails,
        d.guardrails.iter().map(|g| g.to_string()).collect::<Vec<_>>()
    );
    let milestones: Vec<(String, String)> = e
        .milestones
        .iter()
        .flat_map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())))
        .collect();
    assert_eq!(
        milestones,
        [
            ("wave3_launch".to_string(), "2025-10-28".to_string()),
            ("eu_privacy_update".to_string(), "2025-10-10".to_string())
        ]
    );
}

/// A portfolio whose names, owners and titles try formula, YAML, Markdown
/// and terminal injection, with an approved plan built from them.
fn hostile_plan(dir: &Path) -> Portfolio {
    let mut p = demo_plan(dir, true);
    let csv = dir.join("uc.csv");
    std::fs::write(
        &csv,
        "id,name,owner,wave,region,status,flag,budget_usd,levers\n\
         kb-search,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",Wave 1,US,live,,120000,\n\
         code-assistant,\"Pipe | cell\u{1b}[31m red\nsecond line\",@owner,Wave 1,US,live,,90000,\n",
    )
    .unwrap();
    p.import(capcall_store::ImportKind::UseCases, &csv, &mut |_| {})
        .unwrap();
    p.scenario_new("hostile", Some("2025-09-08".parse().unwrap())).unwrap();
    p.scenario_approve("hostile").unwrap();
    let d = p
        .decision_add(capcall_store::NewDecision {
            path: Some(capcall_core::rubric::Path::Hold),
            use_case: Some("kb-search".into()),
            title: Some("Fix | it\n### forged heading\u{1b}]0;owned\u{7}".into()),
            owner: "VP\nsuperseded_by: DEC-X".into(),
            budget_usd: Some(capcall_core::Planned::from_dollars(1)),
            evidence: vec!["x.md".into()],
            workoff_due: Some("2025-10-01".parse().unwrap()),
            readout_date: "2025-09-15".parse().unwrap(),
            ..Default::default()
        })
        .unwrap();
    p.decision_move(&d.id, Status::Proposed).unwrap();
    p.decision_move(&d.id, Status::Approved).unwrap();
    p.plan_build().unwrap();
    p.plan_approve_with(Some("hostile test")).unwrap();
    p
}

#[test]
fn hostile_text_cannot_run_as_a_formula_forge_yaml_or_break_markdown() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = hostile_plan(tmp.path());
    let out = tmp.path().join("out");
    let report = export(&p, &out, Formats::ALL, false).unwrap();
    // CSV: the OWASP rule; plain numbers (negative deltas) untouched.
    let csv = std::fs::read_to_string(out.join("budgets.csv")).unwrap();
    assert!(
        csv.contains("kb-search,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","),
        "{csv}"
    );
    for line in csv.lines() {
        for cell in line.split(',') {
            assert!(
                !cell.trim_start_matches('"').starts_with(['=', '+', '@']),
                "{cell} in {line}"
            );
        }
    }
    assert!(csv.lines().any(|l| l
        .split(',')
        .any(|c| c.starts_with('-') && c[1..].parse::<f64>().is_ok())));
    // YAML: the owner is one value and adds no key.
    let log = std::fs::read_to_string(out.join("decision_log.md")).unwrap();
    assert!(log.lines().all(|l| !l.starts_with("superseded_by")), "{log}");
    let hostile = yaml_blocks(&log)
        .into_iter()
        .find(|e| e.owner.contains("superseded_by"))
        .unwrap();
    assert_eq!(hostile.owner, "VP\nsuperseded_by: DEC-X");
    assert_eq!(hostile.title, "Fix | it\n### forged heading\u{1b}]0;owned\u{7}");
    assert!(!log.lines().any(|l| l.starts_with("### forged")), "{log}");
    // Markdown: no control character, and table rows keep their cells.
    for f in report.files.iter().filter(|f| f.ends_with(".md")) {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{f} has a raw control character"
        );
        let mut header_cells = 0;
        for line in text.lines().filter(|l| l.starts_with('|')) {
            // Unescaped pipes (a pipe after an even run of backslashes).
            let mut cells = 0;
            let mut backslashes = 0;
            for c in line.chars() {
                if c == '|' && backslashes % 2 == 0 {
                    cells += 1;
                }
                backslashes = if c == '\\' { backslashes + 1 } else { 0 };
            }
            if line.starts_with("|---") || line.starts_with("|--") {
                continue;
            }
            if line.contains("Pipe") {
                assert_eq!(cells, header_cells, "{f}: {line}");
            } else {
                header_cells = cells;
            }
        }
    }
    let plan = std::fs::read_to_string(out.join("next_90_plan.md")).unwrap();
    // In a cell the escape's own backslash is escaped too: it renders as `\x1b`.
    assert!(
        plan.contains(r"| Pipe \| cell\\x1b[31m red second line | Economics"),
        "{plan}"
    );
}

#[test]
fn budgets_csv_totals_equal_the_scenario_totals() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    export(&p, &tmp.path().join("out"), Formats::parse("csv").unwrap(), false).unwrap();
    let csv = std::fs::read_to_string(tmp.path().join("out/budgets.csv")).unwrap();
    let plan = p.plan_latest(true).unwrap().unwrap().plan;
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let cols = ["old_budget_usd", "new_budget_usd", "delta_usd"].map(|c| header.iter().position(|h| *h == c).unwrap());
    let mut sums = [capcall_core::Planned::ZERO; 3];
    let mut total_row = None;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[0] == "CAPITAL_CALL" {
            continue;
        }
        let money: Vec<capcall_core::Planned> = cols
            .iter()
            .map(|&i| capcall_core::Planned::parse(cells[i]).unwrap())
            .collect();
        if cells[0] == "TOTAL" {
            total_row = Some(money);
        } else {
            for i in 0..3 {
                sums[i] = sums[i].checked_add(money[i]).unwrap();
            }
        }
    }
    let t = &plan.totals;
    assert_eq!(sums.to_vec(), vec![t.old_budget_usd, t.new_budget_usd, t.delta_usd]);
    assert_eq!(total_row.unwrap(), sums.to_vec());
    assert!(
        !tmp.path().join("out/plan.json").exists(),
        "only the asked formats are written"
    );
}

#[test]
fn pdf_text_contains_the_plan_totals() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    export(&p, &tmp.path().join("out"), Formats::parse("pdf").unwrap(), false).unwrap();
    let pdf = tmp.path().join("out/exec_scale_readout.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.") && bytes.trim_ascii_end().ends_with(b"%%EOF"));
    let Ok(out) = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output() else {
        eprintln!("pdftotext not installed; skipping the text check (CI installs poppler-utils)");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let t = p.plan_latest(true).unwrap().unwrap().plan.totals;
    for m in [
        t.next_capital_call_usd,
        t.reallocated_usd,
        t.freed_usd,
        t.new_budget_usd,
    ] {
        let shown = format!("${}", m.display_grouped());
        assert!(text.contains(&shown), "PDF text lacks {shown}:\n{text}");
    }
    assert!(text.contains("Ops Copilot Wave 3 (EU)"));
}

#[test]
fn drafts_need_the_flag_and_say_draft_everywhere() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), false);
    let err = export(&p, &tmp.path().join("x"), Formats::ALL, false).unwrap_err();
    assert!(err.to_string().contains("--draft"), "{err}");
    assert!(!tmp.path().join("x").exists());
    let report = export(&p, &tmp.path().join("d"), Formats::ALL, true).unwrap();
    assert!(report.draft);
    for f in &report.files {
        let path = tmp.path().join("d").join(f);
        let text = if f.ends_with(".pdf") {
            // The PDF's text is compressed: read it as a reader does.
            match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
                Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
                Err(_) => {
                    eprintln!("pdftotext not installed; skipping the PDF's DRAFT check (CI installs poppler-utils)");
                    continue;
                }
            }
        } else {
            String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned()
        };
        assert!(text.contains("DRAFT"), "{f} does not say DRAFT");
    }
}

#[test]
fn customer_stories_carry_no_budgets() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    export(&p, &tmp.path().join("out"), Formats::parse("md").unwrap(), false).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("out/comms/customer_stories.md")).unwrap();
    // No currency and no amounts (names like "Wave 1" are fine).
    let long_number = text
        .split(|c: char| !c.is_ascii_digit() && c != ',' && c != '.')
        .any(|t| t.chars().filter(|c| c.is_ascii_digit()).count() >= 3);
    assert!(!text.contains('$') && !long_number, "{text}");
    assert!(text.contains("Support Ticket Summarizer"));
}

#[test]
fn symlinked_targets_are_refused_and_nothing_partial_is_left() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, out.join("budgets.csv")).unwrap();
    let err = export(&p, &out, Formats::parse("csv").unwrap(), false).unwrap_err();
    assert!(
        err.to_string().contains("budgets.csv") && err.to_string().contains("symbolic link"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_export_replaces_the_pack_as_a_whole_and_cleans_stale_temps() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let out = tmp.path().join("out");
    export(&p, &out, Formats::ALL, false).unwrap();
    // A crashed export's temp directories (their process is gone).
    for stale in [
        ".capcall-export-out.999999999.0.new",
        ".capcall-export-out.999999999.3.old",
    ] {
        std::fs::create_dir_all(tmp.path().join(stale).join("comms")).unwrap();
        std::fs::write(tmp.path().join(stale).join("budgets.csv"), "partial").unwrap();
    }
    std::fs::write(out.join(".budgets.csv.tmp-999999999"), "old writer's leftover").unwrap();
    let report = export(&p, &out, Formats::parse("csv").unwrap(), false).unwrap();
    assert_eq!(report.files, ["budgets.csv"]);
    assert_eq!(
        entries(&out),
        ["budgets.csv"],
        "no file of the earlier pack is mixed in"
    );
    assert!(
        entries(tmp.path()).iter().all(|e| !e.starts_with(".capcall-export-")),
        "{:?}",
        entries(tmp.path())
    );
}

#[test]
fn a_directory_that_is_not_a_pack_is_refused_and_kept() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let out = tmp.path().join("docs");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("budgets.csv"), "mine too").unwrap();
    let err = export(&p, &out, Formats::ALL, false).unwrap_err();
    assert!(err.to_string().contains("not a Capcall board pack"), "{err}");
    assert_eq!(entries(&out), ["budgets.csv", "notes.txt"]);
    assert_eq!(std::fs::read_to_string(out.join("budgets.csv")).unwrap(), "mine too");
    assert!(entries(tmp.path()).iter().all(|e| !e.starts_with(".capcall-export-")));
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(export(&p, &file, Formats::ALL, false).is_err());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn a_failure_while_writing_leaves_the_old_pack_untouched() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let out = tmp.path().join("out");
    export(&p, &out, Formats::ALL, false).unwrap();
    let before: Vec<(String, Vec<u8>)> =
        capcall_export::render(&capcall_export::Pack::load(&p, false).unwrap(), Formats::ALL).unwrap();
    // The second file cannot be created (same name twice): the write fails half way.
    let files = vec![
        ("budgets.csv".to_string(), b"new".to_vec()),
        ("budgets.csv".to_string(), b"again".to_vec()),
    ];
    assert!(capcall_export::atomic::write_pack(&out, &files).is_err());
    for (f, bytes) in &before {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), bytes, "{f} changed");
    }
    assert!(entries(tmp.path()).iter().all(|e| !e.starts_with(".capcall-export-")));
}

/// Every money figure in a JSON document, to the cent (strings and numbers).
fn json_money(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    let mut add = |s: &str| {
        if let Ok(d) = s.parse::<rust_decimal::Decimal>() {
            let c = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven);
            out.insert(format!("{c:.2}"));
        }
    };
    match v {
        serde_json::Value::String(s) => add(s),
        serde_json::Value::Number(n) => add(&n.to_string()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_money(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_money(x, out)),
        _ => {}
    }
}

/// Every `$1,234.56` in a text (amounts with exactly two decimals; UCRs such
/// as `$0.0071 per unit` have more and are not money totals), as `1234.56`.
fn dollar_amounts(text: &str) -> Vec<String> {
    let mut out = vec![];
    for (i, _) in text.match_indices('$') {
        let rest = &text[i + 1..];
        let neg = i > 0 && text[..i].ends_with('-');
        let tok: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
            .collect();
        let tok = tok.trim_end_matches(['.', ',']).replace(',', "");
        let Some((_, cents)) = tok.split_once('.') else {
            continue;
        };
        if cents.len() == 2 {
            out.push(format!("{}{tok}", if neg { "-" } else { "" }));
        }
    }
    out
}

fn money_at(v: &serde_json::Value, path: &[&str]) -> capcall_core::Planned {
    let mut x = v;
    for k in path {
        x = &x[*k];
    }
    capcall_core::Planned::parse(x.as_str().unwrap_or_else(|| panic!("{path:?} is not a money string"))).unwrap()
}

#[test]
fn every_total_in_every_file_reconciles_with_plan_json_to_the_cent() {
    use capcall_core::Planned;
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let out = tmp.path().join("out");
    export(&p, &out, Formats::ALL, false).unwrap();
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&read("plan.json")).unwrap();
    let t = &json["plan"]["totals"];
    let f = &json["funding"];
    let shortfall = money_at(t, &["envelope_shortfall_usd"]).is_positive();
    assert!(
        shortfall,
        "the demo's envelope leaves asks unfunded: both views are shown"
    );
    assert_eq!(f["envelope_funds_every_ask"], serde_json::Value::Bool(!shortfall));

    // plan.json itself: the budgets add up to both views' totals and calls.
    let budgets = json["budgets"].as_array().unwrap();
    let sum = |k: &str| Planned::sum(budgets.iter().map(|b| money_at(b, &[k]))).unwrap();
    let within = money_at(f, &["within_envelope", "new_budget_usd"]);
    let full = money_at(f, &["fully_funded", "new_budget_usd"]);
    assert_eq!(sum("old_budget_usd"), money_at(t, &["old_budget_usd"]));
    assert_eq!(sum("old_budget_usd"), money_at(f, &["old_budget_usd"]));
    assert_eq!(sum("new_budget_usd"), money_at(t, &["new_budget_usd"]));
    assert_eq!(sum("new_budget_usd"), within);
    assert_eq!(sum("delta_usd"), money_at(t, &["delta_usd"]));
    assert_eq!(sum("delta_usd"), money_at(f, &["within_envelope", "delta_usd"]));
    assert_eq!(sum("fully_funded_new_budget_usd"), full);
    assert_eq!(
        sum("fully_funded_delta_usd"),
        money_at(f, &["fully_funded", "delta_usd"])
    );
    assert_eq!(
        full.checked_sub(within).unwrap(),
        money_at(t, &["unfunded_asks_usd"]),
        "fully funded = within the envelope + the unfunded asks"
    );
    let call_within = money_at(f, &["within_envelope", "capital_call_usd"]);
    let call_full = money_at(f, &["fully_funded", "capital_call_usd"]);
    assert_eq!(call_full, money_at(t, &["next_capital_call_usd"]));
    assert_eq!(call_within, money_at(t, &["envelope_usd"]));
    assert_eq!(
        call_full.checked_sub(call_within).unwrap(),
        money_at(t, &["envelope_shortfall_usd"])
    );
    // Lines add up to the scenario's totals, as stored in the plan.
    let stored = p.plan_latest(true).unwrap().unwrap().plan.totals;
    assert_eq!(stored.new_budget_usd, within);
    assert_eq!(stored.next_capital_call_usd, call_full);

    // budgets.csv: every row is plan.json's budget row; TOTAL and CAPITAL_CALL rows.
    let csv = read("budgets.csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let money_cols = [
        "old_budget_usd",
        "new_budget_usd",
        "delta_usd",
        "fully_funded_new_budget_usd",
        "fully_funded_delta_usd",
    ];
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        match cells[0] {
            "TOTAL" => {
                let want = [
                    money_at(f, &["old_budget_usd"]),
                    within,
                    money_at(f, &["within_envelope", "delta_usd"]),
                    full,
                    money_at(f, &["fully_funded", "delta_usd"]),
                ];
                for (c, w) in money_cols.iter().zip(want) {
                    assert_eq!(Planned::parse(cells[col(c)]).unwrap(), w, "TOTAL {c}");
                }
            }
            "CAPITAL_CALL" => {
                assert_eq!(Planned::parse(cells[col("new_budget_usd")]).unwrap(), call_within);
                assert_eq!(
                    Planned::parse(cells[col("fully_funded_new_budget_usd")]).unwrap(),
                    call_full
                );
            }
            id => {
                let b = budgets.iter().find(|b| b["use_case"] == id).unwrap();
                for c in money_cols {
                    assert_eq!(Planned::parse(cells[col(c)]).unwrap(), money_at(b, &[c]), "{id} {c}");
                }
                rows += 1;
            }
        }
    }
    assert_eq!(rows, budgets.len());

    // Every dollar figure in every text file of the pack is a figure of plan.json.
    let mut known = std::collections::BTreeSet::new();
    json_money(&json, &mut known);
    let mut texts: Vec<(String, String)> = [
        "exec_scale_readout.md",
        "decision_log.md",
        "next_90_plan.md",
        "comms/ceo_note.md",
        "comms/elt_bullets.md",
        "comms/customer_stories.md",
    ]
    .iter()
    .map(|f| (f.to_string(), read(f)))
    .collect();
    if let Ok(o) = std::process::Command::new("pdftotext")
        .arg(out.join("exec_scale_readout.pdf"))
        .arg("-")
        .output()
    {
        texts.push((
            "exec_scale_readout.pdf".into(),
            String::from_utf8_lossy(&o.stdout).into(),
        ));
    }
    for (name, text) in &texts {
        for amount in dollar_amounts(text) {
            assert!(
                known.contains(&amount),
                "{name}: ${amount} is not a figure of plan.json"
            );
        }
    }
    // The two capital calls, labelled, in the slides, the plan and the comms.
    let usd = |m: Planned| format!("${}", m.display_grouped());
    let readout = read("exec_scale_readout.md");
    assert!(readout.contains(&format!(
        "| **Capital call** | **{}** | **{}** |",
        usd(call_within),
        usd(call_full)
    )));
    assert!(readout.contains(&format!(
        "| | **Total** | **{}** | **{}** | **{}** |",
        usd(money_at(f, &["old_budget_usd"])),
        usd(within),
        usd(full)
    )));
    for file in [
        "exec_scale_readout.md",
        "next_90_plan.md",
        "comms/ceo_note.md",
        "comms/elt_bullets.md",
    ] {
        let text = read(file);
        assert!(
            !text.contains("funds every Expand"),
            "{file} claims every ask is funded"
        );
        for m in [call_within, call_full, within, full] {
            assert!(text.contains(&usd(m)), "{file} lacks {}", usd(m));
        }
    }
}

#[test]
fn no_slide_carries_more_than_ten_table_rows_or_bullets() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    let out = tmp.path().join("out");
    export(&p, &out, Formats::parse("md").unwrap(), false).unwrap();
    let md = std::fs::read_to_string(out.join("exec_scale_readout.md")).unwrap();
    // Front matter, then one slide per `---` separator.
    let slides: Vec<&str> = md.split("\n---\n").skip(2).collect();
    assert!(slides.len() >= 10, "{} slides", slides.len());
    let mut continued = 0;
    for slide in &slides {
        let title = slide.lines().find(|l| l.starts_with("## ")).unwrap_or("");
        let table_rows = slide
            .lines()
            .filter(|l| l.starts_with('|'))
            .count()
            .saturating_sub(2 * slide.lines().filter(|l| l.starts_with("|---")).count());
        let bullets = slide.lines().filter(|l| l.starts_with("- ")).count();
        assert!(table_rows <= 10, "{title}: {table_rows} table rows");
        assert!(bullets <= 10, "{title}: {bullets} bullets");
        if title.ends_with("(continued)") {
            continued += 1;
            assert!(
                slide.lines().filter(|l| l.starts_with("|---")).count() <= 1,
                "continued slides repeat the header once"
            );
        }
    }
    assert!(continued >= 2, "the 12-row tables continue on a second slide");
    // Milestones read as names, not ids; partial quarters are labelled.
    assert!(md.contains("Sunset: Sales Email Drafter"), "{md}");
    assert!(!md.contains("workoff_") && !md.contains("sunset_"));
    assert!(md.contains("2025-Q3 (partial, to 2025-09-08)"));
    assert!(md.contains("quarter on quarter"));
    // The CEO note names the red flags instead of claiming none.
    let ceo = std::fs::read_to_string(out.join("comms/ceo_note.md")).unwrap();
    assert!(!ceo.contains("did not compromise"));
    assert!(ceo.contains("Contract Review Assistant: safety evals red"), "{ceo}");
    assert!(ceo.contains("privacy incident"), "{ceo}");
    assert!(ceo.contains("Knowledge Base Search: chronic SLO breaches"), "{ceo}");
}

#[test]
fn retired_use_cases_are_out_of_next_quarter_figures_and_sunsetting_ones_retire() {
    let tmp = tempfile::TempDir::new().unwrap();
    let mut p = demo_plan(tmp.path(), true);
    // After the plan: one Hold is retired, another starts sunsetting.
    p.use_case_retire(
        "marketing-copy",
        "2025-09-01".parse().unwrap(),
        "replaced by the agency",
    )
    .unwrap();
    p.use_case_set("hr-policy-bot", "status", "sunsetting", Some("moving to the HR suite"))
        .unwrap();
    let out = tmp.path().join("out");
    export(&p, &out, Formats::ALL, false).unwrap();
    let csv = std::fs::read_to_string(out.join("budgets.csv")).unwrap();
    assert!(!csv.contains("marketing-copy"), "{csv}");
    assert!(csv.contains("hr-policy-bot,HR Policy Q&A,retire,"), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let t = &json["plan"]["totals"];
    assert_eq!(t["hold_count"], 3, "5 Holds less one retired, less one sunsetting");
    assert_eq!(t["retire_count"], 4);
    let budgets = json["budgets"].as_array().unwrap();
    let old = capcall_core::Planned::sum(budgets.iter().map(|b| money_at(b, &["old_budget_usd"]))).unwrap();
    assert_eq!(old, money_at(t, &["old_budget_usd"]));
    assert_eq!(old, capcall_core::Planned::from_dollars(2_480_000 - 70_000));
    let ceo = std::fs::read_to_string(out.join("comms/ceo_note.md")).unwrap();
    assert!(ceo.contains("hold 3 while"), "{ceo}");
    assert!(!ceo.contains("Marketing Copy Generator"), "{ceo}");
}

#[test]
fn an_envelope_that_funds_every_ask_states_one_capital_call() {
    let tmp = tempfile::TempDir::new().unwrap();
    let mut p = Portfolio::open_or_create_demo(&tmp.path().join("p.sqlite"), Access::Write, ctx()).unwrap();
    p.scenario_save_params(
        capcall_core::demo::SCENARIO,
        &capcall_store::ParamChanges {
            envelope_usd: Some(capcall_core::Planned::from_dollars(1_000_000)),
            ..Default::default()
        },
    )
    .unwrap();
    p.scenario_approve(capcall_core::demo::SCENARIO).unwrap();
    p.plan_build().unwrap();
    let out = tmp.path().join("out");
    export(&p, &out, Formats::ALL, true).unwrap();
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&read("plan.json")).unwrap();
    let f = &json["funding"];
    assert_eq!(f["envelope_funds_every_ask"], serde_json::Value::Bool(true));
    let call = money_at(&json["plan"]["totals"], &["next_capital_call_usd"]);
    assert_eq!(money_at(f, &["within_envelope", "capital_call_usd"]), call);
    assert_eq!(f["within_envelope"], f["fully_funded"]);
    let shown = format!(
        "**Next capital call: ${}** funds every Expand path in full",
        call.display_grouped()
    );
    let readout = read("exec_scale_readout.md");
    assert!(readout.contains(&shown), "{readout}");
    assert!(!readout.contains("Fully funded"));
    let mut known = std::collections::BTreeSet::new();
    json_money(&json, &mut known);
    for file in [
        "exec_scale_readout.md",
        "next_90_plan.md",
        "comms/ceo_note.md",
        "comms/elt_bullets.md",
    ] {
        for amount in dollar_amounts(&read(file)) {
            assert!(
                known.contains(&amount),
                "{file}: ${amount} is not a figure of plan.json"
            );
        }
    }
}
