//! The board pack: everything the readout needs, rendered from the approved
//! next-90 plan (or, with `draft`, the newest draft, marked DRAFT in every
//! file): Marp slides with a UCR chart, the decision log, the plan, budgets
//! CSV, plan JSON, a PDF readout paper and comms drafts.
//!
//! Deterministic: the same portfolio gives byte-identical files (no clock,
//! stable order). Safe: every file is rendered first, then the whole pack is
//! written into a temp directory beside the destination, fsynced and swapped
//! in (see [`atomic`]), so a reader never sees a mix of two exports; symbolic
//! links are refused. Text from users is escaped for Markdown
//! (`capcall_core::format::md_text`/`md_cell`) and CSV cells are neutralised
//! against formula injection (`capcall_core::format::csv_formula_safe`).
//!
//! Planned rule in exports: budgets and totals with thousands separators and 2
//! decimals (`$1,234,567.89`); UCR to 4 significant digits (`0.008693`);
//! percentages with one decimal.

pub mod atomic;
mod paper;
mod render;
mod typeset;

use std::path::Path;

use capcall_core::decision::Decision;
use capcall_core::money::Planned;
use capcall_core::plan::{Plan, PlanStatus};
use capcall_core::rubric::Score;
use capcall_core::scenario::{self, LineResult};
use capcall_core::ucr::UcrPoint;
use capcall_store::DecisionView;
use capcall_store::{Portfolio, StoreError};
use serde::Serialize;

/// Which files to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Formats {
    pub md: bool,
    pub csv: bool,
    pub json: bool,
    pub pdf: bool,
}

impl Formats {
    pub const ALL: Formats = Formats {
        md: true,
        csv: true,
        json: true,
        pdf: true,
    };
    /// `md,csv,json,pdf` (any subset).
    pub fn parse(list: &str) -> Result<Formats, String> {
        let mut f = Formats {
            md: false,
            csv: false,
            json: false,
            pdf: false,
        };
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "md" => f.md = true,
                "csv" => f.csv = true,
                "json" => f.json = true,
                "pdf" => f.pdf = true,
                other => return Err(format!("unknown format '{other}' (md, csv, json, pdf)")),
            }
        }
        if f == (Formats {
            md: false,
            csv: false,
            json: false,
            pdf: false,
        }) {
            return Err("no format given".into());
        }
        Ok(f)
    }
}

/// What was written.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportReport {
    pub dir: String,
    pub files: Vec<String>,
    pub draft: bool,
}

/// Everything the renderers read.
pub struct Pack {
    pub draft: bool,
    pub plan: Plan,
    pub approved_at: Option<String>,
    pub lines: Vec<LineResult>,
    pub decisions: Vec<DecisionView>,
    pub scores: Vec<Score>,
    pub ucr_trend: Vec<UcrPoint>,
    pub use_cases: Vec<capcall_core::UseCase>,
    /// The audit trail's digest when the pack was made (plan.json, the PDF
    /// footer), for `capcall audit verify --against`.
    pub audit_digest: capcall_store::AuditDigest,
    /// Governance gaps accepted when the plan was approved, with the reason.
    pub accepted_gaps: Option<capcall_core::governance::AcceptedGaps>,
    /// A draft's open governance gaps (the board paper lists them).
    pub open_gaps: Option<capcall_core::governance::GovernanceCheck>,
    /// Incidents opened up to the plan's as-of date (every use case in the pack).
    pub incidents: Vec<capcall_core::incident::Incident>,
    /// Each use case's UCR in the last complete quarter against the one before.
    pub ucr_changes: std::collections::BTreeMap<String, capcall_core::ucr::QuarterChange>,
    /// The rubric the plan was scored with (its stat-sig bar, for the value
    /// sentences).
    pub rubric: capcall_core::RubricSettings,
    /// Observation rows per use case (for evidence sentences).
    pub observations: std::collections::BTreeMap<String, Vec<capcall_core::Observation>>,
    /// The one computation every file of the pack reads its money from.
    pub story: Story,
}

