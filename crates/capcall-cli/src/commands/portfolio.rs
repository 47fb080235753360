//! `init`, `demo`, `export`, `backup`, `restore`: the portfolio file as a whole.

use std::path::{Path, PathBuf};

use capcall_store::{Access, Portfolio};
use serde::Serialize;

use super::{context, db_path, open, Result};
use crate::args::Cli;
use crate::output::{said, Output, Report, SortedKeys, Text};

pub(super) fn init(cli: &Cli, out: &Output) -> Result {
    let (path, _) = db_path(cli);
    Portfolio::create(&path, context())?;
    #[derive(Serialize)]
    struct Created<'a> {
        created: &'a Path,
    }
    let doc = Created { created: &path };
    out.show(&said(&SortedKeys(doc), |t| {
        t.line(format!("Created an empty portfolio at {}", path.display()))
    }));
    Ok(())
}

#[derive(Serialize)]
struct Demo {
    observations: u64,
    path: PathBuf,
    use_cases: u64,
}

impl Report for Demo {
    fn text(&self, t: &mut Text) {
        t.line(format!(
            "Demo portfolio: {} use cases, {} observations at {}",
            self.use_cases,
            self.observations,
            self.path.display()
        ));
    }
}

pub(super) fn demo(cli: &Cli, out: &Output, force: bool) -> Result {
    let (path, _) = db_path(cli);
    let mut p = if path.exists() {
        Portfolio::open(&path, Access::Write, context())?
    } else {
        Portfolio::create(&path, context())?
    };
    p.reset_to_demo(force)?;
    let (use_cases, observations) = p.counts()?;
    out.show(&SortedKeys(Demo {
        observations,
        path,
        use_cases,
    }));
    Ok(())
}

impl Report for capcall_export::ExportReport {
    fn text(&self, t: &mut Text) {
        t.line(format!(
            "Wrote {} files{} to {}:",
            self.files.len(),
            if self.draft { " (DRAFT)" } else { "" },
            self.dir
        ));
        for f in &self.files {
            t.line(format!("  {f}"));
        }
    }
}

pub(super) fn export(
    cli: &Cli,
    out: &Output,
    dir: &Path,
    formats: capcall_export::Formats,
    draft: bool,
    scenario: Option<&str>,
) -> Result {
    let p = open(cli, Access::Read)?;
    let report = match scenario {
        Some(name) => capcall_export::export_scenario(&p, dir, formats, name)?,
        None => capcall_export::export(&p, dir, formats, draft)?,
    };
    out.show(&report);
    Ok(())
}

pub(super) fn backup(cli: &Cli, out: &Output, file: &Path) -> Result {
    let p = open(cli, Access::Read)?;
    p.backup(file)?;
    #[derive(Serialize)]
    struct Backup<'a> {
        backup: &'a Path,
    }
    out.show(&said(&SortedKeys(Backup { backup: file }), |t| {
        t.line(format!("Backed up {} to {}", p.path().display(), file.display()))
    }));
    Ok(())
}

pub(super) fn restore(cli: &Cli, out: &Output, file: &Path) -> Result {
    let mut p = open(cli, Access::Write)?;
    let kept = p.restore(file)?;
    #[derive(Serialize)]
    struct Restored<'a> {
        previous_kept_at: &'a Path,
        restored_from: &'a Path,
    }
    let doc = Restored {
        previous_kept_at: &kept,
        restored_from: file,
    };
    out.show(&said(&SortedKeys(doc), |t| {
        t.line(format!(
            "Restored {} from {}; the previous state is kept at {}",
            p.path().display(),
            file.display(),
            kept.display()
        ))
    }));
    Ok(())
}
