//! FOCUS exports in Parquet, read with the `parquet` crate's row reader
//! (no Arrow), one row group at a time: memory is bounded by a row group's
//! pages plus the import's aggregates, never the whole file.
//!
//! Every cell becomes the text a CSV export would hold, and goes through the
//! same row logic ([`Run::read_row`]), so a Parquet file and its CSV twin
//! import to identical totals:
//! - a `DECIMAL` (INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY with a
//!   scale) is written out digit for digit from its unscaled integer, exactly;
//! - a `DOUBLE`/`FLOAT` is written as its shortest round-trip decimal (Rust's
//!   `Display`, the digits a CSV export of that double holds: `0.1`, not
//!   `0.1000000000000000055…`), then parsed exactly; NaN and infinities are
//!   errors;
//! - a timestamp (`INT64` millis, micros or nanos, `INT96`, or `DATE`) is
//!   taken as UTC and truncated to the second, like a CSV cell's fraction;
//!   strings are parsed as in CSV;
//! - `Tags`/`AllocatedTags` may be a JSON string or a `MAP<string, string>`
//!   (written as the JSON object it means).
//!
//! Errors name the file, the row group, the row within it (both from 1) and
//! the column (its position among the file's top-level columns and name).

use std::fs::File;
use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as PhysicalType};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::record::Field;
use parquet::schema::types::Type;

use super::{
    format_datetime, nullable, required_columns, Cells, FocusFileReport, RowError, Run, COLUMNS, C_ALLOCATED, C_BILLED,
    C_BP_END, C_BP_START, C_CH_END, C_CH_START, C_EFFECTIVE, C_TAGS, C_USED,
};
use crate::csv_input::Errors;
use crate::error::{Result, StoreError};
use crate::import::ImportProgress;

/// How a column's values are turned into text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    DateTime,
    Tags,
}

fn kind(c: usize) -> Kind {
    match c {
        C_BP_START | C_BP_END | C_CH_START | C_CH_END => Kind::DateTime,
        C_TAGS | C_ALLOCATED => Kind::Tags,
        _ => Kind::Text,
    }
}

/// A projected column: which FOCUS column, its position in the file (from
/// 1), and the unit of an INT64 timestamp without a converted type (nanos).
struct Projected {
    focus: usize,
    file_column: u64,
    nanos: bool,
}

/// Can the row reader convert a leaf of this type without panicking?
/// (`parquet`'s record API does not implement every converted type.)
fn supported(physical: PhysicalType, converted: ConvertedType) -> bool {
    use ConvertedType as C;
    match physical {
        PhysicalType::BOOLEAN | PhysicalType::INT96 | PhysicalType::FLOAT | PhysicalType::DOUBLE => true,
        PhysicalType::INT32 => matches!(
            converted,
            C::NONE | C::INT_8 | C::INT_16 | C::INT_32 | C::UINT_8 | C::UINT_16 | C::UINT_32 | C::DATE | C::DECIMAL
        ),
        PhysicalType::INT64 => matches!(
            converted,
            C::NONE | C::INT_64 | C::UINT_64 | C::TIMESTAMP_MILLIS | C::TIMESTAMP_MICROS | C::DECIMAL
        ),
        PhysicalType::BYTE_ARRAY => matches!(converted, C::NONE | C::UTF8 | C::ENUM | C::JSON | C::DECIMAL),
        PhysicalType::FIXED_LEN_BYTE_ARRAY => matches!(converted, C::NONE | C::DECIMAL),
    }
}

/// Every leaf under `t` (itself when primitive) is of a supported type.
fn all_supported(t: &Type) -> std::result::Result<(), String> {
    if t.is_primitive() {
        let info = t.get_basic_info();
        return if supported(t.get_physical_type(), info.converted_type()) {
            Ok(())
        } else {
            Err(format!(
                "Parquet type {} ({}) is not supported here",
                t.get_physical_type(),
                info.converted_type()
            ))
        };
    }
    t.get_fields().iter().try_for_each(|f| all_supported(f))
}

/// The unscaled big-endian two's-complement integer `bytes` with `scale`
/// decimals, as exact decimal text (trailing fractional zeros dropped).
fn decimal_text(bytes: &[u8], scale: i32) -> std::result::Result<String, String> {
    if bytes.is_empty() || bytes.len() > 16 {
        return Err(format!("a DECIMAL of {} bytes is not supported", bytes.len()));
    }
    let mut v: i128 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
    for b in bytes {
        v = (v << 8) | i128::from(*b);
    }
    let negative = v < 0;
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 3);
    if negative {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(&digits);
        if v != 0 {
            out.extend(std::iter::repeat_n('0', scale.unsigned_abs() as usize));
        }
        return Ok(out);
    }
    let scale = scale as usize;
    let (int, frac) = if digits.len() > scale {
        digits.split_at(digits.len() - scale)
    } else {
        ("", digits.as_str())
    };
    out.push_str(if int.is_empty() { "0" } else { int });
    let frac = format!("{frac:0>scale$}");
    let frac = frac.trim_end_matches('0');
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Ok(out)
}

