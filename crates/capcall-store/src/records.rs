//! How each record is read from and written to its table: the row helpers
//! every store module shares (stored values that do not parse become errors
//! naming table, row and column), use cases and observations, decisions and
//! incidents, and the snapshots the audit trail records.
//!
//! A leaf: it depends on no other store module but `error`, so the modules
//! with `impl Portfolio` blocks and the audit trail (`state`, `audit`) can
//! all use it without a cycle (see ARCHITECTURE.md, "store modules form a
//! DAG").

use std::collections::BTreeMap;

use capcall_core::decision::{Decision, Guardrail, Status};
use capcall_core::incident::{self, Incident};
use capcall_core::model::{EvalStatus, Lifecycle, Observation, UseCase};
use capcall_core::money::{Measured, Planned};
use capcall_core::period::parse_iso_date;
use capcall_core::rubric::Path as Route;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};
use rust_decimal::Decimal;

use crate::error::Result;

pub(crate) const OBS_COLUMNS: &str = "period_start, spend_usd, forecast_usd, units, value_delta, value_target, value_hurdle, \
    value_ci_low, value_ci_high, p95_latency_ms, p95_latency_slo_ms, availability_pct, availability_slo_pct, \
    eval_status, grounded_score, privacy_incidents, dau, dau_target, task_success_pct, remediation_plan, remediation_due";

/// A TEXT column borrowed from the row (no allocation); `None` for NULL.
pub(crate) fn text<'r>(row: &'r Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    use rusqlite::types::ValueRef;
    match row.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => Ok(std::str::from_utf8(t).ok()),
        _ => Err(rusqlite::Error::InvalidColumnType(
            i,
            String::new(),
            rusqlite::types::Type::Text,
        )),
    }
}

/// A stored value of `table`'s row `row` that does not parse: an error
/// naming table, row, column and value, never a silent default.
pub(crate) fn stored<T, E: std::fmt::Display>(
    table: &str,
    row: &str,
    column: &str,
    value: &str,
    parsed: std::result::Result<T, E>,
) -> rusqlite::Result<T> {
    parsed.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{table} row {row}, column {column}: stored value '{value}' is not valid ({e})").into(),
        )
    })
}

/// A stored value that does not parse: an error naming the column and the
/// value, never a silent default (the caller names the table and row).
pub(crate) fn corrupt(row: &Row<'_>, i: usize, value: &str, expected: &str) -> rusqlite::Error {
    let column = row.as_ref().column_name(i).unwrap_or("?").to_string();
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("column {column}: stored value '{value}' is not {expected}").into(),
    )
}

