//! Reading CSV files users bring, the same way in every importer:
//! physical line numbers for LF and CRLF files, a UTF-8 byte-order mark
//! ignored, bounded memory on any input, and header checks that name the
//! expected column.
//!
//! Limits (documented in docs/formats.md): a record (one line, or several when
//! a quoted cell holds line breaks) is at most [`MAX_RECORD_BYTES`]; a cell at
//! most [`MAX_CELL_BYTES`]. Either limit is a located error, so `/dev/zero`
//! or a binary file fails fast instead of growing memory without bound.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::{CellError, Result, StoreError};

/// Largest record accepted, in bytes.
pub const MAX_RECORD_BYTES: u64 = 1 << 20;
/// Largest cell accepted, in bytes.
pub const MAX_CELL_BYTES: usize = 64 << 10;
/// How many bad cells are reported in full.
pub const MAX_REPORTED: usize = 20;

/// A record over [`MAX_RECORD_BYTES`], found while reading.
#[derive(Debug)]
pub(crate) struct RecordTooLong {
    pub line: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the record starting on line {} is longer than {} bytes (the limit); is this a CSV file?",
            self.line, MAX_RECORD_BYTES
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// Counts bytes per record as they are read (a quote-aware scan: a line
/// break inside a quoted cell does not end the record) and fails the read
/// once one record passes [`MAX_RECORD_BYTES`].
pub(crate) struct Bounded<R> {
    inner: R,
    line: u64,
    record_start_line: u64,
    record_bytes: u64,
    in_quotes: bool,
    /// At the start of a cell, where a quote opens a quoted cell (as in the
    /// `csv` crate; elsewhere a quote is literal text).
    cell_start: bool,
    /// Just after a closing quote, where a second quote is an escaped quote.
    just_closed: bool,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            self.record_bytes += 1;
            let was_quoted = self.in_quotes;
            if b == b'\n' {
                self.line += 1;
            }
            if was_quoted {
                self.in_quotes = b != b'"';
            } else if b == b'"' && (self.cell_start || self.just_closed) {
                self.in_quotes = true;
            } else if b == b'\n' {
                self.record_bytes = 0;
                self.record_start_line = self.line;
            }
            self.just_closed = was_quoted && !self.in_quotes;
            self.cell_start = !self.in_quotes && (b == b',' || b == b'\n');
            if self.record_bytes > MAX_RECORD_BYTES {
                return Err(io::Error::other(RecordTooLong {
                    line: self.record_start_line,
                }));
            }
        }
        Ok(n)
    }
}

pub(crate) type CsvReader = csv::Reader<Bounded<File>>;

/// Opens a CSV file for one of the importers. Records end at `\n` only, so
/// `position().line()` is the physical line for LF and CRLF files alike (the
/// `\r` stays at the end of the last cell, which every cell read trims).
pub(crate) fn open(path: &Path) -> Result<(CsvReader, u64)> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(StoreError::Invalid(format!(
            "{}: is a directory, not a CSV file",
            path.display()
        )));
    }
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((open_reader(file), total_bytes))
}

/// [`open`] over any byte stream (a gzip decoder, for `.csv.gz`), with the
/// same guarantees: physical lines, bounded records, the same settings.
pub(crate) fn open_reader<R: Read>(inner: R) -> csv::Reader<Bounded<R>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 16)
        .from_reader(Bounded {
            inner,
            line: 1,
            record_start_line: 1,
            record_bytes: 0,
            in_quotes: false,
            cell_start: true,
            just_closed: false,
        })
}

/// Trims ASCII whitespace (including a CRLF file's trailing `\r`).
pub(crate) fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Bad cells of one file, the first [`MAX_REPORTED`] in full.
pub(crate) struct Errors {
    pub file: String,
    pub list: Vec<CellError>,
    pub total: usize,
}

impl Errors {
    pub fn new(path: &Path) -> Errors {
        Errors {
            file: path.display().to_string(),
            list: vec![],
            total: 0,
        }
    }

    pub fn push(&mut self, line: u64, column: u64, field: &str, message: String) {
        self.push_located(None, line, column, field, message);
    }

    /// A bad cell of a Parquet file: row group and row (from 1), column.
    pub fn push_in_group(&mut self, group: u64, row: u64, column: u64, field: &str, message: String) {
        self.push_located(Some(group), row, column, field, message);
    }

    fn push_located(&mut self, row_group: Option<u64>, line: u64, column: u64, field: &str, message: String) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(CellError {
                file: self.file.clone(),
                line,
                column,
                field: field.to_string(),
                message,
                row_group,
            });
        }
    }

    /// A reading error, located. Returns `true` when reading must stop (the
    /// input is not CSV at all, or an IO error).
    pub fn push_csv(&mut self, e: &csv::Error, fallback_line: u64) -> bool {
        if let csv::ErrorKind::Io(io) = e.kind() {
            let line = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<RecordTooLong>())
                .map_or(fallback_line, |t| t.line);
            self.push(line, 1, "", io.to_string());
            return true;
        }
        let line = e.position().map_or(fallback_line, |p| p.line());
        self.push(line, 1, "", format!("malformed CSV: {e}"));
        false
    }

    pub fn into_result(self) -> Result<()> {
        if self.total == 0 {
            Ok(())
        } else {
            Err(StoreError::Import {
                errors: self.list,
                total: self.total,
            })
        }
    }
}

