//! `capcall import focus`, `mapping` and `costs` as a user runs them, on
//! FOCUS exports written here from the specification's columns (FOCUS 1.3's
//! set, which includes 1.0-1.2's: columns Capcall does not use are present
//! and ignored): every charge category, a credit, a correction billed in a
//! later period, a charge over several days and two ISO weeks, tag-key
//! variants, AllocatedTags, null cells, E-notation, a second currency with
//! and without rates, a gzip copy made here; exact per-use-case totals.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;
use tempfile::TempDir;

use super::{capcall, json, stderr};

/// FOCUS 1.3 columns (a provider's export has them all; order free).
const HEADER: &str = "BillingAccountId,BillingAccountName,BillingAccountType,BillingPeriodStart,BillingPeriodEnd,\
ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,BilledCost,\
EffectiveCost,ListCost,ContractedCost,BillingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit,\
ProviderName,ServiceProviderName,HostProviderName,InvoiceIssuerName,InvoiceId,ServiceCategory,ServiceSubcategory,\
ServiceName,RegionId,ResourceId,ResourceName,SkuId,SubAccountId,Tags,AllocatedMethodId,AllocatedTags";

const SEP: (&str, &str) = ("2025-09-01T00:00:00Z", "2025-10-01T00:00:00Z");
const OCT: (&str, &str) = ("2025-10-01T00:00:00Z", "2025-11-01T00:00:00Z");

struct Charge<'a> {
    account: &'a str,
    bp: (&'a str, &'a str),
    start: &'a str,
    end: &'a str,
    category: &'a str,
    class: &'a str,
    billed: &'a str,
    effective: &'a str,
    currency: &'a str,
    service: &'a str,
    tags: &'a str,
    allocated: &'a str,
}

impl Charge<'_> {
    fn line(&self) -> String {
        let q = |c: &str| {
            if c.contains([',', '"']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.to_string()
            }
        };
        [
            self.account,
            "Contoso AI",
            "Billing Profile",
            self.bp.0,
            self.bp.1,
            self.start,
            self.end,
            self.category,
            self.class,
            "a charge, described",
            "Usage-Based",
            self.billed,
            self.effective,
            "999.99",
            "NULL",
            self.currency,
            "1000",
            "1K Tokens",
            "1000",
            "Tokens",
            "Microsoft",
            "Microsoft",
            "",
            "Microsoft",
            "INV-1",
            "AI and Machine Learning",
            "Generative AI",
            self.service,
            "westeurope",
            "NULL",
            "",
            "sku-1",
            "sub-1",
            self.tags,
            "",
            self.allocated,
        ]
        .iter()
        .map(|c| q(c))
        .collect::<Vec<_>>()
        .join(",")
    }
}

fn usage<'a>(start: &'a str, effective: &'a str, tags: &'a str) -> Charge<'a> {
    Charge {
        account: "acct-9",
        bp: SEP,
        start,
        end: "",
        category: "Usage",
        class: "",
        billed: effective,
        effective,
        currency: "USD",
        service: "Azure OpenAI",
        tags,
        allocated: "",
    }
}

