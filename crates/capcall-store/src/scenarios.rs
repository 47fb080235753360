//! Scenarios in SQLite: created from the rubric's scores, edited through
//! `scenario_inputs.csv` or line by line, run, cloned, compared, approved.
//! A scenario stores its inputs, the budgets and UCRs it started from, and the
//! rubric version it came from, so it recomputes the same result forever.
//! Approved scenarios are frozen (triggers in the schema enforce it).

use std::path::Path;

use capcall_core::money::{parse_cents, parse_decimal, Planned};
use capcall_core::rubric::Path as Route;
use capcall_core::scenario::{self, Comparison, LineInput, Outcome, Params, Policy, ScenarioStatus};
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::csv_input;
use crate::error::{Result, StoreError};
use crate::import::parse_date;
use crate::portfolio::Portfolio;
use crate::records::stored;

/// A saved scenario's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScenarioMeta {
    pub name: String,
    pub status: ScenarioStatus,
    pub created_at: String,
    pub created_by: String,
    pub as_of: NaiveDate,
    pub rubric_version: u32,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub cloned_from: Option<String>,
    pub params: Params,
    /// The scenario file it was opened from, if any.
    pub opened_from: Option<OpenedFrom>,
}

/// Where an opened scenario came from: the file's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OpenedFrom {
    pub name: String,
    pub author: String,
    pub exported_at: String,
    pub schema_version: u32,
    /// The file's name (without its directory).
    pub file: String,
    /// The rubric version the file's verdicts came from.
    pub rubric_version: u32,
}

/// A scenario with its inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Scenario {
    pub meta: ScenarioMeta,
    pub lines: Vec<LineInput>,
}

/// Changes to a scenario's parameters; `None` keeps the stored value.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ParamChanges {
    pub policy: Option<Policy>,
    pub envelope_usd: Option<Planned>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub reserve_pct: Option<Decimal>,
}

impl ParamChanges {
    /// `params` with these changes.
    pub fn applied_to(&self, params: &Params) -> Params {
        let mut p = params.clone();
        if let Some(policy) = self.policy {
            p.policy = policy;
        }
        if let Some(e) = self.envelope_usd {
            p.envelope_usd = e;
        }
        if let Some(r) = self.reserve_pct {
            p.reserve_pct = r;
        }
        p
    }

    /// Whether these change nothing whatever the parameters.
    pub fn is_empty(&self) -> bool {
        self.policy.is_none() && self.envelope_usd.is_none() && self.reserve_pct.is_none()
    }
}

/// Where a use case sits in the portfolio (for grouping scenario lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineGroup {
    pub use_case: String,
    pub wave: String,
    pub region: String,
    pub owner: String,
}

const LINE_COLUMNS: &str = "use_case, name, old_budget_cents, ucr, verdict, path_override, reason, ask_cents, \
    return_per_usd, floor_cents, cap_cents, decommission_cents, sunset_date";

fn route(s: Option<String>) -> Option<Route> {
    s.and_then(|s| Route::parse(&s))
}

