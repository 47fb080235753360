//! Incidents in SQLite: the all-or-nothing import of `incidents.csv`
//! (FORMATS.md), listing, the summary `capcall incidents` shows (figures from
//! `capcall_core::incident`), and the privacy incidents the rubric reads.
//!
//! The importer is separate from the streaming importer in `import.rs`:
//! incident files are small (hundreds of rows), so it reads the whole file,
//! validates every cell, and only then writes, in one transaction, with one
//! audit row per added or changed incident plus one for the import.
//!
//! Line numbers are physical lines whatever the line ending: the reader ends
//! records at `\n` only (so a CRLF file is not counted as two line breaks
//! per row) and the `\r` left at the end of the last cell is trimmed.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use capcall_core::incident::{self, DateRange, Incident, Summary};
use capcall_core::rubric::RubricSettings;
use chrono::{Days, NaiveDate, NaiveTime};
use rusqlite::params;

use crate::error::{CellError, Result, StoreError};
use crate::import::{ImportReport, MAX_REPORTED};
use crate::portfolio::Portfolio;
use crate::records::{self, incident_from_row, INCIDENT_SELECT};

/// The columns of `incidents.csv`, in the order the validator reads them.
const COLUMNS: [(&str, bool); 8] = [
    ("id", true),
    ("use_case", true),
    ("severity", true),
    ("opened", true),
    ("closed", false),
    ("title", true),
    ("privacy", false),
    ("rca", false),
];
const ID: usize = 0;
const USE_CASE: usize = 1;
const SEVERITY: usize = 2;
const OPENED: usize = 3;
const CLOSED: usize = 4;
const TITLE: usize = 5;
const PRIVACY: usize = 6;
const RCA: usize = 7;

/// Bad cells, the first [`MAX_REPORTED`] in full plus a count.
struct Errors {
    file: String,
    list: Vec<CellError>,
    total: usize,
}

impl Errors {
    fn push(&mut self, line: u64, column: u64, field: &str, message: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(CellError {
                file: self.file.clone(),
                line,
                column,
                field: field.to_string(),
                message: message.into(),
                row_group: None,
            });
        }
    }
    fn into_result(self) -> Result<()> {
        if self.total == 0 {
            return Ok(());
        }
        Err(StoreError::Import {
            errors: self.list,
            total: self.total,
        })
    }
}

/// A cell without surrounding spaces, the `\r` of a CRLF line ending, or a BOM.
fn clean(raw: &str) -> &str {
    raw.trim_start_matches('\u{feff}').trim()
}