/// Where each known column is in a file's header.
pub(crate) struct Header {
    /// Field index of each known column, if present, in `known`'s order.
    pub index: Vec<Option<usize>>,
    /// Number of fields in the header row.
    pub width: usize,
    /// Header names that are not part of the format (ignored, reported).
    pub ignored: Vec<String>,
}

/// A header name reduced to what a user means: case, spaces, `_` and `-`
/// ignored (`Budget USD` means `budget_usd`).
fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads and checks the header row: the BOM is dropped and surrounding spaces
/// trimmed; a name that matches a known column only loosely (case, spaces) is
/// an error naming the expected column; a repeated name is an error; a
/// required column that is missing is an error.
pub(crate) fn read_header<R: Read>(
    rdr: &mut csv::Reader<Bounded<R>>,
    known: &[&str],
    required: &[&str],
    errors: &mut Errors,
) -> Result<Header> {
    let mut record = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => errors.push(1, 1, "", "the file is empty (expected a header row)".into()),
        Err(e) => {
            errors.push_csv(&e, 1);
        }
    }
    header_from_fields(record.iter(), known, required, errors)
}

/// [`read_header`] given the header row's fields (a reader that does not go
/// through `csv::Reader`, e.g. the FOCUS import's own parser thread); errors
/// already in `errors` make it fail after the names are checked.
pub(crate) fn header_from_fields<'a>(
    fields: impl Iterator<Item = &'a [u8]>,
    known: &[&str],
    required: &[&str],
    errors: &mut Errors,
) -> Result<Header> {
    let mut width = 0;
    let mut index: Vec<Option<usize>> = vec![None; known.len()];
    let mut ignored = vec![];
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, raw) in fields.enumerate() {
        width = i + 1;
        let column = i as u64 + 1;
        let raw = raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw);
        let Ok(name) = std::str::from_utf8(trim(raw)) else {
            errors.push(1, column, "", "header name is not valid UTF-8".into());
            continue;
        };
        if let Some(first) = seen.insert(name.to_string(), i) {
            errors.push(1, column, name, format!("duplicate column (also column {})", first + 1));
            continue;
        }
        match known.iter().position(|k| *k == name) {
            Some(k) => index[k] = Some(i),
            None => match known.iter().find(|k| loose(k) == loose(name)) {
                Some(expected) => errors.push(
                    1,
                    column,
                    name,
                    if expected.bytes().any(|b| b.is_ascii_uppercase()) {
                        format!("unknown column '{name}': did you mean '{expected}'? (column names are case-sensitive)")
                    } else {
                        format!("unknown column '{name}': did you mean '{expected}'? (column names are lower case)")
                    },
                ),
                None if !name.is_empty() => ignored.push(name.to_string()),
                None => {}
            },
        }
    }
    if errors.total == 0 {
        for (k, ix) in known.iter().zip(&index) {
            if ix.is_none() && required.contains(k) {
                errors.push(1, 1, k, "required column is missing from the header".into());
            }
        }
    }
    if errors.total > 0 {
        return Err(StoreError::Import {
            errors: std::mem::take(&mut errors.list),
            total: errors.total,
        });
    }
    Ok(Header { index, width, ignored })
}

/// Reads every record after the header, blank lines skipped, calling
/// `row(line, record, errors)` for each (its physical line, from 1); a
/// malformed record is pushed to `errors`, and reading stops at an IO error
/// or when `row` returns `false`.
pub(crate) fn each_record<R: Read>(
    rdr: &mut csv::Reader<R>,
    errors: &mut Errors,
    mut row: impl FnMut(u64, &csv::ByteRecord, &mut Errors) -> bool,
) {
    let mut record = csv::ByteRecord::new();
    let mut n = 0u64;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if errors.push_csv(&e, n + 2) {
                    break;
                }
                continue;
            }
        }
        n += 1;
        let line = record.position().map_or(n + 1, |p| p.line());
        if record.len() == 1 && trim(&record[0]).is_empty() {
            continue;
        }
        if !row(line, &record, errors) {
            break;
        }
    }
}

/// The trimmed UTF-8 text of a cell, or why not.
pub(crate) fn cell_text(raw: &[u8]) -> std::result::Result<&str, String> {
    let t = trim(raw);
    if t.len() > MAX_CELL_BYTES {
        return Err(format!(
            "the cell is longer than {MAX_CELL_BYTES} bytes (the limit for one cell)"
        ));
    }
    std::str::from_utf8(t).map_err(|_| "not valid UTF-8".to_string())
}
