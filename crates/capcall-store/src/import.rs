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
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use capcall_core::model::is_slug;
use capcall_core::money::{parse_cents, Measured};
use chrono::Datelike;
use rust_decimal::Decimal;

use crate::csv_input::{self, CsvReader, Errors, Header};
use crate::error::{Result, StoreError};

/// A multiply-shift hasher for the packed `(use case, day)` keys of the
/// duplicate check: SipHash's DoS resistance buys nothing for a local file.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = (k ^ (k >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (k >> 32);
    }
}

/// Most columns a format has.
const MAX_COLUMNS: usize = 22;

pub use crate::csv_input::MAX_REPORTED;

/// Largest count accepted in a `units` cell (10^15 requests a period): sums
/// over any realistic history stay far inside the `u128` they are summed in.
pub const MAX_UNITS: i64 = 1_000_000_000_000_000;
/// Largest count of privacy incidents in one row.
pub const MAX_INCIDENT_COUNT: i64 = 1_000_000;
/// Metric decimals (value, latency, DAU...) are below 10^15 in absolute
/// value: their means and products with rubric percentages cannot overflow.
pub const MAX_METRIC_DIGITS: usize = 15;

/// Progress of an import, reported every few thousand rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportProgress {
    pub bytes_read: u64,
    pub total_bytes: u64,
    pub rows: u64,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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

/// What a file holds: the one list of import kinds both shells offer (the
/// CLI's `import <KIND>` through the `clap` feature, the app's typed IPC
/// through the `specta` feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ImportKind {
    UseCases,
    Observations,
    Incidents,
    /// FOCUS cost exports (CSV, .csv.gz).
    Focus,
    /// Business metrics: use_case,period_start,units[,metric].
    Units,
}

/// The two tables whose columns `use_cases.csv` and `observations.csv`
/// describe (the column-checked imports and edits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CsvTable {
    UseCases,
    Observations,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Slug,
    Text,
    OptText,
    Status,
    /// Planned money, whole cents, >= 0 (stored as INTEGER cents).
    Planned,
    /// Measured money at source precision (stored as exact decimal text).
    Measured {
        non_negative: bool,
    },
    Levers,
    UseCaseRef,
    Date,
    OptDate,
    Count(i64),
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
    col("budget_usd", Kind::Planned, true),
    col("levers", Kind::Levers, false),
    col("sunset_date", Kind::OptDate, false),
];

/// Order = the order of the INSERT's parameters (after `use_case`).
const OBSERVATION_COLUMNS: &[Column] = &[
    col("use_case", Kind::UseCaseRef, true),
    col("period_start", Kind::Date, true),
    // Spend may be negative: credits can exceed usage in a period.
    col("spend_usd", Kind::Measured { non_negative: false }, false),
    col("forecast_usd", Kind::Measured { non_negative: true }, false),
    col("units", Kind::Count(MAX_UNITS), false),
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
    col("privacy_incidents", Kind::Count(MAX_INCIDENT_COUNT), false),
    col("dau", Kind::DecNonNeg, false),
    col("dau_target", Kind::DecNonNeg, false),
    col("task_success_pct", Kind::DecRange(0, 100), false),
    col("remediation_plan", Kind::OptText, false),
    col("remediation_due", Kind::OptDate, false),
];

/// Keyed replace of whole rows (FORMATS.md: "rows are keyed, then replaced").
/// `OR REPLACE` costs one B-tree seek per row where an upsert costs two.
const OBSERVATION_UPSERT: &str = "INSERT OR REPLACE INTO observations (use_case, period_start, spend_usd, \
    forecast_usd, units, value_delta, value_target, value_hurdle, value_ci_low, value_ci_high, p95_latency_ms, \
    p95_latency_slo_ms, availability_pct, availability_slo_pct, eval_status, grounded_score, privacy_incidents, dau, \
    dau_target, task_success_pct, remediation_plan, remediation_due) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";

/// A parsed cell, borrowed from the record where it is text.
enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    /// Text rewritten to its canonical form (measured money given as
    /// `$1,200.5` or `1.5E-7`).
    Owned(String),
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
    let int_digits = body
        .iter()
        .take_while(|c| **c != b'.')
        .skip_while(|c| **c == b'0')
        .count();
    if int_digits > MAX_METRIC_DIGITS {
        return Err(format!(
            "'{t}' is out of range (metrics are below 10^{MAX_METRIC_DIGITS} in absolute value)"
        ));
    }
    Ok(())
}

