//! The decision log in SQLite: adding entries (validated), the workflow
//! moves, supersession, and the views the log screen shows (24-hour rule,
//! missing items, guardrails checked against the latest observations).
//! Every change is written to the audit trail in the same transaction.

use capcall_core::decision::{self, Decision, Guardrail, GuardrailCheck, Milestone, Status};
use capcall_core::money::Planned;
use capcall_core::rubric::Path as Route;
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::error::{Result, StoreError};
use crate::portfolio::Portfolio;
use crate::records::{self, decision_from_row, DECISION_COLUMNS};

/// What `decision add` takes.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewDecision {
    pub path: Option<Route>,
    pub use_case: Option<String>,
    pub scenario: Option<String>,
    pub title: Option<String>,
    pub owner: String,
    pub budget_usd: Option<Planned>,
    pub evidence: Vec<String>,
    pub guardrails: Vec<String>,
    pub milestones: Vec<String>,
    pub readout_date: NaiveDate,
    pub workoff_due: Option<NaiveDate>,
}

/// A decision with what the log screen shows beside it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DecisionView {
    pub decision: Decision,
    pub within_24h: bool,
    /// What approval still needs (empty when complete).
    pub missing: Vec<String>,
    /// Open and missing something ([`decision::is_incomplete`]).
    pub incomplete: bool,
    pub guardrails: Vec<GuardrailCheck>,
    /// Each milestone's name as a person reads it, in the order of the
    /// decision's milestones (`capcall_core::plan::milestone_label`).
    pub milestone_labels: Vec<String>,
    /// The workflow moves open to it now ([`Status::next`]).
    pub next: Vec<Status>,
    /// A Hold's work-off must be due within this many days (the rubric's).
    pub workoff_days: u32,
}

/// One decision by id, inside a transaction.
fn read(conn: &rusqlite::Connection, id: &str) -> Result<Decision> {
    conn.query_row(
        &format!("SELECT {DECISION_COLUMNS} FROM decisions WHERE id = ?1"),
        [id],
        decision_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no decision '{id}'")))
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_default()
}

/// Inserts a new decision row.
fn insert(conn: &rusqlite::Connection, seq: i64, d: &Decision) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO decisions (seq, {DECISION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"),
        params![
            seq,
            d.id,
            d.title,
            d.path.as_str(),
            d.use_case,
            d.scenario,
            d.owner,
            d.budget_usd.map(|b| b.cents()).transpose()?,
            json_list(&d.evidence),
            json_list(&d.guardrails.iter().map(|g| g.to_string()).collect::<Vec<_>>()),
            serde_json::to_string(&d.milestones).unwrap_or_default(),
            d.status.as_str(),
            d.readout_date.to_string(),
            d.logged_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            d.workoff_due.map(|w| w.to_string()),
            d.superseded_by,
            d.rejection_reason,
        ],
    )?;
    Ok(())
}

/// What drafting from a scenario did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DraftReport {
    pub scenario: String,
    /// The new Draft decisions.
    pub created: Vec<Decision>,
    /// Paths a decision already covers.
    pub skipped: Vec<capcall_core::governance::Skipped>,
}

fn snapshot(d: &Decision) -> String {
    serde_json::to_string(d).unwrap_or_default()
}

