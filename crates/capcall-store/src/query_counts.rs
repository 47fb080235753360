//! The lists run a constant number of SQL statements, whatever their length
//! (no N+1): counted with SQLite's statement trace on 2 and on 200 rows.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::context::Context;
use crate::portfolio::{Access, Portfolio};

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

fn count(_sql: &str) {
    STATEMENTS.fetch_add(1, Ordering::SeqCst);
}

/// Statements `f` runs on `p`'s connection.
fn statements<T>(p: &mut Portfolio, f: impl FnOnce(&Portfolio) -> T) -> usize {
    p.conn.trace(Some(count));
    STATEMENTS.store(0, Ordering::SeqCst);
    f(p);
    let n = STATEMENTS.load(Ordering::SeqCst);
    p.conn.trace(None);
    n
}

/// A demo portfolio with `n` rubric versions, `n` scenarios and `n`
/// decisions (each on a use case, with a guardrail), and the statements its
/// three lists run.
fn list_statements(n: usize) -> (usize, usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Portfolio::open_or_create_demo(
        &dir.path().join("p.sqlite"),
        Access::Write,
        Context::system_clock("tester"),
    )
    .unwrap();
    let use_cases: Vec<String> = p.use_cases().unwrap().into_iter().map(|r| r.use_case.id).collect();
    let existing_versions = p.rubric_versions().unwrap().len();
    for i in existing_versions..n {
        p.set_rubric(&[("slo_workoff_days".into(), (10 + i % 50).to_string())], "")
            .unwrap();
    }
    let existing_scenarios = p.scenarios().unwrap().len();
    for i in existing_scenarios..n {
        p.scenario_clone(capcall_core::demo::SCENARIO, &format!("s{i}"))
            .unwrap();
    }
    for i in 0..n {
        p.decision_add(crate::decisions::NewDecision {
            path: Some(capcall_core::rubric::Path::Expand),
            use_case: Some(use_cases[i % use_cases.len()].clone()),
            scenario: None,
            title: None,
            owner: "Ann".into(),
            budget_usd: None,
            evidence: vec![],
            guardrails: vec!["p95_latency_ms <= 1200".into()],
            milestones: vec![],
            readout_date: chrono::NaiveDate::from_ymd_opt(2025, 9, 14).unwrap(),
            workoff_due: None,
        })
        .unwrap();
    }
    assert_eq!(p.rubric_versions().unwrap().len(), n.max(existing_versions));
    assert_eq!(p.scenarios().unwrap().len(), n.max(existing_scenarios));
    assert_eq!(p.decisions().unwrap().len(), n);
    (
        statements(&mut p, |p| p.rubric_versions().unwrap()),
        statements(&mut p, |p| p.scenarios().unwrap()),
        statements(&mut p, |p| p.decisions().unwrap()),
    )
}

#[test]
fn decision_scenario_and_rubric_lists_run_a_constant_number_of_statements() {
    let small = list_statements(2);
    let large = list_statements(200);
    assert_eq!(
        small, large,
        "statements run by (rubric_versions, scenarios, decisions) grow with the rows: N+1"
    );
    assert!(large.0 <= 3 && large.1 <= 3 && large.2 <= 8, "{large:?}");
}
