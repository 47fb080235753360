//! FOCUS exports in Parquet, written here with the `parquet` crate's writer
//! from the same rows as the CSV fixtures (focus.rs), in the physical types
//! providers use: DECIMAL (fixed-length and INT64), DOUBLE, strings,
//! timestamps in millis, micros and nanos, tags as a MAP or a JSON string,
//! several row groups, Snappy/Zstandard/gzip compression.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use capcall_core::focus::parse_datetime;
use capcall_store::{CostColumn, CostsBy, FocusOptions};
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, FixedLenByteArray, FixedLenByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rust_decimal::Decimal;

use super::focus::{august, charge, d, import, import_errors, july, setup, setup_with_july, uc, HEADER, JUL};
use super::{no_progress, write};

/// How a column is stored in the Parquet file.
#[derive(Clone, Copy)]
enum Enc {
    Str,
    TsMillis,
    TsMicros,
    TsNanos,
    /// DECIMAL(38, scale) in a 16-byte FIXED_LEN_BYTE_ARRAY.
    Dec16(u32),
    /// DECIMAL(18, scale) in an INT64.
    DecI64(u32),
    Double,
    /// MAP<string, string> from the CSV cell's JSON object.
    Map,
}

/// One way of storing every column of the fixtures' header.
fn layout(variant: u8) -> Vec<(&'static str, Enc)> {
    let names = HEADER.split(',');
    names
        .map(|n| {
            let e = match (variant, n) {
                (0, "BillingPeriodStart") => Enc::TsMillis,
                (0, "ChargePeriodStart") => Enc::TsMicros,
                (0, "ChargePeriodEnd") => Enc::TsNanos,
                (0, "EffectiveCost") => Enc::Dec16(16),
                (0, "BilledCost") => Enc::Double,
                (0, "Tags") => Enc::Map,
                (1, "EffectiveCost") => Enc::DecI64(12),
                (2, "EffectiveCost") => Enc::Double,
                _ => Enc::Str,
            };
            (n, e)
        })
        .collect()
}

fn null(cell: &str) -> bool {
    cell.is_empty() || cell == "NULL"
}

/// Writes the CSV `text` (header + rows) as Parquet, `per_group` rows a row group.
fn to_parquet(dir: &Path, name: &str, text: &str, variant: u8, per_group: usize, codec: Compression) -> PathBuf {
    let columns = layout(variant);
    let mut message = String::from("message focus {\n");
    for (n, e) in &columns {
        message.push_str(&match e {
            Enc::Str => format!("optional binary {n} (STRING);\n"),
            Enc::TsMillis => format!("optional int64 {n} (TIMESTAMP(MILLIS,true));\n"),
            Enc::TsMicros => format!("optional int64 {n} (TIMESTAMP(MICROS,true));\n"),
            Enc::TsNanos => format!("optional int64 {n} (TIMESTAMP(NANOS,true));\n"),
            Enc::Dec16(s) => format!("optional fixed_len_byte_array(16) {n} (DECIMAL(38,{s}));\n"),
            Enc::DecI64(s) => format!("optional int64 {n} (DECIMAL(18,{s}));\n"),
            Enc::Double => format!("optional double {n};\n"),
            Enc::Map => format!(
                "optional group {n} (MAP) {{ repeated group key_value {{ required binary key (STRING); optional binary value (STRING); }} }}\n"
            ),
        });
    }
    message.push('}');
    let schema = Arc::new(parse_message_type(&message).unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(codec).build());
    let path = dir.join(name);
    let mut writer = SerializedFileWriter::new(std::fs::File::create(&path).unwrap(), schema, props).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    for group in rows.chunks(per_group) {
        let mut rg = writer.next_row_group().unwrap();
        for (c, (_, enc)) in columns.iter().enumerate() {
            let cells: Vec<&str> = group.iter().map(|r| r.get(c).unwrap_or("")).collect();
            let def: Vec<i16> = cells.iter().map(|t| i16::from(!null(t))).collect();
            let present = cells.iter().filter(|t| !null(t));
            let mut col = rg.next_column().unwrap().unwrap();
            match enc {
                Enc::Str => {
                    let v: Vec<ByteArray> = present.map(|t| ByteArray::from(*t)).collect();
                    col.typed::<ByteArrayType>().write_batch(&v, Some(&def), None).unwrap();
                }
                Enc::TsMillis | Enc::TsMicros | Enc::TsNanos => {
                    let f = match enc {
                        Enc::TsMillis => 1_000,
                        Enc::TsMicros => 1_000_000,
                        _ => 1_000_000_000,
                    };
                    let v: Vec<i64> = present.map(|t| parse_datetime(t).unwrap() * f).collect();
                    col.typed::<Int64Type>().write_batch(&v, Some(&def), None).unwrap();
                }
                Enc::Dec16(s) | Enc::DecI64(s) => {
                    let units = |t: &str| {
                        let mut v = Decimal::from_scientific(t).or_else(|_| Decimal::from_str(t)).unwrap();
                        v.rescale(*s);
                        assert_eq!(v.scale(), *s, "{t} does not fit scale {s}");
                        v.mantissa()
                    };
                    if let Enc::Dec16(_) = enc {
                        let v: Vec<FixedLenByteArray> = present
                            .map(|t| FixedLenByteArray::from(units(t).to_be_bytes().to_vec()))
                            .collect();
                        col.typed::<FixedLenByteArrayType>()
                            .write_batch(&v, Some(&def), None)
                            .unwrap();
                    } else {
                        let v: Vec<i64> = present.map(|t| i64::try_from(units(t)).unwrap()).collect();
                        col.typed::<Int64Type>().write_batch(&v, Some(&def), None).unwrap();
                    }
                }
                Enc::Double => {
                    let v: Vec<f64> = present.map(|t| t.parse::<f64>().unwrap()).collect();
                    col.typed::<DoubleType>().write_batch(&v, Some(&def), None).unwrap();
                }
                Enc::Map => {
                    // Two leaves, key then value: null map def 0; entry key def 2,
                    // value def 3 (2 when null); repetition 1 after an entry's first.
                    let (mut keys, mut values) = (vec![], vec![]);
                    let (mut kdef, mut vdef, mut rep) = (vec![], vec![], vec![]);
                    for t in &cells {
                        if null(t) {
                            kdef.push(0);
                            vdef.push(0);
                            rep.push(0);
                            continue;
                        }
                        let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(t).unwrap();
                        if obj.is_empty() {
                            kdef.push(1);
                            vdef.push(1);
                            rep.push(0);
                        }
                        for (i, (k, v)) in obj.iter().enumerate() {
                            rep.push(i16::from(i > 0));
                            kdef.push(2);
                            keys.push(ByteArray::from(k.as_str()));
                            match v {
                                serde_json::Value::Null => vdef.push(2),
                                serde_json::Value::String(s) => {
                                    vdef.push(3);
                                    values.push(ByteArray::from(s.as_str()));
                                }
                                other => {
                                    vdef.push(3);
                                    values.push(ByteArray::from(other.to_string().as_str()));
                                }
                            }
                        }
                    }
                    col.typed::<ByteArrayType>()
                        .write_batch(&keys, Some(&kdef), Some(&rep))
                        .unwrap();
                    col.close().unwrap();
                    let mut col = rg.next_column().unwrap().unwrap();
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&vdef), Some(&rep))
                        .unwrap();
                    col.close().unwrap();
                    continue;
                }
            }
            col.close().unwrap();
        }
        rg.close().unwrap();
    }
    writer.close().unwrap();
    path
}

