//! `decision add|draft|edit|propose|approve|reject|supersede|list|show`: the decision log.

use capcall_core::decision::{to_yaml, Decision, Status};
use capcall_core::format::visible;
use capcall_store::{Access, StoreError};
use serde::Serialize;

use super::{money_or_dash, open, plural, Result};
use crate::args::{Cli, DecisionCommand};
use crate::output::{said, Output, Report, SortedKeys, Text};
use crate::table::Table;

/// A decision shown whole: the seed's YAML format, or JSON.
#[derive(Serialize)]
#[serde(transparent)]
struct Whole(Decision);

impl Report for Whole {
    fn text(&self, t: &mut Text) {
        t.raw(to_yaml(&self.0));
    }
}

pub(super) fn decision(cli: &Cli, out: &Output, command: &DecisionCommand) -> Result {
    let moved = |id: &str, to: Status| -> Result {
        let d = open(cli, Access::Write)?.decision_move(id, to)?;
        out.show(&said(&d, |t| {
            t.line(format!("{} is now {}", visible(&d.id), d.status.as_str()))
        }));
        Ok(())
    };
    match command {
        DecisionCommand::Add {
            path,
            use_case,
            scenario,
            title,
            owner,
            budget,
            evidence,
            guardrail,
            milestone,
            readout,
            workoff_due,
        } => {
            let route = capcall_core::rubric::Path::parse(path)
                .ok_or_else(|| StoreError::Invalid(format!("--path: '{path}' is not expand, hold or retire")))?;
            let mut p = open(cli, Access::Write)?;
            let d = p.decision_add(capcall_store::NewDecision {
                path: Some(route),
                use_case: use_case.clone(),
                scenario: scenario.clone(),
                title: title.clone(),
                owner: owner.clone(),
                budget_usd: *budget,
                evidence: evidence.clone(),
                guardrails: guardrail.clone(),
                milestones: milestone.clone(),
                readout_date: readout.unwrap_or_else(|| p.context().today()),
                workoff_due: *workoff_due,
            })?;
            out.show(&said(&d, |t| {
                t.line(format!("Logged {} ({}) as Draft", visible(&d.id), visible(&d.title)))
            }));
        }
        DecisionCommand::Propose { id } => moved(id, Status::Proposed)?,
        DecisionCommand::Approve { id } => moved(id, Status::Approved)?,
        DecisionCommand::Reject { id, reason } => {
            let d = open(cli, Access::Write)?.decision_reject(id, reason)?;
            out.show(&said(&d, |t| {
                t.line(format!(
                    "{} is now Rejected: {}",
                    visible(&d.id),
                    visible(d.rejection_reason.as_deref().unwrap_or_default())
                ))
            }));
        }
        DecisionCommand::Draft {
            from_scenario,
            readout,
            include_holds,
        } => {
            let r = open(cli, Access::Write)?.decision_draft_from_scenario(from_scenario, *readout, *include_holds)?;
            out.show(&r);
        }
        DecisionCommand::Edit {
            id,
            title,
            owner,
            budget,
            evidence,
            clear_evidence,
            guardrail,
            clear_guardrails,
            milestone,
            remove_milestone,
            workoff_due,
        } => {
            let edit = capcall_core::decision::DecisionEdit {
                title: title.clone(),
                owner: owner.clone(),
                budget_usd: *budget,
                workoff_due: *workoff_due,
                evidence: clear_evidence.then(Vec::new),
                add_evidence: evidence.clone(),
                guardrails: clear_guardrails.then(Vec::new),
                add_guardrails: guardrail.clone(),
                milestones: None,
                set_milestones: milestone.clone(),
                remove_milestones: remove_milestone.clone(),
            };
            out.show(&Whole(open(cli, Access::Write)?.decision_edit(id, &edit)?));
        }
        DecisionCommand::Supersede { id, by, approve } => {
            let mut p = open(cli, Access::Write)?;
            let d = if *approve {
                p.decision_approve_and_supersede(id, by)?
            } else {
                p.decision_supersede(id, by)?
            };
            out.show(&said(&d, |t| {
                if *approve {
                    t.line(format!("{} is now Approved", visible(by)));
                }
                t.line(format!("{} is superseded by {}", visible(&d.id), visible(by)));
            }));
        }
        DecisionCommand::List { late, incomplete } => {
            let decisions: Vec<_> = open(cli, Access::Read)?
                .decisions()?
                .into_iter()
                .filter(|v| !late || !v.within_24h)
                .filter(|v| !incomplete || v.incomplete)
                .collect();
            out.show(&SortedKeys(List { decisions }));
        }
        DecisionCommand::Show { id } => out.show(&Whole(open(cli, Access::Read)?.decision(id)?)),
    }
    Ok(())
}

impl Report for capcall_store::DraftReport {
    fn text(&self, t: &mut Text) {
        let r = self;
        t.line(format!(
            "Drafted {} decision{} from scenario '{}'; {} path{} already covered",
            r.created.len(),
            plural(r.created.len()),
            visible(&r.scenario),
            r.skipped.len(),
            plural(r.skipped.len())
        ));
        if !r.created.is_empty() {
            let mut tb = Table::new(&[
                "ID",
                "STATUS",
                "PATH",
                "USE CASE",
                "OWNER",
                "BUDGET (USD)",
                "MILESTONES",
            ]);
            tb.right_align(&[5]);
            for d in &r.created {
                tb.row(vec![
                    d.id.clone(),
                    d.status.as_str().into(),
                    d.path.as_str().into(),
                    d.use_case.clone().unwrap_or_default(),
                    d.owner.clone(),
                    money_or_dash(d.budget_usd),
                    d.milestones
                        .iter()
                        .map(|m| format!("{} {}", m.name, m.date))
                        .chain(d.workoff_due.map(|w| format!("work-off {w}")))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]);
            }
            t.table(&tb);
        }
        for s in &r.skipped {
            t.line(format!("  skipped {} ({}): {}", s.use_case, s.path.as_str(), s.reason));
        }
    }
}

/// `decision list`'s answer.
#[derive(Serialize)]
struct List {
    decisions: Vec<capcall_store::DecisionView>,
}

impl Report for List {
    fn text(&self, t: &mut Text) {
        let mut tb = Table::new(&[
            "ID",
            "STATUS",
            "TITLE",
            "OWNER",
            "BUDGET (USD)",
            "24H",
            "GUARDRAILS",
            "MISSING",
        ]);
        tb.right_align(&[4]);
        for v in &self.decisions {
            let d = &v.decision;
            let g: Vec<String> = v
                .guardrails
                .iter()
                .map(|c| format!("{}: {}", c.guardrail, c.state))
                .collect();
            tb.row(vec![
                d.id.clone(),
                match &d.rejection_reason {
                    Some(r) => format!("{}: {r}", d.status.as_str()),
                    None => d.status.as_str().into(),
                },
                d.title.clone(),
                d.owner.clone(),
                money_or_dash(d.budget_usd),
                if v.within_24h { "yes".into() } else { "LATE".into() },
                g.join("; "),
                v.missing.join("; "),
            ]);
        }
        t.table(&tb);
    }
}