/// Checked decimal text as an exact `(mantissa, scale)`, when it fits an
/// `i64` (the fast path); `None` for longer text.
fn small_decimal(t: &str) -> Option<(i64, u32)> {
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if body.len() > 18 {
        return None;
    }
    let (mut mantissa, mut scale, mut after_dot) = (0i64, 0u32, false);
    for c in body.bytes() {
        if c == b'.' {
            after_dot = true;
        } else {
            mantissa = mantissa * 10 + i64::from(c - b'0');
            scale += u32::from(after_dot);
        }
    }
    Some((if neg { -mantissa } else { mantissa }, scale))
}

/// Compares two checked decimal texts exactly.
fn cmp_decimal(a: &str, b: &str) -> std::cmp::Ordering {
    if let (Some((ma, sa)), Some((mb, sb))) = (small_decimal(a), small_decimal(b)) {
        let s = sa.max(sb);
        let scale = |m: i64, from: u32| i128::from(m) * 10i128.pow(s - from);
        return scale(ma, sa).cmp(&scale(mb, sb));
    }
    Decimal::from_str_exact(a).ok().cmp(&Decimal::from_str_exact(b).ok())
}

/// Is checked decimal text `t` within `lo..=hi`?
fn in_range(t: &str, lo: i64, hi: i64) -> bool {
    if let Some((m, s)) = small_decimal(t) {
        let p = 10i128.pow(s);
        return i128::from(m) >= i128::from(lo) * p && i128::from(m) <= i128::from(hi) * p;
    }
    Decimal::from_str_exact(t).is_ok_and(|v| v >= Decimal::from(lo) && v <= Decimal::from(hi))
}

/// Parses `YYYY-MM-DD` strictly: the core's one date parser
/// ([`capcall_core::period::parse_iso_date`]), kept here so callers compile.
pub use capcall_core::period::parse_iso_date as parse_date;

/// Is `t` decimal text exactly as [`Measured`] prints it (`-12.50`,
/// `0.0095`), so it can be stored as written without a copy?
fn is_canonical_decimal(t: &str) -> bool {
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(digits)
        && !(negative && body.bytes().all(|b| b == b'0' || b == b'.'))
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
        Kind::Planned => {
            let cents = parse_cents(t).map_err(|e| e.to_string())?;
            if cents < 0 {
                return Err(format!("'{t}' is negative; amounts here must be >= 0"));
            }
            Cell::Int(cents)
        }
        Kind::Measured { non_negative } => {
            let m = Measured::parse(t).map_err(|e| e.to_string())?;
            if non_negative && m.is_negative() {
                return Err(format!("'{t}' is negative; amounts here must be >= 0"));
            }
            if is_canonical_decimal(t) {
                Cell::Text(t)
            } else {
                Cell::Owned(m.to_string())
            }
        }
        Kind::UseCaseRef => match use_cases.get(t) {
            Some(pk) => Cell::Int(*pk),
            None => return Err(format!("unknown use case '{t}' (import it in use_cases.csv first)")),
        },
        Kind::Date | Kind::OptDate => {
            parse_date(t)?;
            Cell::Text(t)
        }
        Kind::Count(max) => {
            if !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("'{t}' is not a whole number >= 0"));
            }
            match t.parse::<i64>() {
                Ok(n) if n <= max => Cell::Int(n),
                _ => return Err(format!("'{t}' is out of range (at most {max})")),
            }
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
            if !in_range(t, lo, hi) {
                return Err(format!("{t} is out of range {lo}..{hi}"));
            }
            Cell::Text(t)
        }
    })
}

/// One cell of a row, checked as every importer of these formats and every
/// edit checks it: the CSV layer's cell rules (length, UTF-8, surrounding
/// spaces trimmed), then "required, but empty", then the column's kind.
fn check_cell<'a>(
    c: &Column,
    raw: &'a [u8],
    use_cases: &HashMap<String, i64>,
) -> std::result::Result<Cell<'a>, String> {
    let text = csv_input::cell_text(raw)?;
    if c.required && text.is_empty() {
        return Err("required, but empty".into());
    }
    parse_cell(c.kind, text, use_cases)
}

