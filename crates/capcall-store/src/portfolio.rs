//! [`Portfolio`]: an open portfolio file and the operations on it.

use std::path::{Path, PathBuf};

use capcall_core::model::{Observation, UseCase};
use capcall_core::period::Quarter;
use capcall_core::ucr::{self, UcrPoint};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::db;
use crate::error::{Result, StoreError};
use crate::lock::WriterLock;
use crate::records::{corrupt, date, measured, observation, use_case_from_row, OBS_COLUMNS};
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl Portfolio {
    /// Whether this handle holds the writer lock (may write).
    pub(crate) fn writable(&self) -> bool {
        self.lock.is_some()
    }

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

    /// Gives up the writer's lock: from now on this handle only reads.
    pub(crate) fn release_lock(&mut self) {
        self.lock = None;
    }

    pub(crate) fn require_writer(&self) -> Result<()> {
        if self.lock.is_none() {
            return Err(StoreError::Invalid("this portfolio was opened read-only".into()));
        }
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

    pub(crate) fn levers(&self) -> Result<std::collections::HashMap<i64, Vec<String>>> {
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
        Ok(t.and_then(|t| capcall_core::period::parse_iso_date(&t).ok()))
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
        let tx = crate::db::write_tx(&mut self.conn)?;
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
        let tx = crate::db::write_tx(&mut self.conn)?;
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
    /// spend over all their units, rows with both only). SQL only picks the
    /// rows; the grouping into quarters and the exact sums are the core's
    /// ([`ucr::History`], the same as [`ucr::by_quarter`]).
    pub fn portfolio_ucr_by_quarter(&self, as_of: NaiveDate) -> Result<Vec<UcrPoint>> {
        let mut stmt = self.conn.prepare(
            "SELECT period_start, spend_usd, units FROM observations \
             WHERE spend_usd IS NOT NULL AND units IS NOT NULL AND period_start <= ?1",
        )?;
        let mut history = ucr::History::<Quarter>::default();
        let mut rows = stmt.query([as_of.to_string()])?;
        while let Some(r) = rows.next()? {
            let o = Observation {
                period_start: date(r, 0)?.ok_or_else(|| corrupt(r, 0, "NULL", "a date"))?,
                spend_usd: measured(r, 1)?,
                units: Some(u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0)),
                ..Default::default()
            };
            history
                .add(&o)
                .map_err(|e| StoreError::Invalid(format!("portfolio UCR for {}: {e}", Quarter::of(o.period_start))))?;
        }
        Ok(history.points())
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

/// Granularity of a UCR history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum UcrBy {
    Quarter,
    Month,
    Period,
}
