//! The renderers: one function per file of the pack.

use std::fmt::Write as _;

use capcall_core::decision::{to_yaml, Status};
use capcall_core::format::{
    coord, csv_formula_safe, md_cell, md_text, pct as fmt_pct, pct_size, trimmed, ucr as fmt_ucr, ucr_or_unknown, usd,
    usd_of,
};
use capcall_core::rubric::{Dimension, Path, Verdict};
use capcall_core::scenario::display_order;
use capcall_core::ucr::pct_change;
use rust_decimal::Decimal;

use crate::Pack;

/// A Markdown table cell (controls escaped, `|`, `\\` and line breaks made harmless).
fn cell(s: &str) -> String {
    md_cell(s)
}

/// Free text in Markdown outside tables: one line, controls escaped.
fn txt(s: &str) -> std::borrow::Cow<'_, str> {
    md_text(s)
}

fn draft_banner(p: &Pack) -> &'static str {
    if p.draft {
        "> **DRAFT — not approved.** Figures may change before the plan is approved.\n\n"
    } else {
        ""
    }
}

fn name_of<'a>(p: &'a Pack, id: &'a str) -> &'a str {
    p.use_cases
        .iter()
        .find(|u| u.id == id)
        .map(|u| u.name.as_str())
        .unwrap_or(id)
}

pub(crate) fn sorted_lines(p: &Pack) -> Vec<&capcall_core::scenario::LineResult> {
    let mut v: Vec<_> = p.lines.iter().collect();
    v.sort_by(|a, b| display_order(a, b));
    v
}

fn dim<'a>(p: &'a Pack, id: &str, d: Dimension) -> Option<&'a capcall_core::rubric::DimensionScore> {
    p.scores.iter().find(|s| s.use_case == id).map(|s| s.dimension(d))
}

/// At most this many table rows (header excluded) on one slide; longer
/// tables continue on "… (continued)" slides with the header repeated.
pub const MAX_SLIDE_ROWS: usize = 10;

/// A table split over slides of at most [`MAX_SLIDE_ROWS`] rows, each slide
/// opened with `---` and titled (`title (continued)` after the first);
/// `intro` goes under the first title only, `after` after the last table.
fn table_slides(title: &str, intro: &str, header: &str, rows: &[String], after: &str, per: usize) -> String {
    let mut s = String::new();
    let chunks: Vec<&[String]> = if rows.is_empty() {
        vec![&[]]
    } else {
        rows.chunks(per.clamp(1, MAX_SLIDE_ROWS)).collect()
    };
    let n = chunks.len();
    for (i, chunk) in chunks.into_iter().enumerate() {
        let _ = write!(s, "---\n\n## {title}{}\n\n", if i == 0 { "" } else { " (continued)" });
        if i == 0 && !intro.is_empty() {
            let _ = write!(s, "{intro}\n\n");
        }
        s.push_str(header);
        for r in chunk {
            s.push_str(r);
            s.push('\n');
        }
        s.push('\n');
        if i + 1 == n && !after.is_empty() {
            let _ = write!(s, "{after}\n\n");
        }
    }
    s
}

/// Bullets split over slides of at most [`MAX_SLIDE_ROWS`] bullets.
fn bullet_slides(title: &str, bullets: &[String], per: usize) -> String {
    let mut s = String::new();
    for (i, chunk) in bullets.chunks(per.clamp(1, MAX_SLIDE_ROWS)).enumerate() {
        let _ = write!(s, "---\n\n## {title}{}\n\n", if i == 0 { "" } else { " (continued)" });
        for b in chunk {
            let _ = writeln!(s, "- {b}");
        }
        s.push('\n');
    }
    s
}

/// A non-zero change in words: "fell 8.3%", "rose 2.0%" (a zero change is
/// said "held" by the caller, in its own sentence).
pub(crate) fn moved(c: Decimal) -> String {
    let verb = if c.is_sign_negative() { "fell" } else { "rose" };
    format!("{verb} {}", pct_size(c))
}

/// "UCR fell 8.3% quarter on quarter to $0.0071 per unit in 2025-Q2".
pub fn ucr_sentence(p: &Pack, id: &str) -> String {
    let Some(q) = p.ucr_changes.get(id) else {
        return "UCR unknown".into();
    };
    let partial = q
        .partial_quarter
        .as_ref()
        .map(|pq| match q.partial_ucr {
            Some(u) => format!("; ${} in {pq} so far (partial quarter)", fmt_ucr(u)),
            None => String::new(),
        })
        .unwrap_or_default();
    let main = match (q.ucr, q.change_pct) {
        (Some(u), Some(c)) if c.is_zero() => {
            format!(
                "UCR held at ${} per unit in {} quarter on quarter",
                fmt_ucr(u),
                q.quarter
            )
        }
        (Some(u), Some(c)) => format!(
            "UCR {} quarter on quarter to ${} per unit in {}",
            moved(c),
            fmt_ucr(u),
            q.quarter
        ),
        (Some(u), None) => format!(
            "UCR ${} per unit in {} (no {} figure to compare)",
            fmt_ucr(u),
            q.quarter,
            q.previous_quarter
        ),
        (None, _) => format!("UCR unknown in {}", q.quarter),
    };
    format!("{main}{partial}")
}

/// A use case's value evidence in the last complete quarter, read as the
/// rubric reads it (`capcall_core::rubric::value_evidence`).
fn value_evidence(p: &Pack, id: &str) -> capcall_core::rubric::ValueEvidence {
    let rows = p.observations.get(id).map(Vec::as_slice).unwrap_or(&[]);
    capcall_core::rubric::value_evidence(rows, capcall_core::Quarter::last_complete(p.plan.as_of))
}

