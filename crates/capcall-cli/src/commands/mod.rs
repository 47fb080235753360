//! One module per command group. Each command opens the portfolio with the
//! access it needs, calls the library once, and hands the answer to
//! [`Output::show`]; the rules are in `capcall-core` and `capcall-store`.

mod audit;
mod config;
mod decision;
mod import;
mod incidents;
mod plan;
mod portfolio;
mod rubric;
mod scenario;
mod score;
mod usecase;

use std::path::PathBuf;

use capcall_core::format::visible;
use capcall_store::{default_portfolio_path, Access, Portfolio, StoreError};

use crate::args::{Cli, Command};
use crate::output::Output;

type Result<T = ()> = std::result::Result<T, StoreError>;

/// Runs the command line's command.
pub(crate) fn run(cli: &Cli, out: &Output) -> Result {
    match &cli.command {
        Command::Init => portfolio::init(cli, out),
        Command::Demo { force } => portfolio::demo(cli, out, *force),
        Command::Import {
            what,
            files,
            cost,
            tag_key,
            rates,
        } => import::import(cli, out, *what, files, *cost, tag_key.as_deref(), rates.as_deref()),
        Command::Mapping { command } => import::mapping(cli, out, command),
        Command::Costs { from, to, by } => import::costs(cli, out, *from, *to, *by),
        Command::Incidents { from, to, use_case } => incidents::incidents(cli, out, *from, *to, use_case.as_deref()),
        Command::Usecase { command } => usecase::usecase(cli, out, command),
        Command::Observation { command } => usecase::observation(cli, out, command),
        Command::Score {
            as_of,
            use_case,
            rubric_version,
        } => score::score(cli, out, *as_of, use_case.as_deref(), *rubric_version),
        Command::Ucr { id, by } => score::ucr(cli, out, id, *by),
        Command::Rubric { command } => rubric::rubric(cli, out, command),
        Command::Scenario { command } => scenario::scenario(cli, out, command),
        Command::Decision { command } => decision::decision(cli, out, command),
        Command::Plan { command } => plan::plan(cli, out, command),
        Command::Audit { command } => audit::audit(cli, out, command),
        Command::Config { command } => config::config(out, command),
        Command::Export {
            out: dir,
            formats,
            draft,
            scenario,
        } => portfolio::export(cli, out, dir, *formats, *draft, scenario.as_deref()),
        Command::Backup { file } => portfolio::backup(cli, out, file),
        Command::Restore { file } => portfolio::restore(cli, out, file),
    }
}

/// Which file, and whether this command may create it with the demo data.
fn db_path(cli: &Cli) -> (PathBuf, bool) {
    match &cli.db {
        Some(p) => (p.clone(), false),
        None => (default_portfolio_path(), true),
    }
}

/// Opens the portfolio (the default one is created with the demo data).
fn open(cli: &Cli, access: Access) -> Result<Portfolio> {
    let (path, is_default) = db_path(cli);
    let p = if is_default {
        Portfolio::open_or_create_demo(&path, access, context())?
    } else {
        Portfolio::open(&path, access, context())?
    };
    if let Some(b) = &p.migrated_from_backup {
        eprintln!(
            "capcall: upgraded the portfolio schema; the previous file is kept at {}",
            b.display()
        );
    }
    Ok(p)
}

/// Who acts and when: the system's clock and user, as the store takes them.
fn context() -> capcall_store::Context {
    capcall_store::system_context()
}

/// " (reason: ...)" for a human line, or nothing.
fn reason_note(reason: Option<&str>) -> String {
    reason.map(|r| format!(" (reason: {})", visible(r))).unwrap_or_default()
}

/// " [audit #N]" for a human line, or nothing.
fn audit_note(e: &capcall_store::Edit) -> String {
    e.seq.map(|s| format!(" [audit #{s}]")).unwrap_or_default()
}

/// "" or "s".
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whole-cent money grouped for a table, or "-".
fn money_or_dash(m: Option<capcall_core::Planned>) -> String {
    m.map(|m| m.display_grouped()).unwrap_or_else(|| "-".into())
}
