//! Scoring: the rubric's inputs read in one pass per table, and a score
//! run (the current or a given rubric version, privacy incident records
//! included). The rules are `capcall_core::rubric`'s.

use capcall_core::model::{Lifecycle, Observation, UseCase};
use capcall_core::period::{Month, Window};
use capcall_core::rubric::{self, RubricSettings, Score};
use capcall_core::ucr::History;
use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::portfolio::Portfolio;
use crate::records::{corrupt, date, measured, observation, use_case_from_row, OBS_COLUMNS};
use crate::rubrics;

/// One use case's scoring input, with its monthly UCR when asked for.
pub(crate) struct ScoringInput {
    pub(crate) use_case: UseCase,
    pub(crate) rows: Vec<Observation>,
    /// `(month, UCR or unknown)`, oldest first (months with spend and units).
    pub(crate) months: Option<Vec<(String, Option<rust_decimal::Decimal>)>>,
}

/// Adds a row with spend and units to its month (the sparkline's rule).
fn add_month(h: &mut History<Month>, o: &Observation, id: &str) -> Result<()> {
    if o.spend_usd.is_some() && o.units.is_some() {
        h.add(o)
            .map_err(|e| StoreError::Invalid(format!("use case {id}, {}: {e}", Month::of(o.period_start))))?;
    }
    Ok(())
}

/// Use cases below which the board is read and scored on one thread (a
/// second reader or scorer costs more than it saves).
pub(crate) const SPLIT_AT: usize = 2_000;

/// One use case being read: its rows for the rubric and its months.
struct Reading {
    pk: i64,
    use_case: UseCase,
    rows: Vec<Observation>,
    months: History<Month>,
}

/// The days read: the rubric's (`from`..=`as_of`) and the sparkline's.
#[derive(Clone, Copy)]
struct ReadWindow {
    from: NaiveDate,
    as_of: NaiveDate,
    read_from: NaiveDate,
    months: Option<Window>,
}

