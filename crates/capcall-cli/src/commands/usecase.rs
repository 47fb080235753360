//! `usecase list|add|set|retire|remove|vs-approved` and `observation
//! correct|corrections`: the portfolio's rows, edited in place (audited).

use capcall_core::format::{ucr_or_unknown, visible};
use capcall_store::Change;
use capcall_store::{Access, Edit};
use serde::Serialize;

use super::{audit_note, money_or_dash, open, reason_note, Result};
use crate::args::{Cli, ObservationCommand, UsecaseCommand};
use crate::output::{said, Output, Report, SortedKeys, Text};
use crate::table::Table;

pub(super) fn usecase(cli: &Cli, out: &Output, command: &UsecaseCommand) -> Result {
    match command {
        UsecaseCommand::List => {
            let use_cases = open(cli, Access::Read)?.use_cases()?;
            out.show(&SortedKeys(List { use_cases }));
            return Ok(());
        }
        UsecaseCommand::VsApproved => {
            let approved = open(cli, Access::Read)?.budget_vs_approved()?;
            out.show(&SortedKeys(VsApproved { approved }));
            return Ok(());
        }
        _ => {}
    }
    let mut p = open(cli, Access::Write)?;
    let edit = match command {
        UsecaseCommand::List | UsecaseCommand::VsApproved => unreachable!("answered above"),
        UsecaseCommand::Add {
            id,
            name,
            owner,
            wave,
            region,
            budget,
            status,
            flag,
            levers,
            reason,
        } => p.use_case_add(capcall_store::NewUseCase {
            id: id.clone(),
            name: name.clone(),
            owner: owner.clone(),
            wave: wave.clone(),
            region: region.clone(),
            status: status.clone(),
            flag: flag.clone(),
            budget_usd: budget.clone(),
            levers: levers.clone(),
            reason: reason.clone(),
        })?,
        UsecaseCommand::Set {
            id,
            field,
            value,
            reason,
        } => p.use_case_set(id, field, value, reason.as_deref())?,
        UsecaseCommand::Retire { id, sunset, reason } => p.use_case_retire(id, *sunset, reason)?,
        UsecaseCommand::Remove { id, reason } => p.use_case_remove(id, reason.as_deref())?,
    };
    out.show(&said(&edit, |t| edited(t, command, &edit)));
    Ok(())
}

/// `usecase list`'s answer.
#[derive(Serialize)]
struct List {
    use_cases: Vec<capcall_store::UseCaseRow>,
}

impl Report for List {
    fn text(&self, t: &mut Text) {
        let mut tb = Table::new(&[
            "ID",
            "NAME",
            "WAVE",
            "REGION",
            "STATUS",
            "BUDGET/Q (USD)",
            "LATEST UCR",
            "ROWS",
            "LATEST",
        ]);
        tb.right_align(&[5, 6, 7]);
        for r in &self.use_cases {
            let u = &r.use_case;
            tb.row(vec![
                u.id.clone(),
                u.name.clone(),
                u.wave.clone(),
                u.region.clone(),
                u.status.as_str().into(),
                u.budget_usd.display_grouped(),
                ucr_or_unknown(r.latest_ucr),
                r.observations.to_string(),
                r.latest_period.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            ]);
        }
        t.table(&tb);
    }
}

/// `usecase vs-approved`'s answer (`approved` is null without an approved scenario).
#[derive(Serialize)]
struct VsApproved {
    approved: Option<capcall_store::BudgetVsApproved>,
}

impl Report for VsApproved {
    fn text(&self, t: &mut Text) {
        let Some(vs) = &self.approved else {
            t.line("No approved scenario.");
            return;
        };
        t.line(format!(
            "Current budgets against the approved scenario '{}'\n",
            visible(&vs.scenario)
        ));
        let mut tb = Table::new(&["USE CASE", "STATUS", "CURRENT", "APPROVED NEW", "DIFFERENCE", "CHANGED"]);
        tb.right_align(&[2, 3, 4]);
        for l in &vs.lines {
            tb.row(vec![
                l.use_case.clone(),
                l.current_status
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "removed".into()),
                money_or_dash(l.current_budget_usd),
                money_or_dash(l.approved_new_budget_usd),
                money_or_dash(l.difference_usd),
                if l.changed_since_approval { "yes" } else { "" }.into(),
            ]);
        }
        tb.row(vec![
            "TOTAL".into(),
            String::new(),
            vs.current_total_usd.display_grouped(),
            vs.approved_total_usd.display_grouped(),
            vs.difference_usd.display_grouped(),
            String::new(),
        ]);
        t.table(&tb);
    }
}