/// One use case's budget under both funding views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Budget {
    pub use_case: String,
    pub name: String,
    pub path: capcall_core::rubric::Path,
    pub old_budget_usd: Planned,
    /// Within the envelope: what the scenario allocates.
    pub new_budget_usd: Planned,
    pub delta_usd: Planned,
    /// Fully funded: every Expand ask (after its cap) granted in full.
    pub fully_funded_new_budget_usd: Planned,
    pub fully_funded_delta_usd: Planned,
}

/// A capital call and the budget total that goes with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Funding {
    /// New money asked of the board.
    pub capital_call_usd: Planned,
    pub new_budget_usd: Planned,
    pub delta_usd: Planned,
}

/// The capital call, the budgets and their totals, computed once from the
/// scenario run and read by every renderer (slides, CSV, JSON, comms, PDF).
///
/// When the envelope funds every Expand ask (`envelope_shortfall_usd` is
/// zero) both views are the same and `shortfall` is false. Otherwise the
/// board sees both, labelled: **within the envelope** (capital call = the
/// envelope, budgets as allocated) and **fully funded** (capital call =
/// `next_capital_call_usd`, each Expand at its old budget plus its ask).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Story {
    pub shortfall: bool,
    pub old_budget_usd: Planned,
    pub within_envelope: Funding,
    pub fully_funded: Funding,
    /// In display order.
    pub budgets: Vec<Budget>,
}

impl Story {
    /// Builds the story from one scenario run; every total is the exact sum
    /// of its lines (checked), never a second computation.
    pub fn new(lines: &[LineResult], t: &scenario::Totals) -> Result<Story, capcall_core::money::MoneyError> {
        let mut sorted: Vec<&LineResult> = lines.iter().collect();
        sorted.sort_by(|a, b| scenario::display_order(a, b));
        let mut budgets = vec![];
        for l in sorted {
            let (full_new, full_delta) = if l.path == capcall_core::rubric::Path::Expand {
                let full_delta = l.delta_usd.checked_add(l.requested_usd.checked_sub(l.allocated_usd)?)?;
                (l.old_budget_usd.checked_add(full_delta)?, full_delta)
            } else {
                (l.new_budget_usd, l.delta_usd)
            };
            budgets.push(Budget {
                use_case: l.use_case.clone(),
                name: l.name.clone(),
                path: l.path,
                old_budget_usd: l.old_budget_usd,
                new_budget_usd: l.new_budget_usd,
                delta_usd: l.delta_usd,
                fully_funded_new_budget_usd: full_new,
                fully_funded_delta_usd: full_delta,
            });
        }
        let shortfall = t.envelope_shortfall_usd.is_positive();
        let sum = |f: fn(&Budget) -> Planned| Planned::sum(budgets.iter().map(f));
        let story = Story {
            shortfall,
            old_budget_usd: sum(|b| b.old_budget_usd)?,
            within_envelope: Funding {
                capital_call_usd: t.envelope_usd.min(t.next_capital_call_usd),
                new_budget_usd: sum(|b| b.new_budget_usd)?,
                delta_usd: sum(|b| b.delta_usd)?,
            },
            fully_funded: Funding {
                capital_call_usd: t.next_capital_call_usd,
                new_budget_usd: sum(|b| b.fully_funded_new_budget_usd)?,
                delta_usd: sum(|b| b.fully_funded_delta_usd)?,
            },
            budgets,
        };
        Ok(story)
    }
}

impl Pack {
    pub fn load(p: &Portfolio, draft: bool) -> Result<Pack, StoreError> {
        let stored = match p.plan_latest(true)? {
            Some(s) if !draft || s.status == PlanStatus::Approved => s,
            _ if draft => p
                .plan_latest(false)?
                .ok_or_else(|| StoreError::Invalid("no plan to export: `capcall plan build` first".into()))?,
            _ => {
                return Err(StoreError::Invalid(
                    "no approved plan: approve one (`capcall plan approve`) or export the draft with --draft".into(),
                ))
            }
        };
        let is_draft = stored.status != PlanStatus::Approved;
        let open_gaps = if is_draft {
            Some(p.governance_check(Some(&stored.plan.scenario))?)
        } else {
            None
        };
        Pack::from_plan(
            p,
            stored.plan,
            is_draft,
            stored.approved_at,
            stored.accepted_gaps,
            open_gaps,
        )
    }

