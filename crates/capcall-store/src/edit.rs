//! Editing the portfolio in place (issue 18): adding, changing, retiring and
//! removing use cases, and correcting one observation, with undo and redo.
//!
//! Every value is checked by the importer's own per-column check
//! (`import::check_field`), so an edit accepts exactly what `use_cases.csv`
//! and `observations.csv` accept, with the same messages (`field: message`,
//! the importer's `FILE:LINE:COLUMN: field: message` without the location).
//!
//! Every edit is one transaction: the change and its audit row (who, before,
//! after, reason) commit together or not at all. A use case's audit rows
//! carry its snapshot exactly as imports record it, so `audit verify`'s
//! replay keeps vouching for it; a removal appends `remove`, which the
//! replay reads as deleted.
//!
//! Each edit returns an [`Edit`]: the record's state before and after.
//! [`Portfolio::edit_undo`] puts the `before` state back and
//! [`Portfolio::edit_redo`] the `after` state, each only while the record is
//! still in the state the step expects (otherwise a conflict, nothing
//! written), each audited as `undo ...`/`redo ...`. Steps are exact: planned
//! money in cents, measured money and metrics as the stored text.
//!
//! Approved scenarios, decisions and plans hold their own copies of the
//! budgets they were made with, so no edit here changes them;
//! [`Portfolio::budget_vs_approved`] shows how far the current budgets have
//! moved from the approved scenario, and [`Portfolio::scenario_drift`] which
//! lines of a scenario changed under it.

use std::collections::BTreeSet;

use capcall_core::incident::Incident;
use capcall_core::model::{Lifecycle, UseCase};
use capcall_core::money::Planned;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::context::Context;
use crate::error::{Result, StoreError};
use crate::import::CsvTable;
use crate::import::{check_field, check_field_ci, is_column, split_levers, FieldValue};
use crate::portfolio::Portfolio;
use crate::records::{use_case_snapshot, OBS_COLUMNS};

/// A new use case as the app's form or `usecase add` gives it: text as
/// typed, checked like a row of `use_cases.csv`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewUseCase {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub wave: String,
    pub region: String,
    /// pilot, live or sunsetting (default pilot); a new use case is not
    /// created retired.
    pub status: Option<String>,
    pub flag: Option<String>,
    /// Planned money as typed ("120000", "1,200.50"): whole cents.
    pub budget_usd: String,
    /// Cost levers, one per item (each item may itself be `;`-separated, as
    /// in the `levers` cell).
    #[serde(default)]
    pub levers: Vec<String>,
    pub reason: Option<String>,
}

/// Everything an edit can change about a use case: its `use_cases.csv` row
/// and its sunset date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UseCaseState {
    /// The row, its sunset date included (`UseCase::sunset_date`).
    #[serde(flatten)]
    pub use_case: UseCase,
}

/// What a removal took with the use case, so undoing it restores them
/// exactly: observation rows as stored (the columns of `observations.csv`
/// from `period_start` on, as text, `null` for unknown) and incidents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemovedHistory {
    pub observations: Vec<Vec<Option<String>>>,
    pub incidents: Vec<Incident>,
}

impl RemovedHistory {
    fn is_empty(&self) -> bool {
        self.observations.is_empty() && self.incidents.is_empty()
    }
}

/// What one edit changed: a record's state before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "entity", rename_all = "snake_case")]
// One value per user edit: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// A use case; `before: null` when it was added, `after: null` when it
    /// was removed (then `removed` holds its history).
    UseCase {
        id: String,
        before: Option<UseCaseState>,
        after: Option<UseCaseState>,
        #[serde(default)]
        removed: Option<RemovedHistory>,
    },
    /// One cell of one observation row, as stored text (`null`: unknown).
    Observation {
        use_case: String,
        period_start: NaiveDate,
        field: String,
        before: Option<String>,
        after: Option<String>,
    },
}

impl Change {
    /// The same change the other way round (what undo applies).
    pub fn inverted(&self) -> Change {
        match self.clone() {
            Change::UseCase {
                id,
                before,
                after,
                removed,
            } => Change::UseCase {
                id,
                before: after,
                after: before,
                removed,
            },
            Change::Observation {
                use_case,
                period_start,
                field,
                before,
                after,
            } => Change::Observation {
                use_case,
                period_start,
                field,
                before: after,
                after: before,
            },
        }
    }

    fn is_noop(&self) -> bool {
        match self {
            Change::UseCase { before, after, .. } => before == after,
            Change::Observation { before, after, .. } => before == after,
        }
    }
}

