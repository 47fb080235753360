//! Next-90 plans in SQLite: built from the approved scenario and approved
//! decisions, approved as a whole; a newly approved plan supersedes the old.

use capcall_core::governance::{self, AcceptedGaps, GapInputs, GovernanceCheck};
use capcall_core::plan::{self, Plan, PlanInputs, PlanStatus};
use capcall_core::scenario;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::audit;
use crate::error::{Result, StoreError};
use crate::portfolio::Portfolio;

/// A stored plan.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StoredPlan {
    pub id: i64,
    pub status: PlanStatus,
    pub built_at: String,
    pub built_by: String,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub plan: Plan,
    /// The governance gaps accepted at approval, with the reason.
    pub accepted_gaps: Option<AcceptedGaps>,
}

impl Portfolio {
    /// Builds a draft plan from the approved scenario and approved decisions.
    pub fn plan_build(&mut self) -> Result<StoredPlan> {
        self.require_writer()?;
        let sc = self.approved_scenario()?.ok_or_else(|| {
            StoreError::Invalid("no approved scenario: approve one first (`capcall scenario approve NAME`)".into())
        })?;
        let p = self.plan_of(&sc)?;
        let content = serde_json::to_string(&p).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        tx.execute(
            "INSERT INTO plans (built_at, built_by, status, scenario, content) VALUES (?1, ?2, 'draft', ?3, ?4)",
            params![self.ctx.now(), self.ctx.actor(), sc.meta.name, content],
        )?;
        let id = tx.last_insert_rowid();
        audit::append(&tx, &self.ctx, "plan", &id.to_string(), "build", None, Some(&content))?;
        tx.commit()?;
        self.plan_get(id)
    }

    /// The plan scenario `name` (draft or approved) would give, built by the
    /// core's plan builder in memory and not stored: the board's pre-read.
    pub fn plan_preview(&self, name: &str) -> Result<Plan> {
        let sc = self.scenario(name)?;
        self.plan_of(&sc)
    }

    fn plan_of(&self, sc: &crate::scenarios::Scenario) -> Result<Plan> {
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
        plan::build(&PlanInputs {
            scenario: &sc.meta.name,
            rubric_version: sc.meta.rubric_version,
            as_of: sc.meta.as_of,
            outcome: &outcome,
            use_cases: &use_cases,
            decisions: &decisions,
            scores: &scores,
            workoff_days,
        })
        .map_err(|e| StoreError::Invalid(format!("plan: {e}")))
    }