/// A field as the text a CSV cell would hold; `None` for null.
fn field_text(field: &Field, kind: Kind, nanos: bool) -> std::result::Result<Option<String>, String> {
    let seconds = |s: i64| Ok(Some(format_datetime(s)));
    let finite = |v: f64, t: String| {
        if v.is_finite() {
            Ok(Some(t))
        } else {
            Err(format!("'{t}' is not a finite number"))
        }
    };
    match (field, kind) {
        (Field::Null, _) => Ok(None),
        (Field::Str(s), _) => Ok(Some(s.clone())),
        (Field::Bytes(b), _) => std::str::from_utf8(b.data())
            .map(|s| Some(s.to_string()))
            .map_err(|_| "not valid UTF-8".to_string()),
        (Field::TimestampMillis(v), Kind::DateTime) => seconds(v.div_euclid(1_000)),
        (Field::TimestampMicros(v), Kind::DateTime) => seconds(v.div_euclid(1_000_000)),
        (Field::Long(v), Kind::DateTime) if nanos => seconds(v.div_euclid(1_000_000_000)),
        (Field::Date(d), Kind::DateTime) => seconds(i64::from(*d) * capcall_core::focus::DAY_SECONDS),
        (_, Kind::DateTime) => Err(format!(
            "{} is not a timestamp (expected a Parquet TIMESTAMP, DATE or a YYYY-MM-DDTHH:mm:ssZ string)",
            describe(field)
        )),
        (Field::MapInternal(map), Kind::Tags) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in map.entries() {
                let key = match k {
                    Field::Str(s) => s.clone(),
                    other => return Err(format!("a tag key must be a string, found {}", describe(other))),
                };
                let value = match v {
                    Field::Null => serde_json::Value::Null,
                    Field::Str(s) => serde_json::Value::String(s.clone()),
                    other => serde_json::Value::String(field_text(other, Kind::Text, false)?.unwrap_or_default()),
                };
                obj.insert(key, value);
            }
            Ok(Some(serde_json::Value::Object(obj).to_string()))
        }
        (_, Kind::Tags) => Err(format!(
            "{} is not tags (expected a JSON string or a MAP<string, string>)",
            describe(field)
        )),
        (Field::Decimal(d), _) => decimal_text(d.data(), d.scale()).map(Some),
        (Field::Double(v), _) => finite(*v, v.to_string()),
        (Field::Float(v), _) => finite(f64::from(*v), v.to_string()),
        (Field::Bool(v), _) => Ok(Some(v.to_string())),
        (Field::Byte(v), _) => Ok(Some(v.to_string())),
        (Field::Short(v), _) => Ok(Some(v.to_string())),
        (Field::Int(v), _) => Ok(Some(v.to_string())),
        (Field::Long(v), _) => Ok(Some(v.to_string())),
        (Field::UByte(v), _) => Ok(Some(v.to_string())),
        (Field::UShort(v), _) => Ok(Some(v.to_string())),
        (Field::UInt(v), _) => Ok(Some(v.to_string())),
        (Field::ULong(v), _) => Ok(Some(v.to_string())),
        (other, _) => Err(format!("{} is not supported in this column", describe(other))),
    }
}

fn describe(field: &Field) -> String {
    let name = match field {
        Field::Group(_) => "a struct",
        Field::ListInternal(_) => "a list",
        Field::MapInternal(_) => "a map",
        Field::Bool(_) => "a boolean",
        Field::Decimal(_) | Field::Double(_) | Field::Float(_) | Field::Float16(_) => "a number",
        Field::Str(_) | Field::Bytes(_) => "a string",
        Field::TimestampMillis(_) | Field::TimestampMicros(_) | Field::Date(_) => "a timestamp",
        Field::TimeMillis(_) | Field::TimeMicros(_) => "a time of day",
        _ => "an integer",
    };
    name.to_string()
}

/// Opens a Parquet file, or says why not.
fn open(path: &Path, file: File) -> Result<SerializedFileReader<File>> {
    SerializedFileReader::new(file)
        .map_err(|e| StoreError::Invalid(format!("{}: not a readable Parquet file: {e}", path.display())))
}

