//! The board paper (PDF, typeset by Typst) of a 25-use-case portfolio whose
//! names are in several scripts: every name intact in `pdftotext`'s output,
//! DRAFT on every page of a draft, two exports byte-identical, every
//! milestone listed, and a draft pack from a draft scenario. The pages are
//! rendered to PNG (`pdftoppm`) under `target/tmp/pack-pages/` for a person
//! to look at (scripts/test.sh copies them next to the E2E screenshots).

use std::path::{Path, PathBuf};
use std::process::Command;

use capcall_core::rubric::Path as Route;
use capcall_export::{export, export_scenario, Formats};
use capcall_store::{Access, ImportKind, Portfolio};

/// The names the board must read intact: Latin with diacritics, Polish,
/// Japanese, Chinese, Korean, Portuguese, Greek, Cyrillic, Vietnamese,
/// Turkish, Icelandic and currency signs.
const NAMES: [&str; 25] = [
    "Zürich Claims Triage",
    "Łódź Invoice OCR",
    "東京 Support Bot",
    "São Paulo Sales Assistant",
    "Αθήνα Contract Review",
    "Москва HR Helpdesk",
    "Kraków Code Assistant",
    "Montréal Knowledge Search",
    "Ørsted Field Service Copilot",
    "서울 Marketing Copy",
    "Đà Nẵng Ops Copilot",
    "İstanbul Payments Review",
    "Reykjavík Fraud Screening",
    "Göteborg Logistics Planner",
    "北京 Translation Hub",
    "Κρήτη Tourism Concierge",
    "Київ Document Review",
    "Málaga Churn Predictor",
    "大阪 Inventory Forecast",
    "Plzeň Quality Inspector",
    "Cluj-Napoca Ticket Router",
    "Θεσσαλονίκη Claims Intake",
    "Санкт-Петербург Procurement",
    "Nürnberg Pricing (€ £ ¥ ₹)",
    "Genève Treasury Analyst",
];

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The demo portfolio renamed into [`NAMES`] and grown to 25 use cases
/// (the new ones replay a demo use case's observations), with a scenario
/// `World Q4` whose Expand paths ask for money. Not approved.
fn world(dir: &Path) -> Portfolio {
    // The board's clock and user, pinned so files are reproducible.
    let at = chrono::NaiveDate::from_ymd_opt(2025, 9, 14)
        .unwrap()
        .and_hms_opt(16, 30, 0)
        .unwrap();
    let ctx = capcall_store::Context::fixed(at, "vp-ops");
    let mut p = Portfolio::open_or_create_demo(&dir.join("p.sqlite"), Access::Write, ctx).unwrap();
    let demo: Vec<capcall_core::UseCase> = p.use_cases().unwrap().into_iter().map(|r| r.use_case).collect();
    let mut uc = String::from("id,name,owner,wave,region,status,flag,budget_usd,levers\n");
    let status = |u: &capcall_core::UseCase| format!("{:?}", u.status).to_lowercase();
    let mut extra = vec![];
    for (i, name) in NAMES.iter().enumerate() {
        let (id, base) = match demo.get(i) {
            Some(u) => (u.id.clone(), u),
            None => (format!("extra-{i:02}"), &demo[i % 5]),
        };
        if id.starts_with("extra-") {
            extra.push((id.clone(), base.id.clone()));
        }
        uc.push_str(&format!(
            "{},{},{},{},{},{},,{},{}\n",
            id,
            csv_cell(name),
            csv_cell(&base.owner),
            csv_cell(&base.wave),
            csv_cell(&base.region),
            if id.starts_with("extra-") {
                "live".to_string()
            } else {
                status(base)
            },
            base.budget_usd,
            csv_cell(&base.levers.join(";"))
        ));
    }
    let file = dir.join("uc.csv");
    std::fs::write(&file, uc).unwrap();
    p.import(ImportKind::UseCases, &file, &mut |_| {}).unwrap();
    const COLS: [&str; 20] = [
        "period_start",
        "spend_usd",
        "forecast_usd",
        "units",
        "value_delta",
        "value_target",
        "value_hurdle",
        "value_ci_low",
        "value_ci_high",
        "p95_latency_ms",
        "p95_latency_slo_ms",
        "availability_pct",
        "availability_slo_pct",
        "eval_status",
        "grounded_score",
        "privacy_incidents",
        "dau",
        "dau_target",
        "task_success_pct",
        "use_case",
    ];
    let mut obs = COLS.join(",") + "\n";
    for (id, base) in &extra {
        for o in p.observations(base).unwrap() {
            let v = serde_json::to_value(&o).unwrap();
            let cells: Vec<String> = COLS
                .iter()
                .map(|c| match (*c, &v[*c]) {
                    ("use_case", _) => id.clone(),
                    (_, serde_json::Value::Null) => String::new(),
                    (_, serde_json::Value::String(s)) => s.to_lowercase(),
                    (_, x) => x.to_string(),
                })
                .collect();
            obs.push_str(&cells.join(","));
            obs.push('\n');
        }
    }
    let file = dir.join("obs.csv");
    std::fs::write(&file, obs).unwrap();
    p.import(ImportKind::Observations, &file, &mut |_| {}).unwrap();
    let as_of = "2025-09-08".parse().unwrap();
    let sc = p.scenario_new("World Q4", Some(as_of)).unwrap();
    for mut l in sc.lines {
        if l.path() == Route::Expand {
            l.ask_usd = Some(capcall_core::Planned::from_dollars(40_000));
            l.return_per_usd = Some(rust_decimal::Decimal::from(2));
            p.scenario_set_line("World Q4", l).unwrap();
        }
    }
    p
}

