//! `plan build|approve|show|check`: the next-90 plan and its governance gaps.

use capcall_core::format::visible;
use capcall_store::{Access, StoreError};

use super::{open, plural, Result};
use crate::args::{Cli, PlanCommand};
use crate::output::{Output, Report, Text};
use crate::table::Table;

pub(super) fn plan(cli: &Cli, out: &Output, command: &PlanCommand) -> Result {
    let stored = match command {
        // A report: exits 0 whatever it finds (like `decision list
        // --incomplete`); `plan approve` is what refuses.
        PlanCommand::Check { scenario } => {
            out.show(&open(cli, Access::Read)?.governance_check(scenario.as_deref())?);
            return Ok(());
        }
        PlanCommand::Build => open(cli, Access::Write)?.plan_build()?,
        PlanCommand::Approve { accept_gaps } => open(cli, Access::Write)?.plan_approve_with(accept_gaps.as_deref())?,
        PlanCommand::Show => open(cli, Access::Read)?
            .plan_latest(false)?
            .ok_or_else(|| StoreError::NotFound("no plan yet: `capcall plan build`".into()))?,
    };
    out.show(&stored);
    Ok(())
}

impl Report for capcall_store::StoredPlan {
    fn text(&self, t: &mut Text) {
        let pl = &self.plan;
        t.line(format!(
            "{} — plan {} ({}), from scenario '{}'",
            visible(&pl.title),
            self.id,
            self.status,
            visible(&pl.scenario)
        ));
        t.line(format!(
            "Next capital call {} USD; reallocated {} USD; {} outcomes, {} milestones, {} work-offs",
            pl.totals.next_capital_call_usd.display_grouped(),
            pl.totals.reallocated_usd.display_grouped(),
            pl.outcomes.len(),
            pl.milestones.len(),
            pl.workoffs.len()
        ));
        for m in &pl.milestones {
            t.line(format!("  {}  {:<32} {}", m.date, visible(&m.name), visible(&m.owner)));
        }
        if let Some(a) = &self.accepted_gaps {
            t.line(format!(
                "Approved with {} governance gap{} accepted by {} at {}: {}",
                a.gaps.len(),
                plural(a.gaps.len()),
                visible(&a.accepted_by),
                a.accepted_at,
                visible(&a.reason)
            ));
            for g in &a.gaps {
                t.line(format!("  {}", visible(&g.message)));
            }
        }
    }
}

impl Report for capcall_core::governance::GovernanceCheck {
    fn text(&self, t: &mut Text) {
        let c = self;
        t.line(format!(
            "Governance check of scenario '{}' ({} paths; plan window {} to {}): {}",
            visible(&c.scenario),
            c.paths,
            c.window_start,
            c.window_end,
            if c.clean {
                "no gaps".to_string()
            } else {
                format!("{} gap{}", c.gaps.len(), plural(c.gaps.len()))
            }
        ));
        if !c.gaps.is_empty() {
            let mut tb = Table::new(&["GAP", "USE CASE", "DECISION", "DETAIL"]);
            for g in &c.gaps {
                tb.row(vec![
                    serde_json::to_value(g.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                        .unwrap_or_default(),
                    g.use_case.clone().unwrap_or_else(|| "-".into()),
                    g.decision.clone().unwrap_or_else(|| "-".into()),
                    g.message.clone(),
                ]);
            }
            t.table(&tb);
            t.line("`capcall plan approve` refuses until these are closed, or accepted with --accept-gaps REASON.");
        }
    }
}