/// One edit, as returned by every editing call: enough to show it, undo it
/// ([`Portfolio::edit_undo`]) and redo it ([`Portfolio::edit_redo`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Edit {
    /// The audit row that records it; `null` when nothing changed (the
    /// value was already that), and nothing was written.
    pub seq: Option<i64>,
    /// `add`, `set FIELD`, `retire`, `remove`, `correct FIELD`, or
    /// `undo ...`/`redo ...` of one of them: the audit row's action.
    pub action: String,
    pub reason: Option<String>,
    pub changed: bool,
    pub change: Change,
}

/// How one line of a scenario differs from the portfolio now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Drift {
    /// The use case's budget is not the one the scenario started from.
    BudgetChanged,
    /// The use case is retired now.
    Retired,
    /// The use case no longer exists.
    Removed,
    /// A use case that the scenario has no line for (added since).
    Added,
}

/// One line of a scenario that changed under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineDrift {
    pub use_case: String,
    pub name: String,
    /// Every way it differs (a retired use case may also have a new budget).
    pub drift: Vec<Drift>,
    /// The budget the scenario's line started from (`null`: no line).
    pub scenario_budget_usd: Option<Planned>,
    /// The use case's budget now (`null`: removed).
    pub current_budget_usd: Option<Planned>,
    pub current_status: Option<Lifecycle>,
}

/// One use case's current budget against the approved scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApprovedDifference {
    pub use_case: String,
    pub name: String,
    /// `null` when the use case was removed.
    pub current_status: Option<Lifecycle>,
    /// `null` when the use case was removed.
    pub current_budget_usd: Option<Planned>,
    /// The budget the approved scenario started from (`null`: not in it).
    pub approved_old_budget_usd: Option<Planned>,
    /// The approved scenario's new budget (`null`: not in it).
    pub approved_new_budget_usd: Option<Planned>,
    /// `current - approved new` (`null` when either is missing).
    pub difference_usd: Option<Planned>,
    /// The budget moved since the scenario was made (`current != approved old`),
    /// or the use case is new or removed since.
    pub changed_since_approval: bool,
}

/// The board's "difference from the approved plan".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BudgetVsApproved {
    pub scenario: String,
    pub approved_at: Option<String>,
    pub lines: Vec<ApprovedDifference>,
    /// Sum of current budgets of the use cases that exist.
    pub current_total_usd: Planned,
    /// Sum of the approved new budgets.
    pub approved_total_usd: Planned,
    pub difference_usd: Planned,
}

/// A correction of an observation typed by a user (or its undo/redo), from
/// the audit trail; imports replace rows and are recorded as imports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Correction {
    pub seq: i64,
    pub at: String,
    pub who: String,
    pub action: String,
    pub use_case: String,
    pub period_start: String,
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// `field: message` as an input error.
fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

/// A reason as given: trimmed, `None` when empty.
fn reason_of(reason: Option<&str>) -> Option<String> {
    reason.map(str::trim).filter(|r| !r.is_empty()).map(String::from)
}

fn required_reason(reason: Option<&str>, what: &str) -> Result<String> {
    reason_of(reason).ok_or_else(|| invalid(format!("reason: {what} needs a reason (--reason)")))
}

fn text(v: FieldValue) -> Option<String> {
    v.as_text()
}

/// The current state of a use case.
fn load_state(conn: &Connection, id: &str) -> Result<Option<(i64, UseCaseState)>> {
    let found = conn
        .query_row(
            "SELECT pk, id, name, owner, wave, region, status, flag, budget_cents, sunset_date FROM use_cases WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    crate::records::use_case_from_row(r, 1, vec![])?,
                    crate::records::date(r, 9)?,
                ))
            },
        )
        .optional()?;
    let Some((pk, mut use_case, _sunset_date)) = found else {
        return Ok(None);
    };
    let mut stmt = conn.prepare("SELECT lever FROM use_case_levers WHERE use_case = ?1 ORDER BY position")?;
    use_case.levers = stmt.query_map([pk], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(Some((pk, UseCaseState { use_case })))
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("no use case '{id}' (see `capcall usecase list`)"))
}

/// Observation rows and incidents of a use case, as a removal takes them.
fn history(conn: &Connection, pk: i64, id: &str) -> Result<RemovedHistory> {
    let width = OBS_COLUMNS.split(", ").count();
    let mut stmt = conn.prepare(&format!(
        "SELECT {OBS_COLUMNS} FROM observations WHERE use_case = ?1 ORDER BY period_start"
    ))?;
    let mut rows = stmt.query([pk])?;
    let mut observations = vec![];
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(width);
        for i in 0..width {
            row.push(value_text(r.get_ref(i)?));
        }
        observations.push(row);
    }
    let incidents = crate::records::incidents(conn)?
        .into_values()
        .filter(|i| i.use_case == id)
        .collect();
    Ok(RemovedHistory {
        observations,
        incidents,
    })
}

