//! The renderers: one function per file of the pack.

use std::fmt::Write as _;

use capcall_core::decision::{to_yaml, Status};
use capcall_core::format::{csv_formula_safe, md_cell, md_text};
use capcall_core::money::Planned;
use capcall_core::rubric::{Dimension, Path, Verdict};
use capcall_core::scenario::display_order;
use capcall_core::ucr::{fmt_pct, fmt_ucr, pct_change};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::pdf::{self, Page};
use crate::Pack;

/// `$1,234,567.89` (the export money rule).
pub fn usd(m: Planned) -> String {
    let g = m.display_grouped();
    match g.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${g}"),
    }
}

fn value_usd(d: Decimal) -> String {
    Planned::round_from(d).map(usd).unwrap_or_else(|_| d.to_string())
}

fn ucr(d: Option<Decimal>) -> String {
    d.map(fmt_ucr).unwrap_or_else(|| "unknown".into())
}

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

fn sorted_lines(p: &Pack) -> Vec<&capcall_core::scenario::LineResult> {
    let mut v: Vec<_> = p.lines.iter().collect();
    v.sort_by(|a, b| display_order(a, b));
    v
}

fn dim<'a>(p: &'a Pack, id: &str, d: Dimension) -> Option<&'a capcall_core::rubric::DimensionScore> {
    p.scores.iter().find(|s| s.use_case == id).map(|s| s.dimension(d))
}

/// Marp slides for the readout agenda.
pub fn readout_md(p: &Pack) -> String {
    let pl = &p.plan;
    let t = &pl.totals;
    let mut s = String::new();
    let draft = if p.draft { " (DRAFT)" } else { "" };
    let _ = writeln!(
        s,
        "---\nmarp: true\ntheme: default\npaginate: true\ntitle: Executive Scale Readout{draft}\n---\n"
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
    s.push_str("---\n\n## The ask\n\n");
    let _ = writeln!(
        s,
        "- **Next capital call: {}** funds every Expand path in full",
        usd(t.next_capital_call_usd)
    );
    let _ = writeln!(
        s,
        "- Retiring {} use cases frees **{}** (net of {} decommissioning)",
        t.retire_count,
        usd(t.freed_usd),
        usd(t.decommission_usd)
    );
    let _ = writeln!(
        s,
        "- Reallocated to Expand: **{}** of {} asked; reserve {}",
        usd(t.reallocated_usd),
        usd(t.requested_usd),
        usd(t.reserve_usd)
    );
    let _ = writeln!(
        s,
        "- Projected value: **{}**; portfolio UCR {} → {} USD/unit\n",
        value_usd(t.projected_value),
        ucr(t.current_ucr),
        ucr(t.projected_ucr)
    );
    s.push_str("---\n\n## Value realized\n\n| Use case | Value | Evidence (last quarter) |\n|---|---|---|\n");
    for l in sorted_lines(p) {
        if let Some(d) = dim(p, &l.use_case, Dimension::Value) {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                cell(&l.name),
                d.verdict.as_str(),
                cell(&d.explanation)
            );
        }
    }
    s.push_str("\n---\n\n## SLO adherence\n\n| Use case | SLOs | Trailing 90 days |\n|---|---|---|\n");
    for l in sorted_lines(p) {
        if let Some(d) = dim(p, &l.use_case, Dimension::Slos) {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                cell(&l.name),
                d.verdict.as_str(),
                cell(&d.explanation)
            );
        }
    }
    s.push_str("\n---\n\n## Incident summary\n\n");
    let mut any = false;
    for l in sorted_lines(p) {
        let safety = dim(p, &l.use_case, Dimension::Safety);
        let slos = dim(p, &l.use_case, Dimension::Slos);
        if let Some(d) = safety.filter(|d| d.verdict != Verdict::Expand) {
            any = true;
            let _ = writeln!(
                s,
                "- **{}** — safety {}: {}",
                txt(&l.name),
                d.verdict.as_str(),
                txt(&d.explanation)
            );
        }
        if let Some(d) = slos.filter(|d| d.verdict == Verdict::Retire) {
            any = true;
            let _ = writeln!(
                s,
                "- **{}** — chronic SLO breaches: {}",
                txt(&l.name),
                txt(&d.explanation)
            );
        }
    }
    if !any {
        s.push_str("- No safety or SLO incidents in the trailing 90 days.\n");
    }
    s.push_str("\n---\n\n## UCR trend\n\n![Portfolio UCR by quarter](ucr_trend.svg)\n\n| Quarter | UCR (USD/unit) | q/q |\n|---|---:|---:|\n");
    let mut prev = None;
    for q in &p.ucr_trend {
        let change = pct_change(prev, q.ucr).map(fmt_pct).unwrap_or_else(|| "—".into());
        let _ = writeln!(s, "| {} | {} | {} |", q.period, ucr(q.ucr), change);
        prev = q.ucr;
    }
    s.push_str("\n---\n\n## Decisions: Expand / Hold / Retire\n\n| Path | Use case | Budget now | Next quarter | Change |\n|---|---|---:|---:|---:|\n");
    for l in sorted_lines(p) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            l.path.as_str(),
            cell(&l.name),
            usd(l.old_budget_usd),
            usd(l.new_budget_usd),
            usd(l.delta_usd)
        );
    }
    let _ = writeln!(
        s,
        "| | **Total** | **{}** | **{}** | **{}** |",
        usd(t.old_budget_usd),
        usd(t.new_budget_usd),
        usd(t.delta_usd)
    );
    let logged: Vec<_> = p.decisions().filter(|d| d.status == Status::Approved).collect();
    if !logged.is_empty() {
        s.push_str("\nLogged decisions: ");
        s.push_str(
            &logged
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
                .join("; "),
        );
        s.push('\n');
    }
    s.push_str("\n---\n\n## Next 90 days\n\n");
    for m in pl.milestones.iter().take(8) {
        let _ = writeln!(s, "- {} — {} ({})", m.date, txt(&m.name), txt(&m.owner));
    }
    let _ = writeln!(
        s,
        "- {} risk work-offs due by {}",
        pl.workoffs.len(),
        pl.workoffs
            .iter()
            .map(|w| w.due)
            .max()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into())
    );
    for r in &pl.cadence {
        let _ = writeln!(s, "- {}: {}", txt(&r.name), txt(&r.when));
    }
    s.push_str("\n---\n\n## Evidence\n\n");
    let mut evidence: Vec<(&str, &str)> = p
        .decisions()
        .flat_map(|d| d.evidence.iter().map(move |e| (d.id.as_str(), e.as_str())))
        .collect();
    evidence.sort();
    evidence.dedup();
    if evidence.is_empty() {
        s.push_str("- No evidence logged yet.\n");
    }
    for (id, e) in evidence {
        let (e, id) = (txt(e), txt(id));
        let _ = writeln!(s, "- [{e}]({e}) ({id})");
    }
    s
}

