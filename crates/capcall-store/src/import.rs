//! Streaming, all-or-nothing CSV imports of `use_cases.csv` and
//! `observations.csv` (FORMATS.md).
//!
//! A file is read once, record by record, validated cell by cell and written
//! inside one transaction; the first bad cell stops the writing, reading goes
//! on to report every bad cell (the first [`MAX_REPORTED`] in full plus a
//! count), and the transaction is rolled back, so nothing is written. Rows are
//! keyed (`id`; `use_case` + `period_start`) and replaced on re-import, so
//! importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;

use capcall_core::model::is_slug;
use capcall_core::money::parse_cents;
use chrono::{Datelike, NaiveDate};
use rusqlite::Transaction;
use rust_decimal::Decimal;

use crate::error::{CellError, Result, StoreError};

/// How many bad cells are reported in full.
pub const MAX_REPORTED: usize = 20;

/// Progress of an import, reported every few thousand rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportProgress {
    pub bytes_read: u64,
    pub total_bytes: u64,
    pub rows: u64,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows whose key was new.
    pub added: u64,
    /// Rows that replaced a stored row with the same key.
    pub replaced: u64,
    /// Header columns that are not part of the format (ignored).
    pub ignored_columns: Vec<String>,
}

/// Which file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    UseCases,
    Observations,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Slug,
    Text,
    OptText,
    Status,
    MoneyNonNeg,
    Levers,
    UseCaseRef,
    Date,
    OptDate,
    Count,
    Dec,
    DecRange(i64, i64),
    DecNonNeg,
    Eval,
}

struct Column {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn col(name: &'static str, kind: Kind, required: bool) -> Column {
    Column { name, kind, required }
}

const USE_CASE_COLUMNS: &[Column] = &[
    col("id", Kind::Slug, true),
    col("name", Kind::Text, true),
    col("owner", Kind::Text, true),
    col("wave", Kind::Text, true),
    col("region", Kind::Text, true),
    col("status", Kind::Status, true),
    col("flag", Kind::OptText, false),
    col("budget_usd", Kind::MoneyNonNeg, true),
    col("levers", Kind::Levers, false),
];

/// Order = the order of the INSERT's parameters (after `use_case`).
const OBSERVATION_COLUMNS: &[Column] = &[
    col("use_case", Kind::UseCaseRef, true),
    col("period_start", Kind::Date, true),
    col("spend_usd", Kind::MoneyNonNeg, false),
    col("forecast_usd", Kind::MoneyNonNeg, false),
    col("units", Kind::Count, false),
    col("value_delta", Kind::Dec, false),
    col("value_target", Kind::Dec, false),
    col("value_hurdle", Kind::Dec, false),
    col("value_ci_low", Kind::Dec, false),
    col("value_ci_high", Kind::Dec, false),
    col("p95_latency_ms", Kind::DecNonNeg, false),
    col("p95_latency_slo_ms", Kind::DecNonNeg, false),
    col("availability_pct", Kind::DecRange(0, 100), false),
    col("availability_slo_pct", Kind::DecRange(0, 100), false),
    col("eval_status", Kind::Eval, false),
    col("grounded_score", Kind::DecRange(0, 5), false),
    col("privacy_incidents", Kind::Count, false),
    col("dau", Kind::DecNonNeg, false),
    col("dau_target", Kind::DecNonNeg, false),
    col("task_success_pct", Kind::DecRange(0, 100), false),
    col("remediation_plan", Kind::OptText, false),
    col("remediation_due", Kind::OptDate, false),
];

const OBSERVATION_UPSERT: &str =
    "INSERT INTO observations (use_case, period_start, spend_cents, forecast_cents, units, \
    value_delta, value_target, value_hurdle, value_ci_low, value_ci_high, p95_latency_ms, p95_latency_slo_ms, \
    availability_pct, availability_slo_pct, eval_status, grounded_score, privacy_incidents, dau, dau_target, \
    task_success_pct, remediation_plan, remediation_due) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) \
    ON CONFLICT (use_case, period_start) DO UPDATE SET spend_cents = excluded.spend_cents, \
    forecast_cents = excluded.forecast_cents, units = excluded.units, value_delta = excluded.value_delta, \
    value_target = excluded.value_target, value_hurdle = excluded.value_hurdle, value_ci_low = excluded.value_ci_low, \
    value_ci_high = excluded.value_ci_high, p95_latency_ms = excluded.p95_latency_ms, \
    p95_latency_slo_ms = excluded.p95_latency_slo_ms, availability_pct = excluded.availability_pct, \
    availability_slo_pct = excluded.availability_slo_pct, eval_status = excluded.eval_status, \
    grounded_score = excluded.grounded_score, privacy_incidents = excluded.privacy_incidents, dau = excluded.dau, \
    dau_target = excluded.dau_target, task_success_pct = excluded.task_success_pct, \
    remediation_plan = excluded.remediation_plan, remediation_due = excluded.remediation_due";

/// A parsed cell, borrowed from the record where it is text.
enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

struct Errors {
    file: String,
    list: Vec<CellError>,
    total: usize,
}

impl Errors {
    fn push(&mut self, line: u64, column: u64, field: &str, message: String) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(CellError {
                file: self.file.clone(),
                line,
                column,
                field: field.to_string(),
                message,
            });
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Checks decimal text (`-12.5`, `0.0095`, `+3`) without allocating.
fn check_decimal(t: &str) -> std::result::Result<(), String> {
    let b = t.as_bytes();
    let body = match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    };
    let mut digits = 0;
    let mut dots = 0;
    for &c in body {
        match c {
            b'0'..=b'9' => digits += 1,
            b'.' => dots += 1,
            _ => return Err(format!("'{t}' is not a decimal number")),
        }
    }
    if digits == 0 || dots > 1 {
        return Err(format!("'{t}' is not a decimal number"));
    }
    if digits > 28 {
        return Err(format!("'{t}' has more than 28 digits; it would be rounded"));
    }
    Ok(())
}

/// Parses `YYYY-MM-DD` strictly.
pub fn parse_date(t: &str) -> std::result::Result<NaiveDate, String> {
    let b = t.as_bytes();
    let bad = || format!("'{t}' is not a date (expected YYYY-MM-DD)");
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> std::result::Result<u32, String> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return Err(bad());
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Ok(v)
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| format!("'{t}' is not a valid calendar date"))
}

