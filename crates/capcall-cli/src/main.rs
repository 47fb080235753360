//! `capcall`: the command line. A thin shell over `capcall-store`: it parses
//! arguments, calls the library, and prints tables or one JSON document.
//! Exit codes (FORMATS.md): 0 success, 1 user error (nothing written),
//! 2 bad usage.

mod table;

/// stdout writes that end quietly when the reader goes away (`capcall ... | head`).
macro_rules! outln {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stdout(), $($t)*); }};
}
macro_rules! out {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = write!(std::io::stdout(), $($t)*); }};
}

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use capcall_core::rubric::{Dimension, RubricSettings};
use capcall_core::ucr::{fmt_pct, fmt_ucr};
use capcall_store::portfolio::UcrBy;
use capcall_store::{default_portfolio_path, Access, ImportKind, Portfolio, StoreError};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use table::Table;

#[derive(Parser)]
#[command(
    name = "capcall",
    version,
    about = "Govern a portfolio of AI use cases and plan the next capital call."
)]
struct Cli {
    /// Portfolio file (default: $CAPCALL_DB, else the app's portfolio in the user data dir).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Machine output: one JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an empty portfolio file (refuses to overwrite).
    Init,
    /// Create or reset a portfolio with the demo data.
    Demo,
    /// Import a CSV file (all or nothing).
    Import {
        #[arg(value_enum)]
        what: ImportWhat,
        file: PathBuf,
    },
    /// Use cases.
    Usecase {
        #[command(subcommand)]
        command: UsecaseCommand,
    },
    /// Verdict per dimension and overall, with explanations.
    Score {
        /// Score as of this date (default: the latest observation).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Only this use case.
        #[arg(long, value_name = "ID")]
        use_case: Option<String>,
        /// Use this rubric version (default: the current one).
        #[arg(long, value_name = "N")]
        rubric_version: Option<u32>,
    },
    /// UCR history of a use case.
    Ucr {
        id: String,
        #[arg(long, value_enum, default_value = "quarter")]
        by: UcrGranularity,
    },
    /// Rubric thresholds (versioned).
    Rubric {
        #[command(subcommand)]
        command: RubricCommand,
    },
    /// Safe online backup to a new file.
    Backup { file: PathBuf },
    /// Replace the portfolio with a backup (the current state is kept as <db>.pre-restore.sqlite).
    Restore { file: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportWhat {
    UseCases,
    Observations,
}

#[derive(Clone, Copy, ValueEnum)]
enum UcrGranularity {
    Quarter,
    Month,
    Period,
}

#[derive(Subcommand)]
enum UsecaseCommand {
    /// Use cases with budget and latest UCR.
    List,
}

#[derive(Subcommand)]
enum RubricCommand {
    /// The current rubric's thresholds (or every version with --all).
    Show {
        #[arg(long)]
        all: bool,
    },
    /// Change thresholds: writes a new rubric version.
    Set {
        /// KEY VALUE pairs, e.g. `econ_expand_variance_pct 4`.
        #[arg(num_args = 2.., value_names = ["KEY", "VALUE"], required = true)]
        pairs: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if cli.json {
                let doc = json!({ "error": { "code": e.code(), "message": e.to_string() } });
                outln!("{doc}");
            }
            eprintln!("capcall: {e}");
            ExitCode::from(1)
        }
    }
}

/// Which file, and whether this command may create it with the demo data.
fn db_path(cli: &Cli) -> (PathBuf, bool) {
    match &cli.db {
        Some(p) => (p.clone(), false),
        None => (default_portfolio_path(), true),
    }
}

fn open(cli: &Cli, access: Access) -> Result<Portfolio, StoreError> {
    let (path, is_default) = db_path(cli);
    let p = if is_default {
        Portfolio::open_or_create_demo(&path, access)?
    } else {
        Portfolio::open(&path, access)?
    };
    if let Some(b) = &p.migrated_from_backup {
        eprintln!(
            "capcall: upgraded the portfolio schema; the previous file is kept at {}",
            b.display()
        );
    }
    Ok(p)
}

fn print_json(v: &impl serde::Serialize) {
    outln!("{}", serde_json::to_string_pretty(v).expect("serializable"));
}

fn run(cli: &Cli) -> Result<(), StoreError> {
    match &cli.command {
        Command::Init => {
            let (path, _) = db_path(cli);
            Portfolio::create(&path)?;
            if cli.json {
                print_json(&json!({ "created": path }));
            } else {
                outln!("Created an empty portfolio at {}", path.display());
            }
        }
        Command::Demo => {
            let (path, _) = db_path(cli);
            let mut p = if path.exists() {
                Portfolio::open(&path, Access::Write)?
            } else {
                Portfolio::create(&path)?
            };
            p.load_demo()?;
            let (u, o) = p.counts()?;
            if cli.json {
                print_json(&json!({ "path": path, "use_cases": u, "observations": o }));
            } else {
                outln!("Demo portfolio: {u} use cases, {o} observations at {}", path.display());
            }
        }
        Command::Import { what, file } => import(cli, *what, file)?,
        Command::Usecase {
            command: UsecaseCommand::List,
        } => {
            let p = open(cli, Access::Read)?;
            let rows = p.use_cases()?;
            if cli.json {
                print_json(&json!({ "use_cases": rows }));
                return Ok(());
            }
            let mut t = Table::new(&[
                "ID",
                "NAME",
                "WAVE",
                "REGION",
                "STATUS",
                "BUDGET/Q (USD)",
                "LATEST UCR",
                "ROWS",
                "LATEST",
            ]);
            t.right_align(&[5, 6, 7]);
            for r in &rows {
                let u = &r.use_case;
                t.row(vec![
                    u.id.clone(),
                    u.name.clone(),
                    u.wave.clone(),
                    u.region.clone(),
                    u.status.as_str().into(),
                    u.budget_usd.display_grouped(),
                    r.latest_ucr.map(fmt_ucr).unwrap_or_else(|| "unknown".into()),
                    r.observations.to_string(),
                    r.latest_period.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                ]);
            }
            out!("{t}");
        }
        Command::Score {
            as_of,
            use_case,
            rubric_version,
        } => {
            let p = open(cli, Access::Read)?;
            let run = p.score(*as_of, use_case.as_deref(), *rubric_version)?;
            if cli.json {
                print_json(&run);
                return Ok(());
            }
            outln!(
                "Scores as of {} under rubric {} (version {})\n",
                run.as_of,
                run.rubric_name,
                run.rubric_version
            );
            let mut t = Table::new(&[
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
                t.row(row);
            }
            out!("{t}");
            if run.scores.len() <= 20 || use_case.is_some() {
                for s in &run.scores {
                    outln!("\n{}: {}", s.use_case, s.overall_explanation);
                    for d in &s.dimensions {
                        outln!(
                            "  {:<9} {:<6} {}",
                            d.dimension.as_str(),
                            d.verdict.as_str(),
                            d.explanation
                        );
                    }
                }
            }
        }
        Command::Ucr { id, by } => {
            let p = open(cli, Access::Read)?;
            let by = match by {
                UcrGranularity::Quarter => UcrBy::Quarter,
                UcrGranularity::Month => UcrBy::Month,
                UcrGranularity::Period => UcrBy::Period,
            };
            let points = p.ucr(id, by)?;
            if cli.json {
                print_json(&json!({ "use_case": id, "points": points }));
                return Ok(());
            }
            let mut t = Table::new(&[
                "PERIOD",
                "SPEND (USD)",
                "UNITS",
                "UCR (USD/unit)",
                "CHANGE",
                "ROWS",
                "MISSING",
            ]);
            t.right_align(&[1, 2, 3, 4, 5, 6]);
            let mut prev = None;
            for pt in &points {
                let change = capcall_core::ucr::pct_change(prev, pt.ucr)
                    .map(fmt_pct)
                    .unwrap_or_else(|| "-".into());
                t.row(vec![
                    pt.period.clone(),
                    pt.spend_usd.display_grouped(),
                    pt.units.to_string(),
                    pt.ucr.map(fmt_ucr).unwrap_or_else(|| "unknown".into()),
                    change,
                    pt.rows_used.to_string(),
                    pt.rows_missing.to_string(),
                ]);
                prev = pt.ucr;
            }
            out!("{t}");
        }
        Command::Rubric { command } => rubric(cli, command)?,
        Command::Backup { file } => {
            let p = open(cli, Access::Read)?;
            p.backup(file)?;
            if cli.json {
                print_json(&json!({ "backup": file }));
            } else {
                outln!("Backed up {} to {}", p.path().display(), file.display());
            }
        }
        Command::Restore { file } => {
            let mut p = open(cli, Access::Write)?;
            let kept = p.restore(file)?;
            if cli.json {
                print_json(&json!({ "restored_from": file, "previous_kept_at": kept }));
            } else {
                outln!(
                    "Restored {} from {}; the previous state is kept at {}",
                    p.path().display(),
                    file.display(),
                    kept.display()
                );
            }
        }
    }
    Ok(())
}

fn import(cli: &Cli, what: ImportWhat, file: &Path) -> Result<(), StoreError> {
    let mut p = open(cli, Access::Write)?;
    let kind = match what {
        ImportWhat::UseCases => ImportKind::UseCases,
        ImportWhat::Observations => ImportKind::Observations,
    };
    let bar = if std::io::stderr().is_terminal() && !cli.json {
        let b = indicatif::ProgressBar::new(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0));
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        b.set_message(format!("importing {}", file.display()));
        Some(b)
    } else {
        None
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
    if cli.json {
        print_json(&report);
    } else {
        outln!(
            "Imported {}: {} rows ({} added, {} replaced)",
            report.file,
            report.rows,
            report.added,
            report.replaced
        );
        if !report.ignored_columns.is_empty() {
            eprintln!(
                "capcall: ignored unknown columns: {}",
                report.ignored_columns.join(", ")
            );
        }
    }
    Ok(())
}

fn rubric(cli: &Cli, command: &RubricCommand) -> Result<(), StoreError> {
    match command {
        RubricCommand::Show { all } => {
            let p = open(cli, Access::Read)?;
            let versions = if *all { p.rubric_versions()? } else { vec![p.rubric()?] };
            if cli.json {
                print_json(&json!({ "versions": versions }));
                return Ok(());
            }
            for v in &versions {
                outln!(
                    "{} (version {}) by {} at {}{}",
                    v.name,
                    v.version,
                    v.created_by,
                    v.created_at,
                    if v.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", v.note)
                    }
                );
                let mut t = Table::new(&["KEY", "VALUE", "RANGE", "MEANING"]);
                t.right_align(&[1]);
                for (key, value) in v.settings.to_pairs() {
                    let &(_, lo, hi, doc) = RubricSettings::KEYS.iter().find(|k| k.0 == key).expect("listed key");
                    t.row(vec![
                        key.into(),
                        value.normalize().to_string(),
                        format!("{lo}..{hi}"),
                        doc.trim().into(),
                    ]);
                }
                out!("{t}");
            }
        }
        RubricCommand::Set { pairs, note } => {
            if pairs.len() % 2 != 0 {
                return Err(StoreError::Invalid(format!(
                    "rubric set: KEY VALUE pairs expected; '{}' has no value",
                    pairs[pairs.len() - 1]
                )));
            }
            let mut p = open(cli, Access::Write)?;
            let changes: Vec<(String, String)> = pairs.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect();
            let v = p.set_rubric(&changes, note)?;
            if cli.json {
                print_json(&v);
            } else {
                outln!("Wrote rubric version {} ({})", v.version, v.name);
            }
        }
    }
    Ok(())
}
