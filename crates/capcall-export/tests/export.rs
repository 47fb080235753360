//! Board-pack tests: golden files for every export of the demo plan, the
//! decision log's YAML round trip, budgets equal to the scenario totals,
//! the PDF's text, determinism, DRAFT marking and safe writes.

use std::path::{Path, PathBuf};

use capcall_core::decision::Status;
use capcall_export::{export, Formats};
use capcall_store::{Access, Portfolio};

/// The demo portfolio with an approved scenario, the seed's decision and an
/// approved plan; the clock and user are pinned so files are reproducible.
fn demo_plan(dir: &Path, approve_plan: bool) -> Portfolio {
    std::env::set_var("CAPCALL_NOW", "2025-09-14T16:30:00Z");
    std::env::set_var("CAPCALL_USER", "vp-ops");
    let mut p = Portfolio::open_or_create_demo(&dir.join("p.sqlite"), Access::Write).unwrap();
    let d = p
        .decision_add(capcall_store::decisions::NewDecision {
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
        p.plan_approve().unwrap();
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

#[test]
fn decision_log_yaml_reads_back_the_stored_values() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    export(&p, &tmp.path().join("out"), Formats::ALL, false).unwrap();
    let log = std::fs::read_to_string(tmp.path().join("out/decision_log.md")).unwrap();
    let block = log.split("```yaml\n").nth(1).unwrap().split("```").next().unwrap();
    let d = p.decision("DEC-2025-09-14-01").unwrap();
    assert_eq!(block, capcall_core::decision::to_yaml(&d));
    // Read the YAML back field by field (a minimal reader for this flat format).
    let mut lists: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut scalars: std::collections::BTreeMap<String, String> = Default::default();
    let mut current = String::new();
    for line in block.lines() {
        if let Some(item) = line.strip_prefix("  - ") {
            lists.entry(current.clone()).or_default().push(item.to_string());
        } else if let Some((k, v)) = line.split_once(':') {
            current = k.to_string();
            if !v.trim().is_empty() {
                scalars.insert(k.to_string(), v.trim().to_string());
            }
        }
    }
    assert_eq!(scalars["id"], d.id);
    assert_eq!(scalars["title"], d.title);
    assert_eq!(scalars["owner"], d.owner);
    assert_eq!(scalars["budget_usd"], "300000");
    assert_eq!(scalars["status"], "Approved");
    assert_eq!(lists["evidence"], d.evidence);
    assert_eq!(
        lists["guardrails"],
        d.guardrails.iter().map(|g| g.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        lists["milestones"],
        vec!["wave3_launch: 2025-10-28", "eu_privacy_update: 2025-10-10"]
    );
}

#[test]
fn budgets_csv_totals_equal_the_scenario_totals() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = demo_plan(tmp.path(), true);
    export(&p, &tmp.path().join("out"), Formats::parse("csv").unwrap(), false).unwrap();
    let csv = std::fs::read_to_string(tmp.path().join("out/budgets.csv")).unwrap();
    let plan = p.plan_latest(true).unwrap().unwrap().plan;
    let mut sums = [capcall_core::Planned::ZERO; 3];
    let mut total_row = None;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let money: Vec<capcall_core::Planned> = cells[cells.len() - 3..]
            .iter()
            .map(|c| capcall_core::Planned::parse(c).unwrap())
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
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
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
    assert!(text.contains("EXPAND — Ops Copilot Wave 3 (EU)"));
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
        let bytes = std::fs::read(tmp.path().join("d").join(f)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let marked = text.contains("DRAFT") || (f.ends_with(".pdf") && text.contains("\\227 DRAFT"));
        assert!(marked, "{f} does not say DRAFT");
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