/// The sentence for a use-case edit.
fn edited(t: &mut Text, command: &UsecaseCommand, edit: &Edit) {
    let Change::UseCase {
        id,
        before,
        after,
        removed,
    } = &edit.change
    else {
        unreachable!("a use-case edit")
    };
    let id = visible(id);
    let why = reason_note(edit.reason.as_deref());
    let at = audit_note(edit);
    match (command, before, after) {
        (UsecaseCommand::Add { .. }, _, Some(a)) => t.line(format!(
            "Added use case {id} ({}), {}, budget {}/quarter{why}{at}",
            visible(&a.use_case.name),
            a.use_case.status.as_str(),
            a.use_case.budget_usd.display_grouped()
        )),
        (UsecaseCommand::Set { field, .. }, Some(b), Some(a)) => {
            let show = |s: &capcall_store::UseCaseState| {
                s.field(field)
                    .map(|v| visible(&v).into_owned())
                    .unwrap_or_else(|| "(empty)".into())
            };
            if edit.changed {
                t.line(format!(
                    "Set {id} {}: {} -> {}{why}{at}",
                    visible(field),
                    show(b),
                    show(a)
                ));
            } else {
                t.line(format!(
                    "{id} {} is already {}; nothing changed",
                    visible(field),
                    show(a)
                ));
            }
        }
        (UsecaseCommand::Retire { .. }, _, Some(a)) => {
            if edit.changed {
                t.line(format!(
                    "Retired {id} from {}{why}{at}",
                    a.use_case.sunset_date.map(|d| d.to_string()).unwrap_or_default()
                ));
            } else {
                t.line(format!("{id} is already retired from that date; nothing changed"));
            }
        }
        _ => {
            let h = removed.clone().unwrap_or_default();
            t.line(format!(
                "Removed use case {id} with {} observation rows and {} incidents{why}{at}",
                h.observations.len(),
                h.incidents.len()
            ));
        }
    }
}

pub(super) fn observation(cli: &Cli, out: &Output, command: &ObservationCommand) -> Result {
    match command {
        ObservationCommand::Correct {
            use_case,
            period_start,
            field,
            value,
            reason,
        } => {
            let edit = open(cli, Access::Write)?.observation_correct(use_case, *period_start, field, value, reason)?;
            out.show(&said(&edit, |t| {
                let Change::Observation { before, after, .. } = &edit.change else {
                    unreachable!("an observation edit")
                };
                let show = |v: &Option<String>| -> String {
                    v.as_deref()
                        .map(|t| visible(t).into_owned())
                        .unwrap_or_else(|| "unknown".into())
                };
                if edit.changed {
                    t.line(format!(
                        "Corrected {} {period_start} {}: {} -> {}{}{}",
                        visible(use_case),
                        visible(field),
                        show(before),
                        show(after),
                        reason_note(edit.reason.as_deref()),
                        audit_note(&edit)
                    ));
                } else {
                    t.line(format!(
                        "{} {period_start} {} is already {}; nothing changed",
                        visible(use_case),
                        visible(field),
                        show(after)
                    ));
                }
            }));
        }
        ObservationCommand::Corrections { use_case } => {
            let corrections = open(cli, Access::Read)?.observation_corrections(use_case.as_deref())?;
            out.show(&SortedKeys(Corrections { corrections }));
        }
    }
    Ok(())
}

/// `observation corrections`' answer.
#[derive(Serialize)]
struct Corrections {
    corrections: Vec<capcall_store::Correction>,
}

impl Report for Corrections {
    fn text(&self, t: &mut Text) {
        let mut tb = Table::new(&[
            "SEQ", "AT", "WHO", "USE CASE", "PERIOD", "FIELD", "BEFORE", "AFTER", "REASON",
        ]);
        for c in &self.corrections {
            tb.row(vec![
                c.seq.to_string(),
                c.at.clone(),
                c.who.clone(),
                c.use_case.clone(),
                c.period_start.clone(),
                c.field.clone(),
                c.before.clone().unwrap_or_else(|| "unknown".into()),
                c.after.clone().unwrap_or_else(|| "unknown".into()),
                c.reason.clone().unwrap_or_default(),
            ]);
        }
        t.table(&tb);
    }
}