/// Reads and validates every row; nothing is written here.
fn read_file(path: &Path, use_cases: &HashMap<String, i64>) -> Result<(Vec<Incident>, Vec<String>)> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // `\n` alone ends a record, so CRLF files keep their physical line
        // numbers (the default CRLF handling counts one line too many).
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(file);
    let mut errors = Errors {
        file: path.display().to_string(),
        list: vec![],
        total: 0,
    };
    let mut record = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => errors.push(1, 1, "", "the file is empty (expected a header row)"),
        Err(e) => errors.push(1, 1, "", format!("malformed CSV: {e}")),
    }
    let mut index: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    let mut ignored = vec![];
    for (i, raw) in record.iter().enumerate() {
        let name = clean(&String::from_utf8_lossy(raw)).to_string();
        match COLUMNS.iter().position(|(c, _)| *c == name) {
            Some(c) if index[c].is_some() => errors.push(1, i as u64 + 1, &name, "duplicate column"),
            Some(c) => index[c] = Some(i),
            None => ignored.push(name),
        }
    }
    if errors.total == 0 {
        for ((name, required), ix) in COLUMNS.iter().zip(&index) {
            if *required && ix.is_none() {
                errors.push(1, 1, name, "required column is missing from the header");
            }
        }
    }
    if errors.total > 0 {
        return errors.into_result().map(|_| Default::default());
    }
    let width = record.len();
    let mut incidents = vec![];
    let mut first_line: HashMap<String, u64> = HashMap::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(line, 1, "", format!("malformed CSV: {e}"));
                continue;
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut cells: [&str; COLUMNS.len()] = [""; COLUMNS.len()];
        let mut texts: Vec<&str> = Vec::with_capacity(record.len());
        let mut utf8_ok = true;
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(t) => texts.push(clean(t)),
                Err(_) => {
                    errors.push(line, i as u64 + 1, "", "not valid UTF-8");
                    utf8_ok = false;
                    texts.push("");
                }
            }
        }
        if texts.iter().all(|t| t.is_empty()) && utf8_ok {
            continue; // a blank line
        }
        if record.len() != width {
            errors.push(
                line,
                record.len().min(width) as u64 + 1,
                "",
                format!("expected {width} fields like the header, found {}", record.len()),
            );
            continue;
        }
        if !utf8_ok {
            continue;
        }
        for (c, ix) in index.iter().enumerate() {
            if let Some(ix) = ix {
                cells[c] = texts[*ix];
            }
        }
        let column = |c: usize| index[c].map_or(1, |ix| ix as u64 + 1);
        let mut bad = |c: usize, message: String| errors.push(line, column(c), COLUMNS[c].0, message);
        let id = match incident::check_one_line(cells[ID]) {
            Ok(()) => Some(cells[ID]),
            Err(e) => {
                bad(ID, e.to_string());
                None
            }
        };
        let use_case = match cells[USE_CASE] {
            "" => {
                bad(USE_CASE, "required, but empty".into());
                None
            }
            u if use_cases.contains_key(u) => Some(u),
            u => {
                bad(
                    USE_CASE,
                    format!("unknown use case '{u}' (import it in use_cases.csv first)"),
                );
                None
            }
        };
        let severity = incident::parse_severity(cells[SEVERITY])
            .map_err(|e| bad(SEVERITY, e.to_string()))
            .ok();
        let opened = match cells[OPENED] {
            "" => {
                bad(OPENED, "required, but empty".into());
                None
            }
            t => incident::parse_timestamp(t)
                .map_err(|e| bad(OPENED, e.to_string()))
                .ok(),
        };
        let closed = match cells[CLOSED] {
            "" => Some(None),
            t => incident::parse_timestamp(t)
                .map(Some)
                .map_err(|e| bad(CLOSED, e.to_string()))
                .ok(),
        };
        if let (Some(o), Some(c)) = (opened, closed) {
            if let Err(e) = incident::check_closed(o, c) {
                bad(CLOSED, e.to_string());
            }
        }
        let title = incident::check_one_line(cells[TITLE])
            .map(|_| cells[TITLE])
            .map_err(|e| bad(TITLE, e.to_string()))
            .ok();
        let privacy = incident::parse_privacy(cells[PRIVACY])
            .map_err(|e| bad(PRIVACY, e.to_string()))
            .ok();
        if let Some(id) = id {
            if let Some(first) = first_line.insert(id.to_string(), line) {
                bad(ID, format!("duplicate id '{id}' (first on line {first})"));
                first_line.insert(id.to_string(), first);
            }
        }
        // Once any cell is bad nothing will be written, so stop collecting.
        if errors.total > 0 {
            continue;
        }
        let (Some(id), Some(use_case), Some(severity), Some(opened), Some(closed), Some(title), Some(privacy)) =
            (id, use_case, severity, opened, closed, title, privacy)
        else {
            continue;
        };
        incidents.push(Incident {
            id: id.to_string(),
            use_case: use_case.to_string(),
            severity,
            opened,
            closed,
            title: title.to_string(),
            privacy,
            rca: Some(cells[RCA]).filter(|r| !r.is_empty()).map(str::to_string),
        });
    }
    errors.into_result()?;
    Ok((incidents, ignored))
}

/// `00:00 UTC` of a day as stored text.
fn day_start(d: NaiveDate) -> String {
    incident::fmt_utc(d.and_time(NaiveTime::MIN))
}

fn day_after(d: NaiveDate) -> String {
    day_start(d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX))
}

/// Privacy incident records per use case id, for the rubric's Safety.
#[derive(Clone, Debug, Default)]
pub struct PrivacyRecords(HashMap<String, Vec<Incident>>);

impl PrivacyRecords {
    /// One use case's records (empty when it has none).
    pub fn of(&self, use_case: &str) -> &[Incident] {
        self.0.get(use_case).map(Vec::as_slice).unwrap_or(&[])
    }
}

