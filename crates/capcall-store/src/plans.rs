//! Next-90 plans in SQLite: built from the approved scenario and approved
//! decisions, approved as a whole; a newly approved plan supersedes the old.

use capcall_core::plan::{self, Plan, PlanInputs};
use capcall_core::scenario;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::audit;
use crate::error::{Result, StoreError};
use crate::lock::whoami;
use crate::portfolio::{now, Portfolio};

/// A stored plan.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StoredPlan {
    pub id: i64,
    pub status: String,
    pub built_at: String,
    pub built_by: String,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub plan: Plan,
}

impl Portfolio {
    /// Builds a draft plan from the approved scenario and approved decisions.
    pub fn plan_build(&mut self) -> Result<StoredPlan> {
        self.require_writer()?;
        let sc = self.approved_scenario()?.ok_or_else(|| {
            StoreError::Invalid("no approved scenario: approve one first (`capcall scenario approve NAME`)".into())
        })?;
        let outcome = scenario::run(&sc.lines, &sc.meta.params)?;
        let rubric = crate::rubrics::load(&self.conn, sc.meta.rubric_version)?;
        let inputs = self.scoring_inputs(sc.meta.as_of, &rubric.settings, None)?;
        let privacy = self.privacy_records(sc.meta.as_of, &rubric.settings)?;
        let scores: Vec<_> = inputs
            .iter()
            .map(|(uc, rows)| {
                let records = privacy.of(&uc.id);
                capcall_core::rubric::evaluate_with_incidents(
                    uc,
                    rows,
                    records,
                    sc.meta.as_of,
                    &rubric.settings,
                    rubric.version,
                )
            })
            .collect();
        let use_cases: Vec<_> = inputs.into_iter().map(|(u, _)| u).collect();
        let decisions: Vec<_> = self.decisions()?.into_iter().map(|v| v.decision).collect();
        let workoff_days = u64::from(rubric.settings.workoff_days());
        let p = plan::build(&PlanInputs {
            scenario: &sc.meta.name,
            rubric_version: sc.meta.rubric_version,
            as_of: sc.meta.as_of,
            outcome: &outcome,
            use_cases: &use_cases,
            decisions: &decisions,
            scores: &scores,
            workoff_days,
        })
        .map_err(|e| StoreError::Invalid(format!("plan: {e}")))?;
        let content = serde_json::to_string(&p).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO plans (built_at, built_by, status, scenario, content) VALUES (?1, ?2, 'draft', ?3, ?4)",
            params![now(), whoami(), sc.meta.name, content],
        )?;
        let id = tx.last_insert_rowid();
        audit::append(&tx, "plan", &id.to_string(), "build", None, Some(&content))?;
        tx.commit()?;
        self.plan_get(id)
    }

    fn plan_get(&self, id: i64) -> Result<StoredPlan> {
        self.conn
            .query_row(
                "SELECT id, status, built_at, built_by, approved_at, approved_by, content FROM plans WHERE id = ?1",
                [id],
                |r| {
                    let content: String = r.get(6)?;
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        content,
                    ))
                },
            )
            .optional()?
            .map(|(id, status, built_at, built_by, approved_at, approved_by, content)| {
                let plan: Plan =
                    plan_from_json(&content).ok_or_else(|| StoreError::Invalid(format!("plan {id} cannot be read")))?;
                Ok::<_, StoreError>(StoredPlan {
                    id,
                    status,
                    built_at,
                    built_by,
                    approved_at,
                    approved_by,
                    plan,
                })
            })
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("no plan {id}")))
    }

    /// The newest plan (approved if `approved`, else the newest of any status).
    pub fn plan_latest(&self, approved: bool) -> Result<Option<StoredPlan>> {
        let sql = if approved {
            "SELECT id FROM plans WHERE status = 'approved'"
        } else {
            "SELECT id FROM plans WHERE status <> 'superseded' ORDER BY id DESC LIMIT 1"
        };
        let id: Option<i64> = self.conn.query_row(sql, [], |r| r.get(0)).optional()?;
        id.map(|i| self.plan_get(i)).transpose()
    }

    /// Approves the newest draft plan as a whole; the old approved plan is superseded.
    pub fn plan_approve(&mut self) -> Result<StoredPlan> {
        self.require_writer()?;
        let id: i64 = self
            .conn
            .query_row(
                "SELECT id FROM plans WHERE status = 'draft' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::Invalid("no draft plan: build one first (`capcall plan build`)".into()))?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("UPDATE plans SET status = 'superseded' WHERE status = 'approved'", [])?;
        tx.execute(
            "UPDATE plans SET status = 'approved', approved_at = ?1, approved_by = ?2 WHERE id = ?3",
            params![now(), whoami(), id],
        )?;
        audit::append(&tx, "plan", &id.to_string(), "approve", None, None)?;
        tx.commit()?;
        self.plan_get(id)
    }
}

/// Plans are stored as JSON; reading one back reuses the serde model.
fn plan_from_json(content: &str) -> Option<Plan> {
    serde_json::from_str(content).ok()
}
