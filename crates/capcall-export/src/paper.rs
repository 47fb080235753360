//! The board paper (PDF): the data the Typst template
//! `templates/board-paper.typ` lays out, as JSON.
//!
//! Every figure and sentence is formatted here, from the same [`Pack`] and
//! the same sentence helpers as the slides (money from [`crate::Story`]), so
//! the PDF tells the slides' story. The template only lays text out: user
//! text reaches Typst as JSON strings, never as Typst source, so a name such
//! as `#eval("…")` or `*bold*` prints as written.

use capcall_core::decision::Status;
use capcall_core::format::{ucr as fmt_ucr, ucr_or_unknown, usd, usd_of};
use capcall_core::rubric::{Dimension, Path, Verdict};
use capcall_core::ucr::pct_change;
use serde_json::{json, Value};

use crate::render::{
    call_plain, incident_plain, milestone_name, moved, outcome_words, red_flags, slo_record, slo_sentence,
    sorted_lines, ucr_sentence, ucr_trend_rows, value_sentence,
};
use crate::Pack;

fn verdict(p: &Pack, id: &str, d: Dimension) -> &'static str {
    p.scores
        .iter()
        .find(|s| s.use_case == id)
        .map(|s| s.dimension(d).verdict.as_str())
        .unwrap_or("—")
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The paper's data: everything the template prints, formatted.
pub fn data(p: &Pack) -> Value {
    let pl = &p.plan;
    let t = &pl.totals;
    let st = &p.story;
    let lines = sorted_lines(p);

    // The ask: one column, or both funding views side by side.
    let ask_rows: Vec<Value> = if st.shortfall {
        vec![
            json!([
                "Capital call",
                usd(st.within_envelope.capital_call_usd),
                usd(st.fully_funded.capital_call_usd)
            ]),
            json!([
                "Budget next quarter",
                usd(st.within_envelope.new_budget_usd),
                usd(st.fully_funded.new_budget_usd)
            ]),
            json!([
                "Change vs this quarter",
                usd(st.within_envelope.delta_usd),
                usd(st.fully_funded.delta_usd)
            ]),
            json!(["Expand asks left unfunded", usd(t.unfunded_asks_usd), "$0.00"]),
        ]
    } else {
        vec![
            json!(["Capital call", usd(st.within_envelope.capital_call_usd)]),
            json!(["Budget next quarter", usd(st.within_envelope.new_budget_usd)]),
            json!(["Change vs this quarter", usd(st.within_envelope.delta_usd)]),
        ]
    };
    let ask_intro = if st.shortfall {
        format!(
            "The {} envelope does not fund every Expand ask in full. The board chooses between the two columns.",
            usd(t.envelope_usd)
        )
    } else {
        "The envelope funds every Expand ask in full.".to_string()
    };
    let figures = vec![
        json!(["Budget this quarter", usd(st.old_budget_usd)]),
        json!(["Freed by retirements (net of decommissioning)", usd(t.freed_usd)]),
        json!(["Decommissioning costs", usd(t.decommission_usd)]),
        json!(["Envelope (new money)", usd(t.envelope_usd)]),
        json!([
            if st.shortfall {
                "Reallocated to Expand, within the envelope"
            } else {
                "Reallocated to Expand"
            },
            usd(t.reallocated_usd)
        ]),
        json!(["Expand asks after caps", usd(t.requested_usd)]),
        json!(["Reserve", usd(t.reserve_usd)]),
        json!(["Projected value", usd_of(t.projected_value)]),
        json!([
            "Portfolio UCR now → projected (USD per unit)",
            format!(
                "{} → {}",
                ucr_or_unknown(t.current_ucr),
                ucr_or_unknown(t.projected_ucr)
            )
        ]),
    ];

    // Value and SLO verdicts, counted over the use cases in the pack.
    let tally = |d: Dimension| {
        let mut c = [0usize; 4];
        for l in &lines {
            if let Some(s) = p.scores.iter().find(|s| s.use_case == l.use_case) {
                let i = match s.dimension(d).verdict {
                    Verdict::Expand => 0,
                    Verdict::Hold => 1,
                    Verdict::Retire => 2,
                    Verdict::Opaque => 3,
                };
                c[i] += 1;
            }
        }
        c
    };
    let v = tally(Dimension::Value);
    let value_summary = format!(
        "Of {} use cases, {} meet the value bar for Expand, {} are at Hold and {} at Retire on value; {} have no value measurement (opaque).",
        lines.len(),
        v[0],
        v[1],
        v[2],
        v[3]
    );
    let (mut clean, mut breached, mut chronic, mut unknown) = (0, 0, vec![], 0);
    for l in &lines {
        match slo_record(p, &l.use_case) {
            None => unknown += 1,
            Some(r) if r.breaches == 0 => clean += 1,
            Some(r) => {
                breached += 1;
                if r.breaches * 2 > r.periods {
                    chronic.push(format!("{} ({} of {})", l.name, r.breaches, r.periods));
                }
            }
        }
    }
    let mut slo_summary = format!(
        "In the {} days to {}, {} met their SLOs in every reporting period and {} breached at least once",
        p.rubric.slo_window(pl.as_of).days(),
        pl.as_of,
        count(clean, "use case", "use cases"),
        breached
    );
    if unknown > 0 {
        slo_summary.push_str(&format!("; {unknown} report no SLO data"));
    }
    slo_summary.push('.');
    if !chronic.is_empty() {
        slo_summary.push_str(&format!(" Breached in most periods: {}.", chronic.join(", ")));
    }
    let flags = red_flags(p);
    let incidents = incident_plain(p);
    let incident_summary = if flags.is_empty() && incidents.is_empty() {
        format!(
            "No incidents, red safety evals, privacy incidents, chronic SLO breaches or over-budget use cases to {}.",
            pl.as_of
        )
    } else {
        format!(
            "{} for the board; {} with incidents in the last complete quarter or the quarter so far (section 4).",
            count(flags.len(), "red flag", "red flags"),
            count(incidents.len(), "use case", "use cases")
        )
    };

    // The UCR trend: the last two complete quarters, partial labelled.
    let rows = ucr_trend_rows(p);
    let trend_rows: Vec<Value> = rows.iter().map(|r| json!([r.label, r.ucr, r.change])).collect();
    let complete: Vec<(String, Option<rust_decimal::Decimal>)> = p
        .ucr_trend
        .iter()
        .zip(&rows)
        .filter(|(_, r)| !r.partial)
        .map(|(q, _)| (q.period.clone(), q.ucr))
        .collect();
    let ucr_summary = match complete.as_slice() {
        [.., (pq, Some(a)), (q, Some(b))] => match pct_change(Some(*a), Some(*b)) {
            Some(c) if c.is_zero() => format!("Portfolio UCR held at ${} per unit in {q} (as in {pq}).", fmt_ucr(*b)),
            Some(c) => format!(
                "Portfolio UCR {} quarter on quarter to ${} per unit in {q} (from ${} in {pq}).",
                moved(c),
                fmt_ucr(*b),
                fmt_ucr(*a)
            ),
            None => format!("Portfolio UCR ${} per unit in {q}.", fmt_ucr(*b)),
        },
        [.., (q, Some(b))] => format!(
            "Portfolio UCR ${} per unit in {q}; no earlier quarter to compare.",
            fmt_ucr(*b)
        ),
        _ => "No portfolio UCR measured yet.".to_string(),
    };

    // Decisions by path, with budgets.
    let path_groups: Vec<Value> = [Path::Expand, Path::Hold, Path::Retire]
        .iter()
        .map(|path| {
            let rows: Vec<Value> = st
                .budgets
                .iter()
                .filter(|b| b.path == *path)
                .map(|b| {
                    let why = match path {
                        Path::Expand => value_sentence(p, &b.use_case),
                        Path::Hold => p
                            .plan
                            .workoffs
                            .iter()
                            .find(|w| w.use_case == b.use_case)
                            .map(|w| format!("Work off {} by {} (owner {})", w.issues.join("; "), w.due, w.owner))
                            .unwrap_or_else(|| value_sentence(p, &b.use_case)),
                        // The sentence only: the scenario line's mechanical reason
                        // ("sunset at quarter start: whole quarter freed; frees …")
                        // would repeat it in rubric words.
                        Path::Retire => p
                            .plan
                            .retirements
                            .iter()
                            .find(|r| r.use_case == b.use_case)
                            .map(|r| format!("Sunset {}, frees {}", r.sunset, usd(r.freed_usd)))
                            .unwrap_or_else(|| "Retire".into()),
                    };
                    json!({
                        "name": b.name,
                        "now": usd(b.old_budget_usd),
                        "next": usd(b.new_budget_usd),
                        "third": usd(if st.shortfall { b.fully_funded_new_budget_usd } else { b.delta_usd }),
                        "why": why,
                    })
                })
                .collect();
            json!({
                "path": path.as_str(),
                "count": rows.len(),
                "rows": rows,
            })
        })
        .collect();
    let decision_log: Vec<Value> = p
        .decisions()
        .filter(|d| d.status != Status::Superseded)
        .map(|d| {
            json!({
                "id": d.id,
                "title": d.title,
                "status": d.status.as_str(),
                "owner": d.owner,
                "budget": d.budget_usd.map(usd).unwrap_or_else(|| "—".into()),
            })
        })
        .collect();

    // The budgets table.
    let budget_rows: Vec<Value> = st
        .budgets
        .iter()
        .map(|b| {
            json!([
                b.path.as_str(),
                b.name,
                usd(b.old_budget_usd),
                usd(b.new_budget_usd),
                usd(if st.shortfall {
                    b.fully_funded_new_budget_usd
                } else {
                    b.delta_usd
                })
            ])
        })
        .collect();
    let budget_header = if st.shortfall {
        json!(["Path", "Use case", "Budget now", "Within the envelope", "Fully funded"])
    } else {
        json!(["Path", "Use case", "Budget now", "Next quarter", "Change"])
    };
    let budget_total = json!([
        "",
        "Total",
        usd(st.old_budget_usd),
        usd(st.within_envelope.new_budget_usd),
        usd(if st.shortfall {
            st.fully_funded.new_budget_usd
        } else {
            st.within_envelope.delta_usd
        })
    ]);

    // Value, SLO and incidents, per use case.
    let value_rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!([
                l.name,
                verdict(p, &l.use_case, Dimension::Value),
                format!("{}. {}.", value_sentence(p, &l.use_case), ucr_sentence(p, &l.use_case))
            ])
        })
        .collect();
    let slo_rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!([
                l.name,
                verdict(p, &l.use_case, Dimension::Slos),
                slo_sentence(p, &l.use_case)
            ])
        })
        .collect();

    // The next 90 days.
    let milestones: Vec<Value> = pl
        .milestones
        .iter()
        .map(|m| json!([m.date.to_string(), milestone_name(p, &m.name), m.owner, m.decision]))
        .collect();
    let outcomes: Vec<Value> = pl
        .outcomes
        .iter()
        .map(|o| {
            json!([
                o.name,
                outcome_words(p, &o.use_case, &o.targets),
                usd(o.projected_value)
            ])
        })
        .collect();
    let workoffs: Vec<Value> = pl
        .workoffs
        .iter()
        .map(|w| json!([w.name, w.issues.join("; "), w.owner, w.due.to_string()]))
        .collect();
    let retirements: Vec<Value> = pl
        .retirements
        .iter()
        .map(|r| json!([r.name, r.sunset.to_string(), usd(r.freed_usd)]))
        .collect();
    let enablement: Vec<Value> = pl
        .enablement
        .iter()
        .map(|b| json!([b.name, usd(b.amount_usd), usd(b.projected_value)]))
        .collect();
    let cadence: Vec<Value> = pl.cadence.iter().map(|r| json!([r.name, r.when])).collect();

    // Governance gaps: accepted at approval, or open on a draft.
    let gaps = match (&p.accepted_gaps, &p.open_gaps) {
        (Some(a), _) => json!({
            "intro": format!(
                "{} accepted by {} on {} when the plan was approved: {}",
                count(a.gaps.len(), "open gap", "open gaps"),
                a.accepted_by,
                a.accepted_at,
                a.reason
            ),
            "items": a.gaps.iter().map(|g| g.message.clone()).collect::<Vec<_>>(),
        }),
        (None, Some(g)) if !g.clean => json!({
            "intro": format!(
                "{} open in this draft; the plan cannot be approved until they are closed or accepted with a reason.",
                count(g.gaps.len(), "governance gap", "governance gaps")
            ),
            "items": g.gaps.iter().map(|g| g.message.clone()).collect::<Vec<_>>(),
        }),
        _ => Value::Null,
    };

    // Evidence appendix: per use case, its sentences and logged evidence.
    let evidence: Vec<Value> = lines
        .iter()
        .map(|l| {
            let links: Vec<String> = p
                .decisions()
                .filter(|d| d.use_case.as_deref() == Some(l.use_case.as_str()) && d.status != Status::Superseded)
                .flat_map(|d| d.evidence.iter().map(move |e| format!("{e} ({})", d.id)))
                .collect();
            json!({
                "name": l.name,
                "path": l.path.as_str(),
                "sentences": [
                    format!("{}.", value_sentence(p, &l.use_case)),
                    format!("{}.", ucr_sentence(p, &l.use_case)),
                    format!("{}.", slo_sentence(p, &l.use_case)),
                ],
                "links": links,
            })
        })
        .collect();
    let history: Vec<String> = p
        .use_cases
        .iter()
        .filter(|u| u.status.is_history())
        .map(|u| u.name.clone())
        .collect();

    json!({
        "draft": p.draft,
        "title": "Executive Scale Readout",
        "subtitle": "Wave performance and the next capital call",
        "plan_title": pl.title,
        "meta": [
            ["Data as of", pl.as_of.to_string()],
            ["Plan window", format!("{} to {}", pl.quarter_start, pl.quarter_end)],
            ["Scenario", pl.scenario],
            ["Rubric", format!("traffic-light v{}", pl.rubric_version)],
            ["Status", match &p.approved_at {
                Some(a) if !p.draft => format!("Approved {a}"),
                _ => "DRAFT — not approved; figures may change".to_string(),
            }],
        ],
        "counts": format!("{} Expand · {} Hold · {} Retire", t.expand_count, t.hold_count, t.retire_count),
        "ask": {
            "sentence": call_plain(p),
            "intro": ask_intro,
            "two": st.shortfall,
            "rows": ask_rows,
        },
        "figures": figures,
        "summary": {
            "value": value_summary,
            "slo": slo_summary,
            "incidents": incident_summary,
            "ucr": ucr_summary,
            "flags": flags,
        },
        "paths": path_groups,
        "decision_log": decision_log,
        "budgets": { "header": budget_header, "rows": budget_rows, "total": budget_total },
        "value_rows": value_rows,
        "slo_rows": slo_rows,
        "incidents": incidents,
        "trend_rows": trend_rows,
        "plan": {
            "outcomes": outcomes,
            "milestones": milestones,
            "workoffs": workoffs,
            "retirements": retirements,
            "enablement": enablement,
            "cadence": cadence,
        },
        "gaps": gaps,
        "evidence": evidence,
        "history": history,
        "digest": p.audit_digest.to_string(),
    })
}
