//! [`Portfolio`]: an open portfolio file and the operations on it.

use std::path::{Path, PathBuf};

use capcall_core::model::{EvalStatus, Lifecycle, Observation, UseCase};
use capcall_core::money::{Measured, Planned};
use capcall_core::period::{Quarter, Window};
use capcall_core::rubric::{self, RubricSettings, Score};
use capcall_core::ucr::{self, UcrPoint};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::context::Context;
use crate::db;
use crate::error::{Result, StoreError};
use crate::import::{self, CsvTable, ImportKind, ImportProgress, ImportReport};
use crate::lock::WriterLock;
use crate::rubrics::{self, RubricVersion};

/// Whether this process may write. Writers hold the portfolio's lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// An open portfolio file.
pub struct Portfolio {
    pub(crate) conn: Connection,
    path: PathBuf,
    lock: Option<WriterLock>,
    /// Who acts and when (every timestamp and audit row).
    pub(crate) ctx: Context,
    /// Backup written by a migration on open, if any.
    pub migrated_from_backup: Option<PathBuf>,
}

/// A use case with the figures the portfolio board shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UseCaseRow {
    #[serde(flatten)]
    pub use_case: UseCase,
    pub observations: u32,
    pub latest_period: Option<NaiveDate>,
    /// UCR of the latest row with spend and units.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub latest_ucr: Option<Decimal>,
}

pub(crate) const OBS_COLUMNS: &str = "period_start, spend_usd, forecast_usd, units, value_delta, value_target, value_hurdle, \
    value_ci_low, value_ci_high, p95_latency_ms, p95_latency_slo_ms, availability_pct, availability_slo_pct, \
    eval_status, grounded_score, privacy_incidents, dau, dau_target, task_success_pct, remediation_plan, remediation_due";

/// A TEXT column borrowed from the row (no allocation); `None` for NULL.
fn text<'r>(row: &'r Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
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
fn corrupt(row: &Row<'_>, i: usize, value: &str, expected: &str) -> rusqlite::Error {
    let column = row.as_ref().column_name(i).unwrap_or("?").to_string();
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("column {column}: stored value '{value}' is not {expected}").into(),
    )
}