/// The value evidence of the last complete quarter in a sentence.
pub fn value_sentence(p: &Pack, id: &str) -> String {
    let ev = value_evidence(p, id);
    let last = ev.quarter;
    let (target, ci_low) = (ev.target, ev.mean_ci_low);
    let Some(delta) = ev.mean_delta else {
        return format!("No value measured in {} (opaque)", last.label());
    };
    let vs = match target {
        Some(t) if delta >= t => format!(", above its target of {}", trimmed(t, 1)),
        Some(t) => format!(", below its target of {}", trimmed(t, 1)),
        None => ", with no target set".into(),
    };
    let sig = match ci_low {
        Some(c) if p.rubric.stat_sig(c) => "; statistically significant",
        Some(_) => "; not statistically significant",
        None => "",
    };
    format!(
        "The KPI improved by {} on average in {}{vs}{sig}",
        trimmed(delta, 1),
        last.label()
    )
}

/// A use case's SLO record over the rubric's SLO window.
pub(crate) struct SloRecord {
    pub breaches: usize,
    pub periods: usize,
    /// "weeks" or "reporting periods".
    pub unit: &'static str,
}

/// The SLO record over the rubric's SLO window (`None`: no SLO data in
/// it); a row is judged by the core's rule (`Observation::slo_breached`).
pub(crate) fn slo_record(p: &Pack, id: &str) -> Option<SloRecord> {
    let w = p.rubric.slo_window(p.plan.as_of);
    let rows: Vec<&capcall_core::Observation> = p
        .observations
        .get(id)
        .map(|r| {
            r.iter()
                .filter(|o| w.contains(o.period_start) && o.slo_breached().is_some())
                .collect()
        })
        .unwrap_or_default();
    if rows.is_empty() {
        return None;
    }
    let weekly = rows
        .windows(2)
        .all(|w| (w[1].period_start - w[0].period_start).num_days() == 7);
    let breaches = rows.iter().filter(|o| o.slo_breached() == Some(true)).count();
    Some(SloRecord {
        breaches,
        periods: rows.len(),
        unit: if weekly { "weeks" } else { "reporting periods" },
    })
}

/// The SLO record in a sentence.
pub fn slo_sentence(p: &Pack, id: &str) -> String {
    match slo_record(p, id) {
        None => format!(
            "No SLO data in the {} days to {}",
            p.rubric.slo_window(p.plan.as_of).days(),
            p.plan.as_of
        ),
        Some(r) if r.breaches == 0 => format!("Met its SLOs in all {} {} to {}", r.periods, r.unit, p.plan.as_of),
        Some(r) => format!(
            "Breached its SLOs in {} of {} {} to {}",
            r.breaches, r.periods, r.unit, p.plan.as_of
        ),
    }
}

/// A plan milestone's key as the pack prints it: core's
/// [`capcall_core::plan::milestone_label`] with the pack's use-case names.
pub fn milestone_name(p: &Pack, raw: &str) -> String {
    capcall_core::plan::milestone_label(raw, |id| {
        p.use_cases.iter().find(|u| u.id == id).map(|u| u.name.clone())
    })
}

/// The red flags a board must hear about, one sentence each, grouped by
/// kind: red safety evals, privacy incidents (the rubric's Safety window), chronic
/// SLO breaches, then spend over budget in the last complete quarter (the
/// board's rule, `capcall_core::board::row_figures`).
pub fn red_flags(p: &Pack) -> Vec<String> {
    let as_of = p.plan.as_of;
    let w = p.rubric.safety_window(as_of);
    let days = w.days();
    let (mut evals, mut privacy, mut slos, mut over) = (vec![], vec![], vec![], vec![]);
    let mut quarter = String::new();
    for l in sorted_lines(p) {
        let name = l.name.as_str();
        let rows = p.observations.get(&l.use_case).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(o) = rows
            .iter()
            .rfind(|o| o.period_start <= as_of && o.eval_status.is_some())
        {
            if o.eval_status == Some(capcall_core::EvalStatus::Red) {
                evals.push(format!("{name}: safety evals red as of {}", o.period_start));
            }
        }
        let mut records: Vec<String> = p
            .incidents
            .iter()
            .filter(|i| i.use_case == l.use_case && i.privacy && w.contains(i.opened_on()))
            .map(|i| format!("{} opened {}", i.id, i.opened_on()))
            .collect();
        records.sort();
        let reported: u32 = rows
            .iter()
            .filter(|o| w.contains(o.period_start))
            .filter_map(|o| o.privacy_incidents)
            .sum();
        if !records.is_empty() {
            privacy.push(format!(
                "{name}: {} privacy incident{} in the {days} days to {as_of} ({})",
                records.len(),
                if records.len() == 1 { "" } else { "s" },
                records.join(", ")
            ));
        } else if reported > 0 {
            privacy.push(format!(
                "{name}: {reported} privacy incident{} reported in the {days} days to {as_of}",
                if reported == 1 { "" } else { "s" }
            ));
        }
        if dim(p, &l.use_case, Dimension::Slos).is_some_and(|d| d.verdict == Verdict::Retire) {
            let said = slo_sentence(p, &l.use_case).replacen("Breached its SLOs", "SLOs breached", 1);
            slos.push(format!("{name}: chronic SLO breaches ({said})"));
        }
        let Some(uc) = p.use_cases.iter().find(|u| u.id == l.use_case) else {
            continue;
        };
        let mine: Vec<capcall_core::Incident> = p
            .incidents
            .iter()
            .filter(|i| i.use_case == l.use_case)
            .cloned()
            .collect();
        if let Ok(f) = capcall_core::board::row_figures(uc, rows, &mine, as_of) {
            quarter = f.quarter.clone();
            if f.over_budget {
                let pct = f
                    .spend_usd
                    .and_then(|s| pct_change(Some(uc.budget_usd.as_decimal()), Some(s.as_decimal())))
                    .map(fmt_pct)
                    .unwrap_or_default();
                over.push(format!("{name} {pct}"));
            }
        }
    }
    let mut out = evals;
    out.append(&mut privacy);
    out.append(&mut slos);
    if !over.is_empty() {
        out.push(format!(
            "{} use case{} spent over budget in {quarter}: {}",
            over.len(),
            if over.len() == 1 { "" } else { "s" },
            over.join(", ")
        ));
    }
    out
}