    fn plan_get(&self, id: i64) -> Result<StoredPlan> {
        self.conn
            .query_row(
                "SELECT id, status, built_at, built_by, approved_at, approved_by, content, accepted_gaps FROM plans WHERE id = ?1",
                [id],
                |r| {
                    let content: String = r.get(6)?;
                    let status: String = r.get(1)?;
                    let accepted: Option<String> = r.get(7)?;
                    Ok((
                        r.get(0)?,
                        (status, accepted),
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        content,
                    ))
                },
            )
            .optional()?
            .map(|(id, (status, accepted), built_at, built_by, approved_at, approved_by, content)| {
                let mut plan: Plan =
                    plan_from_json(&content).ok_or_else(|| StoreError::Invalid(format!("plan {id} cannot be read")))?;
                // A plan stored before it carried labels gains them (core's rule).
                if plan.milestones.iter().any(|m| m.label.is_empty())
                    || plan.outcomes.iter().any(|o| o.target_labels.len() != o.targets.len())
                {
                    let mut names = self.conn.prepare_cached("SELECT name FROM use_cases WHERE id = ?1")?;
                    plan.label(|uc| names.query_row([uc], |r| r.get(0)).ok());
                }
                let status = PlanStatus::parse(&status)
                    .ok_or_else(|| StoreError::Invalid(format!("plan {id}: stored status '{status}' is not a plan status")))?;
                let accepted_gaps = accepted
                    .map(|a| {
                        serde_json::from_str(&a)
                            .map_err(|e| StoreError::Invalid(format!("plan {id}: accepted gaps cannot be read: {e}")))
                    })
                    .transpose()?;
                Ok::<_, StoreError>(StoredPlan {
                    id,
                    status,
                    accepted_gaps,
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

    /// Approves the newest draft plan as a whole; the old approved plan is
    /// superseded. Refuses while its scenario has governance gaps
    /// ([`Portfolio::governance_check`]); see [`Portfolio::plan_approve_with`].
    pub fn plan_approve(&mut self) -> Result<StoredPlan> {
        self.plan_approve_with(None)
    }

    /// Approves the newest draft plan. With governance gaps open it refuses
    /// (a conflict listing them) unless `accept_gaps` gives a reason; the
    /// reason, who, when and the gaps are then stored with the plan (frozen
    /// with it), audited, and shown in the board pack.
    pub fn plan_approve_with(&mut self, accept_gaps: Option<&str>) -> Result<StoredPlan> {
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
        let draft = self.plan_get(id)?;
        let check = self.governance_check(Some(&draft.plan.scenario))?;
        let accepted = match (check.clean, accept_gaps.map(str::trim)) {
            (true, _) => None,
            (false, Some(reason)) if !reason.is_empty() => Some(AcceptedGaps {
                reason: reason.to_string(),
                accepted_by: self.ctx.actor().to_string(),
                accepted_at: self.ctx.now(),
                gaps: check.gaps.clone(),
            }),
            (false, _) => {
                let mut msg = format!(
                    "plan {id} has {} governance gap{}; close them (`capcall plan check`) or approve with --accept-gaps REASON:",
                    check.gaps.len(),
                    if check.gaps.len() == 1 { "" } else { "s" }
                );
                for g in &check.gaps {
                    msg.push_str("\n  ");
                    msg.push_str(&g.message);
                }
                return Err(StoreError::Conflict(msg));
            }
        };
        let accepted_json = accepted
            .as_ref()
            .map(|a| serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string())))
            .transpose()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        tx.execute("UPDATE plans SET status = 'superseded' WHERE status = 'approved'", [])?;
        tx.execute(
            "UPDATE plans SET status = 'approved', approved_at = ?1, approved_by = ?2, accepted_gaps = ?3 WHERE id = ?4",
            params![self.ctx.now(), self.ctx.actor(), accepted_json, id],
        )?;
        let action = match &accepted {
            Some(a) => format!("approve, accepting {} governance gaps", a.gaps.len()),
            None => "approve".to_string(),
        };
        audit::append(
            &tx,
            &self.ctx,
            "plan",
            &id.to_string(),
            &action,
            None,
            accepted_json.as_deref(),
        )?;
        tx.commit()?;
        self.plan_get(id)
    }

    /// The governance gaps of a scenario's paths against the decision log
    /// (`capcall_core::governance::gaps`): `scenario`, else the approved one.
    pub fn governance_check(&self, scenario: Option<&str>) -> Result<GovernanceCheck> {
        let sc = match scenario {
            Some(name) => self.scenario(name)?,
            None => self.approved_scenario()?.ok_or_else(|| {
                StoreError::Invalid("no approved scenario: give --scenario NAME or approve one first".into())
            })?,
        };
        let outcome = scenario::run(&sc.lines, &sc.meta.params)?;
        let use_cases: Vec<_> = self.use_cases()?.into_iter().map(|r| r.use_case).collect();
        let decisions = crate::records::decisions(&self.conn)?;
        let workoff_days = crate::rubrics::load(&self.conn, sc.meta.rubric_version)?
            .settings
            .workoff_days();
        Ok(governance::gaps(&GapInputs {
            scenario: &sc.meta.name,
            outcome: &outcome,
            use_cases: &use_cases,
            decisions: &decisions,
            workoff_days,
        }))
    }
}

/// Plans are stored as JSON; reading one back reuses the serde model.
fn plan_from_json(content: &str) -> Option<Plan> {
    serde_json::from_str(content).ok()
}