/// What the import stored, amounts compared by value (a DECIMAL(38,16)
/// `2` and a CSV `2.000` are the same cost).
fn snapshot(p: &capcall_store::Portfolio) -> Vec<String> {
    super::focus::snapshot(p)
        .into_iter()
        .map(|line| {
            line.split('|')
                .map(|f| match Decimal::from_str(f) {
                    Ok(v) if f.contains('.') => v.normalize().to_string(),
                    _ => f.to_string(),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[test]
fn parquet_and_csv_of_the_same_export_import_identically() {
    // CSV first.
    let (dir, mut csv_p) = setup();
    let jul_csv = write(dir.path(), "jul.csv", &july());
    let aug_csv = write(dir.path(), "aug.csv", &august());
    let from_csv = import(&mut csv_p, &[jul_csv.clone(), aug_csv.clone()]);
    let csv_snapshot = snapshot(&csv_p);

    // The same export as Parquet: July with decimals, a double, three
    // timestamp units and MAP tags over four row groups (Snappy); August as
    // an INT64 decimal (Zstandard) imported with the July CSV, in one go.
    let jul_pq = to_parquet(dir.path(), "jul.parquet", &july(), 0, 3, Compression::SNAPPY);
    let aug_pq = to_parquet(
        dir.path(),
        "aug.parquet",
        &august(),
        1,
        10,
        Compression::ZSTD(ZstdLevel::default()),
    );
    let (_d2, mut pq_p) = setup();
    let from_pq = import(&mut pq_p, &[jul_pq.clone(), aug_pq.clone()]);
    assert!(from_pq.files.iter().all(|f| f.parquet && !f.gzip));
    assert_eq!(from_pq.rows, from_csv.rows);
    assert_eq!(from_pq.total, from_csv.total);
    assert_eq!(snapshot(&pq_p), csv_snapshot);
    let (a, b) = (
        csv_p.costs(None, None, CostsBy::UseCase).unwrap(),
        pq_p.costs(None, None, CostsBy::UseCase).unwrap(),
    );
    assert_eq!(a, b);
    assert_eq!(uc(&b, "ops-copilot"), d("105.75000015"));
    assert_eq!(b.unallocated.as_decimal(), d("3.51"));

    // Mixed in one import: Parquet July + CSV August.
    let (_d3, mut mixed) = setup();
    import(&mut mixed, &[jul_pq.clone(), aug_csv]);
    assert_eq!(snapshot(&mixed), csv_snapshot);

    // Parquet after the CSV of the same billing periods changes nothing.
    let again = import(&mut csv_p, &[jul_pq.clone(), aug_pq]);
    assert!(again.billing_periods.iter().all(|p| p.replaced));
    assert_eq!(again.spend_weeks_changed, 0);
    assert_eq!(snapshot(&csv_p), csv_snapshot);

    // BilledCost is a DOUBLE in the July file: read as its shortest
    // round-trip decimal, it equals the CSV's billed total.
    let billed = FocusOptions {
        cost: CostColumn::Billed,
        ..Default::default()
    };
    let b_csv = csv_p.import_focus(&[jul_csv], &billed, &mut no_progress()).unwrap();
    let b_pq = pq_p.import_focus(&[jul_pq], &billed, &mut no_progress()).unwrap();
    assert_eq!(b_pq.total, b_csv.total);

    // gzip-compressed pages and another row-group split: the same.
    let gz = to_parquet(
        dir.path(),
        "jul-gz.parquet",
        &july(),
        0,
        1,
        Compression::GZIP(GzipLevel::default()),
    );
    let (_d4, mut g) = setup();
    let r = import(&mut g, &[gz, write(dir.path(), "aug2.csv", &august())]);
    assert_eq!(r.total, from_csv.total);
    assert_eq!(snapshot(&g), csv_snapshot);
}

#[test]
fn parquet_doubles_are_read_exactly_as_their_shortest_decimal() {
    let (dir, mut p) = setup();
    let rows = ["0.1", "0.2", "1e-7", "123456.789"]
        .iter()
        .map(|v| {
            charge(
                JUL,
                "2025-07-09T00:00:00Z",
                "2025-07-10T00:00:00Z",
                "Usage",
                v,
                v,
                "USD",
                r#"{"application":"summarizer"}"#,
                "",
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let f = to_parquet(
        dir.path(),
        "doubles.parquet",
        &format!("{HEADER}\n{rows}\n"),
        2,
        2,
        Compression::UNCOMPRESSED,
    );
    let r = import(&mut p, &[f]);
    // 0.1 + 0.2 in binary floating point is 0.30000000000000004; here it is 0.3.
    assert_eq!(r.total.as_decimal(), d("123457.0890001"));
    let c = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(uc(&c, "summarizer"), d("123457.0890001"));
}

#[test]
fn parquet_errors_name_the_row_group_row_and_column_and_nothing_is_written() {
    let (dir, mut p) = setup_with_july();
    let before = snapshot(&p);
    let good = charge(
        JUL,
        "2025-07-09T00:00:00Z",
        "2025-07-10T00:00:00Z",
        "Usage",
        "1",
        "1",
        "USD",
        "",
        "",
    );
    let no_category = charge(
        JUL,
        "2025-07-09T00:00:00Z",
        "2025-07-10T00:00:00Z",
        "NULL",
        "1",
        "1",
        "USD",
        "",
        "",
    );
    let backwards = charge(
        JUL,
        "2025-07-10T00:00:00Z",
        "2025-07-09T00:00:00Z",
        "Usage",
        "1",
        "1",
        "USD",
        "",
        "",
    );
    let text = format!("{HEADER}\n{good}\n{good}\n{no_category}\n{backwards}\n");
    let f = to_parquet(dir.path(), "bad.parquet", &text, 0, 2, Compression::SNAPPY);
    let e = import_errors(&mut p, std::slice::from_ref(&f), &FocusOptions::default());
    let f = f.display();
    assert_eq!(
        e,
        [
            format!("{f}: row group 2, row 1, column 6 (ChargeCategory): required, but null"),
            format!("{f}: row group 2, row 2, column 5 (ChargePeriodEnd): the charge period ends before it starts"),
        ]
    );
    assert_eq!(snapshot(&p), before);

    // A required column missing from the schema.
    let missing = {
        let cols = layout(0);
        let mut message = String::from("message focus {\n");
        for (n, _) in cols.iter().filter(|(n, _)| *n != "BillingCurrency") {
            message.push_str(&format!("optional binary {n} (STRING);\n"));
        }
        message.push('}');
        let path = dir.path().join("missing.parquet");
        let schema = Arc::new(parse_message_type(&message).unwrap());
        let w = SerializedFileWriter::new(
            std::fs::File::create(&path).unwrap(),
            schema,
            Arc::new(WriterProperties::builder().build()),
        )
        .unwrap();
        w.close().unwrap();
        path
    };
    let e = import_errors(&mut p, std::slice::from_ref(&missing), &FocusOptions::default());
    assert!(
        e[0].contains("BillingCurrency: required column is missing from the file's schema"),
        "{e:?}"
    );
    assert_eq!(snapshot(&p), before);
}