    /// The board's pre-read: a DRAFT pack from scenario `name` (draft or
    /// approved), its plan built in memory by the core's plan builder
    /// ([`Portfolio::plan_preview`]) and not stored.
    pub fn load_scenario(p: &Portfolio, name: &str) -> Result<Pack, StoreError> {
        let plan = p.plan_preview(name)?;
        let open_gaps = Some(p.governance_check(Some(name))?);
        Pack::from_plan(p, plan, true, None, None, open_gaps)
    }

    fn from_plan(
        p: &Portfolio,
        plan: Plan,
        is_draft: bool,
        approved_at: Option<String>,
        accepted_gaps: Option<capcall_core::governance::AcceptedGaps>,
        open_gaps: Option<capcall_core::governance::GovernanceCheck>,
    ) -> Result<Pack, StoreError> {
        let mut plan = plan;
        let sc = p.scenario(&plan.scenario)?;
        let use_cases: Vec<capcall_core::UseCase> = p.use_cases()?.into_iter().map(|r| r.use_case).collect();
        // Retired use cases are history: out of next-quarter figures, even in
        // a scenario saved before they were retired.
        let retired = |id: &str| use_cases.iter().any(|u| u.id == id && u.status.is_history());
        // A sunsetting use case is on the Retire path (from its sunset date)
        // unless the scenario chose its path explicitly, with a reason.
        let inputs: Vec<_> = sc
            .lines
            .iter()
            .filter(|l| !retired(&l.use_case))
            .map(|l| {
                let mut l = l.clone();
                let sunsetting = use_cases
                    .iter()
                    .find(|u| u.id == l.use_case && u.status == capcall_core::Lifecycle::Sunsetting);
                if let (Some(u), None) = (sunsetting, l.path_override) {
                    l.path_override = Some(capcall_core::rubric::Path::Retire);
                    l.reason = Some(match u.sunset_date {
                        Some(d) => format!("{} (sunset {d})", scenario::SUNSETTING_REASON),
                        None => scenario::SUNSETTING_REASON.to_string(),
                    });
                    l.sunset_date = l.sunset_date.or(u.sunset_date);
                }
                l
            })
            .collect();
        let outcome = scenario::run(&inputs, &sc.meta.params)?;
        // One computation: the plan's totals are this run's totals.
        plan.totals = outcome.totals.clone();
        let story = Story::new(&outcome.lines, &outcome.totals)
            .map_err(|e| StoreError::Invalid(format!("budgets do not add up: {e}")))?;
        let check = |what: &str, a: Planned, b: Planned| {
            if a == b {
                Ok(())
            } else {
                Err(StoreError::Invalid(format!("{what}: lines sum to {a}, totals say {b}")))
            }
        };
        check("old budgets", story.old_budget_usd, plan.totals.old_budget_usd)?;
        check(
            "new budgets",
            story.within_envelope.new_budget_usd,
            plan.totals.new_budget_usd,
        )?;
        check("budget changes", story.within_envelope.delta_usd, plan.totals.delta_usd)?;
        let scores = p
            .score(Some(plan.as_of), None, Some(plan.rubric_version))?
            .scores
            .into_iter()
            .filter(|s| !retired(&s.use_case))
            .collect();
        let rubric = p
            .rubric_versions()?
            .into_iter()
            .find(|r| r.version == plan.rubric_version)
            .map(|r| r.settings)
            .ok_or_else(|| StoreError::Invalid(format!("rubric v{} not found", plan.rubric_version)))?;
        let decisions: Vec<DecisionView> = p.decisions()?;
        let all_incidents = p.incidents(
            capcall_core::incident::DateRange {
                from: None,
                to: Some(plan.as_of),
            },
            None,
        )?;
        let mut ucr_changes = std::collections::BTreeMap::new();
        let mut observations = std::collections::BTreeMap::new();
        for l in &outcome.lines {
            let rows = p.observations(&l.use_case)?;
            let qc = capcall_core::ucr::quarter_change(&rows, plan.as_of)
                .map_err(|e| StoreError::Invalid(format!("{}: UCR: {e}", l.use_case)))?;
            ucr_changes.insert(l.use_case.clone(), qc);
            observations.insert(l.use_case.clone(), rows);
        }
        let incidents = all_incidents
            .into_iter()
            .filter(|i| outcome.lines.iter().any(|l| l.use_case == i.use_case))
            .collect();
        Ok(Pack {
            draft: is_draft,
            approved_at,
            accepted_gaps,
            open_gaps,
            ucr_trend: p.portfolio_ucr_by_quarter(plan.as_of)?,
            lines: outcome.lines,
            plan,
            decisions,
            scores,
            use_cases,
            audit_digest: p.audit_digest()?,
            incidents,
            ucr_changes,
            rubric,
            observations,
            story,
        })
    }