/// The portfolio UCR by quarter as an SVG line chart. Coordinates are
/// computed in exact decimals and printed with 1 decimal.
pub fn ucr_svg(p: &Pack) -> String {
    let pts: Vec<(&str, Decimal)> = p
        .ucr_trend
        .iter()
        .filter_map(|q| q.ucr.map(|u| (q.period.as_str(), u)))
        .collect();
    let (w, h, left, right, top, bottom) = (720, 320, 80, 20, 40, 50);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n<text x=\"{left}\" y=\"24\" font-size=\"15\" font-weight=\"bold\" fill=\"#0f172a\">Portfolio UCR by quarter (USD per unit){}</text>\n",
        if p.draft { " — DRAFT" } else { "" }
    );
    if pts.is_empty() {
        s.push_str("<text x=\"80\" y=\"160\">No UCR data</text>\n</svg>\n");
        return s;
    }
    let max = pts.iter().map(|p| p.1).max().unwrap_or(Decimal::ONE);
    let min = pts.iter().map(|p| p.1).min().unwrap_or(Decimal::ZERO);
    let span = if max > min { max - min } else { Decimal::ONE };
    let plot_w = Decimal::from(w - left - right);
    let plot_h = Decimal::from(h - top - bottom);
    let n = Decimal::from((pts.len().max(2) - 1) as i64);
    let xy = |i: usize, v: Decimal| {
        let x = Decimal::from(left) + plot_w * Decimal::from(i as i64) / n;
        let y = Decimal::from(top) + plot_h * (max - v) / span;
        (x.round_dp(1), y.round_dp(1))
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
    for (label, v) in [(fmt_ucr(max), max), (fmt_ucr(min), min)] {
        let (_, y) = xy(0, v);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\" fill=\"#475569\">{label}</text>",
            left - 8
        );
    }
    let path: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let (x, y) = xy(i, *v);
            format!("{x},{y}")
        })
        .collect();
    let _ = writeln!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#0284c7\" stroke-width=\"2.5\"/>",
        path.join(" ")
    );
    for (i, (label, v)) in pts.iter().enumerate() {
        let (x, y) = xy(i, *v);
        let _ = writeln!(s, "<circle cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"#0284c7\"/>");
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#475569\">{label}</text>",
            h - bottom + 18
        );
    }
    s.push_str("</svg>\n");
    s
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
                if v.missing.is_empty() || status != Status::Draft && status != Status::Proposed {
                    String::new()
                } else {
                    format!("\n- Missing for approval: {}", txt(&v.missing.join("; ")))
                }
            );
        }
    }
    s
}

