//! `score` and `ucr`: verdicts and unit cost history.

use capcall_core::format::{self, ucr_or_unknown};
use capcall_core::rubric::Dimension;
use capcall_store::Access;
use capcall_store::UcrBy;
use chrono::NaiveDate;
use serde::Serialize;

use super::{open, Result};
use crate::args::Cli;
use crate::output::{said, Output, SortedKeys, Text};
use crate::table::Table;

pub(super) fn score(
    cli: &Cli,
    out: &Output,
    as_of: Option<NaiveDate>,
    use_case: Option<&str>,
    rubric_version: Option<u32>,
) -> Result {
    let p = open(cli, Access::Read)?;
    let run = p.score(as_of, use_case, rubric_version)?;
    // Explanations for one use case, or for a portfolio small enough to read.
    let explain = run.scores.len() <= 20 || use_case.is_some();
    out.show(&said(&run, |t| scores(t, &run, explain)));
    Ok(())
}

fn scores(t: &mut Text, run: &capcall_store::ScoreRun, explain: bool) {
    t.line(format!(
        "Scores as of {} under rubric {} (version {})\n",
        run.as_of, run.rubric_name, run.rubric_version
    ));
    let mut tb = Table::new(&[
        "USE CASE",
        "VALUE",
        "SLOS",
        "SAFETY",
        "ECONOMICS",
        "ADOPTION",
        "OVERALL",
    ]);
    for s in &run.scores {
        let mut row = vec![s.use_case.clone()];
        row.extend(
            Dimension::ALL
                .iter()
                .map(|d| s.dimension(*d).verdict.as_str().to_string()),
        );
        row.push(s.overall.as_str().into());
        tb.row(row);
    }
    t.table(&tb);
    if !run.history.is_empty() {
        t.line(format!("Retired (history, not scored): {}", run.history.join(", ")));
    }
    if explain {
        for s in &run.scores {
            t.line(format!("\n{}: {}", s.use_case, s.overall_explanation));
            for d in &s.dimensions {
                t.line(format!(
                    "  {:<9} {:<6} {}",
                    d.dimension.as_str(),
                    d.verdict.as_str(),
                    d.explanation
                ));
            }
        }
    }
}

pub(super) fn ucr(cli: &Cli, out: &Output, id: &str, by: UcrBy) -> Result {
    let p = open(cli, Access::Read)?;
    let points = p.ucr(id, by)?;
    #[derive(Serialize)]
    struct History<'a, P> {
        points: &'a [P],
        use_case: &'a str,
    }
    let doc = History {
        points: &points,
        use_case: id,
    };
    out.show(&said(&SortedKeys(doc), |t| {
        let mut tb = Table::new(&[
            "PERIOD",
            "SPEND (USD)",
            "UNITS",
            "UCR (USD/unit)",
            "CHANGE",
            "ROWS",
            "MISSING",
        ]);
        tb.right_align(&[1, 2, 3, 4, 5, 6]);
        let mut prev = None;
        for pt in &points {
            let change = capcall_core::ucr::pct_change(prev, pt.ucr)
                .map(format::pct)
                .unwrap_or_else(|| "-".into());
            tb.row(vec![
                pt.period.clone(),
                format::measured(pt.spend_usd),
                pt.units.to_string(),
                ucr_or_unknown(pt.ucr),
                change,
                pt.rows_used.to_string(),
                pt.rows_missing.to_string(),
            ]);
            prev = pt.ucr;
        }
        t.table(&tb);
    }));
    Ok(())
}
