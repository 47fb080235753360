//! The decision log in SQLite: adding entries (validated), the workflow
//! moves, supersession, and the views the log screen shows (24-hour rule,
//! missing items, guardrails checked against the latest observations).
//! Every change is written to the audit trail in the same transaction.

use capcall_core::decision::{self, Decision, Guardrail, GuardrailCheck, Milestone, Status};
use capcall_core::money::Planned;
use capcall_core::rubric::Path as Route;
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::error::{Result, StoreError};
use crate::import::parse_date;
use crate::portfolio::{now_utc, Portfolio};

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
    pub guardrails: Vec<GuardrailCheck>,
}

const COLUMNS: &str =
    "id, title, path, use_case, scenario, owner, budget_cents, evidence, guardrails, milestones, status, \
    readout_date, logged_at, workoff_due, superseded_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Decision> {
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let guardrails: Vec<String> = serde_json::from_str(&json(8)?).unwrap_or_default();
    let path: String = r.get(2)?;
    let status: String = r.get(10)?;
    let readout: String = r.get(11)?;
    let logged: String = r.get(12)?;
    Ok(Decision {
        id: r.get(0)?,
        title: r.get(1)?,
        path: Route::parse(&path).unwrap_or(Route::Hold),
        use_case: r.get(3)?,
        scenario: r.get(4)?,
        owner: r.get(5)?,
        budget_usd: r.get::<_, Option<i64>>(6)?.map(Planned::from_cents),
        evidence: serde_json::from_str(&json(7)?).unwrap_or_default(),
        guardrails: guardrails.iter().filter_map(|g| Guardrail::parse(g).ok()).collect(),
        milestones: serde_json::from_str(&json(9)?).unwrap_or_default(),
        status: Status::parse(&status).unwrap_or(Status::Draft),
        readout_date: parse_date(&readout).unwrap_or_default(),
        logged_at: chrono::NaiveDateTime::parse_from_str(&logged, "%Y-%m-%dT%H:%M:%SZ").unwrap_or_default(),
        workoff_due: r.get::<_, Option<String>>(13)?.and_then(|d| parse_date(&d).ok()),
        superseded_by: r.get(14)?,
    })
}

/// Every stored decision, oldest first.
pub(crate) fn all(conn: &rusqlite::Connection) -> Result<Vec<Decision>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM decisions ORDER BY readout_date, seq"))?;
    let list = stmt.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(list)
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
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
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
            logged_at: now_utc().with_nanosecond_zero(),
            workoff_due: n.workoff_due,
            superseded_by: None,
        };
        tx.execute(
            &format!("INSERT INTO decisions (seq, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
            params![
                seq,
                d.id,
                d.title,
                d.path.as_str(),
                d.use_case,
                d.scenario,
                d.owner,
                d.budget_usd.map(|b| b.cents()).transpose()?,
                serde_json::to_string(&d.evidence).unwrap_or_default(),
                serde_json::to_string(&d.guardrails.iter().map(|g| g.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
                serde_json::to_string(&d.milestones).unwrap_or_default(),
                d.status.as_str(),
                day,
                d.logged_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                d.workoff_due.map(|w| w.to_string()),
                Option::<String>::None,
            ],
        )?;
        audit::append(&tx, "decision", &d.id, "add", None, Some(&snapshot(&d)))?;
        tx.commit()?;
        Ok(d)
    }

    pub fn decision(&self, id: &str) -> Result<Decision> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM decisions WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no decision '{id}'")))
    }

    /// Every decision (oldest first) with its 24 h flag, missing items and guardrail checks.
    pub fn decisions(&self) -> Result<Vec<DecisionView>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM decisions ORDER BY readout_date, seq"))?;
        let list: Vec<Decision> = stmt.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
        let days = i64::from(self.rubric()?.settings.workoff_days());
        list.into_iter()
            .map(|d| {
                let rows = match &d.use_case {
                    Some(id) => self.observations(id).unwrap_or_default(),
                    None => vec![],
                };
                Ok(DecisionView {
                    within_24h: decision::logged_within_24h(&d),
                    missing: decision::missing_for_approval(&d, days),
                    guardrails: d.guardrails.iter().map(|g| decision::check(g, &rows)).collect(),
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
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Read both inside the write transaction: what is checked is what changes.
        let read = |key: &str| -> Result<Decision> {
            tx.query_row(
                &format!("SELECT {COLUMNS} FROM decisions WHERE id = ?1"),
                [key],
                from_row,
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

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl NoNanos for chrono::NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}