/// Incidents of the last complete quarter and the quarter so far, in
/// sentences per use case (`capcall_core::incident::sentences`), as
/// (use case name, sentences).
pub(crate) fn incident_plain(p: &Pack) -> Vec<(String, String)> {
    let as_of = p.plan.as_of;
    let range = capcall_core::incident::DateRange {
        from: None,
        to: Some(as_of),
    };
    let last = capcall_core::Quarter::last_complete(as_of);
    let current = capcall_core::Quarter::of(as_of);
    let mut quarters = vec![last];
    if current != last {
        quarters.push(current);
    }
    let mut out = vec![];
    for l in sorted_lines(p) {
        let mine: Vec<&capcall_core::Incident> = p.incidents.iter().filter(|i| i.use_case == l.use_case).collect();
        let mut said = vec![];
        for q in &quarters {
            said.extend(
                capcall_core::incident::sentences(mine.iter().copied(), *q, range)
                    .into_iter()
                    .filter(|s| !s.starts_with("No incidents")),
            );
        }
        if !said.is_empty() {
            out.push((l.name.clone(), said.join("; ")));
        }
    }
    out
}

/// [`incident_plain`] as Markdown bullets.
pub fn incident_sentences(p: &Pack) -> Vec<String> {
    incident_plain(p)
        .into_iter()
        .map(|(name, said)| format!("**{}**: {}", txt(&name), txt(&said)))
        .collect()
}

/// Is this UCR-trend period the quarter in progress at the as-of date?
pub(crate) fn is_partial_quarter(p: &Pack, period: &str) -> bool {
    let current = capcall_core::Quarter::of(p.plan.as_of);
    current != capcall_core::Quarter::last_complete(p.plan.as_of) && period == current.label()
}

/// The slides' style (Marp global `style` directive): a compact type scale
/// so a 10-row table and its sentences fit a 1280x720 slide (checked by
/// rendering with Marp in chromium: `slides/check.mjs`).
const SLIDE_STYLE: &str = "style: |\n  section { font-size: 22px; padding: 40px 56px; }\n  h1 { font-size: 44px; }\n  h2 { font-size: 32px; margin-bottom: 12px; }\n  table { font-size: 16px; }\n  th, td { padding: 3px 8px; }\n  ul { margin-top: 4px; }\n";