fn dec(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Decimal>> {
    text(row, i)?
        .map(|t| Decimal::from_str_exact(t.trim_start_matches('+')).map_err(|_| corrupt(row, i, t, "a decimal")))
        .transpose()
}

fn measured(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Measured>> {
    text(row, i)?
        .map(|t| Measured::from_canonical(t).map_err(|_| corrupt(row, i, t, "measured money")))
        .transpose()
}

pub(crate) fn date(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    text(row, i)?
        .map(|t| import::parse_date(t).map_err(|_| corrupt(row, i, t, "a YYYY-MM-DD date")))
        .transpose()
}

/// Maps a row selected with [`OBS_COLUMNS`] starting at column `o`.
fn observation(row: &Row<'_>, o: usize) -> rusqlite::Result<Observation> {
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

/// The result of scoring a portfolio.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScoreRun {
    pub as_of: NaiveDate,
    pub rubric_version: u32,
    pub rubric_name: String,
    pub scores: Vec<Score>,
    /// Retired use cases: history, not scored (no verdict, no path).
    pub history: Vec<String>,
}

impl Portfolio {
    /// Creates a new, empty portfolio; refuses an existing file.
    pub fn create(path: &Path, ctx: Context) -> Result<Portfolio> {
        if path.exists() {
            return Err(StoreError::Exists(path.to_path_buf()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        Portfolio::open_inner(path, Access::Write, true, ctx)
    }

    /// Opens an existing portfolio.
    pub fn open(path: &Path, access: Access, ctx: Context) -> Result<Portfolio> {
        Portfolio::open_inner(path, access, false, ctx)
    }

    /// Opens the portfolio at `path`, creating it with the demo data when the
    /// file does not exist (first run).
    pub fn open_or_create_demo(path: &Path, access: Access, ctx: Context) -> Result<Portfolio> {
        if path.exists() {
            return Portfolio::open(path, access, ctx);
        }
        let mut p = Portfolio::create(path, ctx)?;
        p.load_demo()?;
        if access == Access::Read {
            p.lock = None;
        }
        Ok(p)
    }

    fn open_inner(path: &Path, access: Access, create: bool, ctx: Context) -> Result<Portfolio> {
        let program = crate::config::program_name();
        let lock = match access {
            Access::Write => Some(WriterLock::acquire(path, &program, &ctx)?),
            Access::Read => None,
        };
        let mode = match (access, create) {
            (_, true) => db::OpenMode::Create,
            (Access::Write, false) => db::OpenMode::Write,
            (Access::Read, false) => db::OpenMode::Read,
        };
        let mut conn = match db::connect(path, mode) {
            Ok(c) => c,
            Err(e) => {
                if create {
                    let _ = std::fs::remove_file(path);
                }
                return Err(e);
            }
        };
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let mut migrated_from_backup = None;
        if mode == db::OpenMode::Read {
            // Readers never write: an older file is migrated in memory.
            if version < db::SCHEMA_VERSION {
                conn = db::migrated_in_memory(&conn)?;
            }
            conn.pragma_update(None, "query_only", "ON")?;
        } else {
            db::clean_leftovers(path);
            migrated_from_backup = db::migrate(&mut conn, path)?;
        }
        Ok(Portfolio {
            conn,
            path: path.to_path_buf(),
            lock,
            migrated_from_backup,
            ctx,
        })
    }

    /// Who acts and when, as the shell passed it in.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Acts from now on as `ctx` (e.g. after the user changed their name).
    pub fn set_context(&mut self, ctx: Context) {
        self.ctx = ctx;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for this crate's tests only (feature `testing`,
    /// which only the store's own dev-dependency turns on): no shell writes
    /// SQL past the API.
    #[cfg(feature = "testing")]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn require_writer(&self) -> Result<()> {
        if self.lock.is_none() {
            return Err(StoreError::Invalid("this portfolio was opened read-only".into()));
        }
        Ok(())
    }

    /// Imports one file of any kind, all or nothing. A FOCUS file is imported
    /// with the default options ([`Portfolio::import_focus`] takes several
    /// files and options) and summarised as an [`ImportReport`].
    pub fn import(
        &mut self,
        kind: ImportKind,
        file: &Path,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        match kind {
            ImportKind::UseCases => self.import_table(CsvTable::UseCases, file, progress),
            ImportKind::Observations => self.import_table(CsvTable::Observations, file, progress),
            ImportKind::Incidents => self.import_incidents(file),
            ImportKind::Units => self.import_units(file),
            ImportKind::Focus => {
                let costs = self.import_focus(&[file.to_path_buf()], &Default::default(), progress)?;
                Ok(ImportReport::from(&costs))
            }
        }
    }

    /// `use_cases.csv` or `observations.csv`, all or nothing.
    fn import_table(
        &mut self,
        kind: CsvTable,
        file: &Path,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        self.require_writer()?;
        // The importer resolves every reference itself, inside the same
        // transaction, so SQLite's per-row foreign-key probe is redundant.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        self.conn.pragma_update(None, "cache_size", -65_536)?; // 64 MiB while importing
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let before = if kind == CsvTable::UseCases {
                use_case_snapshots(&tx)?
            } else {
                Default::default()
            };
            let report = import::import_csv(&tx, kind, file, progress)?;
            // Budgets and use cases: one audit row per changed use case.
            if kind == CsvTable::UseCases {
                for (id, after) in use_case_snapshots(&tx)? {
                    let old = before.get(&id);
                    if old != Some(&after) {
                        let action = if old.is_some() {
                            "update (import)"
                        } else {
                            "add (import)"
                        };
                        crate::audit::append(
                            &tx,
                            &self.ctx,
                            "use_case",
                            &id,
                            action,
                            old.map(String::as_str),
                            Some(&after),
                        )?;
                    }
                }
            }
            let summary = serde_json::to_string(&report).unwrap_or_default();
            let what = if kind == CsvTable::UseCases {
                "use_cases.csv"
            } else {
                "observations.csv"
            };
            crate::audit::append(&tx, &self.ctx, "import", what, "import", None, Some(&summary))?;
            tx.commit()?;
            Ok(report)
        })();
        self.conn.pragma_update(None, "cache_size", -8_192)?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        result
    }

    /// Replaces every use case, observation, incident and scenario with the
    /// demo portfolio; refuses when that would wipe approved work (see
    /// [`Portfolio::reset_to_demo`]).
    pub fn load_demo(&mut self) -> Result<()> {
        self.reset_to_demo(false)
    }

    /// The demo reset, in one transaction: clearing, the demo data, the demo
    /// scenario with its inputs and its run either all happen or none does.
    /// Without `force` it refuses (a conflict naming them) when the portfolio
    /// holds approved work: an approved scenario, decision or plan.
    pub fn reset_to_demo(&mut self, force: bool) -> Result<()> {
        self.require_writer()?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = self.reset_to_demo_in_tx(force);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        match (result, self.conn.execute_batch(end)) {
            (Ok(()), Err(e)) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
            (result, _) => result,
        }
    }

    fn reset_to_demo_in_tx(&mut self, force: bool) -> Result<()> {
        if !force {
            let names = |sql: &str| -> Result<Vec<String>> {
                let mut stmt = self.conn.prepare(sql)?;
                let v = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                Ok(v)
            };
            let mut lost = vec![];
            for (what, sql) in [
                (
                    "approved scenario",
                    "SELECT name FROM scenarios WHERE status = 'approved' ORDER BY id",
                ),
                (
                    "approved decision",
                    "SELECT id FROM decisions WHERE status = 'Approved' ORDER BY readout_date, seq",
                ),
                (
                    "approved plan",
                    "SELECT CAST(id AS TEXT) FROM plans WHERE status = 'approved' ORDER BY id",
                ),
            ] {
                let found = names(sql)?;
                if !found.is_empty() {
                    let shown: Vec<String> = found.iter().map(|n| format!("'{n}'")).collect();
                    lost.push(format!(
                        "{what}{} {}",
                        if found.len() > 1 { "s" } else { "" },
                        shown.join(", ")
                    ));
                }
            }
            if !lost.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "the demo reset would wipe approved work: {}; nothing was changed (reset anyway with `capcall demo --force`)",
                    lost.join("; ")
                )));
            }
        }
        {
            let tx = crate::db::write_tx(&mut self.conn)?;
            crate::audit::append(
                &tx,
                &self.ctx,
                "portfolio",
                "demo",
                "reset to the demo portfolio",
                None,
                None,
            )?;
            // An approved scenario's lines are frozen by a trigger; a forced
            // reset (approved work was named and the user went ahead) lifts
            // it for this transaction only.
            tx.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS scenario_lines_frozen_delete; \
                 DELETE FROM scenarios; DELETE FROM incidents; DELETE FROM observations; \
                 DELETE FROM cost_lines; DELETE FROM cost_periods; DELETE FROM cost_tag_sets; \
                 DELETE FROM use_case_levers; DELETE FROM use_cases; {SCENARIO_LINES_FROZEN_DELETE}"
            ))?;
            for (uc, rows) in capcall_core::demo::portfolio() {
                let pk = upsert_use_case(&tx, &uc)?;
                insert_observations(&tx, pk, &rows)?;
            }
            let incidents = capcall_core::demo::incidents();
            crate::incidents::upsert(&tx, &incidents)?;
            // Each record's state after the reset, so the trail can vouch for it.
            for (id, after) in use_case_snapshots(&tx)? {
                crate::audit::append(&tx, &self.ctx, "use_case", &id, "add (demo)", None, Some(&after))?;
            }
            for i in &incidents {
                let after = serde_json::to_string(i).unwrap_or_default();
                crate::audit::append(&tx, &self.ctx, "incident", &i.id, "add (demo)", None, Some(&after))?;
            }
            tx.commit()?;
        }
        self.scenario_new(capcall_core::demo::SCENARIO, None)?;
        let mut sc = self.scenario(capcall_core::demo::SCENARIO)?;
        for edit in capcall_core::demo::scenario_inputs() {
            if let Some(line) = sc.lines.iter_mut().find(|l| l.use_case == edit.use_case) {
                let keep = (line.name.clone(), line.old_budget_usd, line.ucr, line.verdict);
                *line = capcall_core::scenario::LineInput {
                    name: keep.0,
                    old_budget_usd: keep.1,
                    ucr: keep.2,
                    verdict: keep.3,
                    ..edit
                };
            }
        }
        for line in sc.lines {
            self.scenario_set_line(capcall_core::demo::SCENARIO, line)?;
        }
        self.scenario_save_params(
            capcall_core::demo::SCENARIO,
            &crate::scenarios::ParamChanges {
                envelope_usd: Some(Planned::from_dollars(100_000)),
                reserve_pct: Some(Decimal::from(5)),
                policy: None,
            },
        )?;
        Ok(())
    }

    /// Every use case with its board figures, by id.
    pub fn use_cases(&self) -> Result<Vec<UseCaseRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT u.pk, u.id, u.name, u.owner, u.wave, u.region, u.status, u.flag, u.budget_cents, u.sunset_date,
                    (SELECT count(*) FROM observations o WHERE o.use_case = u.pk),
                    (SELECT max(period_start) FROM observations o WHERE o.use_case = u.pk),
                    (SELECT spend_usd FROM observations o WHERE o.use_case = u.pk AND spend_usd IS NOT NULL AND units > 0 ORDER BY period_start DESC LIMIT 1),
                    (SELECT units FROM observations o WHERE o.use_case = u.pk AND spend_usd IS NOT NULL AND units > 0 ORDER BY period_start DESC LIMIT 1)
             FROM use_cases u ORDER BY u.id",
        )?;
        let levers = self.levers()?;
        let rows = stmt.query_map([], |r| {
            let pk: i64 = r.get(0)?;
            let spend = measured(r, 12)?;
            let units: Option<i64> = r.get(13)?;
            Ok(UseCaseRow {
                use_case: use_case_from_row(r, 1, levers.get(&pk).cloned().unwrap_or_default())?,
                observations: r.get(10)?,
                latest_period: date(r, 11)?,
                latest_ucr: spend
                    .zip(units)
                    .and_then(|(s, u)| s.as_decimal().checked_div(Decimal::from(u))),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn levers(&self) -> Result<std::collections::HashMap<i64, Vec<String>>> {
        let mut map: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT use_case, lever FROM use_case_levers ORDER BY use_case, position")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            map.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        Ok(map)
    }

    /// One use case by id.
    pub fn use_case(&self, id: &str) -> Result<UseCase> {
        let (pk, uc) = self.use_case_pk(id)?;
        let _ = pk;
        Ok(uc)
    }

    fn use_case_pk(&self, id: &str) -> Result<(i64, UseCase)> {
        let found = self
            .conn
            .query_row(
                "SELECT pk, id, name, owner, wave, region, status, flag, budget_cents, sunset_date FROM use_cases WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, use_case_from_row(r, 1, vec![])?)),
            )
            .optional()?;
        let (pk, mut uc) = found.ok_or_else(|| StoreError::NotFound(format!("no use case '{id}'")))?;
        let mut stmt = self
            .conn
            .prepare("SELECT lever FROM use_case_levers WHERE use_case = ?1 ORDER BY position")?;
        uc.levers = stmt.query_map([pk], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok((pk, uc))
    }

    /// A use case's observations, oldest first.
    pub fn observations(&self, id: &str) -> Result<Vec<Observation>> {
        let (pk, _) = self.use_case_pk(id)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OBS_COLUMNS} FROM observations WHERE use_case = ?1 ORDER BY period_start"
        ))?;
        let rows = stmt.query_map([pk], |r| observation(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every observation of the use cases a decision names, by use case id,
    /// in one query (the decision log's guardrail checks).
    pub(crate) fn observations_of_decided_use_cases(
        &self,
    ) -> Result<std::collections::HashMap<String, Vec<Observation>>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OBS_COLUMNS}, (SELECT u.id FROM use_cases u WHERE u.pk = o.use_case) FROM observations o
             WHERE o.use_case IN (SELECT u.pk FROM use_cases u JOIN decisions d ON d.use_case = u.id)
             ORDER BY o.use_case, period_start"
        ))?;
        let id_col = OBS_COLUMNS.split(',').count();
        let mut out: std::collections::HashMap<String, Vec<Observation>> = std::collections::HashMap::new();
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(id_col)?, observation(r, 0)?)))? {
            let (id, o) = row?;
            out.entry(id).or_default().push(o);
        }
        Ok(out)
    }

    /// The latest `period_start` in the portfolio (the default "as of").
    pub fn latest_observation_date(&self) -> Result<Option<NaiveDate>> {
        // One primary-key seek per use case instead of a scan of every row.
        let t: Option<String> = self.conn.query_row(
            "SELECT max((SELECT max(period_start) FROM observations o WHERE o.use_case = u.pk)) FROM use_cases u",
            [],
            |r| r.get(0),
        )?;
        Ok(t.and_then(|t| import::parse_date(&t).ok()))
    }

    /// Use cases with the observations the rubric needs as of `as_of` (rows
    /// from the start of the previous quarter or the longest trailing window,
    /// plus each use case's latest eval if older).
    pub fn scoring_inputs(
        &self,
        as_of: NaiveDate,
        settings: &RubricSettings,
        only: Option<&str>,
    ) -> Result<Vec<(UseCase, Vec<Observation>)>> {
        let longest = [
            settings.slo_window_days,
            settings.safety_window_days,
            settings.adoption_window_days,
        ]
        .into_iter()
        .max()
        .unwrap_or_default();
        let longest_days: u32 = longest.trunc().to_string().parse().unwrap_or(u32::MAX);
        let window_first = Window::trailing(as_of, longest_days).first;
        let quarter_first = Quarter::last_complete(as_of).prev().start();
        let from = window_first.min(quarter_first);
        let levers = self.levers()?;
        let mut ucs: Vec<(i64, UseCase, Vec<Observation>)> = {
            let mut stmt = self.conn.prepare("SELECT pk, id, name, owner, wave, region, status, flag, budget_cents, sunset_date FROM use_cases WHERE (?1 IS NULL OR id = ?1) ORDER BY pk")?;
            let rows = stmt.query_map([only], |r| {
                let pk: i64 = r.get(0)?;
                Ok((
                    pk,
                    use_case_from_row(r, 1, levers.get(&pk).cloned().unwrap_or_default())?,
                    Vec::new(),
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if let Some(id) = only {
            match ucs.first() {
                None => return Err(StoreError::NotFound(format!("no use case '{id}'"))),
                Some((_, uc, _)) if uc.status.is_history() => {
                    return Err(StoreError::Invalid(format!(
                        "{id} is retired: history, not scored (it gets no path and is out of next-quarter totals)"
                    )))
                }
                Some(_) => {}
            }
        }
        // Retired use cases are history: not scored, no path (PRODUCT.md).
        ucs.retain(|(_, uc, _)| !uc.status.is_history());
        let index: std::collections::HashMap<i64, usize> = ucs.iter().enumerate().map(|(i, u)| (u.0, i)).collect();
        let mut stmt = self.conn.prepare(&format!(
            // Driven by use_cases so each use case's rows come from a primary-key
            // range seek, not a scan of every observation (CROSS JOIN fixes the
            // loop order in SQLite).
            "SELECT o.use_case, {} FROM use_cases u CROSS JOIN observations o ON o.use_case = u.pk \
             AND o.period_start >= ?1 AND o.period_start <= ?2 WHERE (?3 IS NULL OR u.pk = ?3)",
            OBS_COLUMNS
                .split(", ")
                .map(|c| format!("o.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let only_pk = only.map(|_| ucs[0].0);
        let mut rows = stmt.query(rusqlite::params![from.to_string(), as_of.to_string(), only_pk])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
                ucs[i].2.push(observation(r, 1)?);
            }
        }
        // Safety reads the latest eval, however old.
        let mut latest_eval = self.conn.prepare(&format!(
            "SELECT {OBS_COLUMNS} FROM observations WHERE use_case = ?1 AND period_start < ?2 AND eval_status IS NOT NULL ORDER BY period_start DESC LIMIT 1"
        ))?;
        for (pk, _, obs) in ucs.iter_mut() {
            if !obs.iter().any(|o| o.eval_status.is_some()) {
                if let Some(o) = latest_eval
                    .query_row(rusqlite::params![*pk, from.to_string()], |r| observation(r, 0))
                    .optional()?
                {
                    obs.push(o);
                }
            }
        }
        Ok(ucs.into_iter().map(|(_, u, o)| (u, o)).collect())
    }

    /// Scores use cases as of a date (default: the latest observation) with
    /// the current rubric (or `version`).
    pub fn score(&self, as_of: Option<NaiveDate>, use_case: Option<&str>, version: Option<u32>) -> Result<ScoreRun> {
        let rubric = match version {
            Some(v) => rubrics::load(&self.conn, v)?,
            None => rubrics::current(&self.conn)?,
        };
        let as_of = match as_of {
            Some(d) => d,
            None => self.latest_observation_date()?.ok_or_else(|| {
                StoreError::Invalid("the portfolio has no observations; give --as-of or import observations.csv".into())
            })?,
        };
        let inputs = self.scoring_inputs(as_of, &rubric.settings, use_case)?;
        let privacy = self.privacy_records(as_of, &rubric.settings)?;
        let scores = inputs
            .iter()
            .map(|(uc, rows)| {
                rubric::evaluate_with_incidents(uc, rows, privacy.of(&uc.id), as_of, &rubric.settings, rubric.version)
            })
            .collect();
        let history = match use_case {
            Some(_) => vec![],
            None => self.retired_use_cases()?,
        };
        Ok(ScoreRun {
            as_of,
            rubric_version: rubric.version,
            rubric_name: rubric.name,
            scores,
            history,
        })
    }

    /// Ids of the retired use cases (history), by id.
    pub fn retired_use_cases(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT id, status FROM use_cases ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = vec![];
        for row in rows {
            let (id, status) = row?;
            if Lifecycle::parse(&status).is_some_and(Lifecycle::is_history) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// UCR history of a use case by quarter, month, or observation period.
    pub fn ucr(&self, id: &str, by: UcrBy) -> Result<Vec<UcrPoint>> {
        let rows = self.observations(id)?;
        match by {
            UcrBy::Quarter => ucr::by_quarter(&rows),
            UcrBy::Month => ucr::by_month(&rows),
            UcrBy::Period => ucr::by_period(&rows),
        }
        .map_err(|e| StoreError::Invalid(format!("use case {id}: UCR: {e}")))
    }

    pub fn rubric(&self) -> Result<RubricVersion> {
        rubrics::current(&self.conn)
    }

    pub fn rubric_versions(&self) -> Result<Vec<RubricVersion>> {
        rubrics::list(&self.conn)
    }

    /// Writes a new rubric version with the changed thresholds.
    pub fn set_rubric(&mut self, changes: &[(String, String)], note: &str) -> Result<RubricVersion> {
        self.require_writer()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = rubrics::current(&tx)?;
        let v = rubrics::set(&tx, changes, self.ctx.actor(), note, &self.ctx.now())?;
        crate::audit::append(
            &tx,
            &self.ctx,
            "rubric",
            &v.version.to_string(),
            "new version",
            serde_json::to_string(&before.settings).ok().as_deref(),
            serde_json::to_string(&v.settings).ok().as_deref(),
        )?;
        tx.commit()?;
        Ok(v)
    }

    /// Safe online backup to a new file (refuses to overwrite).
    pub fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Exists(dest.to_path_buf()));
        }
        db::online_backup(&self.conn, dest)
    }

    /// Replaces this portfolio with a backup. The candidate is validated
    /// completely before the live file is touched: a Capcall file (application
    /// id or schema), not newer than this build, `integrity_check` ok, its
    /// migrations applied to a private copy, and its audit trail verified.
    /// The current state is then saved to its own timestamped safety copy
    /// (`<db>.pre-restore-<UTC time>.sqlite`, never overwriting an earlier
    /// one), the copy is swapped in inside one SQLite transaction, and the
    /// restore is audited. Returns the safety copy.
    pub fn restore(&mut self, src: &Path) -> Result<PathBuf> {
        self.require_writer()?;
        if std::fs::canonicalize(src).ok() == std::fs::canonicalize(&self.path).ok() {
            return Err(StoreError::Invalid(format!(
                "{}: is this portfolio itself; restore from a backup copy",
                src.display()
            )));
        }
        let bad = |why: String| StoreError::NotAPortfolio {
            path: src.to_path_buf(),
            why,
        };
        let candidate = db::connect(src, db::OpenMode::Read)?;
        let ok: String = candidate
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| bad(e.to_string()))?;
        if ok != "ok" {
            return Err(bad(format!("integrity check failed: {ok}")));
        }
        let staged = db::migrated_in_memory(&candidate).map_err(|e| bad(format!("it cannot be upgraded: {e}")))?;
        drop(candidate);
        let check = crate::audit::verify_full(&staged, None)?;
        if !check.ok {
            return Err(bad(format!(
                "its audit trail does not verify ({}); nothing was changed",
                check.problem.unwrap_or_default()
            )));
        }
        let replaced = crate::audit::digest_of(&self.conn)?;
        let stamp = self.ctx.now().replace([':', '-'], "");
        let mut safety = db::sibling(&self.path, &format!(".pre-restore-{stamp}.sqlite"));
        let mut n = 2;
        while safety.exists() {
            safety = db::sibling(&self.path, &format!(".pre-restore-{stamp}-{n}.sqlite"));
            n += 1;
        }
        db::online_backup(&self.conn, &safety)?;
        {
            let backup = rusqlite::backup::Backup::new(&staged, &mut self.conn)?;
            backup
                .run_to_completion(1024, std::time::Duration::from_millis(0), None)
                .map_err(|e| db::classify(&self.path, e))?;
        }
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let detail = serde_json::json!({
            "from": src.display().to_string(),
            "restored_digest": check.digest.to_string(),
            "replaced_digest": replaced.to_string(),
            "safety_copy": safety.display().to_string(),
        });
        crate::audit::append(
            &tx,
            &self.ctx,
            "portfolio",
            "restore",
            "restore",
            None,
            Some(&detail.to_string()),
        )?;
        tx.commit()?;
        Ok(safety)
    }

    /// `PRAGMA integrity_check` result ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Portfolio-wide UCR per calendar quarter up to `as_of` (all use cases'
    /// spend over all their units, rows with both only).
    pub fn portfolio_ucr_by_quarter(&self, as_of: NaiveDate) -> Result<Vec<UcrPoint>> {
        // Exact sums of decimal text happen here, not in SQL (which would
        // round through floating point).
        let mut stmt = self.conn.prepare(
            "SELECT period_start, spend_usd, units FROM observations \
             WHERE spend_usd IS NOT NULL AND units IS NOT NULL AND period_start <= ?1",
        )?;
        let mut sums: std::collections::BTreeMap<Quarter, ucr::Sums> = Default::default();
        let mut rows = stmt.query([as_of.to_string()])?;
        while let Some(r) = rows.next()? {
            let o = Observation {
                period_start: date(r, 0)?.ok_or_else(|| corrupt(r, 0, "NULL", "a date"))?,
                spend_usd: measured(r, 1)?,
                units: Some(u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0)),
                ..Default::default()
            };
            sums.entry(Quarter::of(o.period_start))
                .or_default()
                .add(&o)
                .map_err(|e| StoreError::Invalid(format!("portfolio UCR for {}: {e}", Quarter::of(o.period_start))))?;
        }
        Ok(sums.into_iter().map(|(q, s)| s.point(q.label())).collect())
    }

    /// Monthly UCR per use case for months starting on or after `from`, in
    /// one pass (the board's sparklines): id -> [(YYYY-MM, UCR or unknown)].
    pub fn monthly_ucr_since(&self, from: NaiveDate) -> Result<MonthlyUcr> {
        let mut stmt = self.conn.prepare(
            "SELECT u.id, o.period_start, o.spend_usd, o.units \
             FROM use_cases u CROSS JOIN observations o ON o.use_case = u.pk AND o.period_start >= ?1 \
             WHERE o.spend_usd IS NOT NULL AND o.units IS NOT NULL ORDER BY u.pk, o.period_start",
        )?;
        let mut out: MonthlyUcr = Default::default();
        let mut current: Option<(String, String, ucr::Sums)> = None;
        let flush = |out: &mut MonthlyUcr, cur: Option<(String, String, ucr::Sums)>| {
            if let Some((id, month, s)) = cur {
                out.entry(id).or_default().push((month, s.ucr()));
            }
        };
        let mut rows = stmt.query([from.to_string()])?;
        while let Some(r) = rows.next()? {
            let id: &str = text(r, 0)?.unwrap_or_default();
            let period: &str = text(r, 1)?.unwrap_or_default();
            let month = period.get(..7).unwrap_or(period);
            let same = current.as_ref().is_some_and(|(i, m, _)| i == id && m == month);
            if !same {
                flush(&mut out, current.take());
                current = Some((id.to_string(), month.to_string(), ucr::Sums::default()));
            }
            let o = Observation {
                spend_usd: measured(r, 2)?,
                units: Some(u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0)),
                ..Default::default()
            };
            if let Some((_, _, s)) = current.as_mut() {
                s.add(&o)
                    .map_err(|e| StoreError::Invalid(format!("use case {id}, {month}: {e}")))?;
            }
        }
        flush(&mut out, current.take());
        Ok(out)
    }

    /// Row counts of the main tables.
    pub fn counts(&self) -> Result<(u64, u64)> {
        let u = self
            .conn
            .query_row("SELECT count(*) FROM use_cases", [], |r| r.get(0))?;
        let o = self
            .conn
            .query_row("SELECT count(*) FROM observations", [], |r| r.get(0))?;
        Ok((u, o))
    }
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

/// The trigger of `0001_init.sql` that freezes an approved scenario's lines,
/// recreated after a forced demo reset.
const SCENARIO_LINES_FROZEN_DELETE: &str =
    "CREATE TRIGGER scenario_lines_frozen_delete BEFORE DELETE ON scenario_lines \
    WHEN (SELECT status FROM scenarios WHERE id = OLD.scenario) <> 'draft' \
    BEGIN SELECT RAISE(ABORT, 'scenario is approved and frozen; clone it to change it'); END;";

/// Use case id -> `[(YYYY-MM, UCR or unknown)]`, oldest month first.
pub type MonthlyUcr = std::collections::HashMap<String, Vec<(String, Option<Decimal>)>>;

/// Granularity of a UCR history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UcrBy {
    Quarter,
    Month,
    Period,
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

fn insert_observations(conn: &Connection, pk: i64, rows: &[Observation]) -> Result<()> {
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
