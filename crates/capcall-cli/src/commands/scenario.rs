//! `scenario new|import|run|compare|approve|clone|list|drift|export|open`.

use capcall_core::format::{ucr_or_unknown, visible};
use capcall_store::Access;
use capcall_store::ParamChanges;
use serde::Serialize;

use super::{money_or_dash, open, Result};
use crate::args::{Cli, ScenarioCommand};
use crate::output::{said, Output, Report, SortedKeys, Text};
use crate::table::Table;

pub(super) fn scenario(cli: &Cli, out: &Output, command: &ScenarioCommand) -> Result {
    match command {
        ScenarioCommand::New { name, as_of, .. } => {
            let sc = open(cli, Access::Write)?.scenario_new(name, *as_of)?;
            out.show(&said(&sc, |t| {
                t.line(format!(
                    "Created scenario '{}' as of {} (rubric v{}) for the quarter starting {}: {} use cases",
                    visible(&sc.meta.name),
                    sc.meta.as_of,
                    sc.meta.rubric_version,
                    sc.meta.params.quarter_start,
                    sc.lines.len()
                ))
            }));
        }
        ScenarioCommand::Import { name, file } => {
            let sc = open(cli, Access::Write)?.scenario_import(name, file)?;
            out.show(&said(&sc, |t| {
                let overrides = sc.lines.iter().filter(|l| l.path_override.is_some()).count();
                let asks = sc.lines.iter().filter(|l| l.ask_usd.is_some()).count();
                t.line(format!(
                    "Applied {} to '{}': {overrides} path overrides, {asks} asks",
                    file.display(),
                    sc.meta.name
                ))
            }));
        }
        ScenarioCommand::Run {
            name,
            policy,
            envelope,
            reserve_pct,
        } => {
            let changes = ParamChanges {
                policy: *policy,
                envelope_usd: *envelope,
                reserve_pct: *reserve_pct,
            };
            // Parameters given: saved to the scenario (a command); none: a query.
            let (p, outcome) = if changes.is_empty() {
                let p = open(cli, Access::Read)?;
                let outcome = p.scenario_run(name, &changes)?;
                (p, outcome)
            } else {
                let mut p = open(cli, Access::Write)?;
                let outcome = p.scenario_save_params(name, &changes)?;
                (p, outcome)
            };
            // Retired use cases: history, shown but out of next-quarter totals.
            let history = p.retired_use_cases()?;
            out.show(&SortedKeys(Run {
                history,
                outcome,
                scenario: name,
            }));
        }
        ScenarioCommand::Export { name, file } => {
            let f = open(cli, Access::Read)?.scenario_export(name, file)?;
            #[derive(Serialize)]
            struct Exported<'a> {
                as_of: chrono::NaiveDate,
                author: &'a str,
                exported_at: &'a str,
                file: &'a std::path::Path,
                lines: usize,
                name: &'a str,
                rubric_version: u32,
                schema_version: u32,
            }
            let doc = Exported {
                as_of: f.as_of,
                author: &f.author,
                exported_at: &f.exported_at,
                file,
                lines: f.lines.len(),
                name: &f.name,
                rubric_version: f.rubric.version,
                schema_version: f.schema_version,
            };
            out.show(&said(&SortedKeys(doc), |t| {
                t.line(format!(
                    "Wrote scenario '{}' ({} use cases, as of {}, rubric v{}) by {} to {}",
                    visible(&f.name),
                    f.lines.len(),
                    f.as_of,
                    f.rubric.version,
                    visible(&f.author),
                    file.display()
                ))
            }));
        }
        ScenarioCommand::Open { file, as_name } => {
            out.show(&open(cli, Access::Write)?.scenario_open(file, as_name.as_deref())?);
        }
        ScenarioCommand::Compare { a, b } => {
            let c = open(cli, Access::Read)?.scenario_compare(a, b)?;
            out.show(&said(&c, |t| compare(t, &c, a, b)));
        }
        ScenarioCommand::Approve { name } => {
            let meta = open(cli, Access::Write)?.scenario_approve(name)?;
            out.show(&said(&meta, |t| {
                t.line(format!(
                    "Approved scenario '{}' (frozen; clone it to change it)",
                    visible(&meta.name)
                ))
            }));
        }
        ScenarioCommand::Clone { from, to } => {
            let sc = open(cli, Access::Write)?.scenario_clone(from, to)?;
            out.show(&said(&sc.meta, |t| {
                t.line(format!(
                    "Cloned '{}' to '{}' (draft)",
                    visible(from),
                    visible(&sc.meta.name)
                ))
            }));
        }
        ScenarioCommand::Drift { name } => {
            let lines = open(cli, Access::Read)?.scenario_drift(name)?;
            #[derive(Serialize)]
            struct Drift<'a, L> {
                lines: &'a [L],
                scenario: &'a str,
            }
            let doc = Drift {
                lines: &lines,
                scenario: name,
            };
            out.show(&said(&SortedKeys(doc), |t| drift(t, &lines, name)));
        }
        ScenarioCommand::List => {
            let scenarios = open(cli, Access::Read)?.scenarios()?;
            out.show(&SortedKeys(List { scenarios }));
        }
    }
    Ok(())
}