/// Marp slides for the readout agenda.
pub fn readout_md(p: &Pack) -> String {
    let pl = &p.plan;
    let t = &pl.totals;
    let mut s = String::new();
    let draft = if p.draft { " (DRAFT)" } else { "" };
    let _ = writeln!(
        s,
        "---\nmarp: true\ntheme: default\npaginate: true\ntitle: Executive Scale Readout{draft}\n{SLIDE_STYLE}---\n"
    );
    let _ = writeln!(
        s,
        "# Executive Scale Readout{draft}\n\n## Wave performance and the next capital call\n"
    );
    let _ = writeln!(
        s,
        "- Data as of **{}**; plan for **{} to {}**",
        pl.as_of, pl.quarter_start, pl.quarter_end
    );
    let _ = writeln!(
        s,
        "- Scenario **{}**, rubric traffic-light v{}",
        txt(&pl.scenario),
        pl.rubric_version
    );
    if let Some(a) = &p.accepted_gaps {
        let _ = writeln!(
            s,
            "- Approved with **{} open governance gap{}** accepted by {}: {}",
            a.gaps.len(),
            if a.gaps.len() == 1 { "" } else { "s" },
            txt(&a.accepted_by),
            txt(&a.reason)
        );
    }
    let _ = writeln!(
        s,
        "- {} Expand · {} Hold · {} Retire\n",
        t.expand_count, t.hold_count, t.retire_count
    );
    s.push_str(draft_banner(p));
    s.push_str(&ask_slide(p));
    let value_rows: Vec<String> = sorted_lines(p)
        .into_iter()
        .filter_map(|l| {
            dim(p, &l.use_case, Dimension::Value).map(|d| {
                format!(
                    "| {} | {} | {}. {}. |",
                    cell(&l.name),
                    d.verdict.as_str(),
                    cell(&value_sentence(p, &l.use_case)),
                    cell(&ucr_sentence(p, &l.use_case))
                )
            })
        })
        .collect();
    s.push_str(&table_slides(
        "Value realized",
        "",
        "| Use case | Value | Evidence |\n|---|---|---|\n",
        &value_rows,
        "",
        5,
    ));
    let slo_rows: Vec<String> = sorted_lines(p)
        .into_iter()
        .filter_map(|l| {
            dim(p, &l.use_case, Dimension::Slos).map(|d| {
                format!(
                    "| {} | {} | {} |",
                    cell(&l.name),
                    d.verdict.as_str(),
                    cell(&slo_sentence(p, &l.use_case))
                )
            })
        })
        .collect();
    s.push_str(&table_slides(
        "SLO adherence",
        "",
        &format!(
            "| Use case | SLOs | Trailing {} days |\n|---|---|---|\n",
            p.rubric.slo_window(p.plan.as_of).days()
        ),
        &slo_rows,
        "",
        8,
    ));
    let mut bullets: Vec<String> = red_flags(p).iter().map(|f| format!("Red flag — {}", txt(f))).collect();
    bullets.extend(incident_sentences(p));
    if bullets.is_empty() {
        bullets.push(format!(
            "No incidents, red evals, privacy incidents, chronic SLO breaches or over-budget use cases to {}.",
            p.plan.as_of
        ));
    }
    s.push_str(&bullet_slides("Incident summary", &bullets, 6));
    let trend_rows: Vec<String> = ucr_trend_rows(p)
        .iter()
        .map(|r| format!("| {} | {} | {} |", r.label, r.ucr, r.change))
        .collect();
    // The chart takes the first slide; the table follows on its own.
    s.push_str("---\n\n## UCR trend\n\n![Portfolio UCR by quarter](ucr_trend.svg)\n\n");
    s.push_str(&table_slides(
        "UCR trend by quarter",
        "",
        "| Quarter | UCR (USD/unit) | q/q |\n|---|---:|---:|\n",
        &trend_rows,
        "",
        10,
    ));
    let st = &p.story;
    let (header, total) = if st.shortfall {
        (
            "| Path | Use case | Budget now | Within the envelope | Fully funded |\n|---|---|---:|---:|---:|\n"
                .to_string(),
            format!(
                "| | **Total** | **{}** | **{}** | **{}** |",
                usd(st.old_budget_usd),
                usd(st.within_envelope.new_budget_usd),
                usd(st.fully_funded.new_budget_usd)
            ),
        )
    } else {
        (
            "| Path | Use case | Budget now | Next quarter | Change |\n|---|---|---:|---:|---:|\n".to_string(),
            format!(
                "| | **Total** | **{}** | **{}** | **{}** |",
                usd(st.old_budget_usd),
                usd(st.within_envelope.new_budget_usd),
                usd(st.within_envelope.delta_usd)
            ),
        )
    };
    let mut rows: Vec<String> = st
        .budgets
        .iter()
        .map(|b| {
            if st.shortfall {
                format!(
                    "| {} | {} | {} | {} | {} |",
                    b.path.as_str(),
                    cell(&b.name),
                    usd(b.old_budget_usd),
                    usd(b.new_budget_usd),
                    usd(b.fully_funded_new_budget_usd)
                )
            } else {
                format!(
                    "| {} | {} | {} | {} | {} |",
                    b.path.as_str(),
                    cell(&b.name),
                    usd(b.old_budget_usd),
                    usd(b.new_budget_usd),
                    usd(b.delta_usd)
                )
            }
        })
        .collect();
    rows.push(total);
    let logged: Vec<_> = p.decisions().filter(|d| d.status == Status::Approved).collect();
    let after = if logged.is_empty() {
        String::new()
    } else {
        format!(
            "Logged decisions: {}",
            logged
                .iter()
                .map(|d| {
                    format!(
                        "{} {} (owner {}, {})",
                        txt(&d.id),
                        txt(&d.title),
                        txt(&d.owner),
                        d.budget_usd.map(usd).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    let intro = if st.shortfall {
        format!(
            "Next-quarter budgets within the {} envelope and fully funded ({} capital call).",
            usd(p.plan.totals.envelope_usd),
            usd(st.fully_funded.capital_call_usd)
        )
    } else {
        String::new()
    };
    s.push_str(&table_slides(
        "Decisions: Expand / Hold / Retire",
        &intro,
        &header,
        &rows,
        &after,
        8,
    ));
    let mut bullets: Vec<String> = pl
        .milestones
        .iter()
        .map(|m| format!("{} — {} ({})", m.date, txt(&milestone_name(p, &m.name)), txt(&m.owner)))
        .collect();
    bullets.push(format!(
        "{} risk work-offs due by {}",
        pl.workoffs.len(),
        pl.workoffs
            .iter()
            .map(|w| w.due)
            .max()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into())
    ));
    for r in &pl.cadence {
        bullets.push(format!("{}: {}", txt(&r.name), txt(&r.when)));
    }
    s.push_str(&bullet_slides("Next 90 days", &bullets, 8));
    let mut evidence: Vec<(&str, &str)> = p
        .decisions()
        .flat_map(|d| d.evidence.iter().map(move |e| (d.id.as_str(), e.as_str())))
        .collect();
    evidence.sort();
    evidence.dedup();
    let mut bullets: Vec<String> = evidence
        .into_iter()
        .map(|(id, e)| {
            let (e, id) = (txt(e), txt(id));
            format!("[{e}]({e}) ({id})")
        })
        .collect();
    if bullets.is_empty() {
        bullets.push("No evidence logged yet.".into());
    }
    s.push_str(&bullet_slides("Evidence", &bullets, 8));
    s
}

/// "The ask": one capital call when the envelope funds every Expand ask;
/// otherwise both options side by side, labelled, for the board to choose.
fn ask_slide(p: &Pack) -> String {
    let t = &p.plan.totals;
    let st = &p.story;
    let mut s = String::from("---\n\n## The ask\n\n");
    if st.shortfall {
        let _ = writeln!(
            s,
            "The {} envelope does not fund every Expand ask in full. The board chooses:\n",
            usd(t.envelope_usd)
        );
        s.push_str("| | Within the envelope | Fully funded |\n|---|---:|---:|\n");
        let _ = writeln!(
            s,
            "| **Capital call** | **{}** | **{}** |",
            usd(st.within_envelope.capital_call_usd),
            usd(st.fully_funded.capital_call_usd)
        );
        let _ = writeln!(
            s,
            "| Budget next quarter | {} | {} |",
            usd(st.within_envelope.new_budget_usd),
            usd(st.fully_funded.new_budget_usd)
        );
        let _ = writeln!(
            s,
            "| Change vs this quarter | {} | {} |",
            usd(st.within_envelope.delta_usd),
            usd(st.fully_funded.delta_usd)
        );
        let _ = writeln!(
            s,
            "| Expand asks left unfunded | {} | $0.00 |\n",
            usd(t.unfunded_asks_usd)
        );
    } else {
        let _ = writeln!(
            s,
            "- **Next capital call: {}** funds every Expand path in full",
            usd(st.within_envelope.capital_call_usd)
        );
    }
    let _ = writeln!(
        s,
        "- Retiring {} use cases frees **{}** (net of {} decommissioning)",
        t.retire_count,
        usd(t.freed_usd),
        usd(t.decommission_usd)
    );
    let _ = writeln!(
        s,
        "- {}eallocated to Expand: **{}** of {} asked; reserve {}",
        if st.shortfall { "Within the envelope, r" } else { "R" },
        usd(t.reallocated_usd),
        usd(t.requested_usd),
        usd(t.reserve_usd)
    );
    let _ = writeln!(
        s,
        "- Projected value: **{}**; portfolio UCR {} → {} USD/unit\n",
        usd_of(t.projected_value),
        ucr_or_unknown(t.current_ucr),
        ucr_or_unknown(t.projected_ucr)
    );
    s
}

/// One quarter of the portfolio UCR trend as the slides and the paper show
/// it: the partial quarter labelled and never compared.
pub(crate) struct TrendRow {
    pub label: String,
    pub ucr: String,
    pub change: String,
    pub partial: bool,
}

/// The UCR trend rows, quarter by quarter, with the q/q change against the
/// quarter before.
pub(crate) fn ucr_trend_rows(p: &Pack) -> Vec<TrendRow> {
    let mut rows = vec![];
    let mut prev = None;
    for q in &p.ucr_trend {
        let partial = is_partial_quarter(p, &q.period);
        let change = if partial {
            "— (partial, not compared)".to_string()
        } else {
            pct_change(prev, q.ucr).map(fmt_pct).unwrap_or_else(|| "—".into())
        };
        let label = if partial {
            format!("{} (partial, to {})", q.period, p.plan.as_of)
        } else {
            q.period.clone()
        };
        rows.push(TrendRow {
            label,
            ucr: ucr_or_unknown(q.ucr),
            change,
            partial,
        });
        prev = q.ucr;
    }
    rows
}

/// The portfolio UCR by quarter as an SVG line chart. Coordinates are
/// computed in exact decimals and printed by `capcall_core::format::coord`.
pub fn ucr_svg(p: &Pack) -> String {
    let labels: Vec<(String, Option<Decimal>)> = p
        .ucr_trend
        .iter()
        .map(|q| {
            let label = if is_partial_quarter(p, &q.period) {
                format!("{} (partial)", q.period)
            } else {
                q.period.clone()
            };
            (label, q.ucr)
        })
        .collect();
    let pts: Vec<(&str, Decimal)> = labels.iter().filter_map(|(l, u)| u.map(|u| (l.as_str(), u))).collect();
    let (w, h, left, right, top, bottom) = (720, 320, 80, 70, 56, 50);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n<text x=\"{left}\" y=\"24\" font-size=\"15\" font-weight=\"bold\" fill=\"#0f172a\">Portfolio UCR by quarter (USD per unit){}</text>\n",
        if p.draft { " — DRAFT" } else { "" }
    );
    if pts.is_empty() {
        s.push_str("<text x=\"80\" y=\"160\">No UCR data</text>\n</svg>\n");
        return s;
    }
    // Honest axis: the y-axis starts at zero and ends on a round tick above
    // the highest point, so the gridlines read as round numbers.
    let highest = pts.iter().map(|p| p.1).max().unwrap_or(Decimal::ONE);
    let step = nice_step(highest / Decimal::from(4));
    let ticks = (highest / step).ceil().max(Decimal::ONE);
    let max = step * ticks;
    let min = Decimal::ZERO;
    let span = if max > min { max - min } else { Decimal::ONE };
    let plot_w = Decimal::from(w - left - right);
    let plot_h = Decimal::from(h - top - bottom);
    let n = Decimal::from((pts.len().max(2) - 1) as i64);
    let xy = |i: usize, v: Decimal| {
        let x = Decimal::from(left) + plot_w * Decimal::from(i as i64) / n;
        let y = Decimal::from(top) + plot_h * (max - v) / span;
        (x, y)
    };
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#94a3b8\"/>",
        h - bottom,
        w - right,
        h - bottom
    );
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#94a3b8\"/>",
        h - bottom
    );
    // Gridlines and labels at every step from 0 to the top.
    let ticks = ticks.to_string().parse::<i64>().unwrap_or(4);
    for k in 0..=ticks {
        let v = step * Decimal::from(k);
        let (_, y) = xy(0, v);
        let (y, label_y) = (coord(y), coord(y + Decimal::from(4)));
        if k > 0 {
            let _ = writeln!(
                s,
                "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e2e8f0\"/>",
                w - right
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#475569\">{}</text>",
            left - 8,
            label_y,
            if k == 0 {
                "0".to_string()
            } else {
                v.normalize().to_string()
            }
        );
    }
    let path: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let (x, y) = xy(i, *v);
            format!("{},{}", coord(x), coord(y))
        })
        .collect();
    let _ = writeln!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#0284c7\" stroke-width=\"2.5\"/>",
        path.join(" ")
    );
    for (i, (label, v)) in pts.iter().enumerate() {
        let (x_exact, y_exact) = xy(i, *v);
        let (x, y) = (coord(x_exact), coord(y_exact));
        let _ = writeln!(s, "<circle cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"#0284c7\"/>");
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#0f172a\">{}</text>",
            coord(y_exact - Decimal::from(8)),
            fmt_ucr(*v)
        );
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#475569\">{label}</text>",
            h - bottom + 18
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The smallest 1, 2, 2.5 or 5 times a power of ten that is at least `raw`
/// (`raw` > 0): the chart's gridline step.
fn nice_step(raw: Decimal) -> Decimal {
    if raw <= Decimal::ZERO {
        return Decimal::ONE;
    }
    let ten = Decimal::TEN;
    let mut magnitude = Decimal::ONE;
    // Scale the magnitude to the power of ten at or below `raw`; Decimal's
    // 28 digits bound both loops.
    while magnitude > raw && magnitude.scale() < 27 {
        magnitude /= ten;
    }
    while magnitude * ten <= raw && magnitude < Decimal::from(10_i64.pow(15)) {
        magnitude *= ten;
    }
    for m in ["1", "2", "2.5", "5", "10"] {
        let step = magnitude * m.parse::<Decimal>().unwrap_or(Decimal::TEN);
        if step >= raw {
            return step;
        }
    }
    magnitude * ten
}

/// Every decision in the seed's entry format, grouped by status.
pub fn decision_log_md(p: &Pack) -> String {
    let mut s = String::from("# Decision log\n\n");
    s.push_str(draft_banner(p));
    let _ = writeln!(
        s,
        "Plan for {} to {}; scenario {}.\n",
        p.plan.quarter_start,
        p.plan.quarter_end,
        txt(&p.plan.scenario)
    );
    if p.decisions.is_empty() {
        s.push_str("No decisions logged.\n");
    }
    for status in Status::ALL {
        let group: Vec<_> = p.decisions.iter().filter(|v| v.decision.status == status).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {} ({})\n", status.as_str(), group.len());
        for v in group {
            let d = &v.decision;
            let _ = writeln!(s, "### {} — {}\n", txt(&d.id), txt(&d.title));
            let _ = writeln!(s, "```yaml\n{}```\n", to_yaml(d));
            let checks: Vec<String> = v
                .guardrails
                .iter()
                .map(|c| format!("`{}` {}", txt(&c.guardrail), c.state))
                .collect();
            let _ = writeln!(
                s,
                "- Logged {} ({}){}\n- Guardrails: {}{}\n",
                d.logged_at.format("%Y-%m-%d %H:%M UTC"),
                if capcall_core::decision::logged_within_24h(d) {
                    "within 24 h of the readout"
                } else {
                    "LATE: more than 24 h after the readout"
                },
                d.superseded_by
                    .as_ref()
                    .map(|b| format!("; superseded by {}", txt(b)))
                    .unwrap_or_default(),
                if checks.is_empty() {
                    "none".into()
                } else {
                    checks.join(", ")
                },
                if !v.incomplete {
                    String::new()
                } else {
                    format!("\n- Missing for approval: {}", txt(&v.missing.join("; ")))
                }
            );
        }
    }
    s
}

/// An Expand outcome in a sentence from the data: its guardrails when a
/// decision names them, else the value and unit cost it must hold.
pub(crate) fn outcome_words(p: &Pack, id: &str, targets: &[String]) -> String {
    let generic = targets.iter().all(|t| t.starts_with("hold every traffic light"));
    if !generic {
        let words: Vec<String> = targets
            .iter()
            .map(|t| capcall_core::decision::guardrail_label(t))
            .collect();
        return format!("Hold the guardrails {}", words.join("; "));
    }
    let ev = value_evidence(p, id);
    let (last, target, value) = (ev.quarter, ev.target, ev.mean_delta);
    let mut parts = vec![];
    match (target, value) {
        (Some(t), Some(v)) => parts.push(format!(
            "keep the KPI at or above its target of {} ({} in {})",
            trimmed(t, 1),
            trimmed(v, 1),
            last.label()
        )),
        (Some(t), None) => parts.push(format!("reach the KPI target of {}", trimmed(t, 1))),
        _ => parts.push("measure the KPI against a target".into()),
    }
    if let Some(u) = p
        .ucr_changes
        .get(id)
        .and_then(|q| q.ucr.map(|u| (u, q.quarter.clone())))
    {
        parts.push(format!(
            "keep unit cost at or below ${} per unit ({})",
            fmt_ucr(u.0),
            u.1
        ));
    }
    let mut sentence = parts.join(" and ");
    if let Some(f) = sentence.get(0..1) {
        sentence = f.to_uppercase() + &sentence[1..];
    }
    format!("{sentence}; re-scored at the next readout")
}

/// The capital call in words: one figure, or both labelled (Markdown).
fn call_words(p: &Pack) -> String {
    let st = &p.story;
    if st.shortfall {
        format!(
            "Capital call **{}** within the envelope (budgets {}), or **{}** fully funded (budgets {})",
            usd(st.within_envelope.capital_call_usd),
            usd(st.within_envelope.new_budget_usd),
            usd(st.fully_funded.capital_call_usd),
            usd(st.fully_funded.new_budget_usd)
        )
    } else {
        format!(
            "Next capital call **{}** funds every Expand ask",
            usd(st.within_envelope.capital_call_usd)
        )
    }
}

/// [`call_words`] as plain text.
pub(crate) fn call_plain(p: &Pack) -> String {
    call_words(p).replace("**", "")
}

/// The next-90 plan document.
pub fn plan_md(p: &Pack) -> String {
    let pl = &p.plan;
    let mut s = format!("# {}{}\n\n", txt(&pl.title), if p.draft { " (DRAFT)" } else { "" });
    s.push_str(draft_banner(p));
    let _ = writeln!(
        s,
        "Built from scenario **{}** (rubric v{}, data as of {}){}. {}; reallocated {}.\n",
        txt(&pl.scenario),
        pl.rubric_version,
        pl.as_of,
        p.approved_at
            .as_ref()
            .map(|a| format!(", approved {a}"))
            .unwrap_or_default(),
        call_words(p),
        usd(pl.totals.reallocated_usd)
    );
    s.push_str("## Outcomes\n\n| Use case | Targets | Projected value |\n|---|---|---:|\n");
    for o in &pl.outcomes {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            cell(&o.name),
            cell(&outcome_words(p, &o.use_case, &o.targets)),
            usd(o.projected_value)
        );
    }
    s.push_str("\n## Milestones\n\n| Date | Milestone | Owner | Source |\n|---|---|---|---|\n");
    for m in &pl.milestones {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            m.date,
            cell(&milestone_name(p, &m.name)),
            cell(&m.owner),
            cell(&m.decision)
        );
    }
    s.push_str("\n## Waves\n\n| Wave | Continuing use cases | Budget next quarter | Change |\n|---|---|---:|---:|\n");
    for w in &pl.waves {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            w.wave,
            cell(&w.use_cases.join(", ")),
            usd(w.new_budget_usd),
            usd(w.delta_usd)
        );
    }
    s.push_str("\n## Enablement boosts\n\n");
    if pl.enablement.is_empty() {
        s.push_str("None funded.\n");
    }
    for b in &pl.enablement {
        let _ = writeln!(
            s,
            "- **{}**: +{} (projected value {})",
            txt(&b.name),
            usd(b.amount_usd),
            usd(b.projected_value)
        );
    }
    s.push_str("\n## Risk work-offs\n\n| Use case | Issues | Owner | Due |\n|---|---|---|---|\n");
    for w in &pl.workoffs {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            cell(&w.name),
            cell(&w.issues.join("; ")),
            cell(&w.owner),
            w.due
        );
    }
    s.push_str("\n## Retirements\n\n");
    for r in &pl.retirements {
        let _ = writeln!(
            s,
            "- **{}**: sunset {}, frees {}",
            txt(&r.name),
            r.sunset,
            usd(r.freed_usd)
        );
    }
    s.push_str("\n## Dashboards\n\n");
    if pl.dashboards.is_empty() {
        s.push_str("- Capcall portfolio board (this portfolio file)\n");
    }
    for d in &pl.dashboards {
        let d = txt(d);
        let _ = writeln!(s, "- [{d}]({d})");
    }
    s.push_str("\n## Review cadence\n\n");
    for r in &pl.cadence {
        let _ = writeln!(s, "- **{}**: {}", txt(&r.name), txt(&r.when));
    }
    s
}

