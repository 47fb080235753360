//! `import`, `mapping`, `costs`: files in, and the imported costs.

use std::path::{Path, PathBuf};

use capcall_core::format::measured;
use capcall_store::{Access, ImportKind, ImportReport};
use capcall_store::{CostColumn, CostsBy, FocusOptions};
use chrono::NaiveDate;

use super::{open, Result};
use crate::args::{Cli, MappingCommand};
use crate::output::{said, Output, Report, Text};
use crate::table::Table;

/// `import KIND FILE...`: all or nothing.
pub(super) fn import(
    cli: &Cli,
    out: &Output,
    kind: ImportKind,
    files: &[PathBuf],
    cost: CostColumn,
    tag_key: Option<&str>,
    rates: Option<&Path>,
) -> Result {
    if kind == ImportKind::Focus {
        return import_focus(cli, out, files, cost, tag_key, rates);
    }
    if files.len() != 1 || cost != CostColumn::Effective || tag_key.is_some() || rates.is_some() {
        use clap::CommandFactory as _;
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "only `import focus` takes several files, --cost, --tag-key or --rates",
            )
            .exit();
    }
    let file = &files[0];
    let mut p = open(cli, Access::Write)?;
    // Incidents and units files are small and read whole: no progress bar.
    let bar = match kind {
        ImportKind::UseCases | ImportKind::Observations => out.progress(
            std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
            format!("importing {}", file.display()),
        ),
        ImportKind::Incidents | ImportKind::Units | ImportKind::Focus => None,
    };
    let result = p.import(kind, file, &mut |pr| {
        if let Some(b) = &bar {
            b.set_position(pr.bytes_read);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = result?;
    out.show(&said(&report, |t| imported(t, kind, &report)));
    Ok(())
}

/// The text of a one-file import.
fn imported(t: &mut Text, kind: ImportKind, r: &ImportReport) {
    let what = match kind {
        ImportKind::Incidents => format!("{} incidents", r.rows),
        ImportKind::Units => format!("units of {} periods", r.rows),
        ImportKind::UseCases | ImportKind::Observations | ImportKind::Focus => format!("{} rows", r.rows),
    };
    t.line(format!(
        "Imported {}: {what} ({} added, {} replaced)",
        r.file, r.added, r.replaced
    ));
    if !r.ignored_columns.is_empty() {
        t.warn(format!("ignored unknown columns: {}", r.ignored_columns.join(", ")));
    }
}

/// `import focus FILE...`: streaming, with a progress bar over all files.
fn import_focus(
    cli: &Cli,
    out: &Output,
    files: &[PathBuf],
    cost: CostColumn,
    tag_key: Option<&str>,
    rates: Option<&Path>,
) -> Result {
    let mut p = open(cli, Access::Write)?;
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = out.progress(total, format!("importing {} FOCUS file(s)", files.len()));
    let options = FocusOptions {
        cost,
        tag_key: tag_key.map(str::to_string),
        rates: rates.map(Path::to_path_buf),
    };
    let result = p.import_focus(files, &options, &mut |pr| {
        if let Some(b) = &bar {
            b.set_position(pr.bytes_read);
            b.set_message(format!("{} rows", pr.rows));
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    out.show(&result?);
    Ok(())
}

impl Report for capcall_store::FocusReport {
    fn text(&self, t: &mut Text) {
        t.line(format!(
            "Imported {} FOCUS file(s): {} rows, {} {} ({}), {} stored lines; {} observation week(s) changed",
            self.files.len(),
            self.rows,
            measured(self.total),
            self.currency,
            self.cost_column,
            self.lines,
            self.spend_weeks_changed
        ));
        let mut tb = Table::new(&["billing account", "billing period", "rows", "total", ""]);
        tb.right_align(&[2, 3]);
        for bp in &self.billing_periods {
            tb.row(vec![
                bp.billing_account.clone(),
                format!("{} .. {}", bp.billing_period_start, bp.billing_period_end),
                bp.rows.to_string(),
                measured(bp.total),
                if bp.replaced { "replaced".into() } else { "new".into() },
            ]);
        }
        t.table(&tb);
    }
}

pub(super) fn mapping(cli: &Cli, out: &Output, command: &MappingCommand) -> Result {
    match command {
        MappingCommand::Show => out.show(&open(cli, Access::Read)?.mapping()?),
        MappingCommand::Import { file, dry_run: true } => {
            let r = open(cli, Access::Read)?.preview_mapping_file(file)?;
            out.show(&said(&r, |t| mapping_dry_run(t, &r, file)));
        }
        MappingCommand::Import { file, dry_run: false } => out.show(&open(cli, Access::Write)?.import_mapping(file)?),
    }
    Ok(())
}

/// What a mapping file would move, per use case that moves, then unallocated.
fn mapping_dry_run(t: &mut Text, r: &capcall_store::MappingPreview, file: &Path) {
    let mut tb = Table::new(&["use case", "before", "after", "difference"]);
    tb.right_align(&[1, 2, 3]);
    for m in r.use_cases.iter().filter(|m| m.moved) {
        tb.row(vec![
            m.id.clone(),
            measured(m.before),
            measured(m.after),
            measured(m.difference),
        ]);
    }
    tb.row(vec![
        "(unallocated)".into(),
        measured(r.unallocated_before),
        measured(r.unallocated_after),
        measured(r.unallocated_difference),
    ]);
    t.table(&tb);
    t.line(format!(
        "Dry run of {}: {} rule(s) would change (mapping version {} -> {}); total {} {} unchanged. Nothing was written.",
        file.display(),
        r.rules_changed,
        r.version,
        if r.rules_changed > 0 { r.version + 1 } else { r.version },
        measured(r.total),
        r.currency
    ));
}

impl Report for capcall_store::MappingVersion {
    fn text(&self, t: &mut Text) {
        let m = self;
        t.line(format!(
            "Mapping version {}{}: tag key '{}' (value slugified = use case id), {} explicit rule(s), first match wins",
            m.version,
            m.created_by
                .as_ref()
                .map(|b| format!(" by {b} at {}", m.created_at.as_deref().unwrap_or("")))
                .unwrap_or_else(|| " (default)".into()),
            m.mapping.tag_key,
            m.mapping.rules.len()
        ));
        if !m.mapping.rules.is_empty() {
            let mut tb = Table::new(&["tag key", "tag value", "use case"]);
            for r in &m.mapping.rules {
                tb.row(vec![r.tag_key.clone(), r.tag_value.clone(), r.use_case.clone()]);
            }
            t.table(&tb);
        }
    }
}

impl Report for capcall_store::MappingReport {
    fn text(&self, t: &mut Text) {
        let r = self;
        t.line(format!(
            "Imported {}: {} rule(s), {} changed; mapping version {}; {} observation week(s) changed",
            r.file, r.rules_read, r.rules_changed, r.version, r.spend_weeks_changed
        ));
    }
}

pub(super) fn costs(cli: &Cli, out: &Output, from: Option<NaiveDate>, to: Option<NaiveDate>, by: CostsBy) -> Result {
    let p = open(cli, Access::Read)?;
    let r = p.costs(from, to, by)?;
    out.show(&said(&r, |t| costs_text(t, &r, by)));
    Ok(())
}

fn costs_text(t: &mut Text, r: &capcall_store::CostReport, by: CostsBy) {
    let label = match by {
        CostsBy::UseCase => "use case",
        CostsBy::Week => "week",
        CostsBy::Service => "service",
        CostsBy::Category => "charge category",
    };
    let mut tb = Table::new(&[label, "allocated", "unallocated", "total"]);
    tb.right_align(&[1, 2, 3]);
    for g in &r.groups {
        tb.row(vec![
            g.key.clone(),
            measured(g.allocated),
            measured(g.unallocated),
            measured(g.total),
        ]);
    }
    tb.row(vec![
        "TOTAL".into(),
        measured(r.allocated),
        measured(r.unallocated),
        measured(r.total),
    ]);
    t.table(&tb);
    t.line(format!(
        "Currency {}; mapping version {} (tag key '{}'). Exact amounts: --json.",
        r.currency, r.mapping_version, r.tag_key
    ));
    if !r.unallocated_by_tag_value.is_empty() && !r.unallocated.is_zero() {
        t.line(format!("Largest unallocated by '{}':", r.tag_key));
        for u in r.unallocated_by_tag_value.iter().take(5) {
            t.line(format!(
                "  {:<30} {}",
                u.tag_value.as_deref().unwrap_or("(no tag)"),
                measured(u.cost)
            ));
        }
    }
}