/// September's export (billing account acct-9).
fn september() -> String {
    let charges = [
        // Usage, 12 decimals.
        Charge {
            end: "2025-09-02T01:00:00Z",
            ..usage(
                "2025-09-02T00:00:00Z",
                "12.345678901234",
                r#"{"application": "ops-copilot"}"#,
            )
        },
        // E-notation; the tag key with spaces and capitals, the value slugified.
        Charge {
            end: "2025-09-02T02:00:00Z",
            ..usage(
                "2025-09-02T01:00:00Z",
                "1.2E+1",
                r#"{" Application ": "Ops Copilot", "env": "prod"}"#,
            )
        },
        // Purchase over 3.5 days: 10 | 20 | 20 in the week of 1 September, 20 in the next.
        Charge {
            end: "2025-09-09T00:00:00Z",
            category: "Purchase",
            service: "Azure OpenAI PTU",
            ..usage("2025-09-05T12:00:00Z", "70.00", r#"{"APPLICATION":"Summarizer"}"#)
        },
        // Tax.
        Charge {
            end: "2025-09-04T00:00:00Z",
            category: "Tax",
            service: "",
            ..usage("2025-09-03T00:00:00Z", "4.2", r#"{"application":"summarizer"}"#)
        },
        // Credit: negative, with a ChargeClass.
        Charge {
            end: "2025-09-04T00:00:00Z",
            category: "Credit",
            ..usage("2025-09-03T00:00:00Z", "-2.5", r#"{"application":"ops-copilot"}"#)
        },
        // Adjustment without tags (NULL): unallocated.
        Charge {
            end: "2025-09-04T00:00:00Z",
            category: "Adjustment",
            ..usage("2025-09-03T00:00:00Z", "0.75", "NULL")
        },
        // AllocatedTags (FOCUS 1.3) win over Tags.
        Charge {
            end: "2025-09-04T00:00:00Z",
            allocated: r#"{"application":"summarizer"}"#,
            ..usage("2025-09-03T00:00:00Z", "3.3", r#"{"application":"ops-copilot"}"#)
        },
        // Null cells (empty ServiceName), a value that is no use case: unallocated.
        Charge {
            end: "2025-09-04T00:00:00Z",
            service: "",
            ..usage("2025-09-03T00:00:00Z", "1.1", r#"{"application":"unknown"}"#)
        },
        // Another tag only: unallocated until a rule maps it.
        Charge {
            end: "2025-09-05T00:00:00Z",
            ..usage("2025-09-04T00:00:00Z", "9E-1", r#"{"team":"ml"}"#)
        },
    ];
    let lines: Vec<String> = charges.iter().map(Charge::line).collect();
    format!("\u{feff}{HEADER}\n{}\n", lines.join("\n"))
}

/// October's export: a correction of a September charge, billed in October.
fn october() -> String {
    let c = Charge {
        bp: OCT,
        end: "2025-09-03T00:00:00Z",
        category: "Adjustment",
        class: "Correction",
        ..usage(
            "2025-09-02T00:00:00Z",
            "-1.000000000001",
            r#"{"application":"ops-copilot"}"#,
        )
    };
    format!("{HEADER}\r\n{}\r\n", c.line())
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: {s}"))
}

fn money(v: &serde_json::Value) -> Decimal {
    d(v.as_str().unwrap_or_else(|| panic!("money as a string: {v}")))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn gzip(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    path
}

fn portfolio() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("p.sqlite");
    assert!(capcall(&db, &["init"]).status.success());
    let uc = write(
        dir.path(),
        "use_cases.csv",
        "id,name,owner,wave,region,status,budget_usd\n\
         ops-copilot,Ops Copilot,VP Ops,Wave 3,EU,live,300000\n\
         summarizer,Support Summarizer,Support,Wave 1,US,pilot,120000\n",
    );
    let o = capcall(&db, &["import", "use-cases", uc.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    (dir, db)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `costs --json`: (total, allocated, unallocated, per use case).
fn costs(db: &Path, extra: &[&str]) -> (Decimal, Decimal, Decimal, Vec<(String, Decimal)>) {
    let mut args = vec!["--json", "costs"];
    args.extend_from_slice(extra);
    let v = json(&capcall(db, &args));
    let ucs = v["use_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap().to_string(), money(&u["cost"])))
        .collect();
    (
        money(&v["total"]),
        money(&v["allocated"]),
        money(&v["unallocated"]),
        ucs,
    )
}

fn import(db: &Path, files: &[&Path], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "import", "focus"];
    args.extend(files.iter().map(|f| s(f)));
    args.extend_from_slice(extra);
    json(&capcall(db, &args))
}

const SEPT_TOTAL: &str = "102.095678901234";
const OCT_TOTAL: &str = "-1.000000000001";

#[test]
fn focus_exports_import_to_exact_use_case_totals_and_reimport_changes_nothing() {
    let (dir, db) = portfolio();
    let sep = write(dir.path(), "sep.csv", &september());
    let oct = write(dir.path(), "oct.csv", &october());
    let r = import(&db, &[&sep, &oct], &[]);
    assert_eq!(r["rows"], 10);
    assert_eq!(r["cost_column"], "EffectiveCost");
    assert_eq!(money(&r["total"]), d(SEPT_TOTAL) + d(OCT_TOTAL));
    let periods = r["billing_periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    assert_eq!(money(&periods[0]["total"]), d(SEPT_TOTAL));
    assert_eq!(money(&periods[1]["total"]), d(OCT_TOTAL));

    let (total, allocated, unallocated, ucs) = costs(&db, &[]);
    assert_eq!(total, d("101.095678901233"), "the files' total");
    assert_eq!(
        ucs,
        [
            // 12.345678901234 + 12 - 2.5, corrected by -1.000000000001 in October
            ("ops-copilot".to_string(), d("20.845678901233")),
            // 70 + 4.2 + 3.3 (AllocatedTags)
            ("summarizer".to_string(), d("77.5")),
        ]
    );
    assert_eq!(unallocated, d("2.75"), "0.75 untagged + 1.1 unknown + 0.9 team only");
    assert_eq!(unallocated, total - allocated);
    assert_eq!(allocated, d("98.345678901233"));

    // Every charge category counts; the credit is negative.
    let v = json(&capcall(&db, &["--json", "costs", "--by", "category"]));
    let cats: Vec<(String, Decimal)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_string(), money(&g["total"])))
        .collect();
    assert_eq!(
        cats,
        [
            ("Adjustment".to_string(), d("0.75") + d(OCT_TOTAL)),
            ("Credit".to_string(), d("-2.5")),
            ("Purchase".to_string(), d("70")),
            ("Tax".to_string(), d("4.2")),
            (
                "Usage".to_string(),
                d("12.345678901234") + d("12") + d("3.3") + d("1.1") + d("0.9")
            ),
        ]
    );
    // The multi-day purchase split by time overlap across ISO weeks (Monday, UTC).
    let v = json(&capcall(&db, &["--json", "costs", "--by", "week"]));
    let weeks: Vec<(String, Decimal)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_string(), money(&g["total"])))
        .collect();
    assert_eq!(
        weeks,
        [
            ("2025-09-01".to_string(), d("81.095678901233")),
            ("2025-09-08".to_string(), d("20"))
        ]
    );
    // A window: only the second week.
    let (t, _, _, ucs) = costs(&db, &["--from", "2025-09-08"]);
    assert_eq!((t, ucs), (d("20"), vec![("summarizer".to_string(), d("20"))]));

    // Re-import: plain, then gzip (made here), then September alone: nothing changes.
    let before = (costs(&db, &[]), costs(&db, &["--by", "week"]));
    let again = import(&db, &[&sep, &oct], &[]);
    assert_eq!(again["spend_weeks_changed"], 0);
    assert!(again["billing_periods"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["replaced"] == true));
    let gz = gzip(dir.path(), "sep.csv.gz", &september());
    let r = import(&db, &[&gz], &[]);
    assert_eq!(r["files"][0]["gzip"], true);
    assert_eq!(r["rows"], 9);
    assert_eq!((costs(&db, &[]), costs(&db, &["--by", "week"])), before);
    import(&db, &[&sep], &[]);
    assert_eq!((costs(&db, &[]), costs(&db, &["--by", "week"])), before);

    // Weekly spend derived for the use cases' observations.
    let v = json(&capcall(&db, &["--json", "ucr", "summarizer", "--by", "period"]));
    let text = v.to_string();
    assert!(text.contains("2025-09-01") && text.contains("2025-09-08"), "{text}");
}

#[test]
fn a_second_currency_is_a_located_error_unless_rates_are_given() {
    let (dir, db) = portfolio();
    import(&db, &[&write(dir.path(), "sep.csv", &september())], &[]);
    let before = costs(&db, &[]);
    let eur = Charge {
        account: "acct-eur",
        currency: "EUR",
        end: "2025-09-05T00:00:00Z",
        ..usage("2025-09-04T00:00:00Z", "10", r#"{"application":"summarizer"}"#)
    };
    let file = write(dir.path(), "eur.csv", &format!("{HEADER}\n{}\n", eur.line()));
    let o = capcall(&db, &["import", "focus", s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "{}:2:16: BillingCurrency: 'EUR' is not the portfolio currency (USD)",
            file.display()
        )),
        "{e}"
    );
    assert!(e.contains("nothing was written"), "{e}");
    assert_eq!(costs(&db, &[]), before);

    let rates = write(
        dir.path(),
        "rates.csv",
        "date,currency,rate\n2025-08-29,EUR,1.1\n2025-09-05,EUR,2\n",
    );
    let r = import(&db, &[&file], &["--rates", s(&rates)]);
    assert_eq!(money(&r["total"]), d("11.0"));
    let (total, _, _, ucs) = costs(&db, &[]);
    assert_eq!(total, before.0 + d("11"));
    assert_eq!(ucs[1], ("summarizer".to_string(), before.3[1].1 + d("11")));
}

#[test]
fn bad_cells_are_located_across_files_and_nothing_is_written() {
    let (dir, db) = portfolio();
    let sep = write(dir.path(), "sep.csv", &september());
    let bad = Charge {
        end: "2025-09-05T00:00:00Z",
        ..usage("2025-09-04T00:00:00Z", "1,5", "{oops")
    };
    let file = write(dir.path(), "bad.csv", &format!("{HEADER}\n{}\n", bad.line()));
    let o = capcall(&db, &["import", "focus", s(&sep), s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains(&format!("{}:2:13: EffectiveCost:", file.display())), "{e}");
    let (total, _, _, _) = costs(&db, &[]);
    assert_eq!(total, Decimal::ZERO, "all or nothing across files");
}

#[test]
fn a_mapping_change_is_previewed_then_applied_without_reimporting() {
    let (dir, db) = portfolio();
    import(
        &db,
        &[
            &write(dir.path(), "sep.csv", &september()),
            &write(dir.path(), "oct.csv", &october()),
        ],
        &[],
    );
    let before = costs(&db, &[]);
    let rules = write(
        dir.path(),
        "rules.csv",
        "tag_key,tag_value,use_case\n Team ,ML,ops-copilot\n",
    );
    let v = json(&capcall(&db, &["--json", "mapping", "import", s(&rules), "--dry-run"]));
    assert_eq!(v["rules_changed"], 1);
    assert_eq!(v["version"], 0);
    let ops = &v["use_cases"][0];
    assert_eq!(ops["id"], "ops-copilot");
    assert_eq!(
        (money(&ops["before"]), money(&ops["after"]), money(&ops["difference"])),
        (d("20.845678901233"), d("21.745678901233"), d("0.9"))
    );
    assert_eq!(money(&v["use_cases"][1]["difference"]), Decimal::ZERO);
    assert_eq!(
        (money(&v["unallocated_before"]), money(&v["unallocated_after"])),
        (d("2.75"), d("1.85"))
    );
    // The human dry run says so; nothing changed.
    let o = capcall(&db, &["mapping", "import", s(&rules), "--dry-run"]);
    assert!(
        super::stdout(&o).contains("Nothing was written"),
        "{}",
        super::stdout(&o)
    );
    assert_eq!(costs(&db, &[]), before);
    assert_eq!(json(&capcall(&db, &["--json", "mapping", "show"]))["version"], 0);

    // Applied: history re-allocated, exactly as previewed.
    let r = json(&capcall(&db, &["--json", "mapping", "import", s(&rules)]));
    assert_eq!((r["rules_changed"].as_u64(), r["version"].as_i64()), (Some(1), Some(1)));
    let (total, allocated, unallocated, ucs) = costs(&db, &[]);
    assert_eq!(total, before.0);
    assert_eq!(unallocated, d("1.85"));
    assert_eq!(allocated, total - unallocated);
    assert_eq!(ucs[0], ("ops-copilot".to_string(), d("21.745678901233")));
}
