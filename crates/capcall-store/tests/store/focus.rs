//! FOCUS cost exports in the store, on files written from the FOCUS spec
//! (columns/*.md): every charge category, a credit, a correction in a later
//! billing period, a charge split across two ISO weeks, tag-key variants,
//! AllocatedTags, null cells and `NULL`, E-notation, a second currency with
//! and without rates, a `.gz` made here, re-import idempotence, mapping
//! changes re-allocating history, weekly spend, and units.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use capcall_store::{CostColumn, CostReport, CostsBy, FocusOptions};
use capcall_store::{ImportKind, Portfolio, StoreError};
use rust_decimal::Decimal;

use super::{ctx, fresh, no_progress, write, OBSERVATIONS, USE_CASES};

pub(super) const HEADER: &str =
    "BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,\
ChargeCategory,BilledCost,EffectiveCost,BillingCurrency,ServiceName,ResourceId,Tags,AllocatedTags,ListCost";

/// One CSV row, quoting cells that need it.
fn row(cells: &[&str]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) const JUL: (&str, &str) = ("2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z");
const AUG: (&str, &str) = ("2025-08-01T00:00:00Z", "2025-09-01T00:00:00Z");

#[allow(clippy::too_many_arguments)]
pub(super) fn charge(
    bp: (&str, &str),
    start: &str,
    end: &str,
    category: &str,
    billed: &str,
    effective: &str,
    currency: &str,
    tags: &str,
    allocated: &str,
) -> String {
    row(&[
        "acct-1",
        bp.0,
        bp.1,
        start,
        end,
        category,
        billed,
        effective,
        currency,
        "Azure OpenAI",
        "res-1",
        tags,
        allocated,
        "999",
    ])
}

/// July's export: every charge category, tag variants, nulls, E-notation.
pub(super) fn july() -> String {
    let lines = [
        // Usage, 12 decimals, tag key as written.
        charge(
            JUL,
            "2025-07-07T00:00:00Z",
            "2025-07-08T00:00:00Z",
            "Usage",
            "11",
            "10.123456789012",
            "USD",
            r#"{"application": "ops-copilot"}"#,
            "",
        ),
        // E-notation; key with spaces and capitals, value slugified.
        charge(
            JUL,
            "2025-07-08T10:00:00Z",
            "2025-07-08T11:00:00Z",
            "Usage",
            "1.5E-7",
            "1.5E-7",
            "USD",
            r#"{" Application ": "Ops Copilot"}"#,
            "NULL",
        ),
        // Purchase over 2.5 days across two ISO weeks: 20 / 40 | 40.
        charge(
            JUL,
            "2025-07-12T12:00:00Z",
            "2025-07-15T00:00:00Z",
            "Purchase",
            "100",
            "100.00",
            "USD",
            r#"{"application":"ops-copilot","env":"prod"}"#,
            "",
        ),
        // Tax, upper-case key.
        charge(
            JUL,
            "2025-07-10T00:00:00Z",
            "2025-07-11T00:00:00Z",
            "Tax",
            "7.5",
            "7.5",
            "USD",
            r#"{"APPLICATION":"Summarizer"}"#,
            "",
        ),
        // Credit: negative.
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Credit",
            "-3.25",
            "-3.25",
            "USD",
            r#"{"application":"ops-copilot"}"#,
            "",
        ),
        // Adjustment without tags (empty cell): unallocated.
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Adjustment",
            "0.01",
            "0.01",
            "USD",
            "",
            "",
        ),
        // NULL tags: unallocated.
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Usage",
            "2",
            "2.000",
            "USD",
            "NULL",
            "NULL",
        ),
        // AllocatedTags (FOCUS 1.3) win over Tags.
        charge(
            JUL,
            "2025-07-11T00:00:00Z",
            "2025-07-12T00:00:00Z",
            "Usage",
            "4.4",
            "4.4",
            "USD",
            r#"{"application":"ops-copilot"}"#,
            r#"{"application":"summarizer"}"#,
        ),
        // Another tag only: unallocated until a rule maps it.
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Usage",
            "1",
            "1",
            "USD",
            r#"{"team":"x"}"#,
            "",
        ),
        // A value that is no use case: unallocated.
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Usage",
            "0.5",
            "0.5",
            "USD",
            r#"{"application":"unknown-app"}"#,
            "",
        ),
    ];
    format!("{HEADER}\n{}\n", lines.join("\n"))
}