impl Portfolio {
    /// Logs a new decision as a Draft; the id is `DEC-<readout date>-NN`.
    pub fn decision_add(&mut self, n: NewDecision) -> Result<Decision> {
        self.require_writer()?;
        for (i, e) in n.evidence.iter().enumerate() {
            decision::check_evidence(e).map_err(|m| StoreError::Invalid(format!("evidence {}: {m}", i + 1)))?;
        }
        let guardrails = n
            .guardrails
            .iter()
            .map(|g| Guardrail::parse(g).map_err(|e| StoreError::Invalid(format!("guardrail '{g}': {e}"))))
            .collect::<Result<Vec<_>>>()?;
        let milestones = n
            .milestones
            .iter()
            .map(|m| Milestone::parse(m).map_err(|e| StoreError::Invalid(format!("milestone: {e}"))))
            .collect::<Result<Vec<_>>>()?;
        if let Some(b) = n.budget_usd {
            if b.is_negative() {
                return Err(StoreError::Invalid("budget_usd must not be negative".into()));
            }
        }
        let subject = match &n.use_case {
            Some(id) => Some(self.use_case(id)?.name),
            None => None,
        };
        if let Some(s) = &n.scenario {
            self.scenario(s)?;
        }
        let path = n
            .path
            .ok_or_else(|| StoreError::Invalid("path: expand, hold or retire is required".into()))?;
        let title = match (&n.title, &subject) {
            (Some(t), _) if !t.trim().is_empty() => t.trim().to_string(),
            (_, Some(name)) => decision::default_title(path, name),
            _ => {
                return Err(StoreError::Invalid(
                    "title: give a title or a use case to derive it from".into(),
                ))
            }
        };
        let tx = crate::db::write_tx(&mut self.conn)?;
        let day = n.readout_date.to_string();
        let seq: i64 = tx.query_row(
            "SELECT coalesce(max(seq), 0) + 1 FROM decisions WHERE readout_date = ?1",
            [&day],
            |r| r.get(0),
        )?;
        let d = Decision {
            id: format!("DEC-{day}-{seq:02}"),
            title,
            path,
            use_case: n.use_case.clone(),
            scenario: n.scenario.clone(),
            owner: n.owner.trim().to_string(),
            budget_usd: n.budget_usd,
            evidence: n.evidence.clone(),
            guardrails,
            milestones,
            status: Status::Draft,
            readout_date: n.readout_date,
            logged_at: self.ctx.now_utc(),
            workoff_due: n.workoff_due,
            superseded_by: None,
            rejection_reason: None,
        };
        insert(&tx, seq, &d)?;
        audit::append(&tx, &self.ctx, "decision", &d.id, "add", None, Some(&snapshot(&d)))?;
        tx.commit()?;
        Ok(d)
    }