/// A confidence interval's ends in order (`value_ci_low <= value_ci_high`);
/// the message names the low end, as the importer reports it.
fn check_ci_order(lo: &str, hi: &str) -> std::result::Result<(), String> {
    if cmp_decimal(lo, hi) == std::cmp::Ordering::Greater {
        return Err(format!("{lo} is above value_ci_high {hi}"));
    }
    Ok(())
}

/// A value checked for a column of `use_cases.csv` or `observations.csv`,
/// ready to store: what an edit writes in place of an imported cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldValue {
    /// Empty: unknown (optional columns only).
    Null,
    Int(i64),
    /// Text in its stored form (measured money canonical, as imported).
    Text(String),
}

impl FieldValue {
    /// The value as the audit trail and an [`crate::edit::Edit`] show it:
    /// `None` for unknown, integers in decimal, text as stored.
    pub(crate) fn as_text(&self) -> Option<String> {
        match self {
            FieldValue::Null => None,
            FieldValue::Int(v) => Some(v.to_string()),
            FieldValue::Text(t) => Some(t.clone()),
        }
    }
}

impl rusqlite::ToSql for FieldValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            FieldValue::Null => rusqlite::types::Null.to_sql(),
            FieldValue::Int(v) => v.to_sql(),
            FieldValue::Text(t) => t.to_sql(),
        }
    }
}

/// The levers of a `levers` cell: `;`-separated, trimmed, empty ones dropped.
pub(crate) fn split_levers(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|l| !l.is_empty())
}

/// Is `field` a column of `kind`'s format?
pub(crate) fn is_column(kind: CsvTable, field: &str) -> bool {
    let columns = match kind {
        CsvTable::UseCases => USE_CASE_COLUMNS,
        CsvTable::Observations => OBSERVATION_COLUMNS,
    };
    columns.iter().any(|c| c.name == field)
}