/// `scenario run`'s answer.
#[derive(Serialize)]
struct Run<'a> {
    history: Vec<String>,
    outcome: capcall_core::scenario::Outcome,
    scenario: &'a str,
}

impl Report for Run<'_> {
    fn text(&self, t: &mut Text) {
        let out = &self.outcome;
        let mut lines = out.lines.clone();
        lines.sort_by(capcall_core::scenario::display_order);
        let mut tb = Table::new(&["USE CASE", "PATH", "OLD BUDGET", "NEW BUDGET", "DELTA", "REASON"]);
        tb.right_align(&[2, 3, 4]);
        for l in &lines {
            tb.row(vec![
                l.use_case.clone(),
                format!("{}{}", l.path.as_str(), if l.overridden { "*" } else { "" }),
                l.old_budget_usd.display_grouped(),
                l.new_budget_usd.display_grouped(),
                l.delta_usd.display_grouped(),
                l.reason.to_string(),
            ]);
        }
        t.line(format!(
            "Scenario '{}': policy {}, envelope {}, reserve {}%, quarter from {}\n",
            self.scenario,
            out.params.policy.as_str(),
            out.params.envelope_usd.display_grouped(),
            out.params.reserve_pct.normalize(),
            out.params.quarter_start
        ));
        t.table(&tb);
        let tt = &out.totals;
        let mut s = Table::new(&["TOTAL", "USD"]);
        s.right_align(&[1]);
        for (k, v) in [
            ("old budget", tt.old_budget_usd),
            ("new budget", tt.new_budget_usd),
            ("freed by Retire (net of decommission)", tt.freed_usd),
            ("decommission costs", tt.decommission_usd),
            ("envelope (new money)", tt.envelope_usd),
            ("reserve", tt.reserve_usd),
            ("reallocated to Expand", tt.reallocated_usd),
            ("unallocated", tt.unallocated_usd),
            ("Expand asks (after caps)", tt.requested_usd),
            ("asks left unfunded", tt.unfunded_asks_usd),
            ("NEXT CAPITAL CALL (to fund every ask)", tt.next_capital_call_usd),
            ("beyond the chosen envelope", tt.envelope_shortfall_usd),
        ] {
            s.row(vec![k.into(), v.display_grouped()]);
        }
        s.row(vec![
            "projected value".into(),
            capcall_core::Planned::round_from(tt.projected_value)
                .map(|m| m.display_grouped())
                .unwrap_or_else(|_| tt.projected_value.to_string()),
        ]);
        s.row(vec![
            "portfolio UCR now -> projected".into(),
            format!(
                "{} -> {}",
                ucr_or_unknown(tt.current_ucr),
                ucr_or_unknown(tt.projected_ucr)
            ),
        ]);
        t.blank();
        t.table(&s);
        if !self.history.is_empty() {
            t.line(format!(
                "\nRetired (history: no path, not in next-quarter totals): {}",
                self.history.join(", ")
            ));
        }
    }
}