pub(crate) fn dec(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Decimal>> {
    text(row, i)?
        .map(|t| Decimal::from_str_exact(t.trim_start_matches('+')).map_err(|_| corrupt(row, i, t, "a decimal")))
        .transpose()
}

pub(crate) fn measured(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Measured>> {
    text(row, i)?
        .map(|t| Measured::from_canonical(t).map_err(|_| corrupt(row, i, t, "measured money")))
        .transpose()
}

pub(crate) fn date(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    text(row, i)?
        .map(|t| parse_iso_date(t).map_err(|_| corrupt(row, i, t, "a YYYY-MM-DD date")))
        .transpose()
}

/// Maps a row selected with [`OBS_COLUMNS`] starting at column `o`.
pub(crate) fn observation(row: &Row<'_>, o: usize) -> rusqlite::Result<Observation> {
    Ok(Observation {
        period_start: date(row, o)?.ok_or_else(|| corrupt(row, o, "NULL", "a date"))?,
        spend_usd: measured(row, o + 1)?,
        forecast_usd: measured(row, o + 2)?,
        units: row
            .get::<_, Option<i64>>(o + 3)?
            .map(|u| u64::try_from(u).map_err(|_| corrupt(row, o + 3, &u.to_string(), "a count >= 0")))
            .transpose()?,
        value_delta: dec(row, o + 4)?,
        value_target: dec(row, o + 5)?,
        value_hurdle: dec(row, o + 6)?,
        value_ci_low: dec(row, o + 7)?,
        value_ci_high: dec(row, o + 8)?,
        p95_latency_ms: dec(row, o + 9)?,
        p95_latency_slo_ms: dec(row, o + 10)?,
        availability_pct: dec(row, o + 11)?,
        availability_slo_pct: dec(row, o + 12)?,
        eval_status: text(row, o + 13)?
            .map(|s| EvalStatus::parse(s).ok_or_else(|| corrupt(row, o + 13, s, "green, yellow or red")))
            .transpose()?,
        grounded_score: dec(row, o + 14)?,
        privacy_incidents: row
            .get::<_, Option<i64>>(o + 15)?
            .map(|n| u32::try_from(n).map_err(|_| corrupt(row, o + 15, &n.to_string(), "a count >= 0")))
            .transpose()?,
        dau: dec(row, o + 16)?,
        dau_target: dec(row, o + 17)?,
        task_success_pct: dec(row, o + 18)?,
        remediation_plan: row.get(o + 19)?,
        remediation_due: date(row, o + 20)?,
    })
}

pub(crate) fn use_case_from_row(r: &Row<'_>, o: usize, levers: Vec<String>) -> rusqlite::Result<UseCase> {
    let status: String = r.get(o + 5)?;
    Ok(UseCase {
        id: r.get(o)?,
        name: r.get(o + 1)?,
        owner: r.get(o + 2)?,
        wave: r.get(o + 3)?,
        region: r.get(o + 4)?,
        status: stored(
            "use_cases",
            &r.get::<_, String>(o)?,
            "status",
            &status,
            Lifecycle::parse(&status).ok_or("not a lifecycle"),
        )?,
        flag: r.get(o + 6)?,
        budget_usd: Planned::from_cents(r.get(o + 7)?),
        levers,
        sunset_date: date(r, o + 8)?,
    })
}

/// Inserts or replaces a use case (and its levers); returns its key.
pub(crate) fn upsert_use_case(conn: &Connection, uc: &UseCase) -> Result<i64> {
    let pk: i64 = conn.query_row(
        "INSERT INTO use_cases (id, name, owner, wave, region, status, flag, budget_cents, sunset_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, owner = excluded.owner, wave = excluded.wave, region = excluded.region,
         status = excluded.status, flag = excluded.flag, budget_cents = excluded.budget_cents, sunset_date = excluded.sunset_date RETURNING pk",
        rusqlite::params![uc.id, uc.name, uc.owner, uc.wave, uc.region, uc.status.as_str(), uc.flag, uc.budget_usd.cents()?,
                          uc.sunset_date.map(|d| d.to_string())],
        |r| r.get(0),
    )?;
    conn.execute("DELETE FROM use_case_levers WHERE use_case = ?1", [pk])?;
    for (i, l) in uc.levers.iter().enumerate() {
        conn.execute(
            "INSERT INTO use_case_levers (use_case, position, lever) VALUES (?1, ?2, ?3)",
            rusqlite::params![pk, i as i64, l],
        )?;
    }
    Ok(pk)
}

pub(crate) fn insert_observations(conn: &Connection, pk: i64, rows: &[Observation]) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "INSERT OR REPLACE INTO observations (use_case, {OBS_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"
    ))?;
    let s = |d: Option<Decimal>| d.map(|d| d.to_string());
    for o in rows {
        stmt.execute(rusqlite::params![
            pk,
            o.period_start.to_string(),
            o.spend_usd.map(|m| m.to_string()),
            o.forecast_usd.map(|m| m.to_string()),
            o.units.map(|u| u as i64),
            s(o.value_delta),
            s(o.value_target),
            s(o.value_hurdle),
            s(o.value_ci_low),
            s(o.value_ci_high),
            s(o.p95_latency_ms),
            s(o.p95_latency_slo_ms),
            s(o.availability_pct),
            s(o.availability_slo_pct),
            o.eval_status.map(|e| e.as_str()),
            s(o.grounded_score),
            o.privacy_incidents,
            s(o.dau),
            s(o.dau_target),
            s(o.task_success_pct),
            o.remediation_plan,
            o.remediation_due.map(|d| d.to_string()),
        ])?;
    }
    Ok(())
}

/// The SELECT behind [`use_case_snapshots`]: `(id, snapshot)` of the use
/// cases `WHERE` picks. A `sunset_date` (migration 0007) is added only when
/// set, so a use case without one snapshots byte for byte as before.
const USE_CASE_SNAPSHOT: &str = "SELECT id, CASE WHEN sd IS NULL THEN j ELSE json_set(j, '$.sunset_date', sd) END FROM ( \
     SELECT u.id AS id, u.sunset_date AS sd, \
     json_object('name', u.name, 'owner', u.owner, 'wave', u.wave, 'region', u.region, 'status', u.status, \
     'flag', u.flag, 'budget_cents', u.budget_cents, 'levers', \
     (SELECT json_group_array(lever) FROM (SELECT lever FROM use_case_levers l WHERE l.use_case = u.pk ORDER BY position))) AS j \
     FROM use_cases u WHERE ?1 IS NULL OR u.id = ?1)";

