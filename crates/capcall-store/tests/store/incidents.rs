//! Incidents in the store: `incidents.csv` import (located errors on
//! physical lines for LF, CRLF and BOM files, all or nothing, idempotent,
//! audited), the summary against a hand computation, and privacy incidents
//! in the rubric's Safety window.

use capcall_core::incident::DateRange;
use capcall_core::rubric::{Dimension, Verdict as DimVerdict};
use capcall_store::{ImportKind, Portfolio, StoreError};

use super::{ctx, fresh, no_progress, write, Verdict, USE_CASES};

const HEADER: &str = "id,use_case,severity,opened,closed,title,privacy,rca";

/// A portfolio with the two use cases of `USE_CASES`.
fn with_use_cases() -> (tempfile::TempDir, Portfolio) {
    let (d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.import(
        ImportKind::UseCases,
        &write(d.path(), "u.csv", USE_CASES),
        &mut no_progress(),
    )
    .unwrap();
    (d, p)
}

fn incident_count(p: &Portfolio) -> i64 {
    p.connection()
        .query_row("SELECT count(*) FROM incidents", [], |r| r.get(0))
        .unwrap()
}

/// Eight good rows (lines 2-9, one with a quoted two-line cell in an
/// ignored column, so line 5 spans two physical lines) and a bad line 11.
fn file_with_bad_line_11(eol: &str) -> String {
    let mut lines = vec![format!("{HEADER},notes")];
    for n in 1..=8 {
        let notes = if n == 3 { "\"two\nlines\"" } else { "" };
        lines.push(format!(
            "INC-{n},ops-copilot,sev3,2025-07-0{n}T10:00Z,2025-07-0{n}T12:00Z,Incident {n},no,,{notes}"
        ));
    }
    lines.push("INC-9,ops-copilot,sev2,2025-07-09T10:00Z,2025-07-09T09:00Z,Closed too early,no,,".into());
    let text = lines.join("\n") + "\n";
    text.replace('\n', eol)
}

#[test]
fn errors_name_the_physical_line_for_lf_crlf_and_bom_files() {
    let (d, mut p) = with_use_cases();
    for (name, eol, bom) in [
        ("lf.csv", "\n", ""),
        ("crlf.csv", "\r\n", ""),
        ("bom-crlf.csv", "\r\n", "\u{feff}"),
    ] {
        let file = write(d.path(), name, &format!("{bom}{}", file_with_bad_line_11(eol)));
        let err = p.import_incidents(&file).unwrap_err();
        let StoreError::Import { errors, total } = &err else {
            panic!("{err}")
        };
        assert_eq!(*total, 1, "{name}: {err}");
        // 1 header + 8 rows, one of which spans two lines: the bad row is on line 11.
        assert_eq!(
            errors[0].to_string(),
            format!(
                "{}:11:5: closed: 2025-07-09T09:00:00Z is before opened 2025-07-09T10:00:00Z",
                file.display()
            ),
            "{name}"
        );
        assert_eq!(incident_count(&p), 0, "{name}: nothing written");
    }
}

#[test]
fn every_bad_cell_is_reported_and_nothing_is_written() {
    let (d, mut p) = with_use_cases();
    let text = format!(
        "{HEADER}\n\
         A-1,ops-copilot,sev1,2025-07-01,2025-07-02,Fine,,\n\
         A-2,nobody,sev2,2025-07-01,,t,,\n\
         A-3,ops-copilot,sev5,2025-07-01,,t,,\n\
         A-4,ops-copilot,sev2,25-07-01,,t,,\n\
         A-5,ops-copilot,sev2,2025-07-01,2025-06-30,t,,\n\
         A-6,ops-copilot,sev2,2025-07-01,,t,maybe,\n\
         A-1,ops-copilot,sev2,2025-07-01,,t,,\n\
         A-8,ops-copilot,sev2,12025-07-01,,t,,\n\
         A-9,ops-copilot,sev2,2025-07-01T10:00+0200,,t,,\n\
         A-10,ops-copilot,SEV2,2025-07-01,,,yes,\n"
    );
    let file = write(d.path(), "bad.csv", &text);
    let err = p.import_incidents(&file).unwrap_err();
    assert_eq!(err.code().as_str(), "import_invalid");
    let StoreError::Import { errors, total } = &err else {
        panic!("{err}")
    };
    let f = file.display();
    let want = [
        format!("{f}:3:2: use_case: unknown use case 'nobody' (import it in use_cases.csv first)"),
        format!("{f}:4:3: severity: 'sev5' is not a severity (sev1, sev2, sev3, sev4)"),
        format!("{f}:5:4: opened: '25-07-01': the year must have exactly four digits"),
        format!("{f}:6:5: closed: 2025-06-30T00:00:00Z is before opened 2025-07-01T00:00:00Z"),
        format!("{f}:7:7: privacy: 'maybe' is not a yes/no value (true, false, yes, no, 1, 0)"),
        format!("{f}:8:1: id: duplicate id 'A-1' (first on line 2)"),
        format!("{f}:9:4: opened: '12025-07-01': the year must have exactly four digits"),
        format!("{f}:10:4: opened: '2025-07-01T10:00+0200': the offset must be Z or ±HH:MM with HH at most 23 and MM at most 59"),
        format!("{f}:11:6: title: required, but empty"),
    ];
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown, want);
    assert_eq!(*total, want.len());
    assert_eq!(incident_count(&p), 0, "the good first row was not written either");
    // A missing required column is named on line 1.
    let err = p
        .import_incidents(&write(d.path(), "h.csv", "id,use_case,severity\nX,ops-copilot,sev1\n"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("h.csv:1:1: opened: required column is missing"),
        "{err}"
    );
}

const GOOD: &str = "id,use_case,severity,opened,closed,title,privacy,rca,team\n\
    INC-1,ops-copilot,sev1,2025-07-01T10:00Z,2025-07-01T16:30Z,Provider outage,no,https://wiki/rca/1,ops\n\
    INC-2,summarizer,sev3,2025-08-15,,Slow summaries,,,support\n\
    INC-3,ops-copilot,sev2,2025-08-20T09:00+02:00,2025-08-21,Customer email in an answer,TRUE,,ops\n";

#[test]
fn reimport_is_idempotent_and_every_change_is_audited() {
    let (d, mut p) = with_use_cases();
    let file = write(d.path(), "incidents.csv", GOOD);
    let r = p.import_incidents(&file).unwrap();
    assert_eq!((r.rows, r.added, r.replaced), (3, 3, 0));
    assert_eq!(r.ignored_columns, ["team"]);
    let first = p.incidents(DateRange::default(), None).unwrap();
    assert_eq!(first.len(), 3);
    let inc3 = first.iter().find(|i| i.id == "INC-3").unwrap();
    assert_eq!(capcall_core::incident::fmt_utc(inc3.opened), "2025-08-20T07:00:00Z");
    assert!(inc3.privacy);
    let audit_of = |p: &Portfolio, entity: &str| {
        let id = (entity == "import").then_some("incidents.csv");
        p.audit_history(Some(entity), id, 1000).unwrap()
    };
    assert_eq!(audit_of(&p, "incident").len(), 3);
    assert_eq!(audit_of(&p, "import").len(), 1);

    // The same file again: nothing changes, only the import itself is logged.
    let r = p.import_incidents(&file).unwrap();
    assert_eq!((r.rows, r.added, r.replaced), (3, 0, 3));
    assert_eq!(p.incidents(DateRange::default(), None).unwrap(), first);
    assert_eq!(audit_of(&p, "incident").len(), 3);
    assert_eq!(audit_of(&p, "import").len(), 2);

    // The same rows with CRLF line endings and a BOM: still nothing changes.
    let crlf = write(d.path(), "crlf.csv", &format!("\u{feff}{}", GOOD.replace('\n', "\r\n")));
    p.import_incidents(&crlf).unwrap();
    assert_eq!(p.incidents(DateRange::default(), None).unwrap(), first);
    assert_eq!(audit_of(&p, "incident").len(), 3);

    // Closing INC-2 replaces it by id, with one audit row showing before and after.
    let closed = write(
        d.path(),
        "closed.csv",
        "id,use_case,severity,opened,closed,title\nINC-2,summarizer,sev3,2025-08-15,2025-08-16T12:00Z,Slow summaries\n",
    );
    p.import_incidents(&closed).unwrap();
    let log = audit_of(&p, "incident");
    assert_eq!(log.len(), 4);
    assert_eq!(
        (log[0].entity_id.as_str(), log[0].action.as_str()),
        ("INC-2", "update (import)")
    );
    assert!(log[0].before.as_deref().unwrap().contains("\"closed\":null"));
    assert!(log[0]
        .after
        .as_deref()
        .unwrap()
        .contains("\"closed\":\"2025-08-16T12:00:00Z\""));
    assert_eq!(p.incidents(DateRange::default(), None).unwrap().len(), 3);
    assert!(p.audit_verify(None).unwrap().ok);
}

#[test]
fn summary_matches_a_hand_computation() {
    let (d, mut p) = with_use_cases();
    let file = write(
        d.path(),
        "i.csv",
        "id,use_case,severity,opened,closed,title\n\
         S1,ops-copilot,sev1,2025-07-01T10:00Z,2025-07-01T16:30Z,a\n\
         S2,ops-copilot,sev2,2025-07-10T08:00+02:00,2025-07-10T09:00Z,b\n\
         S3,summarizer,sev2,2025-08-15,2025-08-16T12:00Z,c\n\
         S4,summarizer,sev4,2025-09-01T12:00Z,,d\n\
         S5,ops-copilot,sev3,2025-06-30T22:00-03:00,2025-07-01T02:00Z,e\n\
         S6,ops-copilot,sev3,2025-06-15,2025-06-15T00:30Z,f\n",
    );
    p.import_incidents(&file).unwrap();
    let q3 = DateRange {
        from: Some("2025-07-01".parse().unwrap()),
        to: Some("2025-09-30".parse().unwrap()),
    };
    let s = p.incident_summary(q3, None).unwrap();
    // In Q3 (UTC): S1 6h30 = 23 400 s; S2 06:00Z-09:00Z = 10 800 s; S3 36 h =
    // 129 600 s; S4 open; S5 opened 2025-07-01T01:00Z, 1 h = 3 600 s. S6 is Q2.
    let f = &s.portfolio;
    assert_eq!((f.opened, f.resolved, f.unresolved), (5, 4, 1));
    assert_eq!(
        (
            f.by_severity.sev1,
            f.by_severity.sev2,
            f.by_severity.sev3,
            f.by_severity.sev4
        ),
        (1, 2, 1, 1)
    );
    // (23 400 + 10 800 + 129 600 + 3 600) / 4 = 41 850 s; p90 rank ceil(3.6) = 4th = 129 600 s.
    assert_eq!(f.mean_time_to_resolve_seconds, Some(41_850));
    assert_eq!(f.mean_time_to_resolve.as_deref(), Some("11h 37m"));
    assert_eq!(f.p90_time_to_resolve_seconds, Some(129_600));
    assert_eq!(s.open.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["S4"]);
    let ops = &s.use_cases[0];
    // (23 400 + 10 800 + 3 600) / 3 = 12 600 s; p90 rank ceil(2.7) = 3rd = 23 400 s.
    assert_eq!(ops.use_case, "ops-copilot");
    assert_eq!(ops.figures.mean_time_to_resolve_seconds, Some(12_600));
    assert_eq!(ops.figures.p90_time_to_resolve_seconds, Some(23_400));
    let only = p.incident_summary(q3, Some("summarizer")).unwrap();
    assert_eq!((only.portfolio.opened, only.portfolio.resolved), (2, 1));
    assert_eq!(p.incidents(q3, Some("summarizer")).unwrap().len(), 2);
    assert_eq!(p.incidents(DateRange::default(), None).unwrap().len(), 6);
    assert_eq!(
        p.incident_summary(q3, Some("nobody")).unwrap_err().code().as_str(),
        "not_found"
    );
    let backwards = DateRange {
        from: q3.to,
        to: q3.from,
    };
    assert_eq!(
        p.incident_summary(backwards, None).unwrap_err().code().as_str(),
        "invalid_input"
    );
}

#[test]
fn a_privacy_incident_in_the_safety_window_makes_safety_retire() {
    let (d, mut p) = with_use_cases();
    // Weekly rows to 2025-09-08 with green evals and no observed privacy incident.
    let mut obs = String::from("use_case,period_start,eval_status,privacy_incidents\n");
    for day in ["2025-08-18", "2025-08-25", "2025-09-01", "2025-09-08"] {
        obs.push_str(&format!("ops-copilot,{day},green,0\n"));
    }
    p.import(
        ImportKind::Observations,
        &write(d.path(), "o.csv", &obs),
        &mut no_progress(),
    )
    .unwrap();
    let safety = |p: &Portfolio| {
        let run = p.score(None, Some("ops-copilot"), None).unwrap();
        let s = run.scores[0].clone();
        (s.dimension(Dimension::Safety).clone(), s.overall)
    };
    assert_eq!(safety(&p).0.verdict, DimVerdict::Expand);
    // The trailing 90 days to 2025-09-08 start on 2025-06-11: a privacy
    // incident opened the minute before is outside it.
    let before = "id,use_case,severity,opened,title,privacy\nP-0,ops-copilot,sev2,2025-06-10T23:59Z,Old leak,yes\n";
    p.import_incidents(&write(d.path(), "p0.csv", before)).unwrap();
    assert_eq!(safety(&p).0.verdict, DimVerdict::Expand);
    let inside = "id,use_case,severity,opened,title,privacy\nP-1,ops-copilot,sev2,2025-06-11T00:00Z,Leak,yes\n";
    p.import_incidents(&write(d.path(), "p1.csv", inside)).unwrap();
    let (dim, overall) = safety(&p);
    assert_eq!(dim.verdict, DimVerdict::Retire);
    assert_eq!(overall, Verdict::Retire, "Safety Retire is a hard Retire");
    assert_eq!(
        dim.explanation,
        "eval green on 2025-09-08; 1 privacy incident in trailing 90 days (incident P-1 opened 2025-06-11): red / privacy risk"
    );
    // A scenario created from the scores sees the same verdict.
    let sc = p.scenario_new("after the leak", None).unwrap();
    let line = sc.lines.iter().find(|l| l.use_case == "ops-copilot").unwrap();
    assert_eq!(line.verdict, Some(Verdict::Retire));
}

#[test]
fn the_demo_has_incidents_and_its_safety_names_them() {
    let (_d, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    p.load_demo().unwrap();
    let all = p.incidents(DateRange::default(), None).unwrap();
    assert_eq!(all.len(), capcall_core::demo::incidents().len());
    let run = p.score(None, Some("contract-review"), None).unwrap();
    let safety = run.scores[0].dimension(Dimension::Safety);
    assert_eq!(safety.verdict, DimVerdict::Retire);
    assert!(safety.explanation.contains("CR-2025-031"), "{}", safety.explanation);
    // Resetting the demo again replaces, never duplicates.
    p.load_demo().unwrap();
    assert_eq!(p.incidents(DateRange::default(), None).unwrap().len(), all.len());
}