/// The next-90 plan document.
pub fn plan_md(p: &Pack) -> String {
    let pl = &p.plan;
    let mut s = format!("# {}{}\n\n", txt(&pl.title), if p.draft { " (DRAFT)" } else { "" });
    s.push_str(draft_banner(p));
    let _ = writeln!(
        s,
        "Built from scenario **{}** (rubric v{}, data as of {}){}. Next capital call **{}**; reallocated {}.\n",
        txt(&pl.scenario),
        pl.rubric_version,
        pl.as_of,
        p.approved_at
            .as_ref()
            .map(|a| format!(", approved {a}"))
            .unwrap_or_default(),
        usd(pl.totals.next_capital_call_usd),
        usd(pl.totals.reallocated_usd)
    );
    s.push_str("## Outcomes\n\n| Use case | Targets | Projected value |\n|---|---|---:|\n");
    for o in &pl.outcomes {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            cell(&o.name),
            cell(&o.targets.join("; ")),
            usd(o.projected_value)
        );
    }
    s.push_str("\n## Milestones\n\n| Date | Milestone | Owner | Source |\n|---|---|---|---|\n");
    for m in &pl.milestones {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            m.date,
            cell(&m.name),
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

/// Per use case old/new budget and delta, then a TOTAL row equal to the
/// scenario's totals. Plain decimals (a machine format: no separators).
pub fn budgets_csv(p: &Pack) -> String {
    let mut s = String::from("use_case,name,path,old_budget_usd,new_budget_usd,delta_usd\n");
    for l in sorted_lines(p) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{}",
            csv_field(&l.use_case),
            csv_field(&l.name),
            l.path.as_str().to_ascii_lowercase(),
            csv_field(&l.old_budget_usd.to_string()),
            csv_field(&l.new_budget_usd.to_string()),
            csv_field(&l.delta_usd.to_string())
        );
    }
    let t = &p.plan.totals;
    let _ = writeln!(
        s,
        "TOTAL,{},,{},{},{}",
        if p.draft { "DRAFT" } else { "" },
        csv_field(&t.old_budget_usd.to_string()),
        csv_field(&t.new_budget_usd.to_string()),
        csv_field(&t.delta_usd.to_string())
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
    #[derive(serde::Serialize)]
    struct Budget<'a> {
        use_case: &'a str,
        name: &'a str,
        path: Path,
        old_budget_usd: Planned,
        new_budget_usd: Planned,
        delta_usd: Planned,
    }
    let doc = serde_json::json!({
        "schema_version": capcall_core::plan::SCHEMA_VERSION,
        "status": if p.draft { "DRAFT" } else { "approved" },
        "approved_at": p.approved_at,
        "plan": p.plan,
        "budgets": sorted_lines(p).into_iter().map(|l| Budget { use_case: &l.use_case, name: &l.name, path: l.path, old_budget_usd: l.old_budget_usd, new_budget_usd: l.new_budget_usd, delta_usd: l.delta_usd }).collect::<Vec<_>>(),
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
    let expand: Vec<&str> = sorted_lines(p)
        .into_iter()
        .filter(|l| l.path == Path::Expand)
        .map(|l| l.name.as_str())
        .collect();
    let retire: Vec<&str> = sorted_lines(p)
        .into_iter()
        .filter(|l| l.path == Path::Retire)
        .map(|l| l.name.as_str())
        .collect();
    let mut s = String::from("# CEO note (draft for review)\n\n");
    s.push_str(draft_banner(p));
    let _ = writeln!(
        s,
        "Team,\n\nWe reviewed every AI use case against our traffic-light rubric with data through {}. \
         We will expand {} ({}), hold {} while their gaps are fixed within 30 days, and retire {} ({}).\n",
        p.plan.as_of,
        t.expand_count,
        md_text(&expand.join(", ")),
        t.hold_count,
        t.retire_count,
        md_text(&retire.join(", "))
    );
    let _ = writeln!(
        s,
        "Retirements free {} that we move to the highest-return paths. To fund every expansion in full we are asking the board for a capital call of {}. \
         We expect {} of value from the reallocated dollars, and our unit cost to move from {} to {} USD per request.\n",
        usd(t.freed_usd),
        usd(t.next_capital_call_usd),
        value_usd(t.projected_value),
        ucr(t.current_ucr),
        ucr(t.projected_ucr)
    );
    s.push_str("Scale did not compromise our guardrails: every expansion carries SLO, safety and unit-cost guardrails that we review weekly.\n");
    s
}

pub fn elt_bullets(p: &Pack) -> String {
    let t = &p.plan.totals;
    let mut s = String::from("# ELT bullets\n\n");
    s.push_str(draft_banner(p));
    let _ = writeln!(
        s,
        "- Capital call: {} (envelope shortfall {})",
        usd(t.next_capital_call_usd),
        usd(t.envelope_shortfall_usd)
    );
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
    for m in p.plan.milestones.iter().take(5) {
        let _ = writeln!(s, "- {}: {} ({})", m.date, md_text(&m.name), md_text(&m.owner));
    }
    let _ = writeln!(
        s,
        "- {} risk work-offs due within 30 days; owners named in the next-90 plan",
        p.plan.workoffs.len()
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

/// The readout paper: title page, tables, the UCR chart.
pub fn readout_pdf(p: &Pack) -> Vec<u8> {
    let pl = &p.plan;
    let t = &pl.totals;
    let mut pages = vec![];
    let draft = if p.draft { " — DRAFT" } else { "" };
    // Title page.
    let mut pg = Page::new();
    pg.rect_fill(0.0, 742.0, 595.0, 100.0, (0.06, 0.09, 0.16));
    pg.text_white(50.0, 790.0, 24.0, true, &format!("Executive Scale Readout{draft}"));
    pg.text(50.0, 700.0, 14.0, false, "Wave performance and the next capital call");
    pg.text(
        50.0,
        670.0,
        11.0,
        false,
        &format!(
            "Data as of {} · plan for {} to {}",
            pl.as_of, pl.quarter_start, pl.quarter_end
        ),
    );
    pg.text(
        50.0,
        652.0,
        11.0,
        false,
        &format!("Scenario {} · rubric traffic-light v{}", pl.scenario, pl.rubric_version),
    );
    let mut y = 600.0;
    pg.text(50.0, y, 13.0, true, "Totals");
    y -= 22.0;
    for (k, v) in [
        ("Next capital call", usd(t.next_capital_call_usd)),
        ("Freed by retirements (net)", usd(t.freed_usd)),
        ("Decommission costs", usd(t.decommission_usd)),
        ("Envelope (new money)", usd(t.envelope_usd)),
        ("Reserve", usd(t.reserve_usd)),
        ("Reallocated to Expand", usd(t.reallocated_usd)),
        ("Expand asks after caps", usd(t.requested_usd)),
        ("Budget this quarter", usd(t.old_budget_usd)),
        ("Budget next quarter", usd(t.new_budget_usd)),
        ("Projected value", value_usd(t.projected_value)),
    ] {
        pg.text(60.0, y, 11.0, k == "Next capital call", k);
        pg.text_right(400.0, y, 11.0, k == "Next capital call", &v);
        pg.line(60.0, y - 5.0, 400.0, y - 5.0, 0.3, 0.85);
        y -= 20.0;
    }
    pg.text(
        60.0,
        y - 10.0,
        11.0,
        false,
        &format!(
            "Portfolio UCR {} -> {} USD per unit",
            ucr(t.current_ucr),
            ucr(t.projected_ucr)
        ),
    );
    pages.push(pg);
    // Budgets table.
    let mut pg = Page::new();
    pg.text(50.0, 790.0, 16.0, true, &format!("Decisions and budgets{draft}"));
    let mut y = 760.0;
    let cols = [(50.0, "Path"), (100.0, "Use case")];
    for (x, h) in cols {
        pg.text(x, y, 9.0, true, h);
    }
    for (x, h) in [(400.0, "Budget now"), (475.0, "Next quarter"), (545.0, "Change")] {
        pg.text_right(x, y, 9.0, true, h);
    }
    pg.line(50.0, y - 4.0, 545.0, y - 4.0, 0.6, 0.4);
    y -= 16.0;
    for l in sorted_lines(p) {
        pg.text(50.0, y, 9.0, false, l.path.as_str());
        pg.text(100.0, y, 9.0, false, &l.name);
        pg.text_right(400.0, y, 9.0, false, &usd(l.old_budget_usd));
        pg.text_right(475.0, y, 9.0, false, &usd(l.new_budget_usd));
        pg.text_right(545.0, y, 9.0, false, &usd(l.delta_usd));
        y -= 14.0;
    }
    pg.line(50.0, y + 10.0, 545.0, y + 10.0, 0.6, 0.4);
    pg.text(100.0, y, 9.0, true, "Total");
    pg.text_right(400.0, y, 9.0, true, &usd(t.old_budget_usd));
    pg.text_right(475.0, y, 9.0, true, &usd(t.new_budget_usd));
    pg.text_right(545.0, y, 9.0, true, &usd(t.delta_usd));
    y -= 36.0;
    pg.text(50.0, y, 13.0, true, "Decision log");
    y -= 18.0;
    for d in p.decisions() {
        pg.text(
            50.0,
            y,
            9.0,
            false,
            &format!(
                "{}  {}  [{}]  owner {}  {}",
                d.id,
                d.title,
                d.status.as_str(),
                d.owner,
                d.budget_usd.map(usd).unwrap_or_default()
            ),
        );
        y -= 13.0;
        if y < 60.0 {
            break;
        }
    }
    pages.push(pg);
    // UCR chart and plan highlights.
    let mut pg = Page::new();
    pg.text(50.0, 790.0, 16.0, true, &format!("UCR trend and next 90 days{draft}"));
    let pts: Vec<(&str, Decimal)> = p
        .ucr_trend
        .iter()
        .filter_map(|q| q.ucr.map(|u| (q.period.as_str(), u)))
        .collect();
    let (cx, cy, cw, ch) = (80.0f32, 520.0f32, 460.0f32, 220.0f32);
    pg.line(cx, cy, cx + cw, cy, 0.8, 0.5);
    pg.line(cx, cy, cx, cy + ch, 0.8, 0.5);
    if !pts.is_empty() {
        let max = pts.iter().map(|p| p.1).max().unwrap_or(Decimal::ONE);
        let min = pts.iter().map(|p| p.1).min().unwrap_or(Decimal::ZERO);
        let span = if max > min { max - min } else { Decimal::ONE };
        let n = Decimal::from((pts.len().max(2) - 1) as i64);
        let px = |i: usize, v: Decimal| -> (f32, f32) {
            let fx = (Decimal::from(i as i64) / n).to_f32().unwrap_or(0.0);
            let fy = ((v - min) / span).to_f32().unwrap_or(0.0);
            (cx + fx * cw, cy + 10.0 + fy * (ch - 20.0))
        };
        let line: Vec<(f32, f32)> = pts.iter().enumerate().map(|(i, (_, v))| px(i, *v)).collect();
        pg.polyline(&line, 2.0, (0.01, 0.52, 0.78));
        for (i, (label, v)) in pts.iter().enumerate() {
            let (x, y) = px(i, *v);
            pg.text(x - 18.0, cy - 14.0, 8.0, false, label);
            pg.text(x - 14.0, y + 6.0, 7.0, false, &fmt_ucr(*v));
        }
        pg.text(cx, cy + ch + 10.0, 9.0, true, "Portfolio UCR by quarter (USD per unit)");
    }
    let mut y = 460.0;
    pg.text(50.0, y, 13.0, true, "Milestones");
    y -= 16.0;
    for m in pl.milestones.iter().take(14) {
        pg.text(60.0, y, 9.0, false, &format!("{}  {}  ({})", m.date, m.name, m.owner));
        y -= 13.0;
    }
    y -= 10.0;
    pg.text(50.0, y, 13.0, true, "Review cadence");
    y -= 16.0;
    for r in &pl.cadence {
        pg.text(60.0, y, 9.0, false, &format!("{}: {}", r.name, r.when));
        y -= 13.0;
    }
    pages.push(pg);
    // Every page carries the audit trail's digest: `capcall audit verify
    // --against LENGTH:HASH` proves the trail still extends it.
    let n = pages.len();
    for (i, pg) in pages.iter_mut().enumerate() {
        pg.text(
            50.0,
            24.0,
            7.0,
            false,
            &format!("Audit trail digest {} · page {} of {n}", p.audit_digest, i + 1),
        );
    }
    pdf::document(&format!("Executive Scale Readout{draft}"), &pages)
}
