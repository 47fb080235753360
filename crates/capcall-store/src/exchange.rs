//! Scenario files (`capcall_core::exchange`): a saved scenario written as one
//! self-describing JSON file, and such a file opened into a portfolio as a
//! draft scenario, with what changed in the portfolio since it was made.

use std::path::Path;

use capcall_core::exchange::{self, Current, PortfolioChange, RubricRef, ScenarioFile};
use capcall_core::rubric::Path as Route;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::portfolio::Portfolio;
use crate::scenarios::{OpenedFrom, Scenario};

/// Largest scenario file read (a portfolio of 100,000 use cases fits).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// What opening a scenario file did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OpenedScenario {
    /// The new draft scenario.
    pub scenario: Scenario,
    pub author: String,
    pub exported_at: String,
    /// The rubric version the file's verdicts came from, and the one of
    /// this portfolio it landed under.
    pub file_rubric_version: u32,
    pub rubric_version: u32,
    /// Budgets, verdicts and use cases that changed in this portfolio since.
    pub changes: Vec<PortfolioChange>,
}

impl Portfolio {
    /// The scenario as a [`ScenarioFile`] (author: who is exporting).
    pub fn scenario_file(&self, name: &str) -> Result<ScenarioFile> {
        let sc = self.scenario(name)?;
        let rubric = crate::rubrics::load(&self.conn, sc.meta.rubric_version)?;
        Ok(ScenarioFile {
            format: exchange::FORMAT.into(),
            schema_version: exchange::SCHEMA_VERSION,
            name: sc.meta.name,
            author: self.ctx.actor().to_string(),
            exported_at: self.ctx.now(),
            status: sc.meta.status,
            as_of: sc.meta.as_of,
            rubric: RubricRef {
                version: rubric.version,
                name: rubric.name,
                settings: rubric.settings,
            },
            params: sc.meta.params,
            lines: sc.lines,
        })
    }

    /// Writes a scenario to `file` (replaced whole, atomically).
    pub fn scenario_export(&self, name: &str, file: &Path) -> Result<ScenarioFile> {
        let f = self.scenario_file(name)?;
        crate::db::write_file(file, f.to_json().as_bytes())?;
        Ok(f)
    }

    /// Opens a scenario file as a new draft scenario named `as_name` (else
    /// the file's name), with its inputs, parameters, and the budgets and
    /// verdicts it assumed exactly as written; reports what changed in this
    /// portfolio since. A file from a newer schema is refused; nothing is
    /// written on any error. It lands under this portfolio's rubric version
    /// with the same thresholds (the same number preferred), else the current
    /// one (reported as a change).
    pub fn scenario_open(&mut self, file: &Path, as_name: Option<&str>) -> Result<OpenedScenario> {
        self.require_writer()?;
        let bad = |why: String| StoreError::Invalid(format!("{}: {why}", file.display()));
        let meta = std::fs::metadata(file).map_err(|e| StoreError::io(file, e))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(bad(format!("larger than {} MB", MAX_FILE_BYTES >> 20)));
        }
        let bytes = std::fs::read(file).map_err(|e| StoreError::io(file, e))?;
        let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        let f = ScenarioFile::parse(&text).map_err(|e| bad(e.to_string()))?;
        let name = as_name.unwrap_or(&f.name).trim().to_string();
        if name.is_empty() {
            return Err(StoreError::Invalid("a scenario needs a name".into()));
        }
        let versions = crate::rubrics::list(&self.conn)?;
        let current = crate::rubrics::current(&self.conn)?;
        let landed = versions
            .iter()
            .filter(|v| v.settings == f.rubric.settings)
            .max_by_key(|v| (v.version == f.rubric.version, v.version))
            .map(|v| v.version)
            .unwrap_or(current.version);
        // What the portfolio says now: its use cases and current verdicts.
        let scores = match self.latest_observation_date()? {
            Some(_) => self.score(None, None, None)?.scores,
            None => vec![],
        };
        let now_cases: Vec<(capcall_core::UseCase, Option<Route>)> = self
            .use_cases()?
            .into_iter()
            .map(|r| {
                let v = scores.iter().find(|s| s.use_case == r.use_case.id).map(|s| s.overall);
                (r.use_case, v)
            })
            .collect();
        let changes = exchange::changes_since(
            &f,
            &Current {
                use_cases: &now_cases,
                rubric_version: current.version,
                rubric_settings: &current.settings,
            },
        );
        let opened = OpenedFrom {
            name: f.name.clone(),
            author: f.author.clone(),
            exported_at: f.exported_at.clone(),
            schema_version: f.schema_version,
            file: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            rubric_version: f.rubric.version,
        };
        let opened_json = serde_json::to_string(&opened).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let taken: Option<i64> = tx
            .query_row("SELECT id FROM scenarios WHERE name = ?1", [&name], |r| r.get(0))
            .optional()?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "a scenario named '{name}' exists; open it under another name (--as NAME)"
            )));
        }
        let p = &f.params;
        tx.execute(
            "INSERT INTO scenarios (name, created_at, created_by, as_of, rubric_version, quarter_start, policy, \
             envelope_cents, reserve_pct, opened_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                name,
                self.ctx.now(),
                self.ctx.actor(),
                f.as_of.to_string(),
                landed,
                p.quarter_start.to_string(),
                p.policy.as_str(),
                p.envelope_usd.cents()?,
                p.reserve_pct.to_string(),
                opened_json
            ],
        )?;
        let id = tx.last_insert_rowid();
        crate::scenarios::write_lines(&tx, id, &f.lines)?;
        crate::audit::append(
            &tx,
            &self.ctx,
            "scenario",
            &name,
            "open from file",
            None,
            Some(&format!(
                "{opened_json} with {} lines; {} changes since",
                f.lines.len(),
                changes.len()
            )),
        )?;
        tx.commit()?;
        Ok(OpenedScenario {
            scenario: self.scenario(&name)?,
            author: f.author,
            exported_at: f.exported_at,
            file_rubric_version: f.rubric.version,
            rubric_version: landed,
            changes,
        })
    }
}