/// Reads the observations of `part` (use cases in primary-key order)
/// through `conn`, and each one's latest eval if older than the window.
fn read_part(conn: &rusqlite::Connection, part: &mut [Reading], w: &ReadWindow) -> Result<()> {
    let (Some(first), Some(last)) = (part.first().map(|r| r.pk), part.last().map(|r| r.pk)) else {
        return Ok(());
    };
    let index: std::collections::HashMap<i64, usize> = part.iter().enumerate().map(|(i, r)| (r.pk, i)).collect();
    let mut stmt = conn.prepare(&format!(
        // Driven by use_cases so each use case's rows come from a primary-key
        // range seek, not a scan of every observation (CROSS JOIN fixes the
        // loop order in SQLite).
        "SELECT o.use_case, {} FROM use_cases u CROSS JOIN observations o ON o.use_case = u.pk \
         AND o.period_start >= ?1 AND o.period_start <= ?2 WHERE u.pk BETWEEN ?3 AND ?4",
        OBS_COLUMNS
            .split(", ")
            .map(|c| format!("o.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let in_months = |d: NaiveDate| w.months.is_some_and(|m| m.contains(d));
    let mut rows = stmt.query(rusqlite::params![
        w.read_from.to_string(),
        w.as_of.to_string(),
        first,
        last
    ])?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let period = date(r, 1)?.ok_or_else(|| corrupt(r, 1, "NULL", "a date"))?;
        let uc = &mut part[i];
        if period >= w.from {
            let o = observation(r, 1)?;
            if in_months(period) {
                add_month(&mut uc.months, &o, &uc.use_case.id)?;
            }
            uc.rows.push(o);
        } else if in_months(period) {
            // Before the rubric's window: only the sparkline's figures.
            let o = Observation {
                period_start: period,
                spend_usd: measured(r, 2)?,
                units: r.get::<_, Option<i64>>(4)?.map(|u| u64::try_from(u).unwrap_or(0)),
                ..Default::default()
            };
            add_month(&mut uc.months, &o, &uc.use_case.id)?;
        }
    }
    // Safety reads the latest eval, however old.
    let mut latest_eval = conn.prepare(&format!(
        "SELECT {OBS_COLUMNS} FROM observations WHERE use_case = ?1 AND period_start < ?2 AND eval_status IS NOT NULL ORDER BY period_start DESC LIMIT 1"
    ))?;
    for uc in part.iter_mut() {
        if !uc.rows.iter().any(|o| o.eval_status.is_some()) {
            if let Some(o) = latest_eval
                .query_row(rusqlite::params![uc.pk, w.from.to_string()], |r| observation(r, 0))
                .optional()?
            {
                uc.rows.push(o);
            }
        }
    }
    Ok(())
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
    /// Use cases with the observations the rubric needs as of `as_of` (rows
    /// from the start of the previous quarter or the longest trailing window,
    /// plus each use case's latest eval if older).
    pub fn scoring_inputs(
        &self,
        as_of: NaiveDate,
        settings: &RubricSettings,
        only: Option<&str>,
    ) -> Result<Vec<(UseCase, Vec<Observation>)>> {
        Ok(self
            .inputs_and_months(as_of, settings, only, None)?
            .into_iter()
            .map(|i| (i.use_case, i.rows))
            .collect())
    }

    /// [`Portfolio::scoring_inputs`], and with `months` each use case's UCR
    /// by month over that window (rows with spend and units; the board asks
    /// with `capcall_core::board::sparkline_window`),
    /// streamed into core's `ucr::History` in the same pass over the
    /// observations: the board's one read of them.
    pub(crate) fn inputs_and_months(
        &self,
        as_of: NaiveDate,
        settings: &RubricSettings,
        only: Option<&str>,
        months: Option<Window>,
    ) -> Result<Vec<ScoringInput>> {
        self.inputs_and_months_with(as_of, settings, only, months, None)
    }

    /// [`Portfolio::inputs_and_months`]; with `second`, a connection that
    /// sees the same snapshot as this one (the caller holds the write lock,
    /// so nothing can be committed in between), a large portfolio's second
    /// half of use cases is read on its own thread through it.
    pub(crate) fn inputs_and_months_with(
        &self,
        as_of: NaiveDate,
        settings: &RubricSettings,
        only: Option<&str>,
        months: Option<Window>,
        second: Option<rusqlite::Connection>,
    ) -> Result<Vec<ScoringInput>> {
        let from = settings.first_day_read(as_of);
        let levers = self.levers()?;
        // Rows each use case keeps for the rubric, for weekly rows: reserved
        // once instead of grown row by row.
        let expected = usize::try_from((as_of - from).num_days() / 7 + 2).unwrap_or(0);
        let mut ucs: Vec<Reading> = {
            let mut stmt = self.conn.prepare("SELECT pk, id, name, owner, wave, region, status, flag, budget_cents, sunset_date FROM use_cases WHERE (?1 IS NULL OR id = ?1) ORDER BY pk")?;
            let rows = stmt.query_map([only], |r| {
                let pk: i64 = r.get(0)?;
                Ok(Reading {
                    pk,
                    use_case: use_case_from_row(r, 1, levers.get(&pk).cloned().unwrap_or_default())?,
                    rows: Vec::with_capacity(expected),
                    months: History::default(),
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if let Some(id) = only {
            match ucs.first() {
                None => return Err(StoreError::NotFound(format!("no use case '{id}'"))),
                Some(r) if r.use_case.status.is_history() => {
                    return Err(StoreError::Invalid(format!(
                        "{id} is retired: history, not scored (it gets no path and is out of next-quarter totals)"
                    )))
                }
                Some(_) => {}
            }
        }
        // Retired use cases are history: not scored, no path (PRODUCT.md).
        ucs.retain(|r| !r.use_case.status.is_history());
        let window = ReadWindow {
            from,
            as_of,
            read_from: months.map_or(from, |m| m.first.min(from)),
            months,
        };
        match second {
            Some(second) if ucs.len() >= SPLIT_AT => {
                let half = ucs.len() / 2;
                let (mine, theirs) = ucs.split_at_mut(half);
                std::thread::scope(|s| {
                    let other = s.spawn(move || read_part(&second, theirs, &window));
                    let first = read_part(&self.conn, mine, &window);
                    let other = other
                        .join()
                        .unwrap_or_else(|_| Err(StoreError::Invalid("the board's second reader stopped".into())));
                    first.and(other)
                })?;
            }
            _ => read_part(&self.conn, &mut ucs, &window)?,
        }
        Ok(ucs
            .into_iter()
            .map(|r| ScoringInput {
                use_case: r.use_case,
                rows: r.rows,
                months: months.map(|_| r.months.ucrs()),
            })
            .collect())
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
}
