//! The portfolio board, assembled in one place for every shell: each use
//! case's row, score, figures (from the core) and UCR sparkline, and the
//! portfolio totals. The app renders it; the CLI can print it.

use std::collections::HashMap;

use capcall_core::board::{self, BoardTotals, RowFigures};
use capcall_core::incident::{DateRange, Incident};
use capcall_core::model::UseCase;
use capcall_core::rubric::{self, Path, Score};
use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::portfolio::Portfolio;
use crate::scoring::{ScoringInput, SPLIT_AT};

/// One row of the portfolio board.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardRow {
    pub row: UseCase,
    pub score: Score,
    pub figures: RowFigures,
    /// Monthly UCR of the 12 months to the as-of date, oldest first
    /// (unknown months as null), for the sparkline.
    pub sparkline: Vec<Option<String>>,
}

/// The board as of a date.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Board {
    /// The date actually used (the latest observation unless one was given);
    /// `None` for an empty portfolio.
    pub as_of: Option<NaiveDate>,
    pub rubric_version: u32,
    pub rubric_name: String,
    pub rows: Vec<BoardRow>,
    pub totals: BoardTotals,
    /// Imported cost (FOCUS) of the same quarter that maps to no use case:
    /// shown beside the totals, never dropped; `None` when no cost data.
    pub unallocated_cost_usd: Option<capcall_core::money::Measured>,
    /// Current budgets against the approved scenario's new budgets (the
    /// approved plan), when one is approved.
    pub vs_approved: Option<crate::edit::BudgetVsApproved>,
}

impl Portfolio {
    /// The portfolio board as of `as_of` (default: the latest observation).
    pub fn board(&self, as_of: Option<NaiveDate>) -> Result<Board> {
        self.board_with(as_of, None)
    }

    /// [`Portfolio::board`]; `second`: a connection on the same snapshot
    /// for reading half of a large portfolio's observations on another
    /// thread (see `inputs_and_months_with`).
    pub(crate) fn board_with(&self, as_of: Option<NaiveDate>, second: Option<rusqlite::Connection>) -> Result<Board> {
        let rubric = self.rubric()?;
        let any: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM use_cases)", [], |r| r.get(0))?;
        let as_of = match as_of {
            Some(d) => Some(d),
            None => self.latest_observation_date()?,
        };
        let Some(as_of) = as_of.filter(|_| any) else {
            return Ok(Board {
                as_of: None,
                rubric_version: rubric.version,
                rubric_name: rubric.name,
                rows: vec![],
                totals: BoardTotals::default(),
                unallocated_cost_usd: None,
                vs_approved: None,
            });
        };
        // Sparklines: the 12 months up to the as-of date, read in the same
        // pass over the observations as the rubric's inputs.
        let mut inputs = self.inputs_and_months_with(
            as_of,
            &rubric.settings,
            None,
            Some(board::sparkline_window(as_of)),
            second,
        )?;
        let privacy = self.privacy_records(as_of, &rubric.settings)?;
        let mut incidents: HashMap<String, Vec<Incident>> = HashMap::new();
        for i in self.incidents(DateRange::default(), None)? {
            incidents.entry(i.use_case.clone()).or_default().push(i);
        }
        let row_of = |input: ScoringInput| -> Result<BoardRow> {
            let (uc, obs) = (&input.use_case, &input.rows);
            let own = incidents.get(&uc.id).map(Vec::as_slice).unwrap_or(&[]);
            let score =
                rubric::evaluate_with_incidents(uc, obs, privacy.of(&uc.id), as_of, &rubric.settings, rubric.version);
            let figures = board::row_figures(uc, obs, own, as_of)
                .map_err(|e| StoreError::Invalid(format!("use case {}: {e}", uc.id)))?;
            let sparkline = input
                .months
                .unwrap_or_default()
                .into_iter()
                .map(|(_, u)| u.map(|u| u.to_string()))
                .collect();
            Ok(BoardRow {
                row: input.use_case,
                score,
                figures,
                sparkline,
            })
        };
        // A large portfolio is scored on two threads, half each (pure
        // computation: the rows are already read).
        let mut out = if inputs.len() >= SPLIT_AT {
            let theirs = inputs.split_off(inputs.len() / 2);
            std::thread::scope(|s| {
                let other = s.spawn(|| theirs.into_iter().map(row_of).collect::<Result<Vec<_>>>());
                let mut mine = inputs.into_iter().map(row_of).collect::<Result<Vec<_>>>()?;
                let other = other
                    .join()
                    .unwrap_or_else(|_| Err(StoreError::Invalid("the board's second scorer stopped".into())))?;
                mine.extend(other);
                Ok::<_, StoreError>(mine)
            })?
        } else {
            inputs.into_iter().map(row_of).collect::<Result<Vec<_>>>()?
        };
        out.sort_by(|a, b| a.row.id.cmp(&b.row.id));
        let totals = board::totals(out.iter().map(|r| (&r.row, &r.figures)))
            .map_err(|e| StoreError::Invalid(format!("board totals: {e}")))?;
        let q = capcall_core::period::Quarter::last_complete(as_of);
        let has_costs: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM cost_lines)", [], |r| r.get(0))?;
        let unallocated_cost_usd = if has_costs {
            let end = q.next().start().pred_opt().unwrap_or(as_of);
            Some(
                self.costs(Some(q.start()), Some(end), crate::focus::CostsBy::UseCase)?
                    .unallocated,
            )
        } else {
            None
        };
        Ok(Board {
            as_of: Some(as_of),
            rubric_version: rubric.version,
            rubric_name: rubric.name,
            rows: out,
            totals,
            unallocated_cost_usd,
            vs_approved: self.budget_vs_approved()?,
        })
    }
}

/// The board CSV of `rows` (use case, overall path, figures), in order.
pub(crate) fn csv_of<'a>(rows: impl IntoIterator<Item = (&'a UseCase, Path, &'a RowFigures)>) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![]);
    let head = [
        "id",
        "name",
        "owner",
        "wave",
        "region",
        "status",
        "overall",
        "budget_usd",
        "quarter",
        "spend_usd",
        "forecast_usd",
        "variance_pct",
        "over_budget",
        "ucr",
        "ucr_change_pct",
        "open_sev1",
        "open_sev2",
    ];
    let csv_err = |e: csv::Error| StoreError::Invalid(format!("board CSV: {e}"));
    w.write_record(head).map_err(csv_err)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for (u, overall, f) in rows {
        let cells = [
            u.id.clone(),
            u.name.clone(),
            u.owner.clone(),
            u.wave.clone(),
            u.region.clone(),
            u.status.as_str().to_string(),
            overall.as_str().to_string(),
            u.budget_usd.to_string(),
            f.quarter.clone(),
            opt(f.spend_usd.map(|m| m.to_string())),
            opt(f.forecast_usd.map(|m| m.to_string())),
            opt(f.variance_pct.map(|d| d.to_string())),
            if f.over_budget { "yes" } else { "no" }.to_string(),
            opt(f.ucr.ucr.map(|d| d.to_string())),
            opt(f.ucr.change_pct.map(|d| d.to_string())),
            f.open_sev1.to_string(),
            f.open_sev2.to_string(),
        ];
        w.write_record(
            cells
                .iter()
                .map(|c| capcall_core::format::csv_formula_safe(c).into_owned()),
        )
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| StoreError::Invalid(format!("board CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| StoreError::Invalid(format!("board CSV: {e}")))
}