impl Run<'_> {
    /// Reads one Parquet file into the aggregates, row group by row group.
    pub(super) fn read_parquet(
        &mut self,
        path: &Path,
        file: File,
        done_bytes: u64,
        progress: &mut dyn FnMut(ImportProgress),
        total_bytes: u64,
    ) -> Result<FocusFileReport> {
        let reader = open(path, file)?;
        let mut errors = Errors::new(path);
        let cost_col = self.cost_col();
        let other_cost = if cost_col == C_BILLED { C_EFFECTIVE } else { C_BILLED };
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let fields = schema.root_schema().get_fields();
        let mut projected: Vec<Projected> = vec![];
        let mut types = vec![];
        for (c, name) in COLUMNS.iter().enumerate().take(C_USED) {
            if c == other_cost {
                continue;
            }
            let Some(pos) = fields.iter().position(|f| f.name() == *name) else {
                if let Some(pos) = fields.iter().position(|f| f.name().eq_ignore_ascii_case(name)) {
                    errors.push(
                        1,
                        pos as u64 + 1,
                        fields[pos].name(),
                        format!(
                            "unknown column '{}': did you mean '{name}'? (column names are case-sensitive)",
                            fields[pos].name()
                        ),
                    );
                } else if required_columns(cost_col).any(|r| r == c) {
                    errors.push(1, 1, name, "required column is missing from the file's schema".into());
                }
                continue;
            };
            let t = &fields[pos];
            if let Err(m) = all_supported(t) {
                errors.push(1, pos as u64 + 1, name, m);
                continue;
            }
            let nanos = matches!(
                t.get_basic_info().logical_type_ref(),
                Some(LogicalType::Timestamp(ts)) if ts.unit == TimeUnit::NANOS
            );
            projected.push(Projected {
                focus: c,
                file_column: pos as u64 + 1,
                nanos,
            });
            types.push(t.clone());
        }
        errors.into_result()?;
        let projection = Type::group_type_builder(schema.root_schema().name())
            .with_fields(types)
            .build()
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
        let mut errors = Errors::new(path);
        let groups = reader.num_row_groups();
        let mut rows = 0u64;
        let mut bytes = 0u64;
        let mut texts: Vec<Option<String>> = vec![None; C_USED];
        'groups: for g in 0..groups {
            let group_no = g as u64 + 1;
            let located = |e: parquet::errors::ParquetError| {
                StoreError::Invalid(format!("{}: row group {group_no}: {e}", path.display()))
            };
            let group = reader.get_row_group(g).map_err(located)?;
            bytes += group.metadata().compressed_size().max(0) as u64;
            let iter = group.get_row_iter(Some(projection.clone())).map_err(located)?;
            for (r, row) in iter.enumerate() {
                let row_no = r as u64 + 1;
                let row = row.map_err(|e| {
                    StoreError::Invalid(format!("{}: row group {group_no}, row {row_no}: {e}", path.display()))
                })?;
                rows += 1;
                if rows.is_multiple_of(8192) {
                    progress(ImportProgress {
                        bytes_read: done_bytes + bytes,
                        total_bytes,
                        rows: self.rows + rows,
                    });
                }
                texts.iter_mut().for_each(|t| *t = None);
                let mut bad = None;
                for (p, (_, field)) in projected.iter().zip(row.get_column_iter()) {
                    match field_text(field, kind(p.focus), p.nanos) {
                        Ok(t) => texts[p.focus] = t,
                        Err(m) => {
                            bad = Some((p.focus, m));
                            break;
                        }
                    }
                }
                let result = match bad {
                    Some((c, m)) => Err(RowError::Cell(c, m)),
                    None => {
                        let mut cells: Cells = [None; C_USED];
                        for (cell, text) in cells.iter_mut().zip(&texts) {
                            *cell = text.as_deref().map(str::trim).and_then(nullable);
                        }
                        self.read_row(&cells, cost_col)
                    }
                };
                match result {
                    Ok(()) => {}
                    Err(RowError::Cell(c, m)) => {
                        let column = projected.iter().find(|p| p.focus == c).map_or(1, |p| p.file_column);
                        errors.push_in_group(group_no, row_no, column, COLUMNS[c], m);
                    }
                    Err(RowError::Store(e)) => return Err(e),
                }
                if errors.total > 10_000 {
                    break 'groups;
                }
            }
        }
        errors.into_result()?;
        self.rows += rows;
        progress(ImportProgress {
            bytes_read: done_bytes + bytes,
            total_bytes,
            rows: self.rows,
        });
        Ok(FocusFileReport {
            file: path.display().to_string(),
            rows,
            gzip: false,
            parquet: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::decimal_text;

    #[test]
    fn decimals_are_written_exactly() {
        let be = |v: i128, n: usize| v.to_be_bytes()[16 - n..].to_vec();
        assert_eq!(decimal_text(&be(12345, 4), 2).unwrap(), "123.45");
        assert_eq!(decimal_text(&be(-5, 8), 3).unwrap(), "-0.005");
        assert_eq!(decimal_text(&be(1_000, 4), 3).unwrap(), "1");
        assert_eq!(decimal_text(&be(0, 4), 5).unwrap(), "0");
        assert_eq!(decimal_text(&be(7, 2), -2).unwrap(), "700");
        assert_eq!(
            decimal_text(&be(-123_456_789_012_345_678_901_234_567, 16), 18).unwrap(),
            "-123456789.012345678901234567"
        );
        assert!(decimal_text(&[0; 17], 2).is_err());
    }
}