/// Per use case old/new budget and delta within the envelope, then the
/// fully funded new budget and delta (equal when the envelope funds every
/// ask), then a CAPITAL_CALL row (the two calls in the new-budget columns)
/// and the TOTAL row last, all from [`crate::Story`].
/// Plain decimals (a machine format: no separators).
pub fn budgets_csv(p: &Pack) -> String {
    let mut s = String::from(
        "use_case,name,path,old_budget_usd,new_budget_usd,delta_usd,fully_funded_new_budget_usd,fully_funded_delta_usd\n",
    );
    let st = &p.story;
    for b in &st.budgets {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            csv_field(&b.use_case),
            csv_field(&b.name),
            b.path.as_str().to_ascii_lowercase(),
            csv_field(&b.old_budget_usd.to_string()),
            csv_field(&b.new_budget_usd.to_string()),
            csv_field(&b.delta_usd.to_string()),
            csv_field(&b.fully_funded_new_budget_usd.to_string()),
            csv_field(&b.fully_funded_delta_usd.to_string())
        );
    }
    let draft = if p.draft { "DRAFT" } else { "" };
    let _ = writeln!(
        s,
        "CAPITAL_CALL,{draft},,,{},,{},",
        st.within_envelope.capital_call_usd, st.fully_funded.capital_call_usd
    );
    let _ = writeln!(
        s,
        "TOTAL,{draft},,{},{},{},{},{}",
        st.old_budget_usd,
        st.within_envelope.new_budget_usd,
        st.within_envelope.delta_usd,
        st.fully_funded.new_budget_usd,
        st.fully_funded.delta_usd
    );
    s
}