/// A stored value as text (integers in decimal), `None` for NULL.
fn value_text(v: rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// Puts back observation rows and incidents a removal took, each value
/// checked by the importer's check for its column.
fn restore_history(conn: &Connection, ctx: &Context, pk: i64, h: &RemovedHistory) -> Result<()> {
    let columns: Vec<&str> = OBS_COLUMNS.split(", ").map(str::trim).collect();
    let placeholders: Vec<String> = (0..=columns.len()).map(|i| format!("?{}", i + 1)).collect();
    let mut stmt = conn.prepare(&format!(
        "INSERT INTO observations (use_case, {OBS_COLUMNS}) VALUES ({})",
        placeholders.join(", ")
    ))?;
    for row in &h.observations {
        if row.len() != columns.len() {
            return Err(invalid(format!(
                "an observation row to restore has {} values, not {}",
                row.len(),
                columns.len()
            )));
        }
        let mut values: Vec<FieldValue> = Vec::with_capacity(columns.len());
        for (c, v) in columns.iter().zip(row) {
            values.push(check_field(CsvTable::Observations, c, v.as_deref().unwrap_or("")).map_err(invalid)?);
        }
        let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&pk];
        bound.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
        stmt.execute(bound.as_slice())?;
    }
    crate::records::upsert_incidents(conn, &h.incidents)?;
    for i in &h.incidents {
        let after = serde_json::to_string(i).unwrap_or_default();
        audit::append(conn, ctx, "incident", &i.id, "add (undo remove)", None, Some(&after))?;
    }
    Ok(())
}

/// Writes a use case's state (insert or update); returns its key.
fn write_state(conn: &Connection, s: &UseCaseState) -> Result<i64> {
    let pk = crate::records::upsert_use_case(conn, &s.use_case)?;
    conn.execute(
        "UPDATE use_cases SET sunset_date = ?1 WHERE pk = ?2",
        params![s.use_case.sunset_date.map(|d| d.to_string()), pk],
    )?;
    Ok(pk)
}