    pub fn decisions(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().map(|v| &v.decision)
    }
}

/// Renders the pack into `(relative path, bytes)`, in a stable order.
pub fn render(pack: &Pack, formats: Formats) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let mut files = vec![];
    if formats.md {
        files.push((
            "exec_scale_readout.md".to_string(),
            render::readout_md(pack).into_bytes(),
        ));
        files.push(("ucr_trend.svg".to_string(), render::ucr_svg(pack).into_bytes()));
        files.push((
            "decision_log.md".to_string(),
            render::decision_log_md(pack).into_bytes(),
        ));
        files.push(("next_90_plan.md".to_string(), render::plan_md(pack).into_bytes()));
        files.push(("comms/ceo_note.md".to_string(), render::ceo_note(pack).into_bytes()));
        files.push((
            "comms/elt_bullets.md".to_string(),
            render::elt_bullets(pack).into_bytes(),
        ));
        files.push((
            "comms/customer_stories.md".to_string(),
            render::customer_stories(pack).into_bytes(),
        ));
    }
    if formats.csv {
        files.push(("budgets.csv".to_string(), render::budgets_csv(pack).into_bytes()));
    }
    if formats.json {
        files.push(("plan.json".to_string(), render::plan_json(pack).into_bytes()));
    }
    if formats.pdf {
        files.push(("exec_scale_readout.pdf".to_string(), readout_pdf(pack)?));
    }
    Ok(files)
}

/// The board paper: [`paper::data`] typeset by the template (Typst), with
/// the slides' UCR chart.
pub fn readout_pdf(pack: &Pack) -> Result<Vec<u8>, StoreError> {
    let data = serde_json::to_vec(&paper::data(pack)).map_err(|e| StoreError::Invalid(format!("board paper: {e}")))?;
    let chart = render::ucr_svg(pack);
    typeset::board_paper(&data, chart.as_bytes()).map_err(StoreError::Invalid)
}

/// Renders the pack and writes it as the whole content of `dir`, replacing
/// an earlier pack there in one swap (see [`atomic::write_pack`]). `dir` must
/// be new, empty or an earlier pack.
pub fn export(p: &Portfolio, dir: &Path, formats: Formats, draft: bool) -> Result<ExportReport, StoreError> {
    write(&Pack::load(p, draft)?, dir, formats)
}

/// [`export`] of the DRAFT pack of scenario `name` ([`Pack::load_scenario`]):
/// the board's pre-read, before any plan is built or approved.
pub fn export_scenario(p: &Portfolio, dir: &Path, formats: Formats, name: &str) -> Result<ExportReport, StoreError> {
    write(&Pack::load_scenario(p, name)?, dir, formats)
}

fn write(pack: &Pack, dir: &Path, formats: Formats) -> Result<ExportReport, StoreError> {
    let files = render(pack, formats)?;
    atomic::write_pack(dir, &files)?;
    Ok(ExportReport {
        dir: dir.display().to_string(),
        files: files.into_iter().map(|(name, _)| name).collect(),
        draft: pack.draft,
    })
}