/// One CSV cell: neutralised against formula injection (the OWASP rule,
/// `capcall_core::format::csv_formula_safe`; plain numbers unchanged), then
/// quoted when it holds a comma, quote or line break (RFC 4180).
fn csv_field(v: &str) -> String {
    let v = csv_formula_safe(v);
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.into_owned()
    }
}

/// The whole plan with budgets and decisions; money as strings.
pub fn plan_json(p: &Pack) -> String {
    let doc = serde_json::json!({
        "schema_version": capcall_core::plan::SCHEMA_VERSION,
        "status": if p.draft { "DRAFT" } else { "approved" },
        "approved_at": p.approved_at,
        "plan": p.plan,
        "budgets": p.story.budgets,
        "funding": serde_json::json!({
            "envelope_funds_every_ask": !p.story.shortfall,
            "old_budget_usd": p.story.old_budget_usd,
            "within_envelope": p.story.within_envelope,
            "fully_funded": p.story.fully_funded,
        }),
        "decisions": p.decisions().collect::<Vec<_>>(),
        "audit_digest": p.audit_digest,
        "accepted_gaps": p.accepted_gaps,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

pub fn ceo_note(p: &Pack) -> String {
    let t = &p.plan.totals;
    let st = &p.story;
    let names = |path: Path| -> Vec<&str> {
        st.budgets
            .iter()
            .filter(|b| b.path == path)
            .map(|b| b.name.as_str())
            .collect()
    };
    let (expand, retire) = (names(Path::Expand), names(Path::Retire));
    let mut s = String::from("# CEO note (draft for review)\n\n");
    s.push_str(draft_banner(p));
    let _ = writeln!(
        s,
        "Team,\n\nWe reviewed every AI use case against our traffic-light rubric with data through {}. \
         We will expand {} ({}), hold {} while their gaps are fixed within {} days, and retire {} ({}).\n",
        p.plan.as_of,
        t.expand_count,
        md_text(&expand.join(", ")),
        t.hold_count,
        p.rubric.workoff_days(),
        t.retire_count,
        md_text(&retire.join(", "))
    );
    if st.shortfall {
        let _ = writeln!(
            s,
            "Retirements free {}. Within the envelope we ask the board for a capital call of {}, \
             which leaves {} of expansion asks unfunded (next-quarter budgets {}). \
             Funding every expansion in full needs a capital call of {} (next-quarter budgets {}). \
             The board chooses between the two. Within the envelope we expect {} of value, \
             and our unit cost to move from {} to {} USD per unit.\n",
            usd(t.freed_usd),
            usd(st.within_envelope.capital_call_usd),
            usd(t.unfunded_asks_usd),
            usd(st.within_envelope.new_budget_usd),
            usd(st.fully_funded.capital_call_usd),
            usd(st.fully_funded.new_budget_usd),
            usd_of(t.projected_value),
            ucr_or_unknown(t.current_ucr),
            ucr_or_unknown(t.projected_ucr)
        );
    } else {
        let _ = writeln!(
            s,
            "Retirements free {} that we move to the highest-return paths. To fund every expansion in full we are asking the board for a capital call of {} (next-quarter budgets {}). \
             We expect {} of value from the reallocated dollars, and our unit cost to move from {} to {} USD per unit.\n",
            usd(t.freed_usd),
            usd(st.within_envelope.capital_call_usd),
            usd(st.within_envelope.new_budget_usd),
            usd_of(t.projected_value),
            ucr_or_unknown(t.current_ucr),
            ucr_or_unknown(t.projected_ucr)
        );
    }
    let flags = red_flags(p);
    if flags.is_empty() {
        let _ = writeln!(
            s,
            "No red flags as of {}: no red safety evals, privacy incidents, chronic SLO breaches or over-budget use cases. \
             Every expansion carries SLO, safety and unit-cost guardrails that we review weekly.",
            p.plan.as_of
        );
    } else {
        s.push_str("Red flags the board should know about:\n\n");
        for f in &flags {
            let _ = writeln!(s, "- {}", md_text(f));
        }
        s.push_str(
            "\nEach has an owner and a work-off or retirement in the next-90 plan; we review the guardrails weekly.\n",
        );
    }
    s
}

pub fn elt_bullets(p: &Pack) -> String {
    let t = &p.plan.totals;
    let st = &p.story;
    let mut s = String::from("# ELT bullets\n\n");
    s.push_str(draft_banner(p));
    if st.shortfall {
        let _ = writeln!(
            s,
            "- Capital call within the envelope: {} (budgets next quarter {}); fully funded: {} (budgets {}); envelope shortfall {}",
            usd(st.within_envelope.capital_call_usd),
            usd(st.within_envelope.new_budget_usd),
            usd(st.fully_funded.capital_call_usd),
            usd(st.fully_funded.new_budget_usd),
            usd(t.envelope_shortfall_usd)
        );
    } else {
        let _ = writeln!(
            s,
            "- Capital call: {} funds every Expand ask (budgets next quarter {})",
            usd(st.within_envelope.capital_call_usd),
            usd(st.within_envelope.new_budget_usd)
        );
    }
    let _ = writeln!(
        s,
        "- Reallocated {} from {} retirements; reserve {}",
        usd(t.reallocated_usd),
        t.retire_count,
        usd(t.reserve_usd)
    );
    let _ = writeln!(
        s,
        "- Decisions: {} Expand, {} Hold, {} Retire",
        t.expand_count, t.hold_count, t.retire_count
    );
    for f in red_flags(p) {
        let _ = writeln!(s, "- Red flag: {}", md_text(&f));
    }
    for m in p.plan.milestones.iter().take(5) {
        let _ = writeln!(
            s,
            "- {}: {} ({})",
            m.date,
            md_text(&milestone_name(p, &m.name)),
            md_text(&m.owner)
        );
    }
    let _ = writeln!(
        s,
        "- {} risk work-offs due within {} days; owners named in the next-90 plan",
        p.plan.workoffs.len(),
        p.rubric.workoff_days()
    );
    s
}

/// Stories safe to share with customers: outcomes and quality, no budgets,
/// no internal cost figures.
pub fn customer_stories(p: &Pack) -> String {
    let mut s = String::from("# Customer-safe stories\n\n");
    s.push_str(draft_banner(p));
    s.push_str("Approved for external use once reviewed by Comms. Contains no internal budgets or costs.\n\n");
    for l in sorted_lines(p).into_iter().filter(|l| l.path == Path::Expand) {
        let quality = [
            Dimension::Value,
            Dimension::Slos,
            Dimension::Safety,
            Dimension::Adoption,
        ]
        .iter()
        .filter(|d| dim(p, &l.use_case, **d).is_some_and(|x| x.verdict == Verdict::Expand))
        .map(|d| match d {
            Dimension::Value => "it meets its outcome target with statistically significant results",
            Dimension::Slos => "it runs within its service levels with headroom",
            Dimension::Safety => "its safety evaluations are green",
            _ => "people use it daily and most tasks succeed",
        })
        .collect::<Vec<_>>();
        let _ = writeln!(
            s,
            "## {}\n\nWe are expanding {} because {}.\n",
            txt(name_of(p, &l.use_case)),
            txt(&l.name),
            if quality.is_empty() {
                "it is delivering for the people who use it".into()
            } else {
                quality.join(", ")
            }
        );
    }
    s
}

#[cfg(test)]
mod chart_tests {
    use super::nice_step;
    use rust_decimal::Decimal;

    #[test]
    fn gridline_steps_are_round_numbers_at_least_the_raw_step() {
        for (raw, step) in [
            ("0.0028756", "0.005"),
            ("0.002", "0.002"),
            ("0.0021", "0.0025"),
            ("3", "5"),
            ("7.5", "10"),
            ("120", "200"),
            ("0.00000041", "0.0000005"),
        ] {
            let raw: Decimal = raw.parse().unwrap();
            assert_eq!(nice_step(raw).normalize().to_string(), step, "step for {raw}");
            assert!(nice_step(raw) >= raw);
        }
    }
}