impl Portfolio {
    fn scenario_id(&self, name: &str) -> Result<(i64, String)> {
        self.conn
            .query_row("SELECT id, status FROM scenarios WHERE name = ?1", [name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no scenario '{name}' (see `capcall scenario list`)")))
    }

    /// Creates a scenario whose paths default to the rubric's verdicts as of
    /// `as_of` (default: the latest observation), for the quarter after it.
    pub fn scenario_new(&mut self, name: &str, as_of: Option<NaiveDate>) -> Result<Scenario> {
        self.require_writer()?;
        if name.trim().is_empty() {
            return Err(StoreError::Invalid("a scenario needs a name".into()));
        }
        // Score from the same read that gives names and budgets.
        let rubric = crate::rubrics::current(&self.conn)?;
        let as_of = match as_of {
            Some(d) => d,
            None => self.latest_observation_date()?.ok_or_else(|| {
                StoreError::Invalid("the portfolio has no observations to score; give --as-of".into())
            })?,
        };
        let inputs = self.scoring_inputs(as_of, &rubric.settings, None)?;
        let privacy = self.privacy_records(as_of, &rubric.settings)?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM scenarios WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "a scenario named '{name}' exists; choose another name or clone it"
            )));
        }
        tx.execute(
            "INSERT INTO scenarios (name, created_at, created_by, as_of, rubric_version, quarter_start) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name,
                self.ctx.now(),
                self.ctx.actor(),
                as_of.to_string(),
                rubric.version,
                scenario::next_quarter_start(as_of).to_string()
            ],
        )?;
        let id = tx.last_insert_rowid();
        crate::audit::append(
            &tx,
            &self.ctx,
            "scenario",
            name,
            "create from scores",
            None,
            Some(&format!("as of {as_of}, rubric v{}", rubric.version)),
        )?;
        {
            // Retired use cases are not in `inputs` (history: no path).
            let mut lines = vec![];
            for (uc, rows) in &inputs {
                let records = privacy.of(&uc.id);
                let s = capcall_core::rubric::evaluate_with_incidents(
                    uc,
                    rows,
                    records,
                    as_of,
                    &rubric.settings,
                    rubric.version,
                );
                if let Some(line) = scenario::default_line(uc, Some(s.overall), s.ucr_last_quarter) {
                    lines.push(line);
                }
            }
            write_lines(&tx, id, &lines)?;
        }
        tx.commit()?;
        self.scenario(name)
    }

    /// A scenario with its inputs.
    pub fn scenario(&self, name: &str) -> Result<Scenario> {
        let (id, _) = self.scenario_id(name)?;
        let meta = self
            .conn
            .query_row(&format!("{META_SELECT} WHERE s.id = ?1"), [id], meta_from_row)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {LINE_COLUMNS} FROM scenario_lines WHERE scenario = ?1 ORDER BY use_case"
        ))?;
        let lines = stmt
            .query_map([id], |r| {
                let uc: String = r.get(0)?;
                let row = format!("{name}/{uc}");
                let dec = |i: usize| -> rusqlite::Result<Option<Decimal>> {
                    r.get::<_, Option<String>>(i)?
                        .map(|t| stored("scenario_lines", &row, "decimal", &t, Decimal::from_str_exact(&t)))
                        .transpose()
                };
                let money = |i: usize| -> rusqlite::Result<Option<Planned>> {
                    Ok(r.get::<_, Option<i64>>(i)?.map(Planned::from_cents))
                };
                Ok(LineInput {
                    use_case: r.get(0)?,
                    name: r.get(1)?,
                    old_budget_usd: Planned::from_cents(r.get(2)?),
                    ucr: dec(3)?,
                    verdict: route(r.get(4)?),
                    path_override: route(r.get(5)?),
                    reason: r.get(6)?,
                    ask_usd: money(7)?,
                    return_per_usd: dec(8)?,
                    floor_usd: money(9)?,
                    cap_usd: money(10)?,
                    decommission_usd: money(11)?,
                    sunset_date: r
                        .get::<_, Option<String>>(12)?
                        .map(|t| stored("scenario_lines", &row, "sunset_date", &t, parse_date(&t)))
                        .transpose()?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Scenario { meta, lines })
    }

    /// Every scenario, newest first.
    pub fn scenarios(&self) -> Result<Vec<ScenarioMeta>> {
        // One query whatever the number of scenarios.
        let mut stmt = self.conn.prepare(&format!("{META_SELECT} ORDER BY s.id DESC"))?;
        let list = stmt.query_map([], meta_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(list)
    }

    /// Applies `scenario_inputs.csv` to a scenario, all or nothing.
    pub fn scenario_import(&mut self, name: &str, file: &Path) -> Result<Scenario> {
        self.require_writer()?;
        let mut sc = self.scenario(name)?;
        ensure_draft(&sc.meta)?;
        apply_inputs_csv(&mut sc.lines, file)?;
        self.save_lines(name, &sc.lines)?;
        self.scenario(name)
    }

    /// Replaces one line's inputs (the app's editor); validated first.
    pub fn scenario_set_line(&mut self, name: &str, line: LineInput) -> Result<Scenario> {
        self.require_writer()?;
        let mut sc = self.scenario(name)?;
        ensure_draft(&sc.meta)?;
        scenario::validate_line(&line)?;
        let slot = sc
            .lines
            .iter_mut()
            .find(|l| l.use_case == line.use_case)
            .ok_or_else(|| StoreError::NotFound(format!("scenario '{name}' has no use case '{}'", line.use_case)))?;
        // Only the editable inputs change; what the scenario started from stays.
        let kept = (slot.name.clone(), slot.old_budget_usd, slot.ucr, slot.verdict);
        *slot = LineInput {
            name: kept.0,
            old_budget_usd: kept.1,
            ucr: kept.2,
            verdict: kept.3,
            ..line
        };
        self.save_lines(name, &sc.lines)?;
        self.scenario(name)
    }

    fn save_lines(&mut self, name: &str, lines: &[LineInput]) -> Result<()> {
        let (id, _) = self.scenario_id(name)?;
        let before = self.scenario(name)?.lines;
        let tx = crate::db::write_tx(&mut self.conn)?;
        write_lines(&tx, id, lines)?;
        // One audit row per changed line, with the line before and after.
        for after in lines {
            let old = before.iter().find(|l| l.use_case == after.use_case);
            if old != Some(after) {
                crate::audit::append(
                    &tx,
                    &self.ctx,
                    "scenario",
                    &format!("{name}/{}", after.use_case),
                    "edit inputs",
                    old.and_then(|o| serde_json::to_string(o).ok()).as_deref(),
                    serde_json::to_string(after).ok().as_deref(),
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs a scenario with `changes` applied to its saved parameters: a
    /// query (a what-if; nothing is saved — see [`Portfolio::scenario_save_params`]).
    pub fn scenario_run(&self, name: &str, changes: &ParamChanges) -> Result<Outcome> {
        let sc = self.scenario(name)?;
        Ok(scenario::run(&sc.lines, &changes.applied_to(&sc.meta.params))?)
    }

    /// Saves `changes` to a draft scenario's parameters (audited; nothing is
    /// written when they change nothing) and runs it.
    pub fn scenario_save_params(&mut self, name: &str, changes: &ParamChanges) -> Result<Outcome> {
        let sc = self.scenario(name)?;
        let params = changes.applied_to(&sc.meta.params);
        let outcome = scenario::run(&sc.lines, &params)?; // validate before saving
        if params == sc.meta.params {
            return Ok(outcome);
        }
        ensure_draft(&sc.meta)?;
        self.require_writer()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        tx.execute(
            "UPDATE scenarios SET policy = ?1, envelope_cents = ?2, reserve_pct = ?3 WHERE name = ?4",
            params![
                params.policy.as_str(),
                params.envelope_usd.cents()?,
                params.reserve_pct.to_string(),
                name
            ],
        )?;
        crate::audit::append(
            &tx,
            &self.ctx,
            "scenario",
            name,
            "set parameters",
            serde_json::to_string(&sc.meta.params).ok().as_deref(),
            serde_json::to_string(&params).ok().as_deref(),
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Copies a scenario (inputs and parameters) under a new name, as a draft.
    pub fn scenario_clone(&mut self, from: &str, to: &str) -> Result<Scenario> {
        self.require_writer()?;
        let src = self.scenario(from)?;
        let (src_id, _) = self.scenario_id(from)?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let taken: Option<i64> = tx
            .query_row("SELECT id FROM scenarios WHERE name = ?1", [to], |r| r.get(0))
            .optional()?;
        if taken.is_some() || to.trim().is_empty() {
            return Err(StoreError::Conflict(format!(
                "cannot clone to '{to}': the name is empty or taken"
            )));
        }
        let p = &src.meta.params;
        tx.execute(
            "INSERT INTO scenarios (name, created_at, created_by, as_of, rubric_version, quarter_start, policy, envelope_cents, reserve_pct, cloned_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![to, self.ctx.now(), self.ctx.actor(), src.meta.as_of.to_string(), src.meta.rubric_version, p.quarter_start.to_string(),
                    p.policy.as_str(), p.envelope_usd.cents()?, p.reserve_pct.to_string(), src_id],
        )?;
        let id = tx.last_insert_rowid();
        crate::audit::append(
            &tx,
            &self.ctx,
            "scenario",
            to,
            "clone",
            None,
            Some(&format!("from {from}")),
        )?;
        write_lines(&tx, id, &src.lines)?;
        tx.commit()?;
        self.scenario(to)
    }

    /// Approves a scenario: it is frozen, and the previously approved one
    /// becomes superseded. Its run must pass the conservation check.
    pub fn scenario_approve(&mut self, name: &str) -> Result<ScenarioMeta> {
        self.require_writer()?;
        let sc = self.scenario(name)?;
        if sc.meta.status == ScenarioStatus::Approved {
            return Err(StoreError::Conflict(format!("scenario '{name}' is already approved")));
        }
        ensure_draft(&sc.meta)?;
        scenario::run(&sc.lines, &sc.meta.params)?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        tx.execute(
            "UPDATE scenarios SET status = 'superseded' WHERE status = 'approved'",
            [],
        )?;
        tx.execute(
            "UPDATE scenarios SET status = 'approved', approved_at = ?1, approved_by = ?2 WHERE name = ?3",
            params![self.ctx.now(), self.ctx.actor(), name],
        )?;
        crate::audit::append(
            &tx,
            &self.ctx,
            "scenario",
            name,
            "approve",
            Some(ScenarioStatus::Draft.as_str()),
            Some(ScenarioStatus::Approved.as_str()),
        )?;
        tx.commit()?;
        Ok(self.scenario(name)?.meta)
    }

    /// The approved scenario, if any.
    pub fn approved_scenario(&self) -> Result<Option<Scenario>> {
        let name: Option<String> = self
            .conn
            .query_row("SELECT name FROM scenarios WHERE status = 'approved'", [], |r| r.get(0))
            .optional()?;
        name.map(|n| self.scenario(&n)).transpose()
    }

    /// Wave, region and owner of every use case, by id: how the modeller
    /// groups and filters a scenario's lines.
    pub fn line_groups(&self) -> Result<Vec<LineGroup>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, wave, region, owner FROM use_cases ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(LineGroup {
                use_case: r.get(0)?,
                wave: r.get(1)?,
                region: r.get(2)?,
                owner: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Two scenarios side by side, per use case and in total
    /// (`capcall_core::scenario::compare` over their runs).
    pub fn scenario_compare(&self, a: &str, b: &str) -> Result<Comparison> {
        let (ra, rb) = (
            self.scenario_run(a, &ParamChanges::default())?,
            self.scenario_run(b, &ParamChanges::default())?,
        );
        let (sa, sb) = (self.scenario(a)?, self.scenario(b)?);
        Ok(scenario::compare(
            scenario::CompareSide {
                name: a,
                lines: &sa.lines,
                params: &sa.meta.params,
                outcome: &ra,
            },
            scenario::CompareSide {
                name: b,
                lines: &sb.lines,
                params: &sb.meta.params,
                outcome: &rb,
            },
        )?)
    }
}

fn ensure_draft(meta: &ScenarioMeta) -> Result<()> {
    if !meta.status.is_editable() {
        return Err(StoreError::Conflict(format!(
            "scenario '{}' is {} and frozen; clone it (`capcall scenario clone`) to change it",
            meta.name, meta.status
        )));
    }
    Ok(())
}

pub(crate) fn write_lines(tx: &rusqlite::Connection, id: i64, lines: &[LineInput]) -> Result<()> {
    tx.execute("DELETE FROM scenario_lines WHERE scenario = ?1", [id])?;
    let mut stmt = tx.prepare(&format!(
        "INSERT INTO scenario_lines (scenario, {LINE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?;
    let cents = |m: Option<Planned>| m.map(|m| m.cents()).transpose();
    for l in lines {
        stmt.execute(params![
            id,
            l.use_case,
            l.name,
            l.old_budget_usd.cents()?,
            l.ucr.map(|u| u.to_string()),
            l.verdict.map(Route::as_str),
            l.path_override.map(Route::as_str),
            l.reason,
            cents(l.ask_usd)?,
            l.return_per_usd.map(|r| r.to_string()),
            cents(l.floor_usd)?,
            cents(l.cap_usd)?,
            cents(l.decommission_usd)?,
            l.sunset_date.map(|d| d.to_string()),
        ])?;
    }
    Ok(())
}

/// Reads `scenario_inputs.csv` onto the lines; every bad cell is reported as
/// `FILE:LINE:COLUMN: field: reason` and nothing is applied on error.
fn apply_inputs_csv(lines: &mut [LineInput], file: &Path) -> Result<()> {
    const COLUMNS: &[&str] = &[
        "use_case",
        "path",
        "reason",
        "ask_usd",
        "return_per_usd",
        "floor_usd",
        "cap_usd",
        "decommission_usd",
        "sunset_date",
    ];
    let (mut rdr, _) = csv_input::open(file)?;
    let mut errors = csv_input::Errors::new(file);
    let header = csv_input::read_header(&mut rdr, COLUMNS, &["use_case"], &mut errors)?;
    let mut push = |line: u64, column: usize, field: &str, message: String| {
        errors.push(line, column as u64 + 1, field, message);
    };
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).and_then(|k| header.index[k]);
    let mut updated: Vec<LineInput> = lines.to_vec();
    let mut seen = std::collections::HashSet::new();
    let mut rec = csv::ByteRecord::new();
    let mut stop = false;
    while !stop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Located through the shared reader (record limits included).
                let mut located = csv_input::Errors::new(file);
                stop = located.push_csv(&e, 0);
                for c in located.list {
                    push(c.line, c.column as usize - 1, &c.field, c.message);
                }
                continue;
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() == 1 && csv_input::trim(&rec[0]).is_empty() {
            continue; // blank line
        }
        let mut bad_cell = None;
        for (i, raw) in rec.iter().enumerate() {
            if let Err(message) = csv_input::cell_text(raw) {
                bad_cell = Some((i, message));
                break;
            }
        }
        if let Some((i, message)) = bad_cell {
            push(line, i, "", message);
            continue;
        }
        let get = |name: &str| {
            col(name)
                .and_then(|i| rec.get(i))
                .and_then(|raw| csv_input::cell_text(raw).ok())
                .filter(|s| !s.is_empty())
        };
        let Some(uc) = get("use_case") else {
            push(
                line,
                col("use_case").unwrap_or(0),
                "use_case",
                "required, but empty".into(),
            );
            continue;
        };
        let Some(target) = updated.iter_mut().find(|l| l.use_case == uc) else {
            push(
                line,
                col("use_case").unwrap_or(0),
                "use_case",
                format!("unknown use case '{uc}' (not in this scenario)"),
            );
            continue;
        };
        if !seen.insert(uc.to_string()) {
            push(
                line,
                col("use_case").unwrap_or(0),
                "use_case",
                format!("'{uc}' appears twice"),
            );
            continue;
        }
        let mut next = target.clone();
        let mut ok = true;
        let mut money = |name: &str, push: &mut dyn FnMut(u64, usize, &str, String)| -> Option<Planned> {
            let t = get(name)?;
            match parse_cents(t) {
                Ok(c) if c >= 0 => Some(Planned::from_cents(c)),
                Ok(_) => {
                    push(line, col(name).unwrap_or(0), name, format!("'{t}' is negative"));
                    ok = false;
                    None
                }
                Err(e) => {
                    push(line, col(name).unwrap_or(0), name, e.to_string());
                    ok = false;
                    None
                }
            }
        };
        next.ask_usd = money("ask_usd", &mut push);
        next.floor_usd = money("floor_usd", &mut push);
        next.cap_usd = money("cap_usd", &mut push);
        next.decommission_usd = money("decommission_usd", &mut push);
        next.path_override = match get("path") {
            None => None,
            Some(p) => match Route::parse(p) {
                Some(r) => Some(r),
                None => {
                    push(
                        line,
                        col("path").unwrap_or(0),
                        "path",
                        format!("'{p}' is not a path (expand, hold, retire)"),
                    );
                    ok = false;
                    None
                }
            },
        };
        next.reason = get("reason").map(String::from);
        next.return_per_usd = match get("return_per_usd").map(parse_decimal) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                push(line, col("return_per_usd").unwrap_or(0), "return_per_usd", e);
                ok = false;
                None
            }
        };
        next.sunset_date = match get("sunset_date").map(parse_date) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                push(line, col("sunset_date").unwrap_or(0), "sunset_date", e);
                ok = false;
                None
            }
        };
        if ok {
            if let Err(scenario::ScenarioError::Input { field, message, .. }) = scenario::validate_line(&next) {
                push(line, col(field).unwrap_or(0), field, message);
                continue;
            }
            *target = next;
        }
    }
    errors.into_result()?;
    lines.clone_from_slice(&updated);
    Ok(())
}

/// The columns of a scenario's head ([`meta_from_row`] reads them).
const META_SELECT: &str =
    "SELECT s.name, s.status, s.created_at, s.created_by, s.as_of, s.rubric_version, s.approved_at, s.approved_by,
        c.name, s.policy, s.envelope_cents, s.reserve_pct, s.quarter_start, s.status, s.opened_from
 FROM scenarios s LEFT JOIN scenarios c ON c.id = s.cloned_from";

/// A scenario's head from a [`META_SELECT`] row.
fn meta_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScenarioMeta> {
    let name: String = r.get(0)?;
    let name = name.as_str();
    let policy: String = r.get(9)?;
    let as_of: String = r.get(4)?;
    let quarter: String = r.get(12)?;
    let reserve: String = r.get(11)?;
    let status: String = r.get(13)?;
    let opened: Option<String> = r.get(14)?;
    Ok(ScenarioMeta {
        name: r.get(0)?,
        status: ScenarioStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                13,
                rusqlite::types::Type::Text,
                format!("column status: stored value '{status}' is not a scenario status").into(),
            )
        })?,
        opened_from: opened
            .as_deref()
            .map(|o| stored("scenarios", name, "opened_from", o, serde_json::from_str(o)))
            .transpose()?,
        created_at: r.get(2)?,
        created_by: r.get(3)?,
        as_of: stored("scenarios", name, "as_of", &as_of, parse_date(&as_of))?,
        rubric_version: r.get(5)?,
        approved_at: r.get(6)?,
        approved_by: r.get(7)?,
        cloned_from: r.get(8)?,
        params: Params {
            policy: stored(
                "scenarios",
                name,
                "policy",
                &policy,
                Policy::parse(&policy).ok_or("not a policy"),
            )?,
            envelope_usd: Planned::from_cents(r.get(10)?),
            reserve_pct: stored(
                "scenarios",
                name,
                "reserve_pct",
                &reserve,
                Decimal::from_str_exact(&reserve),
            )?,
            quarter_start: stored("scenarios", name, "quarter_start", &quarter, parse_date(&quarter))?,
        },
    })
}