fn parse_cell<'a>(kind: Kind, t: &'a str, use_cases: &HashMap<String, i64>) -> std::result::Result<Cell<'a>, String> {
    if t.is_empty() {
        return match kind {
            Kind::Slug | Kind::Text | Kind::Status | Kind::UseCaseRef | Kind::Date => Err("required, but empty".into()),
            _ => Ok(Cell::Null),
        };
    }
    Ok(match kind {
        Kind::Slug => {
            if !is_slug(t) {
                return Err(format!("'{t}' is not a slug (lowercase letters, digits and '-')"));
            }
            Cell::Text(t)
        }
        Kind::Text | Kind::OptText | Kind::Levers => Cell::Text(t),
        Kind::Status => {
            if capcall_core::Lifecycle::parse(t).is_none() {
                return Err(format!("'{t}' is not a status (pilot, live, sunsetting, retired)"));
            }
            Cell::Text(t)
        }
        Kind::Eval => {
            if capcall_core::EvalStatus::parse(t).is_none() {
                return Err(format!("'{t}' is not an eval status (green, yellow, red)"));
            }
            Cell::Text(t)
        }
        Kind::MoneyNonNeg => {
            let cents = parse_cents(t).map_err(|e| e.to_string())?;
            if cents < 0 {
                return Err(format!("'{t}' is negative; amounts here must be >= 0"));
            }
            Cell::Int(cents)
        }
        Kind::UseCaseRef => match use_cases.get(t) {
            Some(pk) => Cell::Int(*pk),
            None => return Err(format!("unknown use case '{t}' (import it in use_cases.csv first)")),
        },
        Kind::Date | Kind::OptDate => {
            parse_date(t)?;
            Cell::Text(t)
        }
        Kind::Count => {
            if !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("'{t}' is not a whole number >= 0"));
            }
            Cell::Int(t.parse::<i64>().map_err(|_| format!("'{t}' is too large"))?)
        }
        Kind::Dec => {
            check_decimal(t)?;
            Cell::Text(t)
        }
        Kind::DecNonNeg => {
            check_decimal(t)?;
            if t.starts_with('-') && t.bytes().any(|c| (b'1'..=b'9').contains(&c)) {
                return Err(format!("'{t}' is negative; must be >= 0"));
            }
            Cell::Text(t)
        }
        Kind::DecRange(lo, hi) => {
            check_decimal(t)?;
            let v = Decimal::from_str_exact(t).map_err(|_| format!("'{t}' is not a decimal number"))?;
            if v < Decimal::from(lo) || v > Decimal::from(hi) {
                return Err(format!("{t} is out of range {lo}..{hi}"));
            }
            Cell::Text(t)
        }
    })
}

