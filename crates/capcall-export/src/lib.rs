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
pub mod pdf;
mod render;

use std::path::Path;

use capcall_core::decision::Decision;
use capcall_core::plan::{Plan, PlanStatus};
use capcall_core::rubric::Score;
use capcall_core::scenario::{self, LineResult};
use capcall_core::ucr::UcrPoint;
use capcall_store::decisions::DecisionView;
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
    pub audit_digest: capcall_store::audit::AuditDigest,
    /// Governance gaps accepted when the plan was approved, with the reason.
    pub accepted_gaps: Option<capcall_core::governance::AcceptedGaps>,
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
        let plan = stored.plan;
        let sc = p.scenario(&plan.scenario)?;
        let outcome = scenario::run(&sc.lines, &sc.meta.params)?;
        let scores = p.score(Some(plan.as_of), None, Some(plan.rubric_version))?.scores;
        let decisions: Vec<DecisionView> = p.decisions()?;
        let use_cases = p.use_cases()?.into_iter().map(|r| r.use_case).collect();
        Ok(Pack {
            draft: is_draft,
            approved_at: stored.approved_at,
            accepted_gaps: stored.accepted_gaps,
            ucr_trend: p.portfolio_ucr_by_quarter(plan.as_of)?,
            lines: outcome.lines,
            plan,
            decisions,
            scores,
            use_cases,
            audit_digest: p.audit_digest()?,
        })
    }

    pub fn decisions(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().map(|v| &v.decision)
    }
}

/// Renders the pack into `(relative path, bytes)`, in a stable order.
pub fn render(pack: &Pack, formats: Formats) -> Vec<(String, Vec<u8>)> {
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
        files.push(("exec_scale_readout.pdf".to_string(), render::readout_pdf(pack)));
    }
    files
}

/// Renders the pack and writes it as the whole content of `dir`, replacing
/// an earlier pack there in one swap (see [`atomic::write_pack`]). `dir` must
/// be new, empty or an earlier pack.
pub fn export(p: &Portfolio, dir: &Path, formats: Formats, draft: bool) -> Result<ExportReport, StoreError> {
    let pack = Pack::load(p, draft)?;
    let files = render(&pack, formats);
    atomic::write_pack(dir, &files)?;
    Ok(ExportReport {
        dir: dir.display().to_string(),
        files: files.into_iter().map(|(name, _)| name).collect(),
        draft: pack.draft,
    })
}