fn pdftotext(pdf: &Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("pdftotext gives UTF-8"))
}

fn tool_missing(tool: &str) {
    eprintln!("SKIPPED: `{tool}` is not installed (poppler-utils; scripts/setup.sh installs it)");
}

/// Where the page images go: `target/tmp/pack-pages/<name>/`.
fn pages_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pack-pages").join(name)
}

fn render_pages(pdf: &Path, name: &str) {
    let dir = pages_dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    match Command::new("pdftoppm")
        .args(["-r", "60", "-png"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
    {
        Ok(s) => assert!(s.success(), "pdftoppm failed"),
        Err(_) => tool_missing("pdftoppm"),
    }
}

#[test]
fn a_draft_scenario_gives_a_draft_pack_with_every_name_intact_on_every_page() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = world(tmp.path());
    assert!(p.plan_latest(false).unwrap().is_none(), "no plan built or stored");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let report = export_scenario(&p, &a, Formats::ALL, "World Q4").unwrap();
    export_scenario(&p, &b, Formats::ALL, "World Q4").unwrap();
    assert!(report.draft);
    assert!(p.plan_latest(false).unwrap().is_none(), "the pre-read stores no plan");
    for f in &report.files {
        let bytes = std::fs::read(a.join(f)).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two exports"
        );
        if !f.ends_with(".pdf") {
            assert!(
                String::from_utf8_lossy(&bytes).contains("DRAFT"),
                "{f} does not say DRAFT"
            );
        }
    }
    let pdf = a.join("exec_scale_readout.pdf");
    render_pages(&pdf, "draft-scenario");
    // The whole pack beside the page images, for the slides check (slides/check.mjs).
    let keep = pages_dir("draft-scenario").join("pack");
    for f in &report.files {
        std::fs::create_dir_all(keep.join(f).parent().unwrap()).unwrap();
        std::fs::copy(a.join(f), keep.join(f)).unwrap();
    }
    let Some(text) = pdftotext(&pdf) else {
        return tool_missing("pdftotext");
    };
    // Every name intact: the text as extracted, lines joined.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for name in NAMES {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&name), "the PDF's text lacks {name:?}");
    }
    assert!(!text.contains('\u{fffd}'), "replacement characters in the PDF text");
    // DRAFT on every page (pages are separated by form feeds).
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 4, "a board paper of {} pages", pages.len());
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains("DRAFT"), "page {} does not say DRAFT", i + 1);
        assert!(
            page.contains("Audit trail digest"),
            "page {} lacks the audit digest",
            i + 1
        );
    }
    // Every milestone of the plan, none cut off; the sections a board reads.
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("plan.json")).unwrap()).unwrap();
    let milestones = plan["plan"]["milestones"].as_array().unwrap();
    assert!(milestones.len() > 14, "{} milestones", milestones.len());
    assert!(flat.contains(&format!("Milestones ({})", milestones.len())));
    for m in milestones {
        assert!(flat.contains(m["date"].as_str().unwrap()));
    }
    for section in [
        "Executive summary",
        "The ask",
        "Value realized",
        "SLO adherence",
        "Incidents and red flags",
        "UCR trend",
        "Decisions by path",
        "Budgets next quarter",
        "Next 90 days",
        "Governance gaps",
        "Evidence appendix",
    ] {
        assert!(flat.contains(section), "no section {section:?}");
    }
}

#[test]
fn the_approved_paper_has_no_draft_mark_and_repeats_the_budget_header() {
    let tmp = tempfile::TempDir::new().unwrap();
    let mut p = world(tmp.path());
    p.scenario_approve("World Q4").unwrap();
    p.plan_build().unwrap();
    p.plan_approve_with(Some("the board accepts the open gaps")).unwrap();
    let out = tmp.path().join("out");
    let report = export(&p, &out, Formats::ALL, false).unwrap();
    assert!(!report.draft);
    let pdf = out.join("exec_scale_readout.pdf");
    render_pages(&pdf, "approved");
    let Some(text) = pdftotext(&pdf) else {
        return tool_missing("pdftotext");
    };
    assert!(!text.contains("DRAFT"), "an approved paper says DRAFT");
    // The budgets table spans pages: its header is on each.
    let header_pages = text
        .split('\u{c}')
        .filter(|p| p.contains("Path") && p.contains("Budget now"))
        .count();
    assert!(header_pages >= 2, "the budgets header is on {header_pages} page(s)");
}