impl Report for capcall_store::OpenedScenario {
    fn text(&self, t: &mut Text) {
        let o = self;
        t.line(format!(
            "Opened '{}' as a draft scenario: by {}, exported {}, as of {}, {} use cases",
            visible(&o.scenario.meta.name),
            visible(&o.author),
            o.exported_at,
            o.scenario.meta.as_of,
            o.scenario.lines.len()
        ));
        if o.changes.is_empty() {
            t.line("Nothing changed in this portfolio since (budgets, verdicts, use cases, rubric).");
        } else {
            t.line("Changed in this portfolio since the file was made:");
            for c in &o.changes {
                t.line(format!("  {}", visible(&c.message)));
            }
        }
    }
}

fn compare(t: &mut Text, c: &capcall_store::Comparison, a: &str, b: &str) {
    let mut tb = Table::new(&[
        "USE CASE",
        &format!("PATH {a}"),
        &format!("PATH {b}"),
        &format!("NEW {a}"),
        &format!("NEW {b}"),
        "DIFFERENCE",
        "",
    ]);
    tb.right_align(&[3, 4, 5]);
    for l in &c.lines {
        tb.row(vec![
            l.use_case.clone(),
            l.path_a.map(|p| p.as_str()).unwrap_or("-").into(),
            l.path_b.map(|p| p.as_str()).unwrap_or("-").into(),
            money_or_dash(l.new_budget_a),
            money_or_dash(l.new_budget_b),
            l.difference.display_grouped(),
            if l.changed { "changed".into() } else { String::new() },
        ]);
    }
    t.table(&tb);
    let mut s = Table::new(&["TOTAL", a, b, "DIFFERENCE"]);
    s.right_align(&[1, 2, 3]);
    for x in &c.totals {
        s.row(vec![
            x.name.clone(),
            x.a.display_grouped(),
            x.b.display_grouped(),
            x.difference.display_grouped(),
        ]);
    }
    t.blank();
    t.table(&s);
}

fn drift(t: &mut Text, lines: &[capcall_store::LineDrift], name: &str) {
    if lines.is_empty() {
        t.line(format!("Nothing changed under scenario '{}'", visible(name)));
        return;
    }
    let mut tb = Table::new(&["USE CASE", "CHANGED", "SCENARIO BUDGET", "CURRENT BUDGET", "STATUS"]);
    tb.right_align(&[2, 3]);
    for l in lines {
        let kinds: Vec<&str> = l
            .drift
            .iter()
            .map(|d| match d {
                capcall_store::Drift::BudgetChanged => "budget",
                capcall_store::Drift::Retired => "retired",
                capcall_store::Drift::Removed => "removed",
                capcall_store::Drift::Added => "added",
            })
            .collect();
        tb.row(vec![
            l.use_case.clone(),
            kinds.join(", "),
            money_or_dash(l.scenario_budget_usd),
            money_or_dash(l.current_budget_usd),
            l.current_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "removed".into()),
        ]);
    }
    t.table(&tb);
}

/// `scenario list`'s answer.
#[derive(Serialize)]
struct List {
    scenarios: Vec<capcall_store::ScenarioMeta>,
}

impl Report for List {
    fn text(&self, t: &mut Text) {
        let mut tb = Table::new(&["NAME", "STATUS", "AS OF", "RUBRIC", "POLICY", "ENVELOPE", "CREATED"]);
        tb.right_align(&[5]);
        for m in &self.scenarios {
            tb.row(vec![
                m.name.clone(),
                m.status.as_str().into(),
                m.as_of.to_string(),
                format!("v{}", m.rubric_version),
                m.params.policy.as_str().into(),
                m.params.envelope_usd.display_grouped(),
                m.created_at.clone(),
            ]);
        }
        t.table(&tb);
    }
}