/// The columns of a format, by name, for the error that lists them.
fn column_names(columns: &[Column]) -> String {
    columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// Checks `text` for the column `field` of `kind`'s format exactly as the
/// importer checks that column's cell (the same function, the same
/// messages). Use-case references are not resolved here: an edit names its
/// use case separately. Errors are `field: message`, like the importer's
/// `FILE:LINE:COLUMN: field: message` without the location.
pub(crate) fn check_field(kind: CsvTable, field: &str, text: &str) -> std::result::Result<FieldValue, String> {
    let columns = match kind {
        CsvTable::UseCases => USE_CASE_COLUMNS,
        CsvTable::Observations => OBSERVATION_COLUMNS,
    };
    let Some(c) = columns.iter().find(|c| c.name == field) else {
        return Err(format!(
            "'{field}' is not a column of {} (columns: {})",
            if kind == CsvTable::UseCases {
                "use_cases.csv"
            } else {
                "observations.csv"
            },
            column_names(columns)
        ));
    };
    let no_refs = HashMap::new();
    let cell = check_cell(c, text.as_bytes(), &no_refs).map_err(|m| format!("{field}: {m}"))?;
    Ok(match cell {
        Cell::Null => FieldValue::Null,
        Cell::Int(v) => FieldValue::Int(v),
        Cell::Text(t) => FieldValue::Text(t.to_string()),
        Cell::Owned(t) => FieldValue::Text(t),
    })
}

/// Checks a confidence interval after an edit of one of its ends, with the
/// importer's message (`value_ci_low: LO is above value_ci_high HI`).
pub(crate) fn check_field_ci(lo: Option<&str>, hi: Option<&str>) -> std::result::Result<(), String> {
    match (lo, hi) {
        (Some(lo), Some(hi)) => check_ci_order(lo, hi).map_err(|m| format!("value_ci_low: {m}")),
        _ => Ok(()),
    }
}

/// Imports a CSV file in one transaction. `progress` is called every few
/// thousand rows and once at the end.
pub(crate) fn import_csv(
    tx: &rusqlite::Connection,
    kind: CsvTable,
    path: &Path,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport> {
    let file_name = path.display().to_string();
    let (mut rdr, total_bytes) = csv_input::open(path)?;
    let columns = match kind {
        CsvTable::UseCases => USE_CASE_COLUMNS,
        CsvTable::Observations => OBSERVATION_COLUMNS,
    };
    let mut errors = Errors::new(path);
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    let required: Vec<&str> = columns.iter().filter(|c| c.required).map(|c| c.name).collect();
    let header = csv_input::read_header(&mut rdr, &names, &required, &mut errors)?;

    let use_cases: HashMap<String, i64> = if kind == CsvTable::Observations {
        let mut stmt = tx.prepare("SELECT id, pk FROM use_cases")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        HashMap::new()
    };
    let table = if kind == CsvTable::UseCases {
        "use_cases"
    } else {
        "observations"
    };
    let before: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;

    // Two-stage pipeline: a scoped thread reads and validates the CSV into
    // batches while this thread writes them to SQLite, so the two halves of
    // the work run on two cores. Batches are recycled, so steady state
    // allocates nothing per row.
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Batch>(4);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Batch>();
    let width = columns.len();
    let (read_result, write_result) = std::thread::scope(|scope| {
        let header = &header;
        let use_cases = &use_cases;
        let rdr = &mut rdr;
        let reader = scope.spawn(move || {
            let mut state = ReadState {
                errors,
                rows: 0,
                seen_keys: HashSet::default(),
                seen_ids: HashMap::new(),
            };
            read_rows(
                rdr,
                kind,
                columns,
                header,
                use_cases,
                total_bytes,
                &mut state,
                &full_tx,
                &empty_rx,
            );
            drop(full_tx);
            state
        });
        let written = write_batches(tx, kind, width, &full_rx, &empty_tx, total_bytes, progress);
        drop(full_rx); // a write error stops the reader at its next send
        (reader.join(), written)
    });
    let state = read_result.map_err(|_| StoreError::Invalid("the CSV reader thread panicked".into()))?;
    if state.errors.total > 0 {
        return Err(StoreError::Import {
            errors: state.errors.list,
            total: state.errors.total,
        });
    }
    write_result?;
    progress(ImportProgress {
        bytes_read: total_bytes,
        total_bytes,
        rows: state.rows,
    });
    let after: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
    let added = (after - before).max(0) as u64;
    Ok(ImportReport {
        file: file_name,
        rows: state.rows,
        added,
        replaced: state.rows.saturating_sub(added),
        ignored_columns: header.ignored.clone(),
    })
}

/// Rows per batch handed from the reader to the writer.
const BATCH_ROWS: usize = 2048;

/// A validated cell in a batch; text lives in the batch's arena.
#[derive(Clone, Copy)]
enum Slot {
    Null,
    Int(i64),
    Text(u32, u32),
}

/// Validated rows, `width` slots each.
#[derive(Default)]
struct Batch {
    arena: String,
    slots: Vec<Slot>,
    rows: usize,
    bytes_read: u64,
    rows_read: u64,
}

impl Batch {
    fn text(&self, start: u32, end: u32) -> &str {
        &self.arena[start as usize..end as usize]
    }
    fn clear(&mut self) {
        self.arena.clear();
        self.slots.clear();
        self.rows = 0;
    }
}

struct ReadState {
    errors: Errors,
    rows: u64,
    seen_keys: HashSet<u64, BuildHasherDefault<KeyHasher>>,
    seen_ids: HashMap<String, u64>,
}

/// Reads, validates and batches every record. After the first bad cell,
/// nothing more is sent (the import will be rolled back) but reading goes on
/// to report every bad cell.
#[allow(clippy::too_many_arguments)]
fn read_rows(
    rdr: &mut CsvReader,
    kind: CsvTable,
    columns: &[Column],
    header: &Header,
    use_cases: &HashMap<String, i64>,
    total_bytes: u64,
    st: &mut ReadState,
    full: &std::sync::mpsc::SyncSender<Batch>,
    empty: &std::sync::mpsc::Receiver<Batch>,
) {
    st.seen_keys.reserve((total_bytes / 96).min(50_000_000) as usize);
    let mut record = csv::ByteRecord::new();
    let mut batch = Batch::default();
    let mut writer_gone = false;
    let send = |batch: &mut Batch, rows_read: u64, bytes: u64, writer_gone: &mut bool| {
        let mut next = empty.try_recv().unwrap_or_default();
        next.clear();
        let mut done = std::mem::replace(batch, next);
        done.rows_read = rows_read;
        done.bytes_read = bytes;
        if full.send(done).is_err() {
            *writer_gone = true;
        }
    };
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if st.errors.push_csv(&e, st.rows + 2) || st.errors.total > 10_000 {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(st.rows + 2);
        if record.len() == 1 && csv_input::trim(&record[0]).is_empty() {
            continue; // blank line
        }
        st.rows += 1;
        if record.len() != header.width {
            st.errors.push(
                line,
                record.len().min(header.width) as u64 + 1,
                "",
                format!(
                    "expected {} fields like the header, found {}",
                    header.width,
                    record.len()
                ),
            );
            continue;
        }
        let mut cells: [Cell<'_>; MAX_COLUMNS] = std::array::from_fn(|_| Cell::Null);
        let mut row_ok = true;
        for (n, (c, ix)) in columns.iter().zip(&header.index).enumerate() {
            let Some(ix) = *ix else { continue };
            match check_cell(c, &record[ix], use_cases) {
                Ok(cell) => cells[n] = cell,
                Err(message) => {
                    st.errors.push(line, ix as u64 + 1, c.name, message);
                    row_ok = false;
                }
            }
        }
        if !row_ok {
            continue;
        }
        let col =
            |name: &str| header.index[columns.iter().position(|c| c.name == name).unwrap_or(0)].unwrap_or(0) as u64 + 1;
        match kind {
            CsvTable::Observations => {
                if let (Cell::Text(lo), Cell::Text(hi)) = (&cells[8], &cells[9]) {
                    if let Err(message) = check_ci_order(lo, hi) {
                        st.errors.push(line, col("value_ci_low"), "value_ci_low", message);
                        continue;
                    }
                }
                let (Cell::Int(pk), Cell::Text(date)) = (&cells[0], &cells[1]) else {
                    unreachable!("required cells parsed")
                };
                let days = parse_date(date).map(|d| d.num_days_from_ce()).unwrap_or(0);
                if !st.seen_keys.insert(((*pk as u64) << 32) | (days as u32 as u64)) {
                    st.errors.push(
                        line,
                        col("period_start"),
                        "period_start",
                        format!("duplicate row for this use case and {date} in the file"),
                    );
                    continue;
                }
            }
            CsvTable::UseCases => {
                let Cell::Text(id) = cells[0] else {
                    unreachable!("required cell parsed")
                };
                if let Some(first) = st.seen_ids.insert(id.to_string(), line) {
                    st.errors.push(
                        line,
                        col("id"),
                        "id",
                        format!("duplicate id '{id}' (first on line {first})"),
                    );
                    continue;
                }
            }
        }
        if st.errors.total > 0 || writer_gone {
            continue; // validation only: nothing more will be written
        }
        for cell in &cells[..columns.len()] {
            batch.slots.push(match cell {
                Cell::Null => Slot::Null,
                Cell::Int(v) => Slot::Int(*v),
                Cell::Text(t) => {
                    let start = batch.arena.len() as u32;
                    batch.arena.push_str(t);
                    Slot::Text(start, batch.arena.len() as u32)
                }
                Cell::Owned(t) => {
                    let start = batch.arena.len() as u32;
                    batch.arena.push_str(t);
                    Slot::Text(start, batch.arena.len() as u32)
                }
            });
        }
        batch.rows += 1;
        if batch.rows == BATCH_ROWS {
            send(&mut batch, st.rows, rdr.position().byte(), &mut writer_gone);
        }
    }
    if batch.rows > 0 && st.errors.total == 0 && !writer_gone {
        send(&mut batch, st.rows, total_bytes, &mut writer_gone);
    }
}

/// Writes batches as they arrive; returns the first SQLite error.
fn write_batches(
    tx: &rusqlite::Connection,
    kind: CsvTable,
    width: usize,
    full: &std::sync::mpsc::Receiver<Batch>,
    empty: &std::sync::mpsc::Sender<Batch>,
    total_bytes: u64,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<()> {
    let mut obs = if kind == CsvTable::Observations {
        Some(tx.prepare(OBSERVATION_UPSERT)?)
    } else {
        None
    };
    let mut uc = if kind == CsvTable::UseCases {
        Some(tx.prepare(
            "INSERT INTO use_cases (id, name, owner, wave, region, status, flag, budget_cents, sunset_date) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             owner = excluded.owner, wave = excluded.wave, region = excluded.region, status = excluded.status, \
             flag = excluded.flag, budget_cents = excluded.budget_cents, sunset_date = excluded.sunset_date RETURNING pk",
        )?)
    } else {
        None
    };
    let mut del_levers = tx.prepare("DELETE FROM use_case_levers WHERE use_case = ?1")?;
    let mut add_lever = tx.prepare("INSERT INTO use_case_levers (use_case, position, lever) VALUES (?1, ?2, ?3)")?;
    for batch in full.iter() {
        for row in batch.slots.chunks_exact(width) {
            if let Some(stmt) = obs.as_mut() {
                for (i, slot) in row.iter().enumerate() {
                    bind(stmt, i + 1, &batch, *slot)?;
                }
                stmt.raw_execute()?;
            } else if let Some(stmt) = uc.as_mut() {
                for (i, slot) in row[..8].iter().enumerate() {
                    bind(stmt, i + 1, &batch, *slot)?;
                }
                bind(stmt, 9, &batch, row[9])?; // sunset_date
                let pk: i64 = {
                    let mut r = stmt.raw_query();
                    let row = r
                        .next()?
                        .ok_or_else(|| StoreError::Invalid("upsert returned no row".into()))?;
                    row.get(0)?
                };
                del_levers.execute([pk])?;
                if let Slot::Text(a, b) = row[8] {
                    for (pos, lever) in split_levers(batch.text(a, b)).enumerate() {
                        add_lever.execute(rusqlite::params![pk, pos as i64, lever])?;
                    }
                }
            }
        }
        progress(ImportProgress {
            bytes_read: batch.bytes_read,
            total_bytes,
            rows: batch.rows_read,
        });
        let _ = empty.send(batch);
    }
    Ok(())
}

fn bind(stmt: &mut rusqlite::Statement<'_>, i: usize, batch: &Batch, slot: Slot) -> Result<()> {
    match slot {
        Slot::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
        Slot::Int(v) => stmt.raw_bind_parameter(i, v)?,
        Slot::Text(a, b) => stmt.raw_bind_parameter(i, batch.text(a, b))?,
    }
    Ok(())
}

/// The first rows of a CSV file, for the import screen's preview.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CsvPreview {
    pub file: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total_bytes: u64,
    /// Which format the header looks like, if any.
    pub looks_like: Option<String>,
}

/// Reads the header and up to `limit` rows of a CSV file.
pub fn preview(path: &Path, limit: usize) -> Result<CsvPreview> {
    let (mut rdr, total_bytes) = csv_input::open(path)?;
    let mut rows = vec![];
    for rec in rdr.byte_records().take(limit + 1) {
        let rec = rec.map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
        rows.push(
            rec.iter()
                .map(|c| {
                    String::from_utf8_lossy(csv_input::trim(c))
                        .trim_start_matches('\u{feff}')
                        .to_string()
                })
                .collect::<Vec<_>>(),
        );
    }
    let header = if rows.is_empty() { vec![] } else { rows.remove(0) };
    let has = |n: &str| header.iter().any(|h| h.trim() == n);
    let looks_like = if has("ChargePeriodStart") || (has("BilledCost") && has("BillingAccountId")) {
        Some("focus".to_string())
    } else if has("severity") && has("opened") {
        Some("incidents".to_string())
    } else if has("use_case")
        && has("period_start")
        && has("units")
        && header
            .iter()
            .all(|h| ["use_case", "period_start", "units", "metric"].contains(&h.trim()))
    {
        Some("units".to_string())
    } else if has("use_case") && has("period_start") {
        Some("observations".to_string())
    } else if has("id") && has("budget_usd") {
        Some("use-cases".to_string())
    } else {
        None
    };
    Ok(CsvPreview {
        file: path.display().to_string(),
        header,
        rows,
        total_bytes,
        looks_like,
    })
}