/// What refers to a use case and keeps it from being removed: approved (or
/// superseded) scenarios, decisions, plans.
fn references(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut out = vec![];
    let mut stmt = conn.prepare(
        "SELECT s.name, s.status FROM scenarios s WHERE s.status <> 'draft' \
         AND EXISTS (SELECT 1 FROM scenario_lines l WHERE l.scenario = s.id AND l.use_case = ?1) ORDER BY s.id",
    )?;
    let scenarios: Vec<(String, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, status) in scenarios {
        out.push(format!("{status} scenario '{name}'"));
    }
    let mut stmt = conn.prepare("SELECT id, status FROM decisions WHERE use_case = ?1 ORDER BY readout_date, seq")?;
    let decisions: Vec<(String, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (d, status) in decisions {
        out.push(format!("decision {d} ({status})"));
    }
    let mut stmt = conn.prepare("SELECT id, status, content FROM plans ORDER BY id")?;
    let plans: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (n, status, content) in plans {
        if plan_mentions(&content, id) {
            out.push(format!("{status} plan {n}"));
        }
    }
    Ok(out)
}

/// Does a stored plan (JSON) name the use case anywhere?
fn plan_mentions(content: &str, id: &str) -> bool {
    match serde_json::from_str::<capcall_core::plan::Plan>(content) {
        Ok(p) => {
            p.outcomes.iter().any(|o| o.use_case == id)
                || p.waves.iter().any(|w| w.use_cases.iter().any(|u| u == id))
                || p.enablement.iter().any(|b| b.use_case == id)
                || p.workoffs.iter().any(|w| w.use_case == id)
                || p.retirements.iter().any(|r| r.use_case == id)
        }
        // A plan that cannot be read is kept safe: assume it refers.
        Err(_) => content.contains(&format!("\"{id}\"")),
    }
}

fn refuse_removal(id: &str, refs: &[String]) -> StoreError {
    StoreError::Conflict(format!(
        "use case '{id}' cannot be removed: {} refer{} to it; nothing was changed. \
         Retire it instead (`capcall usecase retire {id} --sunset DATE --reason R`): \
         it keeps its history and every record that refers to it",
        refs.join(", "),
        if refs.len() == 1 { "s" } else { "" }
    ))
}

/// The current value of one observation cell, as stored text.
fn observation_cell(conn: &Connection, pk: i64, period: NaiveDate, field: &str) -> Result<Option<Option<String>>> {
    // `field` is a column of observations.csv (checked by the caller).
    Ok(conn
        .query_row(
            &format!("SELECT {field} FROM observations WHERE use_case = ?1 AND period_start = ?2"),
            params![pk, period.to_string()],
            |r| Ok(value_text(r.get_ref(0)?)),
        )
        .optional()?)
}

fn check_observation_field(field: &str) -> Result<()> {
    if field == "use_case" || field == "period_start" {
        return Err(invalid(format!(
            "{field}: is the observation's key and cannot be corrected; correct a value of the row instead"
        )));
    }
    if !is_column(CsvTable::Observations, field) {
        // The importer's check names the columns.
        check_field(CsvTable::Observations, field, "").map_err(invalid)?;
    }
    Ok(())
}

/// Applies a change inside `tx`: the record must be in `change`'s `before`
/// state; it is put in the `after` state and audited. Returns the audit seq.
fn apply(conn: &Connection, ctx: &Context, change: &mut Change, action: &str, reason: Option<&str>) -> Result<i64> {
    match change {
        Change::UseCase {
            id,
            before,
            after,
            removed,
        } => {
            let current = load_state(conn, id)?;
            if current.as_ref().map(|(_, s)| s) != before.as_ref() {
                return Err(StoreError::Conflict(format!(
                    "use case '{id}' changed since this edit{}; nothing was changed",
                    if current.is_none() {
                        " (it no longer exists)"
                    } else if before.is_none() {
                        " (it exists again)"
                    } else {
                        ""
                    }
                )));
            }
            let snapshot_before = use_case_snapshot(conn, id)?;
            match (current, after.as_ref()) {
                (Some((pk, _)), None) => {
                    let refs = references(conn, id)?;
                    if !refs.is_empty() {
                        return Err(refuse_removal(id, &refs));
                    }
                    let now = history(conn, pk, id)?;
                    match removed.as_ref() {
                        // Redo of a removal: exactly what it took then.
                        Some(then) if then != &now => {
                            return Err(StoreError::Conflict(format!(
                                "use case '{id}': its observations or incidents changed since this edit; nothing was changed"
                            )))
                        }
                        // Undo of an add: never takes history recorded since.
                        None if !now.is_empty() => {
                            return Err(StoreError::Conflict(format!(
                                "use case '{id}' has {} observations and {} incidents recorded since it was added; \
                                 undoing the add would delete them, so nothing was changed \
                                 (remove it with `capcall usecase remove {id}` if that is meant)",
                                now.observations.len(),
                                now.incidents.len()
                            )))
                        }
                        _ => {}
                    }
                    for i in &now.incidents {
                        let snap = serde_json::to_string(i).unwrap_or_default();
                        audit::append(
                            conn,
                            ctx,
                            "incident",
                            &i.id,
                            "remove (with its use case)",
                            Some(&snap),
                            None,
                        )?;
                    }
                    conn.execute("DELETE FROM use_cases WHERE pk = ?1", [pk])?;
                    *removed = Some(now);
                }
                (current, Some(target)) => {
                    if target.use_case.id != *id {
                        return Err(invalid(format!(
                            "id: the edit is for '{id}' but its record is '{}'",
                            target.use_case.id
                        )));
                    }
                    check_state(target)?;
                    let pk = write_state(conn, target)?;
                    if current.is_none() {
                        if let Some(h) = removed.as_ref() {
                            restore_history(conn, ctx, pk, h)?;
                        }
                    }
                }
                (None, None) => {}
            }
            let snapshot_after = use_case_snapshot(conn, id)?;
            audit::append_with_reason(
                conn,
                ctx,
                "use_case",
                id,
                action,
                snapshot_before.as_deref(),
                snapshot_after.as_deref(),
                reason,
            )
        }
        Change::Observation {
            use_case,
            period_start,
            field,
            before,
            after,
        } => {
            check_observation_field(field)?;
            let (pk, _) = load_state(conn, use_case)?.ok_or_else(|| not_found(use_case))?;
            let current = observation_cell(conn, pk, *period_start, field)?.ok_or_else(|| {
                StoreError::NotFound(format!(
                    "use case '{use_case}' has no observation for the period starting {period_start}"
                ))
            })?;
            if current != *before {
                return Err(StoreError::Conflict(format!(
                    "observation {use_case} {period_start} {field} changed since this edit (it is {}); nothing was changed",
                    current.as_deref().unwrap_or("unknown")
                )));
            }
            let value = check_field(CsvTable::Observations, field, after.as_deref().unwrap_or("")).map_err(invalid)?;
            if field == "value_ci_low" || field == "value_ci_high" {
                let other = if field == "value_ci_low" {
                    "value_ci_high"
                } else {
                    "value_ci_low"
                };
                let other_value = observation_cell(conn, pk, *period_start, other)?.flatten();
                let mine = value.as_text();
                let (lo, hi) = if field == "value_ci_low" {
                    (mine.as_deref(), other_value.as_deref())
                } else {
                    (other_value.as_deref(), mine.as_deref())
                };
                check_field_ci(lo, hi).map_err(invalid)?;
            }
            conn.execute(
                &format!("UPDATE observations SET {field} = ?1 WHERE use_case = ?2 AND period_start = ?3"),
                params![value, pk, period_start.to_string()],
            )?;
            // The stored form (a measured amount typed as "$1,200.5" is kept
            // as "1200.5"), so undo and redo compare exactly.
            *after = value.as_text();
            let cell = |v: &Option<String>| serde_json::json!({ field.as_str(): v }).to_string();
            audit::append_with_reason(
                conn,
                ctx,
                "observation",
                &format!("{use_case}/{period_start}"),
                action,
                Some(&cell(before)),
                Some(&cell(after)),
                reason,
            )
        }
    }
}

/// A use case state about to be written, checked column by column with the
/// importer's checks (an undo or redo carries values from the app).
fn check_state(s: &UseCaseState) -> Result<()> {
    let u = &s.use_case;
    let budget = u.budget_usd.to_string();
    let levers = u.levers.join(";");
    for (field, value) in [
        ("id", u.id.as_str()),
        ("name", &u.name),
        ("owner", &u.owner),
        ("wave", &u.wave),
        ("region", &u.region),
        ("status", u.status.as_str()),
        ("flag", u.flag.as_deref().unwrap_or("")),
        ("budget_usd", &budget),
        ("levers", &levers),
    ] {
        check_field(CsvTable::UseCases, field, value).map_err(invalid)?;
    }
    if u.levers
        .iter()
        .any(|l| l.contains(';') || l.trim() != l || l.is_empty())
    {
        return Err(invalid(
            "levers: each lever is non-empty text without ';' or surrounding spaces".into(),
        ));
    }
    Ok(())
}

impl UseCaseState {
    /// A field's value as `usecase set` takes it (`budget_usd` as
    /// "1234.50", `levers` `;`-separated); `None` for an empty flag or a
    /// name that is not a field.
    pub fn field(&self, field: &str) -> Option<String> {
        let u = &self.use_case;
        match field {
            "sunset_date" => self.use_case.sunset_date.map(|d| d.to_string()),
            _ => field_text(u, field),
        }
    }
}

fn field_text(u: &UseCase, field: &str) -> Option<String> {
    match field {
        "id" => Some(u.id.clone()),
        "name" => Some(u.name.clone()),
        "owner" => Some(u.owner.clone()),
        "wave" => Some(u.wave.clone()),
        "region" => Some(u.region.clone()),
        "status" => Some(u.status.as_str().into()),
        "flag" => u.flag.clone(),
        "budget_usd" => Some(u.budget_usd.to_string()),
        "levers" => Some(u.levers.join(";")),
        _ => None,
    }
}

impl Portfolio {
    /// Runs one edit in one transaction: `build` reads the record and says
    /// what should change; the change is applied and audited.
    fn edit_in_tx(
        &mut self,
        action: &str,
        reason: Option<String>,
        build: impl FnOnce(&Connection) -> Result<Change>,
    ) -> Result<Edit> {
        self.require_writer()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let mut change = build(&tx)?;
        if change.is_noop() {
            return Ok(Edit {
                seq: None,
                action: action.into(),
                reason,
                changed: false,
                change,
            });
        }
        let seq = apply(&tx, &self.ctx, &mut change, action, reason.as_deref())?;
        tx.commit()?;
        Ok(Edit {
            seq: Some(seq),
            action: action.into(),
            reason,
            changed: true,
            change,
        })
    }

    /// Adds a use case, every field checked like a `use_cases.csv` row.
    pub fn use_case_add(&mut self, n: NewUseCase) -> Result<Edit> {
        let reason = reason_of(n.reason.as_deref());
        self.edit_in_tx("add", reason, |conn| {
            // Every field is checked (in the columns' order) and every bad
            // one named, as the importer names every bad cell of a row.
            let mut errors: Vec<String> = vec![];
            let mut get = |field: &str, text: &str| match check_field(CsvTable::UseCases, field, text) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    FieldValue::Null
                }
            };
            let levers_text = n.levers.join(";");
            let id = text(get("id", &n.id)).unwrap_or_default();
            let name = text(get("name", &n.name)).unwrap_or_default();
            let owner = text(get("owner", &n.owner)).unwrap_or_default();
            let wave = text(get("wave", &n.wave)).unwrap_or_default();
            let region = text(get("region", &n.region)).unwrap_or_default();
            let status = text(get("status", n.status.as_deref().unwrap_or("pilot"))).and_then(|s| Lifecycle::parse(&s));
            let flag = text(get("flag", n.flag.as_deref().unwrap_or("")));
            let budget = get("budget_usd", &n.budget_usd);
            let levers: Vec<String> = text(get("levers", &levers_text))
                .map(|t| split_levers(&t).map(String::from).collect())
                .unwrap_or_default();
            if status == Some(Lifecycle::Retired) {
                errors.push(
                    "status: a new use case cannot start retired (add it, then `usecase retire` with a sunset date)"
                        .into(),
                );
            }
            let (FieldValue::Int(cents), Some(status), true) = (budget, status, errors.is_empty()) else {
                return Err(invalid(errors.join("; ")));
            };
            let state = UseCaseState {
                use_case: UseCase {
                    id: id.clone(),
                    name,
                    owner,
                    wave,
                    region,
                    status,
                    flag,
                    budget_usd: Planned::from_cents(cents),
                    levers,
                    sunset_date: None,
                },
            };
            if load_state(conn, &id)?.is_some() {
                return Err(StoreError::Conflict(format!(
                    "id: a use case '{id}' exists; change it with `capcall usecase set {id} FIELD VALUE`"
                )));
            }
            Ok(Change::UseCase {
                id,
                before: None,
                after: Some(state),
                removed: None,
            })
        })
    }

    /// Sets one field (a `use_cases.csv` column other than `id`) from text,
    /// checked as the importer checks that column. A lifecycle change needs
    /// a reason; retiring goes through [`Portfolio::use_case_retire`].
    pub fn use_case_set(&mut self, id: &str, field: &str, value: &str, reason: Option<&str>) -> Result<Edit> {
        let field = field.trim();
        let reason = reason_of(reason);
        let action = format!("set {field}");
        self.edit_in_tx(&action, reason.clone(), |conn| {
            if field == "id" {
                return Err(invalid(
                    "id: is the use case's key and cannot be changed; add a new use case (and retire or remove this one)"
                        .into(),
                ));
            }
            let checked = check_field(CsvTable::UseCases, field, value).map_err(invalid)?;
            let (_, before) = load_state(conn, id)?.ok_or_else(|| not_found(id))?;
            let mut after = before.clone();
            let u = &mut after.use_case;
            match field {
                "name" => u.name = text(checked).unwrap_or_default(),
                "owner" => u.owner = text(checked).unwrap_or_default(),
                "wave" => u.wave = text(checked).unwrap_or_default(),
                "region" => u.region = text(checked).unwrap_or_default(),
                "flag" => u.flag = text(checked),
                "budget_usd" => {
                    let FieldValue::Int(cents) = checked else {
                        return Err(invalid("budget_usd: required, but empty".into()));
                    };
                    u.budget_usd = Planned::from_cents(cents);
                }
                "levers" => {
                    u.levers = text(checked)
                        .map(|t| split_levers(&t).map(String::from).collect())
                        .unwrap_or_default();
                }
                "status" => {
                    let s = text(checked).and_then(|s| Lifecycle::parse(&s)).unwrap_or(u.status);
                    if s != u.status {
                        if s == Lifecycle::Retired {
                            return Err(invalid(format!(
                                "status: retiring needs a sunset date and a reason: `capcall usecase retire {id} --sunset DATE --reason R`"
                            )));
                        }
                        if reason.is_none() {
                            return Err(invalid("reason: a lifecycle change needs a reason (--reason)".into()));
                        }
                        u.status = s;
                        // Back from retired: the sunset no longer applies.
                        after.use_case.sunset_date = None;
                    }
                }
                other => return Err(invalid(format!("{other}: cannot be set"))),
            }
            Ok(Change::UseCase {
                id: id.into(),
                before: Some(before),
                after: Some(after),
                removed: None,
            })
        })
    }

    /// Retires a use case from `sunset` (the date from which its budget is
    /// freed), with a reason. Retiring a retired use case again changes its
    /// sunset date.
    pub fn use_case_retire(&mut self, id: &str, sunset: NaiveDate, reason: &str) -> Result<Edit> {
        let reason = required_reason(Some(reason), "retiring")?;
        self.edit_in_tx("retire", Some(reason), |conn| {
            let (_, before) = load_state(conn, id)?.ok_or_else(|| not_found(id))?;
            let mut after = before.clone();
            after.use_case.status = Lifecycle::Retired;
            after.use_case.sunset_date = Some(sunset);
            Ok(Change::UseCase {
                id: id.into(),
                before: Some(before),
                after: Some(after),
                removed: None,
            })
        })
    }

    /// Removes a use case with its observations and incidents, refused
    /// (a conflict naming them, suggesting retire) when an approved or
    /// superseded scenario, any decision, or any plan refers to it. The
    /// returned edit holds what was removed, so undo restores it exactly.
    pub fn use_case_remove(&mut self, id: &str, reason: Option<&str>) -> Result<Edit> {
        let reason = reason_of(reason);
        self.edit_in_tx("remove", reason, |conn| {
            let (pk, before) = load_state(conn, id)?.ok_or_else(|| not_found(id))?;
            Ok(Change::UseCase {
                id: id.into(),
                before: Some(before),
                after: None,
                removed: Some(history(conn, pk, id)?),
            })
        })
    }

    /// What refers to a use case and keeps it from being removed (empty:
    /// it can be removed). For the app, to offer retiring instead.
    pub fn use_case_references(&self, id: &str) -> Result<Vec<String>> {
        load_state(&self.conn, id)?.ok_or_else(|| not_found(id))?;
        references(&self.conn, id)
    }

    /// Corrects one value of one observation row (`spend_usd`,
    /// `forecast_usd`, `units`, any metric column of `observations.csv`),
    /// checked as the importer checks that column, with a reason. Audited as
    /// `correct FIELD` on `observation USE_CASE/PERIOD_START` with the value
    /// before and after; an empty value means unknown.
    pub fn observation_correct(
        &mut self,
        use_case: &str,
        period_start: NaiveDate,
        field: &str,
        value: &str,
        reason: &str,
    ) -> Result<Edit> {
        let field = field.trim().to_string();
        let reason = required_reason(Some(reason), "a correction")?;
        let action = format!("correct {field}");
        self.edit_in_tx(&action, Some(reason), |conn| {
            check_observation_field(&field)?;
            let checked = check_field(CsvTable::Observations, &field, value).map_err(invalid)?;
            let (pk, _) = load_state(conn, use_case)?.ok_or_else(|| not_found(use_case))?;
            let before = observation_cell(conn, pk, period_start, &field)?.ok_or_else(|| {
                StoreError::NotFound(format!(
                    "use case '{use_case}' has no observation for the period starting {period_start}"
                ))
            })?;
            Ok(Change::Observation {
                use_case: use_case.into(),
                period_start,
                field,
                before,
                after: checked.as_text(),
            })
        })
    }

    /// Undoes an edit: the record goes back to the edit's `before` state,
    /// only while it is still in its `after` state (otherwise a conflict and
    /// nothing written). Audited as `undo ACTION`. Returns the undo as an
    /// edit of its own.
    pub fn edit_undo(&mut self, edit: &Edit) -> Result<Edit> {
        self.replay(edit, true)
    }

    /// Redoes an undone edit: the record goes to the edit's `after` state,
    /// only while it is in its `before` state. Audited as `redo ACTION`.
    pub fn edit_redo(&mut self, edit: &Edit) -> Result<Edit> {
        self.replay(edit, false)
    }

    fn replay(&mut self, edit: &Edit, undo: bool) -> Result<Edit> {
        let word = if undo { "undo" } else { "redo" };
        let base = edit
            .action
            .strip_prefix("undo ")
            .or_else(|| edit.action.strip_prefix("redo "))
            .unwrap_or(&edit.action);
        // The replay reads an action starting with "remove" as a deletion.
        let deletes = if undo {
            matches!(&edit.change, Change::UseCase { before: None, .. })
        } else {
            matches!(&edit.change, Change::UseCase { after: None, .. })
        };
        let action = if deletes {
            format!("remove ({word} {base})")
        } else {
            format!("{word} {base}")
        };
        let reason = Some(match (edit.seq, edit.reason.as_deref()) {
            (Some(seq), Some(r)) => format!("{word} of audit #{seq}: {r}"),
            (Some(seq), None) => format!("{word} of audit #{seq}"),
            (None, Some(r)) => format!("{word}: {r}"),
            (None, None) => word.to_string(),
        });
        let change = if undo {
            edit.change.inverted()
        } else {
            edit.change.clone()
        };
        self.edit_in_tx(&action, reason, |_| Ok(change))
    }

    /// Observation corrections typed by users (and their undo/redo), newest
    /// first, from the audit trail; `use_case` narrows to one.
    pub fn observation_corrections(&self, use_case: Option<&str>) -> Result<Vec<Correction>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, who, action, entity_id, before, after, reason FROM audit \
             WHERE entity = 'observation' AND (?1 IS NULL OR entity_id LIKE ?1 || '/%') ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([use_case], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (seq, at, who, action, entity_id, before, after, reason) = row?;
            let Some((uc, period)) = entity_id.rsplit_once('/') else {
                continue;
            };
            if use_case.is_some_and(|u| u != uc) {
                continue;
            }
            let cell = |j: &Option<String>| -> Option<(String, Option<String>)> {
                let v: serde_json::Value = serde_json::from_str(j.as_deref()?).ok()?;
                let (k, v) = v.as_object()?.iter().next()?;
                Some((k.clone(), v.as_str().map(String::from)))
            };
            let (Some((field, b)), Some((_, a))) = (cell(&before), cell(&after)) else {
                continue;
            };
            out.push(Correction {
                seq,
                at,
                who,
                action,
                use_case: uc.into(),
                period_start: period.into(),
                field,
                before: b,
                after: a,
                reason,
            });
        }
        Ok(out)
    }

    /// The lines of a scenario that changed under it: the use case's budget
    /// is no longer the one the line started from, it was retired or
    /// removed, or it is new (no line). By use case id.
    pub fn scenario_drift(&self, name: &str) -> Result<Vec<LineDrift>> {
        let sc = self.scenario(name)?;
        let current: Vec<_> = self.use_cases()?;
        let mut ids: BTreeSet<&str> = sc.lines.iter().map(|l| l.use_case.as_str()).collect();
        ids.extend(current.iter().map(|r| r.use_case.id.as_str()));
        let mut out = vec![];
        for id in ids {
            let line = sc.lines.iter().find(|l| l.use_case == id);
            let now = current.iter().find(|r| r.use_case.id == id).map(|r| &r.use_case);
            let mut drift = vec![];
            match (line, now) {
                (Some(l), Some(u)) => {
                    if l.old_budget_usd != u.budget_usd {
                        drift.push(Drift::BudgetChanged);
                    }
                    if u.status == Lifecycle::Retired {
                        drift.push(Drift::Retired);
                    }
                }
                (Some(_), None) => drift.push(Drift::Removed),
                (None, Some(u)) if u.status != Lifecycle::Retired => drift.push(Drift::Added),
                _ => {}
            }
            if drift.is_empty() {
                continue;
            }
            out.push(LineDrift {
                use_case: id.into(),
                name: now
                    .map(|u| u.name.clone())
                    .or_else(|| line.map(|l| l.name.clone()))
                    .unwrap_or_default(),
                drift,
                scenario_budget_usd: line.map(|l| l.old_budget_usd),
                current_budget_usd: now.map(|u| u.budget_usd),
                current_status: now.map(|u| u.status),
            });
        }
        Ok(out)
    }

    /// Each use case's current budget against the approved scenario's new
    /// budget (the board's "difference from the approved plan"); `None`
    /// when no scenario is approved. The approved scenario is frozen, so
    /// edits move only the current side.
    pub fn budget_vs_approved(&self) -> Result<Option<BudgetVsApproved>> {
        let Some(sc) = self.approved_scenario()? else {
            return Ok(None);
        };
        let outcome = capcall_core::scenario::run(&sc.lines, &sc.meta.params)?;
        let current = self.use_cases()?;
        let mut ids: BTreeSet<&str> = sc.lines.iter().map(|l| l.use_case.as_str()).collect();
        ids.extend(current.iter().map(|r| r.use_case.id.as_str()));
        let mut lines = vec![];
        let (mut current_total, mut approved_total) = (Planned::ZERO, Planned::ZERO);
        for id in ids {
            let line = sc.lines.iter().find(|l| l.use_case == id);
            let result = outcome.lines.iter().find(|l| l.use_case == id);
            let now = current.iter().find(|r| r.use_case.id == id).map(|r| &r.use_case);
            let new_budget = result.map(|r| r.new_budget_usd);
            let current_budget = now.map(|u| u.budget_usd);
            if let Some(b) = current_budget {
                current_total = current_total.checked_add(b)?;
            }
            if let Some(b) = new_budget {
                approved_total = approved_total.checked_add(b)?;
            }
            let difference = match (current_budget, new_budget) {
                (Some(c), Some(n)) => Some(c.checked_sub(n)?),
                _ => None,
            };
            lines.push(ApprovedDifference {
                use_case: id.into(),
                name: now
                    .map(|u| u.name.clone())
                    .or_else(|| line.map(|l| l.name.clone()))
                    .unwrap_or_default(),
                current_status: now.map(|u| u.status),
                current_budget_usd: current_budget,
                approved_old_budget_usd: line.map(|l| l.old_budget_usd),
                approved_new_budget_usd: new_budget,
                difference_usd: difference,
                changed_since_approval: line.map(|l| l.old_budget_usd) != current_budget,
            });
        }
        Ok(Some(BudgetVsApproved {
            scenario: sc.meta.name,
            approved_at: sc.meta.approved_at,
            lines,
            current_total_usd: current_total,
            approved_total_usd: approved_total,
            difference_usd: current_total.checked_sub(approved_total)?,
        }))
    }

    /// A use case with its sunset date, as edits see it.
    pub fn use_case_state(&self, id: &str) -> Result<UseCaseState> {
        Ok(load_state(&self.conn, id)?.ok_or_else(|| not_found(id))?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field names `usecase set` takes (use_cases.csv's columns).
    const SETTABLE_FIELDS: [&str; 8] = [
        "name",
        "owner",
        "wave",
        "region",
        "status",
        "flag",
        "budget_usd",
        "levers",
    ];

    #[test]
    fn field_text_covers_every_settable_field() {
        let u = capcall_core::demo::portfolio().remove(0).0;
        for f in SETTABLE_FIELDS {
            assert!(field_text(&u, f).is_some() || f == "flag", "{f}");
        }
    }
}