/// Each use case as JSON (id, fields, budget, levers), for audit before/after.
pub(crate) fn use_case_snapshots(conn: &Connection) -> Result<std::collections::BTreeMap<String, String>> {
    let mut stmt = conn.prepare(USE_CASE_SNAPSHOT)?;
    let rows = stmt.query_map([None::<&str>], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One use case's snapshot, exactly as [`use_case_snapshots`] gives it.
pub(crate) fn use_case_snapshot(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn.query_row(USE_CASE_SNAPSHOT, [id], |r| r.get(1)).optional()?)
}

// Decisions.

pub(crate) const DECISION_COLUMNS: &str =
    "id, title, path, use_case, scenario, owner, budget_cents, evidence, guardrails, milestones, status, \
    readout_date, logged_at, workoff_due, superseded_by, rejection_reason";

pub(crate) fn decision_from_row(r: &Row<'_>) -> rusqlite::Result<Decision> {
    let id: String = r.get(0)?;
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let json_list = |i: usize, column: &str| -> rusqlite::Result<Vec<String>> {
        let t = text(i)?;
        stored("decisions", &id, column, &t, serde_json::from_str::<Vec<String>>(&t))
    };
    let guardrails = json_list(8, "guardrails")?
        .iter()
        .map(|g| {
            stored(
                "decisions",
                &id,
                "guardrails",
                g,
                Guardrail::parse(g).map_err(|e| e.message),
            )
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let milestones_text = text(9)?;
    let path: String = r.get(2)?;
    let status: String = r.get(10)?;
    let readout: String = r.get(11)?;
    let logged: String = r.get(12)?;
    let workoff: Option<String> = r.get(13)?;
    Ok(Decision {
        title: r.get(1)?,
        path: stored("decisions", &id, "path", &path, Route::parse(&path).ok_or("not a path"))?,
        use_case: r.get(3)?,
        scenario: r.get(4)?,
        owner: r.get(5)?,
        budget_usd: r.get::<_, Option<i64>>(6)?.map(Planned::from_cents),
        evidence: json_list(7, "evidence")?,
        guardrails,
        milestones: stored(
            "decisions",
            &id,
            "milestones",
            &milestones_text,
            serde_json::from_str(&milestones_text),
        )?,
        status: stored(
            "decisions",
            &id,
            "status",
            &status,
            Status::parse(&status).ok_or("not a status"),
        )?,
        readout_date: stored("decisions", &id, "readout_date", &readout, parse_iso_date(&readout))?,
        logged_at: stored(
            "decisions",
            &id,
            "logged_at",
            &logged,
            chrono::NaiveDateTime::parse_from_str(&logged, "%Y-%m-%dT%H:%M:%SZ"),
        )?,
        workoff_due: workoff
            .as_deref()
            .map(|d| stored("decisions", &id, "workoff_due", d, parse_iso_date(d)))
            .transpose()?,
        superseded_by: r.get(14)?,
        rejection_reason: r.get(15)?,
        id,
    })
}

/// Every stored decision, oldest first.
pub(crate) fn decisions(conn: &rusqlite::Connection) -> Result<Vec<Decision>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions ORDER BY readout_date, seq"
    ))?;
    let list = stmt
        .query_map([], decision_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(list)
}

// Incidents.

pub(crate) const INCIDENT_SELECT: &str =
    "SELECT i.id, u.id, i.severity, i.opened, i.closed, i.title, i.privacy, i.rca \
    FROM incidents i JOIN use_cases u ON u.pk = i.use_case";

pub(crate) fn incident_from_row(r: &Row<'_>) -> rusqlite::Result<Incident> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("stored incident has a bad {what}").into(),
        )
    };
    let severity: String = r.get(2)?;
    let opened: String = r.get(3)?;
    let closed: Option<String> = r.get(4)?;
    Ok(Incident {
        id: r.get(0)?,
        use_case: r.get(1)?,
        severity: incident::Severity::parse(&severity).ok_or_else(|| bad(2, "severity"))?,
        opened: incident::parse_timestamp(&opened).map_err(|_| bad(3, "opened time"))?,
        closed: closed
            .map(|c| incident::parse_timestamp(&c).map_err(|_| bad(4, "closed time")))
            .transpose()?,
        title: r.get(5)?,
        privacy: r.get::<_, i64>(6)? != 0,
        rca: r.get(7)?,
    })
}

/// Every stored incident, by id.
pub(crate) fn incidents(conn: &Connection) -> Result<BTreeMap<String, Incident>> {
    let mut stmt = conn.prepare(INCIDENT_SELECT)?;
    let rows = stmt.query_map([], incident_from_row)?;
    let mut map = BTreeMap::new();
    for i in rows {
        let i = i?;
        map.insert(i.id.clone(), i);
    }
    Ok(map)
}

/// Inserts or replaces incidents (their use cases must exist).
pub(crate) fn upsert_incidents(conn: &Connection, incidents: &[Incident]) -> Result<()> {
    let mut stmt = conn.prepare(
        "INSERT INTO incidents (id, use_case, severity, opened, closed, title, privacy, rca) \
         VALUES (?1, (SELECT pk FROM use_cases WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (id) DO UPDATE SET use_case = excluded.use_case, severity = excluded.severity, \
         opened = excluded.opened, closed = excluded.closed, title = excluded.title, \
         privacy = excluded.privacy, rca = excluded.rca",
    )?;
    for i in incidents {
        stmt.execute(params![
            i.id,
            i.use_case,
            i.severity.as_str(),
            incident::fmt_utc(i.opened),
            i.closed.map(incident::fmt_utc),
            i.title,
            i64::from(i.privacy),
            i.rca,
        ])?;
    }
    Ok(())
}
