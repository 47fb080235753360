//! `incidents`: the incident summary of a window.

use capcall_core::incident::{DateRange, Figures};
use capcall_store::Access;
use chrono::NaiveDate;

use super::{open, Result};
use crate::args::Cli;
use crate::output::{said, Output, Text};
use crate::table::Table;

pub(super) fn incidents(
    cli: &Cli,
    out: &Output,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    use_case: Option<&str>,
) -> Result {
    let p = open(cli, Access::Read)?;
    let s = p.incident_summary(DateRange { from, to }, use_case)?;
    out.show(&said(&s, |t| summary(t, &s, use_case)));
    Ok(())
}

/// Mean and p90 time to resolve, or "-".
fn ttr(f: &Figures) -> (String, String) {
    (
        f.mean_time_to_resolve.clone().unwrap_or_else(|| "-".into()),
        f.p90_time_to_resolve.clone().unwrap_or_else(|| "-".into()),
    )
}

fn summary(t: &mut Text, s: &capcall_core::incident::Summary, use_case: Option<&str>) {
    let window = match (s.from, s.to) {
        (Some(f), Some(t)) => format!("from {f} to {t}"),
        (Some(f), None) => format!("since {f}"),
        (None, Some(t)) => format!("up to {t}"),
        (None, None) => "(all recorded)".into(),
    };
    let f = &s.portfolio;
    let sev = &f.by_severity;
    t.line(format!(
        "Incidents opened {window}{}: {} (sev1 {}, sev2 {}, sev3 {}, sev4 {}); {} privacy",
        use_case.map(|u| format!(" ({u})")).unwrap_or_default(),
        f.opened,
        sev.sev1,
        sev.sev2,
        sev.sev3,
        sev.sev4,
        f.privacy
    ));
    let (mean, p90) = ttr(f);
    t.line(format!(
        "Resolved {}: mean time to resolve {mean}, p90 {p90} (nearest rank); {} still open",
        f.resolved, f.unresolved
    ));
    if !s.use_cases.is_empty() {
        let mut tb = Table::new(&[
            "USE CASE", "OPENED", "SEV1", "SEV2", "SEV3", "SEV4", "PRIVACY", "OPEN", "MEAN TTR", "P90 TTR",
        ]);
        tb.right_align(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for u in &s.use_cases {
            let g = &u.figures;
            let (mean, p90) = ttr(g);
            tb.row(vec![
                u.use_case.clone(),
                g.opened.to_string(),
                g.by_severity.sev1.to_string(),
                g.by_severity.sev2.to_string(),
                g.by_severity.sev3.to_string(),
                g.by_severity.sev4.to_string(),
                g.privacy.to_string(),
                g.unresolved.to_string(),
                mean,
                p90,
            ]);
        }
        t.blank();
        t.table(&tb);
    }
    t.line(format!(
        "\nOpen {}: {}",
        s.to.map(|t| format!("at the end of {t}"))
            .unwrap_or_else(|| "(as recorded)".into()),
        s.open.len()
    ));
    if !s.open.is_empty() {
        let mut tb = Table::new(&["ID", "SEVERITY", "USE CASE", "OPENED (UTC)", "TITLE"]);
        for i in &s.open {
            tb.row(vec![
                i.id.clone(),
                i.severity.as_str().into(),
                i.use_case.clone(),
                capcall_core::incident::fmt_utc(i.opened),
                i.title.clone(),
            ]);
        }
        t.table(&tb);
    }
    if !s.quarters.is_empty() {
        let mut tb = Table::new(&[
            "QUARTER", "OPENED", "Q/Q", "SEV1", "SEV2", "SEV3", "SEV4", "MEAN TTR", "P90 TTR",
        ]);
        tb.right_align(&[1, 2, 3, 4, 5, 6, 7, 8]);
        for q in &s.quarters {
            let g = &q.figures;
            let (mean, p90) = ttr(g);
            tb.row(vec![
                format!("{}{}", q.quarter, if q.partial { " (partial)" } else { "" }),
                g.opened.to_string(),
                q.opened_change.map(|c| format!("{c:+}")).unwrap_or_else(|| "-".into()),
                g.by_severity.sev1.to_string(),
                g.by_severity.sev2.to_string(),
                g.by_severity.sev3.to_string(),
                g.by_severity.sev4.to_string(),
                mean,
                p90,
            ]);
        }
        t.line("\nBy quarter:");
        t.table(&tb);
        if let Some(last) = s.quarters.last() {
            t.blank();
            for line in &last.sentences {
                t.line(format!("{line}."));
            }
        }
    }
}