    /// Edits a Draft (`capcall_core::decision::apply_edit` validates and
    /// refuses anything but a Draft). Each edit that changes something is one
    /// audited revision with the decision before and after; an edit that
    /// changes nothing writes nothing.
    pub fn decision_edit(&mut self, id: &str, edit: &decision::DecisionEdit) -> Result<Decision> {
        self.require_writer()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let d = read(&tx, id)?;
        let n = decision::apply_edit(&d, edit).map_err(|e| match e {
            decision::EditError::NotDraft { .. } => StoreError::Conflict(e.to_string()),
            decision::EditError::Invalid(m) => StoreError::Invalid(format!("{id}: {m}")),
        })?;
        if n == d {
            return Ok(d);
        }
        tx.execute(
            "UPDATE decisions SET title = ?1, owner = ?2, budget_cents = ?3, evidence = ?4, guardrails = ?5, \
             milestones = ?6, workoff_due = ?7 WHERE id = ?8",
            params![
                n.title,
                n.owner,
                n.budget_usd.map(|b| b.cents()).transpose()?,
                json_list(&n.evidence),
                json_list(&n.guardrails.iter().map(|g| g.to_string()).collect::<Vec<_>>()),
                serde_json::to_string(&n.milestones).unwrap_or_default(),
                n.workoff_due.map(|w| w.to_string()),
                id
            ],
        )?;
        let revision: i64 = tx.query_row(
            "SELECT count(*) + 1 FROM audit WHERE entity = 'decision' AND entity_id = ?1 AND action LIKE 'edit (revision %'",
            [id],
            |r| r.get(0),
        )?;
        audit::append(
            &tx,
            &self.ctx,
            "decision",
            id,
            &format!("edit (revision {revision})"),
            Some(&snapshot(&d)),
            Some(&snapshot(&n)),
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Rejects a Draft or Proposed decision, recording why.
    pub fn decision_reject(&mut self, id: &str, reason: &str) -> Result<Decision> {
        self.require_writer()?;
        let reason = decision::check_rejection_reason(reason).map_err(StoreError::Invalid)?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let d = read(&tx, id)?;
        if !d.status.can_move_to(Status::Rejected) {
            return Err(StoreError::Conflict(format!(
                "{id} is {}; it cannot become Rejected",
                d.status.as_str()
            )));
        }
        tx.execute(
            "UPDATE decisions SET status = 'Rejected', rejection_reason = ?1 WHERE id = ?2",
            params![reason, id],
        )?;
        let after = Decision {
            status: Status::Rejected,
            rejection_reason: Some(reason),
            ..d.clone()
        };
        audit::append(
            &tx,
            &self.ctx,
            "decision",
            id,
            &format!("status {} -> Rejected", d.status.as_str()),
            Some(&snapshot(&d)),
            Some(&snapshot(&after)),
        )?;
        tx.commit()?;
        Ok(after)
    }

    /// One Draft per Expand and Retire path of a scenario (and Hold with
    /// `include_holds`) that no decision covers yet
    /// (`capcall_core::governance::drafts_from_scenario`), all in one
    /// transaction, each audited. Re-running drafts nothing twice.
    pub fn decision_draft_from_scenario(
        &mut self,
        scenario: &str,
        readout_date: Option<NaiveDate>,
        include_holds: bool,
    ) -> Result<DraftReport> {
        use capcall_core::governance::{drafts_from_scenario, DraftInputs};
        self.require_writer()?;
        let sc = self.scenario(scenario)?;
        let outcome = capcall_core::scenario::run(&sc.lines, &sc.meta.params)?;
        let use_cases: Vec<_> = self.use_cases()?.into_iter().map(|r| r.use_case).collect();
        let workoff_days = self.rubric()?.settings.workoff_days();
        let now = self.ctx.now_utc();
        let readout = readout_date.unwrap_or(now.date());
        let tx = crate::db::write_tx(&mut self.conn)?;
        let existing = records::decisions(&tx)?;
        let plan = drafts_from_scenario(&DraftInputs {
            scenario,
            outcome: &outcome,
            use_cases: &use_cases,
            decisions: &existing,
            readout_date: readout,
            workoff_days,
            include_holds,
        });
        let day = readout.to_string();
        let mut seq: i64 = tx.query_row(
            "SELECT coalesce(max(seq), 0) FROM decisions WHERE readout_date = ?1",
            [&day],
            |r| r.get(0),
        )?;
        let mut created = vec![];
        for spec in &plan.drafts {
            seq += 1;
            let d = Decision {
                id: format!("DEC-{day}-{seq:02}"),
                title: spec.title.clone(),
                path: spec.path,
                use_case: Some(spec.use_case.clone()),
                scenario: Some(scenario.to_string()),
                owner: spec.owner.clone(),
                budget_usd: Some(spec.budget_usd),
                evidence: vec![],
                guardrails: vec![],
                milestones: spec.milestones.clone(),
                status: Status::Draft,
                readout_date: readout,
                logged_at: now,
                workoff_due: spec.workoff_due,
                superseded_by: None,
                rejection_reason: None,
            };
            insert(&tx, seq, &d)?;
            audit::append(
                &tx,
                &self.ctx,
                "decision",
                &d.id,
                &format!("draft from scenario {scenario}"),
                None,
                Some(&snapshot(&d)),
            )?;
            created.push(d);
        }
        tx.commit()?;
        Ok(DraftReport {
            scenario: scenario.to_string(),
            created,
            skipped: plan.skipped,
        })
    }

    pub fn decision(&self, id: &str) -> Result<Decision> {
        self.conn
            .query_row(
                &format!("SELECT {DECISION_COLUMNS} FROM decisions WHERE id = ?1"),
                [id],
                decision_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no decision '{id}'")))
    }

    /// Every decision (oldest first) with its 24 h flag, missing items and guardrail checks.
    pub fn decisions(&self) -> Result<Vec<DecisionView>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {DECISION_COLUMNS} FROM decisions ORDER BY readout_date, seq"
        ))?;
        let list: Vec<Decision> = stmt
            .query_map([], decision_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        let days = i64::from(self.rubric()?.settings.workoff_days());
        // The guardrails' observations: one query for every decided use case.
        let by_use_case = self.observations_of_decided_use_cases()?;
        let names: std::collections::HashMap<String, String> = self
            .conn
            .prepare_cached("SELECT id, name FROM use_cases")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let none = Vec::new();
        list.into_iter()
            .map(|d| {
                let rows = d.use_case.as_ref().and_then(|id| by_use_case.get(id)).unwrap_or(&none);
                let missing = decision::missing_for_approval(&d, days);
                Ok(DecisionView {
                    next: d.status.next(),
                    workoff_days: u32::try_from(days).unwrap_or(u32::MAX),
                    within_24h: decision::logged_within_24h(&d),
                    incomplete: decision::is_incomplete(&d, &missing),
                    missing,
                    guardrails: d.guardrails.iter().map(|g| decision::check(g, rows)).collect(),
                    milestone_labels: d
                        .milestones
                        .iter()
                        .map(|m| capcall_core::plan::milestone_label(&m.name, |id| names.get(id).cloned()))
                        .collect(),
                    decision: d,
                })
            })
            .collect()
    }

    /// Moves a decision along its workflow. Approval checks completeness and
    /// names what is missing; nothing changes on refusal.
    pub fn decision_move(&mut self, id: &str, to: Status) -> Result<Decision> {
        self.require_writer()?;
        let d = self.decision(id)?;
        if to == Status::Superseded {
            return Err(StoreError::Invalid(
                "use supersede with the superseding decision".into(),
            ));
        }
        if to == Status::Rejected {
            return Err(StoreError::Invalid(format!(
                "a rejection needs a reason: reject {id} with its reason (`capcall decision reject {id} --reason R`)"
            )));
        }
        if !d.status.can_move_to(to) {
            return Err(StoreError::Conflict(format!(
                "{id} is {}; it cannot become {}",
                d.status.as_str(),
                to.as_str()
            )));
        }
        if to == Status::Approved {
            let days = i64::from(self.rubric()?.settings.workoff_days());
            let missing = decision::missing_for_approval(&d, days);
            if !missing.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "cannot approve {id}: missing {}",
                    missing.join("; ")
                )));
            }
        }
        let tx = crate::db::write_tx(&mut self.conn)?;
        tx.execute(
            "UPDATE decisions SET status = ?1 WHERE id = ?2",
            params![to.as_str(), id],
        )?;
        let after = Decision {
            status: to,
            ..d.clone()
        };
        audit::append(
            &tx,
            &self.ctx,
            "decision",
            id,
            &format!("status {} -> {}", d.status.as_str(), to.as_str()),
            Some(&snapshot(&d)),
            Some(&snapshot(&after)),
        )?;
        tx.commit()?;
        Ok(after)
    }

    /// Marks an approved decision superseded by a later one, which must
    /// itself be Approved (`capcall_core::decision::check_supersede`), so the
    /// path never loses its decision in force.
    pub fn decision_supersede(&mut self, id: &str, by: &str) -> Result<Decision> {
        self.supersede(id, by, false)
    }

    /// Approves `by` (Proposed and complete) and supersedes `id` with it in
    /// one transaction: either both change or neither.
    pub fn decision_approve_and_supersede(&mut self, id: &str, by: &str) -> Result<Decision> {
        self.supersede(id, by, true)
    }

    fn supersede(&mut self, id: &str, by: &str, approve_newer: bool) -> Result<Decision> {
        use capcall_core::decision::SupersedeError as E;
        self.require_writer()?;
        let days = i64::from(self.rubric()?.settings.workoff_days());
        let tx = crate::db::write_tx(&mut self.conn)?;
        // Read both inside the write transaction: what is checked is what changes.
        let read = |key: &str| -> Result<Decision> {
            tx.query_row(
                &format!("SELECT {DECISION_COLUMNS} FROM decisions WHERE id = ?1"),
                [key],
                decision_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no decision '{key}'")))
        };
        let d = read(id)?;
        let newer = read(by)?;
        decision::check_supersede(&d, &newer, approve_newer, days).map_err(|e| match e {
            E::NotLater { .. } | E::Incomplete { .. } => StoreError::Invalid(e.to_string()),
            _ => StoreError::Conflict(e.to_string()),
        })?;
        if newer.status != Status::Approved {
            tx.execute("UPDATE decisions SET status = 'Approved' WHERE id = ?1", params![by])?;
            let approved = Decision {
                status: Status::Approved,
                ..newer.clone()
            };
            audit::append(
                &tx,
                &self.ctx,
                "decision",
                by,
                &format!("status {} -> Approved (to supersede {id})", newer.status.as_str()),
                Some(&snapshot(&newer)),
                Some(&snapshot(&approved)),
            )?;
        }
        tx.execute(
            "UPDATE decisions SET status = 'Superseded', superseded_by = ?1 WHERE id = ?2",
            params![by, id],
        )?;
        let after = Decision {
            status: Status::Superseded,
            superseded_by: Some(by.into()),
            ..d.clone()
        };
        audit::append(
            &tx,
            &self.ctx,
            "decision",
            id,
            &format!("superseded by {by}"),
            Some(&snapshot(&d)),
            Some(&snapshot(&after)),
        )?;
        tx.commit()?;
        Ok(after)
    }

    /// Checks the trail end to end, that stored records match it, and (when
    /// given) that it still extends a digest recorded earlier, e.g. in a pack.
    pub fn audit_verify(&self, against: Option<&audit::AuditDigest>) -> Result<audit::Verification> {
        audit::verify_full(&self.conn, against)
    }

    /// The trail's current digest.
    pub fn audit_digest(&self) -> Result<audit::AuditDigest> {
        audit::digest_of(&self.conn)
    }

    pub fn audit_history(&self, entity: Option<&str>, id: Option<&str>, limit: i64) -> Result<Vec<audit::AuditEntry>> {
        audit::history(&self.conn, entity, id, limit)
    }
}