/// August's export: a correction of a July charge, billed in August.
pub(super) fn august() -> String {
    let lines = [charge(
        AUG,
        "2025-07-08T00:00:00Z",
        "2025-07-09T00:00:00Z",
        "Adjustment",
        "-1",
        "-1.123456789012",
        "USD",
        r#"{"application":"ops-copilot"}"#,
        "",
    )];
    format!("{HEADER}\r\n{}\r\n", lines.join("\r\n"))
}

pub(super) fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub(super) fn setup() -> (tempfile::TempDir, Portfolio) {
    let (dir, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.import(
        ImportKind::UseCases,
        &write(dir.path(), "u.csv", USE_CASES),
        &mut no_progress(),
    )
    .unwrap();
    p.import(
        ImportKind::Observations,
        &write(dir.path(), "o.csv", OBSERVATIONS),
        &mut no_progress(),
    )
    .unwrap();
    (dir, p)
}

/// [`setup`] with July's export imported (`jul.csv` in the directory).
pub(super) fn setup_with_july() -> (tempfile::TempDir, Portfolio) {
    let (dir, mut p) = setup();
    import(&mut p, &[write(dir.path(), "jul.csv", &july())]);
    (dir, p)
}

pub(super) fn import(p: &mut Portfolio, files: &[PathBuf]) -> capcall_store::FocusReport {
    p.import_focus(files, &FocusOptions::default(), &mut no_progress())
        .unwrap()
}

pub(super) fn import_errors(p: &mut Portfolio, files: &[PathBuf], options: &FocusOptions) -> Vec<String> {
    match p.import_focus(files, options, &mut no_progress()) {
        Err(StoreError::Import { errors, .. }) => errors.iter().map(|e| e.to_string()).collect(),
        other => panic!("expected located errors, got {other:?}"),
    }
}

pub(super) fn uc(r: &CostReport, id: &str) -> Decimal {
    r.use_cases
        .iter()
        .find(|u| u.id == id)
        .map_or(Decimal::ZERO, |u| u.cost.as_decimal())
}

fn spend(p: &Portfolio, id: &str, week: &str) -> Option<String> {
    p.connection()
        .query_row(
            "SELECT o.spend_usd FROM observations o JOIN use_cases u ON u.pk = o.use_case \
             WHERE u.id = ?1 AND o.period_start = ?2",
            [id, week],
            |r| r.get(0),
        )
        .unwrap()
}

/// Everything the import writes, as text, for idempotence checks.
pub(super) fn snapshot(p: &Portfolio) -> Vec<String> {
    let mut out = vec![];
    for sql in [
        "SELECT billing_account || '|' || billing_period_start || '|' || day || '|' || t.tags || '|' || \
         t.allocated_tags || '|' || service || '|' || category || '|' || currency || '|' || cost \
         FROM cost_lines l JOIN cost_tag_sets t ON t.id = l.tag_set ORDER BY 1",
        "SELECT use_case || '|' || period_start || '|' || ifnull(spend_usd, '-') || '|' || ifnull(units, '-') \
         FROM observations ORDER BY 1",
        "SELECT billing_account || '|' || billing_period_start || '|' || rows || '|' || total FROM cost_periods ORDER BY 1",
    ] {
        let mut stmt = p.connection().prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

pub(super) fn gzip(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    path
}

#[test]
fn focus_costs_map_to_use_cases_exactly_and_unallocated_is_the_rest() {
    let (dir, mut p) = setup();
    let jul = write(dir.path(), "jul.csv", &july());
    let aug = write(dir.path(), "aug.csv", &august());
    let report = import(&mut p, &[jul.clone(), aug.clone()]);
    assert_eq!(report.rows, 11);
    assert_eq!(report.billing_periods.len(), 2);
    // The file's total, to the last digit.
    let file_total = d("10.123456789012") + d("0.00000015") + d("100") + d("7.5") - d("3.25")
        + d("0.01")
        + d("2")
        + d("4.4")
        + d("1")
        + d("0.5")
        - d("1.123456789012");
    assert_eq!(report.total.as_decimal(), file_total);

    let r = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(r.currency, "USD");
    assert_eq!(uc(&r, "ops-copilot"), d("105.75000015"));
    assert_eq!(uc(&r, "summarizer"), d("11.9"));
    assert_eq!(r.unallocated.as_decimal(), d("3.51"));
    assert_eq!(r.total.as_decimal(), file_total);
    assert_eq!(
        r.total.as_decimal(),
        r.allocated.as_decimal() + r.unallocated.as_decimal()
    );
    assert_eq!(r.allocated.as_decimal(), uc(&r, "ops-copilot") + uc(&r, "summarizer"));
    assert_eq!(
        r.unallocated_by_tag_value
            .first()
            .map(|u| (u.tag_value.clone(), u.cost.as_decimal())),
        Some((None, d("3.01")))
    );

    // Every charge category counts.
    let by_cat = p.costs(None, None, CostsBy::Category).unwrap();
    let keys: Vec<&str> = by_cat.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["Adjustment", "Credit", "Purchase", "Tax", "Usage"]);
    let credit = by_cat.groups.iter().find(|g| g.key == "Credit").unwrap();
    assert_eq!(credit.total.as_decimal(), d("-3.25"));

    // The purchase is split 20 + 40 | 40 across the two ISO weeks; weekly
    // spend replaces the observation's spend and keeps its units.
    let by_week = p.costs(None, None, CostsBy::Week).unwrap();
    let w: Vec<(String, Decimal)> = by_week
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.total.as_decimal()))
        .collect();
    assert_eq!(
        w,
        [
            ("2025-07-07".into(), file_total - d("40")),
            ("2025-07-14".into(), d("40"))
        ]
    );
    assert_eq!(
        spend(&p, "ops-copilot", "2025-07-07").map(|s| d(&s)),
        Some(d("65.75000015"))
    );
    assert_eq!(spend(&p, "ops-copilot", "2025-07-14").map(|s| d(&s)), Some(d("40")));
    assert_eq!(spend(&p, "summarizer", "2025-07-07").map(|s| d(&s)), Some(d("11.9")));
    let units: i64 = p
        .connection()
        .query_row(
            "SELECT units FROM observations o JOIN use_cases u ON u.pk = o.use_case WHERE u.id = 'ops-copilot' AND period_start = '2025-07-07'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(units, 10000);

    // Window: only the second week.
    let from = "2025-07-14".parse().ok();
    let r2 = p.costs(from, None, CostsBy::UseCase).unwrap();
    assert_eq!(r2.total.as_decimal(), d("40"));

    // Billed cost instead.
    let billed = p
        .import_focus(
            &[jul, aug],
            &FocusOptions {
                cost: CostColumn::Billed,
                ..Default::default()
            },
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(billed.total.as_decimal(), d("122.16000015"));
    assert!(billed.billing_periods.iter().all(|b| b.replaced));
}

#[test]
fn reimporting_the_same_export_plain_or_gzip_changes_nothing() {
    let (dir, mut p) = setup();
    let jul = write(dir.path(), "jul.csv", &july());
    let aug = write(dir.path(), "aug.csv", &august());
    import(&mut p, &[jul.clone(), aug.clone()]);
    let first = snapshot(&p);
    let again = import(&mut p, &[jul]);
    assert_eq!(again.spend_weeks_changed, 0);
    assert_eq!(snapshot(&p), first);
    let gz = gzip(dir.path(), "jul.csv.gz", &july());
    let r = import(&mut p, &[gz]);
    assert!(r.files[0].gzip);
    assert_eq!(r.rows, 10);
    assert_eq!(snapshot(&p), first);
    // A gzip file whose name does not say so is recognised too.
    let hidden = gzip(dir.path(), "aug-export", &august());
    import(&mut p, &[hidden]);
    assert_eq!(snapshot(&p), first);
    // Each import is audited.
    let imports: i64 = p
        .connection()
        .query_row(
            "SELECT count(*) FROM audit WHERE entity = 'import' AND entity_id = 'focus'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(imports, 4);
}

#[test]
fn mapping_changes_reallocate_history_without_reimporting_and_are_audited() {
    let (dir, mut p) = setup_with_july();
    assert_eq!(p.mapping().unwrap().version, 0);
    let rules = write(
        dir.path(),
        "rules.csv",
        "tag_key,tag_value,use_case\nTeam, X ,summarizer\napplication,unknown-app,ops-copilot\n",
    );
    let r = p.import_mapping(&rules).unwrap();
    assert_eq!((r.rules_changed, r.version), (2, 1));
    assert!(r.spend_weeks_changed > 0);
    let c = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(uc(&c, "summarizer"), d("12.9"));
    assert_eq!(uc(&c, "ops-copilot"), d("107.373456939012"));
    assert_eq!(c.unallocated.as_decimal(), d("2.01"));
    assert_eq!(spend(&p, "summarizer", "2025-07-07").map(|s| d(&s)), Some(d("12.9")));
    // Same rules again: no new version, nothing changes.
    let again = p.import_mapping(&rules).unwrap();
    assert_eq!((again.rules_changed, again.version), (0, 1));
    let audited: i64 = p
        .connection()
        .query_row("SELECT count(*) FROM audit WHERE entity = 'cost_mapping'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(audited, 1);
    // A rule to an unknown use case is a located error; nothing changes.
    let bad = write(dir.path(), "bad.csv", "tag_key,tag_value,use_case\nteam,y,nope\n");
    let e = p.import_mapping(&bad).unwrap_err().to_string();
    assert!(e.contains("bad.csv:2:3: use_case: unknown use case 'nope'"), "{e}");
    // Versions are immutable.
    assert!(p.connection().execute("DELETE FROM cost_mapping_rules", []).is_err());
    // Another tag key, from the import: history re-allocated by it.
    p.import_focus(
        &[write(dir.path(), "empty.csv", &format!("{HEADER}\n"))],
        &FocusOptions {
            tag_key: Some(" env ".into()),
            ..Default::default()
        },
        &mut no_progress(),
    )
    .unwrap();
    let m = p.mapping().unwrap();
    assert_eq!((m.version, m.mapping.tag_key.as_str()), (2, "env"));
}

#[test]
fn a_mapping_change_that_moves_spend_away_clears_the_weeks_it_derived() {
    let (dir, mut p) = setup_with_july();
    assert!(spend(&p, "summarizer", "2025-07-07").is_some());
    // Both summarizer charges move to ops-copilot.
    let rules = write(
        dir.path(),
        "rules.csv",
        "tag_key,tag_value,use_case\napplication,summarizer,ops-copilot\n",
    );
    p.import_mapping(&rules).unwrap();
    assert_eq!(spend(&p, "summarizer", "2025-07-07"), None);
    let c = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(uc(&c, "summarizer"), Decimal::ZERO);
}

#[test]
fn foreign_currency_is_a_located_error_unless_rates_are_given() {
    let (dir, mut p) = setup();
    let eur = format!(
        "{HEADER}\n{}\n",
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Usage",
            "10",
            "10",
            "EUR",
            r#"{"application":"summarizer"}"#,
            ""
        )
    );
    let file = write(dir.path(), "eur.csv", &eur);
    let errors = import_errors(&mut p, std::slice::from_ref(&file), &FocusOptions::default());
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(&format!("{}:2:9: BillingCurrency: 'EUR'", file.display())),
        "{errors:?}"
    );
    assert_eq!(snapshot(&p).iter().filter(|s| s.contains("acct-1")).count(), 0);

    let rates = write(
        dir.path(),
        "rates.csv",
        "date,currency,rate\n2025-07-01,EUR,1.1\n2025-07-10,EUR,2\n",
    );
    let r = p
        .import_focus(
            &[file],
            &FocusOptions {
                rates: Some(rates),
                ..Default::default()
            },
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(r.total.as_decimal(), d("11.0"));
    let c = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(uc(&c, "summarizer"), d("11"));
}

#[test]
fn bad_cells_are_located_and_nothing_is_written() {
    let (dir, mut p) = setup_with_july();
    let before = snapshot(&p);
    let bad = format!(
        "{HEADER}\n{}\n{}\n{}\n{}\n",
        charge(JUL, "NULL", "2025-07-10T00:00:00Z", "Usage", "1", "1", "USD", "", ""),
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Usage",
            "1",
            "1,5",
            "USD",
            "",
            ""
        ),
        charge(
            JUL,
            "2025-07-09T00:00:00Z",
            "2025-07-10T00:00:00Z",
            "Usage",
            "1",
            "1",
            "USD",
            "{not json",
            ""
        ),
        charge(
            JUL,
            "2025-07-10T00:00:00Z",
            "2025-07-09T00:00:00Z",
            "Usage",
            "1",
            "1",
            "USD",
            "",
            ""
        ),
    );
    let file = write(dir.path(), "bad.csv", &bad);
    let good_aug = write(dir.path(), "aug.csv", &august());
    let errors = import_errors(&mut p, &[good_aug, file.clone()], &FocusOptions::default());
    let f = file.display();
    assert!(
        errors[0].starts_with(&format!("{f}:2:4: ChargePeriodStart: required, but null")),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with(&format!("{f}:3:8: EffectiveCost: ")),
        "{errors:?}"
    );
    assert!(
        errors[2].starts_with(&format!("{f}:4:12: Tags: not valid JSON")),
        "{errors:?}"
    );
    assert!(
        errors[3].starts_with(&format!(
            "{f}:5:5: ChargePeriodEnd: the charge period ends before it starts"
        )),
        "{errors:?}"
    );
    // All or nothing, across files.
    assert_eq!(snapshot(&p), before);

    // Header near-misses and missing columns are named.
    let near = write(dir.path(), "near.csv", "BillingAccountID,BillingPeriodStart\n");
    let e = import_errors(&mut p, &[near], &FocusOptions::default());
    assert!(e[0].contains("did you mean 'BillingAccountId'"), "{e:?}");
    // Not Parquet after all: a clear error.
    let pq = dir.path().join("x.parquet");
    std::fs::write(&pq, b"PAR1....").unwrap();
    let e = p
        .import_focus(&[pq], &FocusOptions::default(), &mut no_progress())
        .unwrap_err();
    assert!(e.to_string().contains("x.parquet: not a readable Parquet file"), "{e}");
}

#[test]
fn units_replace_the_units_of_a_period() {
    let (dir, mut p) = setup();
    let file = write(
        dir.path(),
        "units.csv",
        "use_case,period_start,units,metric\nops-copilot,2025-07-07,12345,tickets\nsummarizer,2025-09-01,7,\n",
    );
    let r = p.import_units(&file).unwrap();
    assert_eq!((r.added, r.replaced), (1, 1));
    let (spend, units): (Option<String>, i64) = p
        .connection()
        .query_row(
            "SELECT spend_usd, units FROM observations o JOIN use_cases u ON u.pk = o.use_case WHERE u.id = 'ops-copilot' AND period_start = '2025-07-07'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((spend.as_deref(), units), (Some("100.50"), 12345));
    assert_eq!(p.import_units(&file).unwrap().replaced, 2);
    let bad = write(
        dir.path(),
        "bad.csv",
        "use_case,period_start,units\nnope,2025-07-07,-1\n",
    );
    let e = p.import_units(&bad).unwrap_err().to_string();
    assert!(e.contains("bad.csv:2:1: use_case: unknown use case 'nope'"), "{e}");
    assert!(e.contains("bad.csv:2:3: units: '-1' is not a whole number >= 0"), "{e}");
}

#[test]
fn previews_show_what_would_move_and_write_nothing() {
    let (dir, mut p) = setup();
    let jul = write(dir.path(), "jul.csv", &july());
    let empty = snapshot(&p);
    let pv = p
        .preview_focus(std::slice::from_ref(&jul), &FocusOptions::default(), &mut no_progress())
        .unwrap();
    assert_eq!(snapshot(&p), empty, "a preview writes nothing");
    assert_eq!(pv.import.rows, 10);
    assert_eq!(uc(&pv.costs, "ops-copilot"), d("106.873456939012"));
    assert_eq!(uc(&pv.costs, "summarizer"), d("11.9"));
    assert_eq!(pv.costs.unallocated.as_decimal(), d("3.51"));
    assert_eq!(pv.costs.total, pv.import.total);
    // 3.51 of 122.283456939012.
    assert_eq!(pv.unallocated_pct.as_deref(), Some("2.9"));
    let services: Vec<(String, Decimal)> = pv
        .costs
        .unallocated_by_service
        .iter()
        .map(|s| (s.service.clone(), s.cost.as_decimal()))
        .collect();
    assert_eq!(services, [("Azure OpenAI".to_string(), d("3.51"))]);
    // Errors as the import's.
    let bad = write(
        dir.path(),
        "bad.csv",
        &format!(
            "{HEADER}\n{}\n",
            charge(JUL, "x", "y", "Usage", "1", "1", "USD", "", "")
        ),
    );
    assert!(p
        .preview_focus(&[bad], &FocusOptions::default(), &mut no_progress())
        .is_err());
    // Importing for real gives what the preview said.
    import(&mut p, &[jul]);
    let now = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(
        (&now.use_cases, now.unallocated),
        (&pv.costs.use_cases, pv.costs.unallocated)
    );

    // A mapping file, previewed: per use case before, after, difference.
    let rules = write(
        dir.path(),
        "rules.csv",
        "tag_key,tag_value,use_case\nTeam, X ,summarizer\napplication,unknown-app,ops-copilot\n",
    );
    let stored = snapshot(&p);
    let mp = p.preview_mapping_file(&rules).unwrap();
    assert_eq!(snapshot(&p), stored);
    assert_eq!(p.mapping().unwrap().version, 0);
    assert_eq!(mp.rules_changed, 2);
    let moves: Vec<(String, Decimal, Decimal, Decimal)> = mp
        .use_cases
        .iter()
        .map(|m| {
            (
                m.id.clone(),
                m.before.as_decimal(),
                m.after.as_decimal(),
                m.difference.as_decimal(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            (
                "ops-copilot".into(),
                d("106.873456939012"),
                d("107.373456939012"),
                d("0.5")
            ),
            ("summarizer".into(), d("11.9"), d("12.9"), d("1")),
        ]
    );
    assert_eq!(
        (
            mp.unallocated_before.as_decimal(),
            mp.unallocated_after.as_decimal(),
            mp.unallocated_difference.as_decimal()
        ),
        (d("3.51"), d("2.01"), d("-1.5"))
    );

    // The editor: apply the previewed mapping with a reason.
    assert!(p.set_mapping(&mp.after, "  ").is_err());
    let r = p.set_mapping(&mp.after, "map team x").unwrap();
    assert_eq!((r.version, r.rules_changed), (1, 2));
    let c = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(
        (uc(&c, "summarizer"), c.unallocated.as_decimal()),
        (d("12.9"), d("2.01"))
    );
    assert_eq!(p.set_mapping(&mp.after, "again").unwrap().version, 1);
    let note: String = p
        .connection()
        .query_row("SELECT note FROM cost_mappings WHERE version = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "map team x");
    // Remove the second rule: previewed, then applied.
    let mut fewer = mp.after.clone();
    fewer.rules.truncate(1);
    let pv2 = p.preview_mapping(&fewer).unwrap();
    assert_eq!((pv2.rules_changed, pv2.unallocated_after.as_decimal()), (1, d("2.51")));
    p.set_mapping(&fewer, "unknown-app is not ops").unwrap();
    assert_eq!(
        p.costs(None, None, CostsBy::UseCase).unwrap().unallocated.as_decimal(),
        d("2.51")
    );
    // Bad rules are named.
    let mut bad = fewer.clone();
    bad.rules[0].use_case = "nope".into();
    let e = p.preview_mapping(&bad).unwrap_err().to_string();
    assert_eq!(e, "rule 1: unknown use case 'nope'");
    bad.rules[0].use_case = "summarizer".into();
    bad.rules.push(bad.rules[0].clone());
    bad.rules[1].tag_value = " x".into();
    let e = p.set_mapping(&bad, "dup").unwrap_err().to_string();
    assert!(e.starts_with("rule 2: same tag key and value as rule 1"), "{e}");
}

#[test]
fn costs_roll_up_into_the_use_cases_own_periods() {
    // FORMATS.md: ISO weeks "unless the use case's existing rows say otherwise".
    let (dir, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.import(
        ImportKind::UseCases,
        &write(dir.path(), "u.csv", USE_CASES),
        &mut no_progress(),
    )
    .unwrap();
    // Summarizer reports monthly; ops-copilot has no rows (ISO weeks).
    p.import(
        ImportKind::Observations,
        &write(
            dir.path(),
            "o.csv",
            "use_case,period_start,units\nsummarizer,2025-06-01,10\nsummarizer,2025-08-01,30\n",
        ),
        &mut no_progress(),
    )
    .unwrap();
    import(&mut p, &[write(dir.path(), "jul.csv", &july())]);
    assert_eq!(spend(&p, "summarizer", "2025-07-01").map(|s| d(&s)), Some(d("11.9")));
    let weekly: i64 = p
        .connection()
        .query_row(
            "SELECT count(*) FROM observations o JOIN use_cases u ON u.pk = o.use_case \
             WHERE u.id = 'summarizer' AND o.period_start = '2025-07-07'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(weekly, 0, "no ISO week row for a monthly use case");
    assert_eq!(spend(&p, "ops-copilot", "2025-07-14").map(|s| d(&s)), Some(d("40")));
}

/// Many rows with repeated aggregate keys, across several of the reader's
/// batches (16,384 records each), with blank lines and CRLF: the totals are
/// the exact sums of the rows, and a bad cell on the last line is located on
/// its physical line.
#[test]
fn a_large_export_aggregates_exactly_across_batches_and_locates_late_errors() {
    let (dir, mut p) = setup();
    let mut text = format!("{HEADER}\r\n");
    let (mut ops, mut summ, mut rest) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let n = 40_000;
    for i in 0..n {
        let day = 1 + i % 28;
        let start = format!("2025-07-{day:02}T{:02}:00:00Z", i % 24);
        let end = format!("2025-07-{day:02}T{:02}:59:59Z", i % 24);
        let cost = format!("{}.{:010}", i % 997, (i * 7_919) % 10_000_000_000u64);
        let tags = match i % 3 {
            0 => r#"{"application": "ops-copilot"}"#,
            1 => r#"{" Application ": "Summarizer"}"#,
            _ => "",
        };
        match i % 3 {
            0 => ops += d(&cost),
            1 => summ += d(&cost),
            _ => rest += d(&cost),
        }
        text.push_str(&charge(JUL, &start, &end, "Usage", &cost, &cost, "USD", tags, ""));
        text.push_str("\r\n");
        if i % 10_000 == 0 {
            text.push_str("\r\n"); // a blank line, skipped but counted
        }
    }
    let good = write(dir.path(), "big.csv", &text);
    let r = import(&mut p, std::slice::from_ref(&good));
    assert_eq!(r.rows, n);
    assert_eq!(r.total.as_decimal(), ops + summ + rest);
    let c = p.costs(None, None, CostsBy::UseCase).unwrap();
    assert_eq!(uc(&c, "ops-copilot"), ops);
    assert_eq!(uc(&c, "summarizer"), summ);
    assert_eq!(c.unallocated.as_decimal(), rest);
    // Fewer lines than rows: one per (day, tag set) here.
    assert!(r.lines <= 28 * 3, "{} lines", r.lines);
    // The same file with a bad cost on its last row: header + n rows + 4 blank lines.
    let bad_text = format!(
        "{text}{}\r\n",
        charge(
            JUL,
            "2025-07-02T00:00:00Z",
            "2025-07-02T01:00:00Z",
            "Usage",
            "x",
            "1,5",
            "USD",
            "",
            ""
        )
    );
    let before = snapshot(&p);
    let errors = import_errors(
        &mut p,
        &[write(dir.path(), "bad.csv", &bad_text)],
        &FocusOptions::default(),
    );
    let last_line = n + 1 + 4 + 1;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&format!("bad.csv:{last_line}:8: EffectiveCost")),
        "{errors:?}"
    );
    assert_eq!(snapshot(&p), before, "nothing written");
    // A record over the limit, and a file that is not CSV at all, fail fast, located.
    let long = format!(
        "{HEADER}\n{}\n\"{}\n",
        charge(JUL, JUL.0, JUL.0, "Usage", "1", "1", "USD", "", ""),
        "x".repeat(1 << 21)
    );
    let errors = import_errors(
        &mut p,
        &[write(dir.path(), "long.csv", &long)],
        &FocusOptions::default(),
    );
    assert!(
        errors[0].contains("long.csv:3:1:") && errors[0].contains("longer than"),
        "{errors:?}"
    );
    let errors = import_errors(&mut p, &[PathBuf::from("/dev/zero")], &FocusOptions::default());
    assert!(
        errors[0].starts_with("/dev/zero:1:1:") && errors[0].contains("longer than"),
        "{errors:?}"
    );
    assert_eq!(snapshot(&p), before, "nothing written");
}