/// Imports a CSV file in one transaction. `progress` is called every few
/// thousand rows and once at the end.
pub(crate) fn import_csv(
    tx: &Transaction<'_>,
    kind: ImportKind,
    path: &Path,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport> {
    let file_name = path.display().to_string();
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(file);
    let columns = match kind {
        ImportKind::UseCases => USE_CASE_COLUMNS,
        ImportKind::Observations => OBSERVATION_COLUMNS,
    };
    let mut errors = Errors {
        file: file_name.clone(),
        list: vec![],
        total: 0,
    };
    let mut record = csv::ByteRecord::new();
    let csv_err = |e: csv::Error, errors: &mut Errors| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        errors.push(line, 1, "", format!("malformed CSV: {e}"));
    };

    // Header: map each known column to its field index.
    match rdr.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            return Err(StoreError::Import {
                errors: vec![CellError {
                    file: file_name,
                    line: 1,
                    column: 1,
                    field: String::new(),
                    message: "the file is empty (expected a header row)".into(),
                }],
                total: 1,
            })
        }
        Err(e) => {
            csv_err(e, &mut errors);
            return Err(StoreError::Import {
                errors: errors.list,
                total: errors.total,
            });
        }
    }
    let mut index: Vec<Option<usize>> = vec![None; columns.len()];
    let mut ignored = vec![];
    for (i, raw) in record.iter().enumerate() {
        let name = String::from_utf8_lossy(trim(raw))
            .trim_start_matches('\u{feff}')
            .to_string();
        match columns.iter().position(|c| c.name == name) {
            Some(c) if index[c].is_some() => errors.push(1, i as u64 + 1, &name, "duplicate column".into()),
            Some(c) => index[c] = Some(i),
            None => ignored.push(name),
        }
    }
    for (c, ix) in columns.iter().zip(&index) {
        if c.required && ix.is_none() {
            errors.push(1, 1, c.name, "required column is missing from the header".into());
        }
    }
    if errors.total > 0 {
        return Err(StoreError::Import {
            errors: errors.list,
            total: errors.total,
        });
    }
    let width = record.len();

    let use_cases: HashMap<String, i64> = if kind == ImportKind::Observations {
        let mut stmt = tx.prepare("SELECT id, pk FROM use_cases")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        HashMap::new()
    };
    let table = if kind == ImportKind::UseCases {
        "use_cases"
    } else {
        "observations"
    };
    let before: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;

    let mut obs_stmt = if kind == ImportKind::Observations {
        Some(tx.prepare(OBSERVATION_UPSERT)?)
    } else {
        None
    };
    let mut uc_stmt = if kind == ImportKind::UseCases {
        Some(tx.prepare(
            "INSERT INTO use_cases (id, name, owner, wave, region, status, flag, budget_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, owner = excluded.owner, wave = excluded.wave, \
             region = excluded.region, status = excluded.status, flag = excluded.flag, budget_cents = excluded.budget_cents \
             RETURNING pk",
        )?)
    } else {
        None
    };
    let mut del_levers = tx.prepare("DELETE FROM use_case_levers WHERE use_case = ?1")?;
    let mut add_lever = tx.prepare("INSERT INTO use_case_levers (use_case, position, lever) VALUES (?1, ?2, ?3)")?;

    let mut seen_keys: HashSet<u64> = HashSet::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut rows: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                csv_err(e, &mut errors);
                if errors.total > 10_000 {
                    break;
                }
                continue;
            }
        }
        rows += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
        if rows.is_multiple_of(8192) {
            progress(ImportProgress {
                bytes_read: rdr.position().byte(),
                total_bytes,
                rows,
            });
        }
        if record.len() == 1 && trim(&record[0]).is_empty() {
            rows -= 1;
            continue; // blank line
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
        let mut cells: Vec<Cell<'_>> = Vec::with_capacity(columns.len());
        let mut row_ok = true;
        for (c, ix) in columns.iter().zip(&index) {
            let Some(ix) = *ix else {
                cells.push(Cell::Null);
                continue;
            };
            let raw = trim(&record[ix]);
            let text = match std::str::from_utf8(raw) {
                Ok(t) => t,
                Err(_) => {
                    errors.push(line, ix as u64 + 1, c.name, "not valid UTF-8".into());
                    row_ok = false;
                    cells.push(Cell::Null);
                    continue;
                }
            };
            match parse_cell(c.kind, text, &use_cases) {
                Ok(cell) => cells.push(cell),
                Err(message) => {
                    errors.push(line, ix as u64 + 1, c.name, message);
                    row_ok = false;
                    cells.push(Cell::Null);
                }
            }
        }
        if !row_ok {
            continue;
        }
        match kind {
            ImportKind::Observations => {
                if let (Cell::Text(lo), Cell::Text(hi)) = (&cells[8], &cells[9]) {
                    if Decimal::from_str_exact(lo).ok() > Decimal::from_str_exact(hi).ok() {
                        errors.push(
                            line,
                            index[8].unwrap_or(0) as u64 + 1,
                            "value_ci_low",
                            format!("{lo} is above value_ci_high {hi}"),
                        );
                        continue;
                    }
                }
                let (Cell::Int(pk), Cell::Text(date)) = (&cells[0], &cells[1]) else {
                    unreachable!("required cells parsed")
                };
                let days = parse_date(date).map(|d| d.num_days_from_ce()).unwrap_or(0);
                if !seen_keys.insert(((*pk as u64) << 32) | (days as u32 as u64)) {
                    errors.push(
                        line,
                        index[1].unwrap_or(0) as u64 + 1,
                        "period_start",
                        format!("duplicate row for this use case and {date} in the file"),
                    );
                    continue;
                }
                if errors.total > 0 {
                    continue; // validation only: nothing more will be written
                }
                let stmt = obs_stmt.as_mut().expect("prepared");
                for (i, cell) in cells.iter().enumerate() {
                    bind(stmt, i + 1, cell)?;
                }
                stmt.raw_execute()?;
            }
            ImportKind::UseCases => {
                let Cell::Text(id) = cells[0] else {
                    unreachable!("required cell parsed")
                };
                if let Some(first) = seen_ids.insert(id.to_string(), line) {
                    errors.push(
                        line,
                        index[0].unwrap_or(0) as u64 + 1,
                        "id",
                        format!("duplicate id '{id}' (first on line {first})"),
                    );
                    continue;
                }
                if errors.total > 0 {
                    continue;
                }
                let stmt = uc_stmt.as_mut().expect("prepared");
                for (i, cell) in cells[..8].iter().enumerate() {
                    bind(stmt, i + 1, cell)?;
                }
                let pk: i64 = {
                    let mut r = stmt.raw_query();
                    let row = r
                        .next()?
                        .ok_or_else(|| StoreError::Invalid("upsert returned no row".into()))?;
                    row.get(0)?
                };
                del_levers.execute([pk])?;
                if let Cell::Text(levers) = cells[8] {
                    for (pos, lever) in levers.split(';').map(str::trim).filter(|l| !l.is_empty()).enumerate() {
                        add_lever.execute(rusqlite::params![pk, pos as i64, lever])?;
                    }
                }
            }
        }
    }
    progress(ImportProgress {
        bytes_read: total_bytes,
        total_bytes,
        rows,
    });
    if errors.total > 0 {
        return Err(StoreError::Import {
            errors: errors.list,
            total: errors.total,
        });
    }
    let after: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
    let added = (after - before).max(0) as u64;
    Ok(ImportReport {
        file: file_name,
        rows,
        added,
        replaced: rows.saturating_sub(added),
        ignored_columns: ignored,
    })
}

fn bind(stmt: &mut rusqlite::Statement<'_>, i: usize, cell: &Cell<'_>) -> Result<()> {
    match cell {
        Cell::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
        Cell::Int(v) => stmt.raw_bind_parameter(i, v)?,
        Cell::Text(t) => stmt.raw_bind_parameter(i, t)?,
    }
    Ok(())
}