impl Portfolio {
    /// Imports `incidents.csv`, all or nothing: keyed by `id`, a stored
    /// incident with the same id is replaced, so re-importing a file changes
    /// nothing. One audit row per added or changed incident, one for the import.
    pub fn import_incidents(&mut self, file: &Path) -> Result<ImportReport> {
        self.require_writer()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let use_cases: HashMap<String, i64> = {
            let mut stmt = tx.prepare("SELECT id, pk FROM use_cases")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let (incidents, ignored_columns) = read_file(file, &use_cases)?;
        let before = records::incidents(&tx)?;
        records::upsert_incidents(&tx, &incidents)?;
        let mut added = 0;
        for i in &incidents {
            let old = before.get(&i.id);
            if old == Some(i) {
                continue;
            }
            added += u64::from(old.is_none());
            let json = |i: &Incident| serde_json::to_string(i).unwrap_or_default();
            let action = if old.is_some() {
                "update (import)"
            } else {
                "add (import)"
            };
            crate::audit::append(
                &tx,
                &self.ctx,
                "incident",
                &i.id,
                action,
                old.map(json).as_deref(),
                Some(&json(i)),
            )?;
        }
        let report = ImportReport {
            file: file.display().to_string(),
            rows: incidents.len() as u64,
            added,
            replaced: incidents.len() as u64 - added,
            ignored_columns,
        };
        let summary = serde_json::to_string(&report).unwrap_or_default();
        crate::audit::append(
            &tx,
            &self.ctx,
            "import",
            "incidents.csv",
            "import",
            None,
            Some(&summary),
        )?;
        tx.commit()?;
        Ok(report)
    }

    /// Incidents opened in `range` (of one use case, if given), oldest first.
    pub fn incidents(&self, range: DateRange, use_case: Option<&str>) -> Result<Vec<Incident>> {
        if let Some(id) = use_case {
            self.use_case(id)?; // a clear "no use case" rather than an empty list
        }
        let mut stmt = self.conn.prepare(&format!(
            "{INCIDENT_SELECT} WHERE (?1 IS NULL OR i.opened >= ?1) AND (?2 IS NULL OR i.opened < ?2) \
             AND (?3 IS NULL OR u.id = ?3) ORDER BY i.opened, i.id"
        ))?;
        let rows = stmt.query_map(
            params![range.from.map(day_start), range.to.map(day_after), use_case],
            incident_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What `capcall incidents` shows: counts by severity, open incidents at
    /// the end of the range, time to resolve, per use case and by quarter.
    /// With no `to`, the range ends today (UTC, or `$CAPCALL_NOW`), so the
    /// current quarter is labelled partial.
    pub fn incident_summary(&self, range: DateRange, use_case: Option<&str>) -> Result<Summary> {
        let range = DateRange {
            to: range.to.or_else(|| Some(self.ctx.now_utc().date())),
            ..range
        };
        if let (Some(from), Some(to)) = (range.from, range.to) {
            if from > to {
                return Err(StoreError::Invalid(format!("--from {from} is after --to {to}")));
            }
        }
        // Incidents opened before the range may still be open at its end.
        let all = self.incidents(
            DateRange {
                from: None,
                to: range.to,
            },
            use_case,
        )?;
        Ok(incident::summarize(&all, range, use_case))
    }

    /// Privacy incident records opened in the rubric's Safety window ending on
    /// `as_of`, per use case.
    pub fn privacy_records(&self, as_of: NaiveDate, settings: &RubricSettings) -> Result<PrivacyRecords> {
        let window = settings.safety_window(as_of);
        let mut stmt = self.conn.prepare(&format!(
            "{INCIDENT_SELECT} WHERE i.privacy = 1 AND i.opened >= ?1 AND i.opened < ?2 ORDER BY i.opened, i.id"
        ))?;
        let rows = stmt.query_map(
            params![day_start(window.first), day_after(window.last)],
            incident_from_row,
        )?;
        let mut map: HashMap<String, Vec<Incident>> = HashMap::new();
        for i in rows {
            let i = i?;
            map.entry(i.use_case.clone()).or_default().push(i);
        }
        Ok(PrivacyRecords(map))
    }
}
