//! `capcall`: the command line. A thin shell over `capcall-store`: it parses
//! arguments, calls the library, and prints tables or one JSON document.
//! Exit codes (FORMATS.md): 0 success, 1 user error (nothing written),
//! 2 bad usage.

mod table;

/// stdout writes that end quietly when the reader goes away (`capcall ... | head`).
/// Every human-readable line goes through `capcall_core::format::visible_lines`:
/// no control character from a name or file reaches the terminal raw (values
/// that must stay on one line are escaped with `visible` where they are printed;
/// table cells in `Table::row`).
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($t)*);
        let _ = writeln!(std::io::stdout(), "{}", capcall_core::format::visible_lines(&text));
    }};
}
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($t)*);
        let _ = write!(std::io::stdout(), "{}", capcall_core::format::visible_lines(&text));
    }};
}

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use capcall_core::format::visible;
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
    /// Create or reset a portfolio with the demo data (one transaction).
    Demo {
        /// Reset even when it wipes approved work (an approved scenario, decision or plan).
        #[arg(long)]
        force: bool,
    },
    /// Import a CSV file (all or nothing); `import focus` takes several
    /// FOCUS cost exports (CSV, .csv.gz or Parquet) at once.
    Import {
        #[arg(value_enum)]
        what: ImportWhat,
        #[arg(required = true, num_args = 1.., value_name = "FILE")]
        files: Vec<PathBuf>,
        /// focus: the cost column (effective = EffectiveCost, billed = BilledCost).
        #[arg(long, value_enum, default_value = "effective")]
        cost: CostArg,
        /// focus: map costs by this tag key from now on (default: application).
        #[arg(long, value_name = "KEY")]
        tag_key: Option<String>,
        /// focus: exchange rates to the portfolio currency (date,currency,rate).
        #[arg(long, value_name = "FILE")]
        rates: Option<PathBuf>,
    },
    /// Mapping of imported costs to use cases (tag rules, versioned).
    Mapping {
        #[command(subcommand)]
        command: MappingCommand,
    },
    /// Imported costs: per use case (or week, service, category), the
    /// unallocated cost, and the total.
    Costs {
        /// First day (UTC, inclusive).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<NaiveDate>,
        /// Last day (UTC, inclusive).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value = "use-case")]
        by: CostsByArg,
    },
    /// Incidents opened in a window: count by severity, open ones, time to resolve, per use case and quarter.
    Incidents {
        /// First day of the window (UTC, inclusive).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        from: Option<NaiveDate>,
        /// Last day of the window (UTC, inclusive); open incidents are those open at its end.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        to: Option<NaiveDate>,
        /// Only this use case.
        #[arg(long, value_name = "ID")]
        use_case: Option<String>,
    },
    /// Use cases: list, and edit in place (audited).
    Usecase {
        #[command(subcommand)]
        command: UsecaseCommand,
    },
    /// Observations: correct one value (audited as a correction).
    Observation {
        #[command(subcommand)]
        command: ObservationCommand,
    },
    /// Verdict per dimension and overall, with explanations.
    Score {
        /// Score as of this date (default: the latest observation).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
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
    /// Capital reallocation scenarios.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
    /// The decision log (seed example format).
    Decision {
        #[command(subcommand)]
        command: DecisionCommand,
    },
    /// The next-90 plan.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Write the board pack for the approved plan.
    Export {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Any of md,csv,json,pdf.
        #[arg(long, default_value = "md,csv,json,pdf", value_parser = capcall_export::Formats::parse)]
        formats: capcall_export::Formats,
        /// Export the newest draft plan; every file says DRAFT.
        #[arg(long)]
        draft: bool,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Safe online backup to a new file.
    Backup { file: PathBuf },
    /// Replace the portfolio with a validated backup (the current state is
    /// kept as <db>.pre-restore-<time>.sqlite first).
    Restore { file: PathBuf },
    /// Your settings (user.name: the name on approvals and in the audit trail).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Set a setting (an empty value removes it).
    Set { key: String, value: String },
    /// Print a setting.
    Get { key: String },
    /// Every setting, and who Capcall records you as.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportWhat {
    UseCases,
    Observations,
    Incidents,
    /// FOCUS cost exports (CSV, .csv.gz, Parquet).
    Focus,
    /// Business metrics: use_case,period_start,units[,metric].
    Units,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CostArg {
    Effective,
    Billed,
}

#[derive(Clone, Copy, ValueEnum)]
enum CostsByArg {
    UseCase,
    Week,
    Service,
    Category,
}

#[derive(Subcommand)]
enum MappingCommand {
    /// The current mapping: default tag key and explicit rules.
    Show,
    /// Add or change explicit rules from a CSV (tag_key,tag_value,use_case).
    Import {
        file: PathBuf,
        /// Show what the rules would move (cost per use case before, after,
        /// difference; unallocated before and after) and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum UcrGranularity {
    Quarter,
    Month,
    Period,
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// A scenario with paths from the rubric's verdicts.
    New {
        name: String,
        /// Paths from the rubric's scores (the default; accepted for scripts).
        #[arg(long)]
        from_scores: bool,
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        as_of: Option<NaiveDate>,
    },
    /// Apply scenario_inputs.csv (all or nothing).
    Import { name: String, file: PathBuf },
    /// Run: per use case old/new budget and delta; totals and the next capital call.
    Run {
        name: String,
        #[arg(long, value_enum)]
        policy: Option<PolicyArg>,
        /// New money on top of what Retire frees, USD.
        #[arg(long, value_name = "USD", value_parser = parse_money_arg)]
        envelope: Option<capcall_core::Planned>,
        /// Percent of the pool held in reserve (0-100).
        #[arg(long, value_name = "P", value_parser = parse_pct_arg)]
        reserve_pct: Option<rust_decimal::Decimal>,
    },
    /// Side by side, with differences.
    Compare { a: String, b: String },
    /// Freeze it as the approved scenario.
    Approve { name: String },
    /// Copy a scenario under a new name (a draft).
    Clone { from: String, to: String },
    /// Scenarios, newest first.
    List,
    /// Lines whose use case changed under the scenario (budget, retired,
    /// removed) and use cases added since.
    Drift { name: String },
    /// Write a scenario as one self-describing JSON file (schema version,
    /// author, as-of, rubric, inputs, the budgets and verdicts it assumed).
    Export { name: String, file: PathBuf },
    /// Open a scenario file as a draft scenario; shows what changed in this
    /// portfolio since it was made.
    Open {
        file: PathBuf,
        /// Name of the new scenario (default: the file's).
        #[arg(long = "as", value_name = "NAME")]
        as_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum DecisionCommand {
    /// Log a decision (a Draft). Its id is DEC-<readout date>-NN.
    Add {
        /// expand, hold or retire.
        #[arg(long)]
        path: String,
        #[arg(long, value_name = "ID")]
        use_case: Option<String>,
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
        /// Default: "EXPAND — <use case name>".
        #[arg(long)]
        title: Option<String>,
        #[arg(long, default_value = "")]
        owner: String,
        #[arg(long, value_name = "USD", value_parser = parse_money_arg)]
        budget: Option<capcall_core::Planned>,
        /// A link or file path (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// `metric op number[/scale]`, e.g. "p95_latency_ms <= 1200" (repeatable).
        #[arg(long)]
        guardrail: Vec<String>,
        /// name=YYYY-MM-DD (repeatable).
        #[arg(long)]
        milestone: Vec<String>,
        /// Date of the readout the decision came from (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        readout: Option<NaiveDate>,
        /// Hold: when the work-off is due.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        workoff_due: Option<NaiveDate>,
    },
    /// One Draft per Expand and Retire path of a scenario, with use case,
    /// path, budget (the scenario's new budget), owner and milestones filled
    /// in; paths a decision already covers are skipped (re-running adds nothing).
    Draft {
        /// The scenario to draft from.
        #[arg(long, value_name = "NAME")]
        from_scenario: String,
        /// Date of the readout the decisions come from (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        readout: Option<NaiveDate>,
        /// Draft Hold paths too, each with a work-off due within the rubric's days.
        #[arg(long)]
        include_holds: bool,
    },
    /// Edit a Draft (each edit is an audited revision); a Proposed decision is no longer editable.
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_name = "USD", value_parser = parse_money_arg)]
        budget: Option<capcall_core::Planned>,
        /// Add a link or file path (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// Remove every evidence link first.
        #[arg(long)]
        clear_evidence: bool,
        /// Add a guardrail `metric op number[/scale]` (repeatable).
        #[arg(long)]
        guardrail: Vec<String>,
        /// Remove every guardrail first.
        #[arg(long)]
        clear_guardrails: bool,
        /// name=YYYY-MM-DD: add a milestone or move the one with that name (repeatable).
        #[arg(long)]
        milestone: Vec<String>,
        /// Remove the milestone with this name (repeatable).
        #[arg(long, value_name = "NAME")]
        remove_milestone: Vec<String>,
        /// Hold: when the work-off is due.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        workoff_due: Option<NaiveDate>,
    },
    /// Draft -> Proposed.
    Propose { id: String },
    /// Proposed -> Approved (needs owner, budget, evidence; a Hold needs a work-off due).
    Approve { id: String },
    /// Draft or Proposed -> Rejected, with the reason (recorded and shown).
    Reject {
        id: String,
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// Approved -> Superseded by a later decision, which must be Approved.
    Supersede {
        id: String,
        #[arg(long)]
        by: String,
        /// Approve --by (Proposed and complete) and supersede in one transaction.
        #[arg(long)]
        approve: bool,
    },
    /// The log, with the 24 h rule and what is missing.
    List {
        /// Only decisions logged later than 24 h after their readout.
        #[arg(long)]
        late: bool,
        /// Only decisions missing owner, budget, evidence or a work-off.
        #[arg(long)]
        incomplete: bool,
    },
    /// One decision in the seed's YAML format (or JSON with --json).
    Show { id: String },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Build a draft plan from the approved scenario and approved decisions.
    Build,
    /// Approve the newest draft plan as a whole; refused while governance
    /// gaps are open, unless they are accepted with a reason.
    Approve {
        /// Approve despite open gaps; the reason and the gaps are recorded
        /// with the plan and shown in the board pack.
        #[arg(long, value_name = "REASON")]
        accept_gaps: Option<String>,
    },
    /// The current plan.
    Show,
    /// The governance gaps between a scenario's paths and the decision log
    /// (exit 0 whatever it finds; `plan approve` is what refuses).
    Check {
        /// The scenario to check (default: the approved one).
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain end to end, that stored records match it, and
    /// print its digest; names the first bad row or record.
    Verify {
        /// A board pack's plan.json (or a digest LENGTH:HASH): also check
        /// that the trail still extends the digest recorded there.
        #[arg(long)]
        against: Option<PathBuf>,
    },
    /// The newest audit rows.
    Log {
        #[arg(long, default_value_t = 30)]
        limit: i64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PolicyArg {
    ProRata,
    HighestReturn,
}

/// Every date argument: strictly `YYYY-MM-DD` (the core's one date parser);
/// clap names the argument in the error.
fn parse_date_arg(s: &str) -> Result<NaiveDate, String> {
    capcall_core::period::parse_iso_date(s)
}

fn parse_money_arg(s: &str) -> Result<capcall_core::Planned, String> {
    let m = capcall_core::Planned::parse(s).map_err(|e| e.to_string())?;
    if m.is_negative() {
        return Err("must not be negative".into());
    }
    Ok(m)
}

fn parse_pct_arg(s: &str) -> Result<rust_decimal::Decimal, String> {
    let d = capcall_core::money::parse_decimal(s)?;
    if d < rust_decimal::Decimal::ZERO || d > rust_decimal::Decimal::ONE_HUNDRED {
        return Err(format!("{d} is not within 0..100"));
    }
    Ok(d)
}

#[derive(Subcommand)]
enum UsecaseCommand {
    /// Use cases with budget and latest UCR.
    List,
    /// Add a use case (checked like a use_cases.csv row; audited).
    Add {
        /// Slug: lowercase letters, digits and '-'.
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner: String,
        #[arg(long)]
        wave: String,
        #[arg(long)]
        region: String,
        /// Budget per quarter, USD, whole cents.
        #[arg(long, value_name = "USD", allow_hyphen_values = true)]
        budget: String,
        /// pilot (default), live or sunsetting.
        #[arg(long)]
        status: Option<String>,
        /// Feature flag name.
        #[arg(long)]
        flag: Option<String>,
        /// A cost lever (repeatable).
        #[arg(long = "lever", value_name = "L")]
        levers: Vec<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Set one field (a use_cases.csv column: name, owner, wave, region,
    /// status, flag, budget_usd, levers); an empty VALUE clears an optional one.
    Set {
        id: String,
        field: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// Why (required for a status change).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Retire a use case: its budget is freed from the sunset date.
    Retire {
        id: String,
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        sunset: NaiveDate,
        #[arg(long)]
        reason: String,
    },
    /// Remove a use case with its observations and incidents; refused when an
    /// approved scenario, a decision or a plan refers to it (retire it then).
    Remove {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Current budgets against the approved scenario's new budgets.
    VsApproved,
}

#[derive(Subcommand)]
enum ObservationCommand {
    /// Correct one value of one observation row (spend_usd, forecast_usd,
    /// units or a metric column of observations.csv); an empty VALUE is unknown.
    Correct {
        use_case: String,
        #[arg(value_name = "PERIOD_START", value_parser = parse_date_arg)]
        period_start: NaiveDate,
        field: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[arg(long)]
        reason: String,
    },
    /// Corrections typed by users (not imports), newest first.
    Corrections {
        #[arg(long, value_name = "ID")]
        use_case: Option<String>,
    },
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
            eprintln!("capcall: {}", capcall_core::format::visible_lines(&e.to_string()));
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

/// Streams one pretty JSON document to stdout (large portfolios give tens of
/// MB; building it in memory first would double the work). A closed pipe
/// ends the output quietly.
fn print_json(v: &impl serde::Serialize) {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if serde_json::to_writer_pretty(&mut out, v).is_ok() {
        let _ = writeln!(out);
    }
    let _ = out.flush();
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
        Command::Demo { force } => {
            let (path, _) = db_path(cli);
            let mut p = if path.exists() {
                Portfolio::open(&path, Access::Write)?
            } else {
                Portfolio::create(&path)?
            };
            p.reset_to_demo(*force)?;
            let (u, o) = p.counts()?;
            if cli.json {
                print_json(&json!({ "path": path, "use_cases": u, "observations": o }));
            } else {
                outln!("Demo portfolio: {u} use cases, {o} observations at {}", path.display());
            }
        }
        Command::Import {
            what: ImportWhat::Focus,
            files,
            cost,
            tag_key,
            rates,
        } => import_focus(cli, files, *cost, tag_key.as_deref(), rates.as_deref())?,
        Command::Import {
            what,
            files,
            cost,
            tag_key,
            rates,
        } => {
            if files.len() != 1 || *cost != CostArg::Effective || tag_key.is_some() || rates.is_some() {
                use clap::CommandFactory as _;
                Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "only `import focus` takes several files, --cost, --tag-key or --rates",
                    )
                    .exit();
            }
            match what {
                ImportWhat::Units => import_units(cli, &files[0])?,
                _ => import(cli, *what, &files[0])?,
            }
        }
        Command::Mapping { command } => mapping(cli, command)?,
        Command::Costs { from, to, by } => costs(cli, *from, *to, *by)?,
        Command::Incidents { from, to, use_case } => incidents(cli, *from, *to, use_case.as_deref())?,
        Command::Usecase { command } if !matches!(command, UsecaseCommand::List) => usecase_edit(cli, command)?,
        Command::Observation { command } => observation_cmd(cli, command)?,
        Command::Usecase { .. } => {
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
            if !run.history.is_empty() {
                outln!("Retired (history, not scored): {}", run.history.join(", "));
            }
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
                    capcall_core::format::measured(pt.spend_usd),
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
        Command::Scenario { command } => scenario_cmd(cli, command)?,
        Command::Decision { command } => decision_cmd(cli, command)?,
        Command::Plan { command } => plan_cmd(cli, command)?,
        Command::Audit { command } => audit_cmd(cli, command)?,
        Command::Config { command } => config_cmd(cli, command)?,
        Command::Export { out, formats, draft } => {
            let p = open(cli, Access::Read)?;
            let report = capcall_export::export(&p, out, *formats, *draft)?;
            if cli.json {
                print_json(&report);
            } else {
                outln!(
                    "Wrote {} files{} to {}:",
                    report.files.len(),
                    if report.draft { " (DRAFT)" } else { "" },
                    report.dir
                );
                for f in &report.files {
                    outln!("  {f}");
                }
            }
        }
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
    let kind = match what {
        ImportWhat::UseCases => ImportKind::UseCases,
        ImportWhat::Observations => ImportKind::Observations,
        ImportWhat::Incidents => return import_incidents(cli, file),
        ImportWhat::Focus | ImportWhat::Units => unreachable!("dispatched in run"),
    };
    let mut p = open(cli, Access::Write)?;
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

/// `import focus FILE...`: streaming, with a progress bar over all files.
fn import_focus(
    cli: &Cli,
    files: &[PathBuf],
    cost: CostArg,
    tag_key: Option<&str>,
    rates: Option<&Path>,
) -> Result<(), StoreError> {
    use capcall_core::format::measured;
    use capcall_store::focus::{CostColumn, FocusOptions};
    let mut p = open(cli, Access::Write)?;
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = if std::io::stderr().is_terminal() && !cli.json {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        b.set_message(format!("importing {} FOCUS file(s)", files.len()));
        Some(b)
    } else {
        None
    };
    let options = FocusOptions {
        cost: match cost {
            CostArg::Effective => CostColumn::Effective,
            CostArg::Billed => CostColumn::Billed,
        },
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
    let report = result?;
    if cli.json {
        print_json(&report);
        return Ok(());
    }
    outln!(
        "Imported {} FOCUS file(s): {} rows, {} {} ({}), {} stored lines; {} observation week(s) changed",
        report.files.len(),
        report.rows,
        measured(report.total),
        report.currency,
        report.cost_column,
        report.lines,
        report.spend_weeks_changed
    );
    let mut t = Table::new(&["billing account", "billing period", "rows", "total", ""]);
    t.right_align(&[2, 3]);
    for bp in &report.billing_periods {
        t.row(vec![
            bp.billing_account.clone(),
            format!("{} .. {}", bp.billing_period_start, bp.billing_period_end),
            bp.rows.to_string(),
            measured(bp.total),
            if bp.replaced { "replaced".into() } else { "new".into() },
        ]);
    }
    out!("{t}");
    Ok(())
}

/// `import units FILE`.
fn import_units(cli: &Cli, file: &Path) -> Result<(), StoreError> {
    let mut p = open(cli, Access::Write)?;
    let report = p.import_units(file)?;
    if cli.json {
        print_json(&report);
        return Ok(());
    }
    outln!(
        "Imported {}: units of {} periods ({} added, {} replaced)",
        report.file,
        report.rows,
        report.added,
        report.replaced
    );
    Ok(())
}

fn mapping(cli: &Cli, command: &MappingCommand) -> Result<(), StoreError> {
    match command {
        MappingCommand::Show => {
            let p = open(cli, Access::Read)?;
            let m = p.mapping()?;
            if cli.json {
                print_json(&m);
                return Ok(());
            }
            outln!(
                "Mapping version {}{}: tag key '{}' (value slugified = use case id), {} explicit rule(s), first match wins",
                m.version,
                m.created_by
                    .as_ref()
                    .map(|b| format!(" by {b} at {}", m.created_at.as_deref().unwrap_or("")))
                    .unwrap_or_else(|| " (default)".into()),
                m.mapping.tag_key,
                m.mapping.rules.len()
            );
            if !m.mapping.rules.is_empty() {
                let mut t = Table::new(&["tag key", "tag value", "use case"]);
                for r in &m.mapping.rules {
                    t.row(vec![r.tag_key.clone(), r.tag_value.clone(), r.use_case.clone()]);
                }
                out!("{t}");
            }
        }
        MappingCommand::Import { file, dry_run: true } => {
            use capcall_core::format::measured;
            let p = open(cli, Access::Read)?;
            let r = p.preview_mapping_file(file)?;
            if cli.json {
                print_json(&r);
                return Ok(());
            }
            let mut t = Table::new(&["use case", "before", "after", "difference"]);
            t.right_align(&[1, 2, 3]);
            for m in r.use_cases.iter().filter(|m| m.moved) {
                t.row(vec![
                    m.id.clone(),
                    measured(m.before),
                    measured(m.after),
                    measured(m.difference),
                ]);
            }
            t.row(vec![
                "(unallocated)".into(),
                measured(r.unallocated_before),
                measured(r.unallocated_after),
                measured(r.unallocated_difference),
            ]);
            out!("{t}");
            outln!(
                "Dry run of {}: {} rule(s) would change (mapping version {} -> {}); total {} {} unchanged. Nothing was written.",
                file.display(),
                r.rules_changed,
                r.version,
                if r.rules_changed > 0 { r.version + 1 } else { r.version },
                measured(r.total),
                r.currency
            );
        }
        MappingCommand::Import { file, dry_run: false } => {
            let mut p = open(cli, Access::Write)?;
            let r = p.import_mapping(file)?;
            if cli.json {
                print_json(&r);
                return Ok(());
            }
            outln!(
                "Imported {}: {} rule(s), {} changed; mapping version {}; {} observation week(s) changed",
                r.file,
                r.rules_read,
                r.rules_changed,
                r.version,
                r.spend_weeks_changed
            );
        }
    }
    Ok(())
}

fn costs(cli: &Cli, from: Option<NaiveDate>, to: Option<NaiveDate>, by: CostsByArg) -> Result<(), StoreError> {
    use capcall_core::format::measured;
    use capcall_store::focus::CostsBy;
    let p = open(cli, Access::Read)?;
    let by = match by {
        CostsByArg::UseCase => CostsBy::UseCase,
        CostsByArg::Week => CostsBy::Week,
        CostsByArg::Service => CostsBy::Service,
        CostsByArg::Category => CostsBy::Category,
    };
    let r = p.costs(from, to, by)?;
    if cli.json {
        print_json(&r);
        return Ok(());
    }
    let label = match by {
        CostsBy::UseCase => "use case",
        CostsBy::Week => "week",
        CostsBy::Service => "service",
        CostsBy::Category => "charge category",
    };
    let mut t = Table::new(&[label, "allocated", "unallocated", "total"]);
    t.right_align(&[1, 2, 3]);
    for g in &r.groups {
        t.row(vec![
            g.key.clone(),
            measured(g.allocated),
            measured(g.unallocated),
            measured(g.total),
        ]);
    }
    t.row(vec![
        "TOTAL".into(),
        measured(r.allocated),
        measured(r.unallocated),
        measured(r.total),
    ]);
    out!("{t}");
    outln!(
        "Currency {}; mapping version {} (tag key '{}'). Exact amounts: --json.",
        r.currency,
        r.mapping_version,
        r.tag_key
    );
    if !r.unallocated_by_tag_value.is_empty() && !r.unallocated.is_zero() {
        outln!("Largest unallocated by '{}':", r.tag_key);
        for u in r.unallocated_by_tag_value.iter().take(5) {
            outln!(
                "  {:<30} {}",
                u.tag_value.as_deref().unwrap_or("(no tag)"),
                measured(u.cost)
            );
        }
    }
    Ok(())
}

/// `import incidents FILE`: small files, read whole, so no progress bar.
fn import_incidents(cli: &Cli, file: &Path) -> Result<(), StoreError> {
    let mut p = open(cli, Access::Write)?;
    let report = p.import_incidents(file)?;
    if cli.json {
        print_json(&report);
        return Ok(());
    }
    outln!(
        "Imported {}: {} incidents ({} added, {} replaced)",
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
    Ok(())
}

fn incidents(
    cli: &Cli,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    use_case: Option<&str>,
) -> Result<(), StoreError> {
    use capcall_core::incident::{DateRange, Figures};
    let p = open(cli, Access::Read)?;
    let s = p.incident_summary(DateRange { from, to }, use_case)?;
    if cli.json {
        print_json(&s);
        return Ok(());
    }
    let window = match (s.from, s.to) {
        (Some(f), Some(t)) => format!("from {f} to {t}"),
        (Some(f), None) => format!("since {f}"),
        (None, Some(t)) => format!("up to {t}"),
        (None, None) => "(all recorded)".into(),
    };
    let f = &s.portfolio;
    let sev = &f.by_severity;
    outln!(
        "Incidents opened {window}{}: {} (sev1 {}, sev2 {}, sev3 {}, sev4 {}); {} privacy",
        use_case.map(|u| format!(" ({u})")).unwrap_or_default(),
        f.opened,
        sev.sev1,
        sev.sev2,
        sev.sev3,
        sev.sev4,
        f.privacy
    );
    let ttr = |f: &Figures| {
        (
            f.mean_time_to_resolve.clone().unwrap_or_else(|| "-".into()),
            f.p90_time_to_resolve.clone().unwrap_or_else(|| "-".into()),
        )
    };
    let (mean, p90) = ttr(f);
    outln!(
        "Resolved {}: mean time to resolve {mean}, p90 {p90} (nearest rank); {} still open",
        f.resolved,
        f.unresolved
    );
    if !s.use_cases.is_empty() {
        let mut t = Table::new(&[
            "USE CASE", "OPENED", "SEV1", "SEV2", "SEV3", "SEV4", "PRIVACY", "OPEN", "MEAN TTR", "P90 TTR",
        ]);
        t.right_align(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for u in &s.use_cases {
            let g = &u.figures;
            let (mean, p90) = ttr(g);
            t.row(vec![
                u.use_case.clone(),
                g.opened.to_string(),
                g.by_severity.sev1.to_string(),
                g.by_severity.sev2.to_string(),
                g.by_severity.sev3.to_string(),
                g.by_severity.sev4.to_string(),
                g.privacy.to_string(),
                g.unresolved.to_string(),
                mean,
                p90,
            ]);
        }
        outln!();
        out!("{t}");
    }
    outln!(
        "\nOpen {}: {}",
        s.to.map(|t| format!("at the end of {t}"))
            .unwrap_or_else(|| "(as recorded)".into()),
        s.open.len()
    );
    if !s.open.is_empty() {
        let mut t = Table::new(&["ID", "SEVERITY", "USE CASE", "OPENED (UTC)", "TITLE"]);
        for i in &s.open {
            t.row(vec![
                i.id.clone(),
                i.severity.as_str().into(),
                i.use_case.clone(),
                capcall_core::incident::fmt_utc(i.opened),
                i.title.clone(),
            ]);
        }
        out!("{t}");
    }
    if !s.quarters.is_empty() {
        let mut t = Table::new(&[
            "QUARTER", "OPENED", "Q/Q", "SEV1", "SEV2", "SEV3", "SEV4", "MEAN TTR", "P90 TTR",
        ]);
        t.right_align(&[1, 2, 3, 4, 5, 6, 7, 8]);
        for q in &s.quarters {
            let g = &q.figures;
            let (mean, p90) = ttr(g);
            t.row(vec![
                format!("{}{}", q.quarter, if q.partial { " (partial)" } else { "" }),
                g.opened.to_string(),
                q.opened_change.map(|c| format!("{c:+}")).unwrap_or_else(|| "-".into()),
                g.by_severity.sev1.to_string(),
                g.by_severity.sev2.to_string(),
                g.by_severity.sev3.to_string(),
                g.by_severity.sev4.to_string(),
                mean,
                p90,
            ]);
        }
        outln!("\nBy quarter:");
        out!("{t}");
        if let Some(last) = s.quarters.last() {
            outln!();
            for line in &last.sentences {
                outln!("{line}.");
            }
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

fn scenario_cmd(cli: &Cli, command: &ScenarioCommand) -> Result<(), StoreError> {
    use capcall_store::scenarios::ParamChanges;
    match command {
        ScenarioCommand::New { name, as_of, .. } => {
            let mut p = open(cli, Access::Write)?;
            let sc = p.scenario_new(name, *as_of)?;
            if cli.json {
                print_json(&sc);
            } else {
                outln!(
                    "Created scenario '{}' as of {} (rubric v{}) for the quarter starting {}: {} use cases",
                    visible(&sc.meta.name),
                    sc.meta.as_of,
                    sc.meta.rubric_version,
                    sc.meta.params.quarter_start,
                    sc.lines.len()
                );
            }
        }
        ScenarioCommand::Import { name, file } => {
            let mut p = open(cli, Access::Write)?;
            let sc = p.scenario_import(name, file)?;
            if cli.json {
                print_json(&sc);
            } else {
                let overrides = sc.lines.iter().filter(|l| l.path_override.is_some()).count();
                let asks = sc.lines.iter().filter(|l| l.ask_usd.is_some()).count();
                outln!(
                    "Applied {} to '{}': {overrides} path overrides, {asks} asks",
                    file.display(),
                    sc.meta.name
                );
            }
        }
        ScenarioCommand::Run {
            name,
            policy,
            envelope,
            reserve_pct,
        } => {
            let mut p = open(
                cli,
                if policy.is_some() || envelope.is_some() || reserve_pct.is_some() {
                    Access::Write
                } else {
                    Access::Read
                },
            )?;
            let changes = ParamChanges {
                policy: policy.map(|p| match p {
                    PolicyArg::ProRata => capcall_core::scenario::Policy::ProRata,
                    PolicyArg::HighestReturn => capcall_core::scenario::Policy::HighestReturn,
                }),
                envelope_usd: *envelope,
                reserve_pct: *reserve_pct,
            };
            let out = p.scenario_run(name, &changes)?;
            // Retired use cases: history, shown but out of next-quarter totals.
            let history = p.retired_use_cases()?;
            if cli.json {
                print_json(&json!({ "scenario": name, "outcome": out, "history": history }));
                return Ok(());
            }
            let mut lines = out.lines.clone();
            lines.sort_by(capcall_core::scenario::display_order);
            let mut t = Table::new(&["USE CASE", "PATH", "OLD BUDGET", "NEW BUDGET", "DELTA", "REASON"]);
            t.right_align(&[2, 3, 4]);
            for l in &lines {
                t.row(vec![
                    l.use_case.clone(),
                    format!("{}{}", l.path.as_str(), if l.overridden { "*" } else { "" }),
                    l.old_budget_usd.display_grouped(),
                    l.new_budget_usd.display_grouped(),
                    l.delta_usd.display_grouped(),
                    l.reason.to_string(),
                ]);
            }
            outln!(
                "Scenario '{name}': policy {}, envelope {}, reserve {}%, quarter from {}\n",
                out.params.policy.as_str(),
                out.params.envelope_usd.display_grouped(),
                out.params.reserve_pct.normalize(),
                out.params.quarter_start
            );
            out!("{t}");
            let tt = &out.totals;
            let mut s = Table::new(&["TOTAL", "USD"]);
            s.right_align(&[1]);
            for (k, v) in [
                ("old budget", tt.old_budget_usd),
                ("new budget", tt.new_budget_usd),
                ("freed by Retire (net of decommission)", tt.freed_usd),
                ("decommission costs", tt.decommission_usd),
                ("envelope (new money)", tt.envelope_usd),
                ("reserve", tt.reserve_usd),
                ("reallocated to Expand", tt.reallocated_usd),
                ("unallocated", tt.unallocated_usd),
                ("Expand asks (after caps)", tt.requested_usd),
                ("asks left unfunded", tt.unfunded_asks_usd),
                ("NEXT CAPITAL CALL (to fund every ask)", tt.next_capital_call_usd),
                ("beyond the chosen envelope", tt.envelope_shortfall_usd),
            ] {
                s.row(vec![k.into(), v.display_grouped()]);
            }
            s.row(vec![
                "projected value".into(),
                capcall_core::Planned::round_from(tt.projected_value)
                    .map(|m| m.display_grouped())
                    .unwrap_or_else(|_| tt.projected_value.to_string()),
            ]);
            s.row(vec![
                "portfolio UCR now -> projected".into(),
                format!(
                    "{} -> {}",
                    tt.current_ucr.map(fmt_ucr).unwrap_or_else(|| "unknown".into()),
                    tt.projected_ucr.map(fmt_ucr).unwrap_or_else(|| "unknown".into())
                ),
            ]);
            outln!();
            out!("{s}");
            if !history.is_empty() {
                outln!(
                    "\nRetired (history: no path, not in next-quarter totals): {}",
                    history.join(", ")
                );
            }
        }
        ScenarioCommand::Export { name, file } => {
            let p = open(cli, Access::Read)?;
            let f = p.scenario_export(name, file)?;
            if cli.json {
                print_json(&json!({
                    "file": file,
                    "name": f.name,
                    "schema_version": f.schema_version,
                    "author": f.author,
                    "exported_at": f.exported_at,
                    "as_of": f.as_of,
                    "rubric_version": f.rubric.version,
                    "lines": f.lines.len(),
                }));
            } else {
                outln!(
                    "Wrote scenario '{}' ({} use cases, as of {}, rubric v{}) by {} to {}",
                    visible(&f.name),
                    f.lines.len(),
                    f.as_of,
                    f.rubric.version,
                    visible(&f.author),
                    file.display()
                );
            }
        }
        ScenarioCommand::Open { file, as_name } => {
            let mut p = open(cli, Access::Write)?;
            let o = p.scenario_open(file, as_name.as_deref())?;
            if cli.json {
                print_json(&o);
                return Ok(());
            }
            outln!(
                "Opened '{}' as a draft scenario: by {}, exported {}, as of {}, {} use cases",
                visible(&o.scenario.meta.name),
                visible(&o.author),
                o.exported_at,
                o.scenario.meta.as_of,
                o.scenario.lines.len()
            );
            if o.changes.is_empty() {
                outln!("Nothing changed in this portfolio since (budgets, verdicts, use cases, rubric).");
            } else {
                outln!("Changed in this portfolio since the file was made:");
                for c in &o.changes {
                    outln!("  {}", visible(&c.message));
                }
            }
        }
        ScenarioCommand::Compare { a, b } => {
            let mut p = open(cli, Access::Read)?;
            let c = p.scenario_compare(a, b)?;
            if cli.json {
                print_json(&c);
                return Ok(());
            }
            let mut t = Table::new(&[
                "USE CASE",
                &format!("PATH {a}"),
                &format!("PATH {b}"),
                &format!("NEW {a}"),
                &format!("NEW {b}"),
                "DIFFERENCE",
                "",
            ]);
            t.right_align(&[3, 4, 5]);
            let show = |m: Option<capcall_core::Planned>| m.map(|m| m.display_grouped()).unwrap_or_else(|| "-".into());
            for l in &c.lines {
                t.row(vec![
                    l.use_case.clone(),
                    l.path_a.map(|p| p.as_str()).unwrap_or("-").into(),
                    l.path_b.map(|p| p.as_str()).unwrap_or("-").into(),
                    show(l.new_budget_a),
                    show(l.new_budget_b),
                    l.difference.display_grouped(),
                    if l.changed { "changed".into() } else { String::new() },
                ]);
            }
            out!("{t}");
            let mut s = Table::new(&["TOTAL", a, b, "DIFFERENCE"]);
            s.right_align(&[1, 2, 3]);
            for x in &c.totals {
                s.row(vec![
                    x.name.clone(),
                    x.a.display_grouped(),
                    x.b.display_grouped(),
                    x.difference.display_grouped(),
                ]);
            }
            outln!();
            out!("{s}");
        }
        ScenarioCommand::Approve { name } => {
            let mut p = open(cli, Access::Write)?;
            let meta = p.scenario_approve(name)?;
            if cli.json {
                print_json(&meta);
            } else {
                outln!(
                    "Approved scenario '{}' (frozen; clone it to change it)",
                    visible(&meta.name)
                );
            }
        }
        ScenarioCommand::Clone { from, to } => {
            let mut p = open(cli, Access::Write)?;
            let sc = p.scenario_clone(from, to)?;
            if cli.json {
                print_json(&sc.meta);
            } else {
                outln!("Cloned '{}' to '{}' (draft)", visible(from), visible(&sc.meta.name));
            }
        }
        ScenarioCommand::Drift { name } => {
            let p = open(cli, Access::Read)?;
            let lines = p.scenario_drift(name)?;
            if cli.json {
                print_json(&json!({ "scenario": name, "lines": lines }));
                return Ok(());
            }
            if lines.is_empty() {
                outln!("Nothing changed under scenario '{}'", visible(name));
                return Ok(());
            }
            let mut t = Table::new(&["USE CASE", "CHANGED", "SCENARIO BUDGET", "CURRENT BUDGET", "STATUS"]);
            t.right_align(&[2, 3]);
            for l in &lines {
                let kinds: Vec<&str> = l
                    .drift
                    .iter()
                    .map(|d| match d {
                        capcall_store::edit::Drift::BudgetChanged => "budget",
                        capcall_store::edit::Drift::Retired => "retired",
                        capcall_store::edit::Drift::Removed => "removed",
                        capcall_store::edit::Drift::Added => "added",
                    })
                    .collect();
                t.row(vec![
                    l.use_case.clone(),
                    kinds.join(", "),
                    l.scenario_budget_usd
                        .map(|b| b.display_grouped())
                        .unwrap_or_else(|| "-".into()),
                    l.current_budget_usd
                        .map(|b| b.display_grouped())
                        .unwrap_or_else(|| "-".into()),
                    l.current_status
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "removed".into()),
                ]);
            }
            out!("{t}");
        }
        ScenarioCommand::List => {
            let p = open(cli, Access::Read)?;
            let list = p.scenarios()?;
            if cli.json {
                print_json(&json!({ "scenarios": list }));
                return Ok(());
            }
            let mut t = Table::new(&["NAME", "STATUS", "AS OF", "RUBRIC", "POLICY", "ENVELOPE", "CREATED"]);
            t.right_align(&[5]);
            for m in &list {
                t.row(vec![
                    m.name.clone(),
                    m.status.as_str().into(),
                    m.as_of.to_string(),
                    format!("v{}", m.rubric_version),
                    m.params.policy.as_str().into(),
                    m.params.envelope_usd.display_grouped(),
                    m.created_at.clone(),
                ]);
            }
            out!("{t}");
        }
    }
    Ok(())
}

fn decision_cmd(cli: &Cli, command: &DecisionCommand) -> Result<(), StoreError> {
    use capcall_core::decision::{to_yaml, Status};
    let moved = |cli: &Cli, id: &str, to: Status| -> Result<(), StoreError> {
        let mut p = open(cli, Access::Write)?;
        let d = p.decision_move(id, to)?;
        if cli.json {
            print_json(&d);
        } else {
            outln!("{} is now {}", visible(&d.id), d.status.as_str());
        }
        Ok(())
    };
    match command {
        DecisionCommand::Add {
            path,
            use_case,
            scenario,
            title,
            owner,
            budget,
            evidence,
            guardrail,
            milestone,
            readout,
            workoff_due,
        } => {
            let route = capcall_core::rubric::Path::parse(path)
                .ok_or_else(|| StoreError::Invalid(format!("--path: '{path}' is not expand, hold or retire")))?;
            let mut p = open(cli, Access::Write)?;
            let d = p.decision_add(capcall_store::decisions::NewDecision {
                path: Some(route),
                use_case: use_case.clone(),
                scenario: scenario.clone(),
                title: title.clone(),
                owner: owner.clone(),
                budget_usd: *budget,
                evidence: evidence.clone(),
                guardrails: guardrail.clone(),
                milestones: milestone.clone(),
                readout_date: readout.unwrap_or_else(|| capcall_store::portfolio::now_utc().date()),
                workoff_due: *workoff_due,
            })?;
            if cli.json {
                print_json(&d);
            } else {
                outln!("Logged {} ({}) as Draft", visible(&d.id), visible(&d.title));
            }
        }
        DecisionCommand::Propose { id } => moved(cli, id, Status::Proposed)?,
        DecisionCommand::Approve { id } => moved(cli, id, Status::Approved)?,
        DecisionCommand::Reject { id, reason } => {
            let mut p = open(cli, Access::Write)?;
            let d = p.decision_reject(id, reason)?;
            if cli.json {
                print_json(&d);
            } else {
                outln!(
                    "{} is now Rejected: {}",
                    visible(&d.id),
                    visible(d.rejection_reason.as_deref().unwrap_or_default())
                );
            }
        }
        DecisionCommand::Draft {
            from_scenario,
            readout,
            include_holds,
        } => {
            let mut p = open(cli, Access::Write)?;
            let r = p.decision_draft_from_scenario(from_scenario, *readout, *include_holds)?;
            if cli.json {
                print_json(&r);
                return Ok(());
            }
            outln!(
                "Drafted {} decision{} from scenario '{}'; {} path{} already covered",
                r.created.len(),
                if r.created.len() == 1 { "" } else { "s" },
                visible(&r.scenario),
                r.skipped.len(),
                if r.skipped.len() == 1 { "" } else { "s" }
            );
            if !r.created.is_empty() {
                let mut t = Table::new(&[
                    "ID",
                    "STATUS",
                    "PATH",
                    "USE CASE",
                    "OWNER",
                    "BUDGET (USD)",
                    "MILESTONES",
                ]);
                t.right_align(&[5]);
                for d in &r.created {
                    t.row(vec![
                        d.id.clone(),
                        d.status.as_str().into(),
                        d.path.as_str().into(),
                        d.use_case.clone().unwrap_or_default(),
                        d.owner.clone(),
                        d.budget_usd.map(|b| b.display_grouped()).unwrap_or_else(|| "-".into()),
                        d.milestones
                            .iter()
                            .map(|m| format!("{} {}", m.name, m.date))
                            .chain(d.workoff_due.map(|w| format!("work-off {w}")))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]);
                }
                out!("{t}");
            }
            for s in &r.skipped {
                outln!("  skipped {} ({}): {}", s.use_case, s.path.as_str(), s.reason);
            }
        }
        DecisionCommand::Edit {
            id,
            title,
            owner,
            budget,
            evidence,
            clear_evidence,
            guardrail,
            clear_guardrails,
            milestone,
            remove_milestone,
            workoff_due,
        } => {
            let edit = capcall_core::decision::DecisionEdit {
                title: title.clone(),
                owner: owner.clone(),
                budget_usd: *budget,
                workoff_due: *workoff_due,
                evidence: clear_evidence.then(Vec::new),
                add_evidence: evidence.clone(),
                guardrails: clear_guardrails.then(Vec::new),
                add_guardrails: guardrail.clone(),
                milestones: None,
                set_milestones: milestone.clone(),
                remove_milestones: remove_milestone.clone(),
            };
            let mut p = open(cli, Access::Write)?;
            let d = p.decision_edit(id, &edit)?;
            if cli.json {
                print_json(&d);
            } else {
                out!("{}", to_yaml(&d));
            }
        }
        DecisionCommand::Supersede { id, by, approve } => {
            let mut p = open(cli, Access::Write)?;
            let d = if *approve {
                p.decision_approve_and_supersede(id, by)?
            } else {
                p.decision_supersede(id, by)?
            };
            if cli.json {
                print_json(&d);
            } else {
                if *approve {
                    outln!("{} is now Approved", visible(by));
                }
                outln!("{} is superseded by {}", visible(&d.id), visible(by));
            }
        }
        DecisionCommand::List { late, incomplete } => {
            let p = open(cli, Access::Read)?;
            let list: Vec<_> = p
                .decisions()?
                .into_iter()
                .filter(|v| !late || !v.within_24h)
                .filter(|v| !incomplete || !v.missing.is_empty())
                .collect();
            if cli.json {
                print_json(&json!({ "decisions": list }));
                return Ok(());
            }
            let mut t = Table::new(&[
                "ID",
                "STATUS",
                "TITLE",
                "OWNER",
                "BUDGET (USD)",
                "24H",
                "GUARDRAILS",
                "MISSING",
            ]);
            t.right_align(&[4]);
            for v in &list {
                let d = &v.decision;
                let g: Vec<String> = v
                    .guardrails
                    .iter()
                    .map(|c| format!("{}: {}", c.guardrail, c.state))
                    .collect();
                t.row(vec![
                    d.id.clone(),
                    match &d.rejection_reason {
                        Some(r) => format!("{}: {r}", d.status.as_str()),
                        None => d.status.as_str().into(),
                    },
                    d.title.clone(),
                    d.owner.clone(),
                    d.budget_usd.map(|b| b.display_grouped()).unwrap_or_else(|| "-".into()),
                    if v.within_24h { "yes".into() } else { "LATE".into() },
                    g.join("; "),
                    v.missing.join("; "),
                ]);
            }
            out!("{t}");
        }
        DecisionCommand::Show { id } => {
            let p = open(cli, Access::Read)?;
            let d = p.decision(id)?;
            if cli.json {
                print_json(&d);
            } else {
                out!("{}", to_yaml(&d));
            }
        }
    }
    Ok(())
}

fn plan_cmd(cli: &Cli, command: &PlanCommand) -> Result<(), StoreError> {
    let stored = match command {
        PlanCommand::Check { scenario } => return plan_check(cli, scenario.as_deref()),
        PlanCommand::Build => open(cli, Access::Write)?.plan_build()?,
        PlanCommand::Approve { accept_gaps } => open(cli, Access::Write)?.plan_approve_with(accept_gaps.as_deref())?,
        PlanCommand::Show => open(cli, Access::Read)?
            .plan_latest(false)?
            .ok_or_else(|| StoreError::NotFound("no plan yet: `capcall plan build`".into()))?,
    };
    if cli.json {
        print_json(&stored);
        return Ok(());
    }
    let pl = &stored.plan;
    outln!(
        "{} — plan {} ({}), from scenario '{}'",
        visible(&pl.title),
        stored.id,
        stored.status,
        visible(&pl.scenario)
    );
    outln!(
        "Next capital call {} USD; reallocated {} USD; {} outcomes, {} milestones, {} work-offs",
        pl.totals.next_capital_call_usd.display_grouped(),
        pl.totals.reallocated_usd.display_grouped(),
        pl.outcomes.len(),
        pl.milestones.len(),
        pl.workoffs.len()
    );
    for m in &pl.milestones {
        outln!("  {}  {:<32} {}", m.date, visible(&m.name), visible(&m.owner));
    }
    if let Some(a) = &stored.accepted_gaps {
        outln!(
            "Approved with {} governance gap{} accepted by {} at {}: {}",
            a.gaps.len(),
            if a.gaps.len() == 1 { "" } else { "s" },
            visible(&a.accepted_by),
            a.accepted_at,
            visible(&a.reason)
        );
        for g in &a.gaps {
            outln!("  {}", visible(&g.message));
        }
    }
    Ok(())
}

/// `plan check`: lists the gaps; exits 0 whatever it finds (a report, like
/// `decision list --incomplete`); `plan approve` is what refuses.
fn plan_check(cli: &Cli, scenario: Option<&str>) -> Result<(), StoreError> {
    let p = open(cli, Access::Read)?;
    let c = p.governance_check(scenario)?;
    if cli.json {
        print_json(&c);
        return Ok(());
    }
    outln!(
        "Governance check of scenario '{}' ({} paths; plan window {} to {}): {}",
        visible(&c.scenario),
        c.paths,
        c.window_start,
        c.window_end,
        if c.clean {
            "no gaps".to_string()
        } else {
            format!("{} gap{}", c.gaps.len(), if c.gaps.len() == 1 { "" } else { "s" })
        }
    );
    if !c.gaps.is_empty() {
        let mut t = Table::new(&["GAP", "USE CASE", "DECISION", "DETAIL"]);
        for g in &c.gaps {
            t.row(vec![
                serde_json::to_value(g.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                    .unwrap_or_default(),
                g.use_case.clone().unwrap_or_else(|| "-".into()),
                g.decision.clone().unwrap_or_else(|| "-".into()),
                g.message.clone(),
            ]);
        }
        out!("{t}");
        outln!("`capcall plan approve` refuses until these are closed, or accepted with --accept-gaps REASON.");
    }
    Ok(())
}

/// A digest given as `LENGTH:HASH`, or read from a board pack's plan.json.
fn read_digest(arg: &std::path::Path) -> Result<capcall_store::audit::AuditDigest, StoreError> {
    if let Ok(d) = arg.to_string_lossy().parse() {
        if !arg.exists() {
            return Ok(d);
        }
    }
    let bad = |why: String| StoreError::Invalid(format!("--against {}: {why}", arg.display()));
    let text = std::fs::read_to_string(arg).map_err(|e| bad(e.to_string()))?;
    if let Ok(d) = text.trim().parse() {
        return Ok(d);
    }
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a plan.json or a digest: {e}")))?;
    let d = v
        .get("audit_digest")
        .ok_or_else(|| bad("has no audit_digest (exported before Capcall recorded one)".into()))?;
    serde_json::from_value(d.clone()).map_err(|e| bad(format!("audit_digest: {e}")))
}

fn config_cmd(cli: &Cli, command: &ConfigCommand) -> Result<(), StoreError> {
    use capcall_store::config;
    match command {
        ConfigCommand::Set { key, value } => {
            config::set(key, value)?;
            if cli.json {
                print_json(&json!({ "key": key, "value": value, "file": config::path() }));
            } else {
                outln!("{key} = {value} (in {})", config::path().display());
            }
        }
        ConfigCommand::Get { key } => match config::get(key)? {
            Some(v) if cli.json => print_json(&json!({ "key": key, "value": v })),
            Some(v) => outln!("{v}"),
            None => return Err(StoreError::NotFound(format!("{key} is not set"))),
        },
        ConfigCommand::List => {
            let all = config::all()?;
            let who = config::whoami();
            if cli.json {
                print_json(&json!({ "settings": all, "recorded_as": who, "file": config::path() }));
            } else {
                for (k, v) in &all {
                    outln!("{k} = {v}");
                }
                outln!("recorded as: {who}");
            }
        }
    }
    Ok(())
}

/// " (reason: ...)" for a human line, or nothing.
fn reason_note(reason: Option<&str>) -> String {
    reason.map(|r| format!(" (reason: {})", visible(r))).unwrap_or_default()
}

fn audit_note(e: &capcall_store::Edit) -> String {
    e.seq.map(|s| format!(" [audit #{s}]")).unwrap_or_default()
}

/// `usecase add|set|retire|remove|vs-approved`.
fn usecase_edit(cli: &Cli, command: &UsecaseCommand) -> Result<(), StoreError> {
    use capcall_store::edit::Change;
    if let UsecaseCommand::VsApproved = command {
        let p = open(cli, Access::Read)?;
        let vs = p.budget_vs_approved()?;
        if cli.json {
            print_json(&json!({ "approved": vs }));
            return Ok(());
        }
        let Some(vs) = vs else {
            outln!("No approved scenario.");
            return Ok(());
        };
        outln!(
            "Current budgets against the approved scenario '{}'\n",
            visible(&vs.scenario)
        );
        let mut t = Table::new(&["USE CASE", "STATUS", "CURRENT", "APPROVED NEW", "DIFFERENCE", "CHANGED"]);
        t.right_align(&[2, 3, 4]);
        let money = |m: Option<capcall_core::Planned>| m.map(|m| m.display_grouped()).unwrap_or_else(|| "-".into());
        for l in &vs.lines {
            t.row(vec![
                l.use_case.clone(),
                l.current_status
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "removed".into()),
                money(l.current_budget_usd),
                money(l.approved_new_budget_usd),
                money(l.difference_usd),
                if l.changed_since_approval { "yes" } else { "" }.into(),
            ]);
        }
        t.row(vec![
            "TOTAL".into(),
            String::new(),
            vs.current_total_usd.display_grouped(),
            vs.approved_total_usd.display_grouped(),
            vs.difference_usd.display_grouped(),
            String::new(),
        ]);
        out!("{t}");
        return Ok(());
    }
    let mut p = open(cli, Access::Write)?;
    let edit = match command {
        UsecaseCommand::List | UsecaseCommand::VsApproved => unreachable!("handled above"),
        UsecaseCommand::Add {
            id,
            name,
            owner,
            wave,
            region,
            budget,
            status,
            flag,
            levers,
            reason,
        } => p.use_case_add(capcall_store::NewUseCase {
            id: id.clone(),
            name: name.clone(),
            owner: owner.clone(),
            wave: wave.clone(),
            region: region.clone(),
            status: status.clone(),
            flag: flag.clone(),
            budget_usd: budget.clone(),
            levers: levers.clone(),
            reason: reason.clone(),
        })?,
        UsecaseCommand::Set {
            id,
            field,
            value,
            reason,
        } => p.use_case_set(id, field, value, reason.as_deref())?,
        UsecaseCommand::Retire { id, sunset, reason } => p.use_case_retire(id, *sunset, reason)?,
        UsecaseCommand::Remove { id, reason } => p.use_case_remove(id, reason.as_deref())?,
    };
    if cli.json {
        print_json(&edit);
        return Ok(());
    }
    let Change::UseCase {
        id,
        before,
        after,
        removed,
    } = &edit.change
    else {
        unreachable!("a use-case edit")
    };
    let id = visible(id);
    let why = reason_note(edit.reason.as_deref());
    let at = audit_note(&edit);
    match (command, before, after) {
        (UsecaseCommand::Add { .. }, _, Some(a)) => outln!(
            "Added use case {id} ({}), {}, budget {}/quarter{why}{at}",
            visible(&a.use_case.name),
            a.use_case.status.as_str(),
            a.use_case.budget_usd.display_grouped()
        ),
        (UsecaseCommand::Set { field, .. }, Some(b), Some(a)) => {
            let show = |s: &capcall_store::UseCaseState| {
                s.field(field)
                    .map(|v| visible(&v).into_owned())
                    .unwrap_or_else(|| "(empty)".into())
            };
            if edit.changed {
                outln!("Set {id} {}: {} -> {}{why}{at}", visible(field), show(b), show(a));
            } else {
                outln!("{id} {} is already {}; nothing changed", visible(field), show(a));
            }
        }
        (UsecaseCommand::Retire { .. }, _, Some(a)) => {
            if edit.changed {
                outln!(
                    "Retired {id} from {}{why}{at}",
                    a.use_case.sunset_date.map(|d| d.to_string()).unwrap_or_default()
                );
            } else {
                outln!("{id} is already retired from that date; nothing changed");
            }
        }
        _ => {
            let h = removed.clone().unwrap_or_default();
            outln!(
                "Removed use case {id} with {} observation rows and {} incidents{why}{at}",
                h.observations.len(),
                h.incidents.len()
            );
        }
    }
    Ok(())
}

/// `observation correct|corrections`.
fn observation_cmd(cli: &Cli, command: &ObservationCommand) -> Result<(), StoreError> {
    match command {
        ObservationCommand::Correct {
            use_case,
            period_start,
            field,
            value,
            reason,
        } => {
            let mut p = open(cli, Access::Write)?;
            let edit = p.observation_correct(use_case, *period_start, field, value, reason)?;
            if cli.json {
                print_json(&edit);
                return Ok(());
            }
            let capcall_store::edit::Change::Observation { before, after, .. } = &edit.change else {
                unreachable!("an observation edit")
            };
            let show = |v: &Option<String>| -> String {
                v.as_deref()
                    .map(|t| visible(t).into_owned())
                    .unwrap_or_else(|| "unknown".into())
            };
            if edit.changed {
                outln!(
                    "Corrected {} {period_start} {}: {} -> {}{}{}",
                    visible(use_case),
                    visible(field),
                    show(before),
                    show(after),
                    reason_note(edit.reason.as_deref()),
                    audit_note(&edit)
                );
            } else {
                outln!(
                    "{} {period_start} {} is already {}; nothing changed",
                    visible(use_case),
                    visible(field),
                    show(after)
                );
            }
        }
        ObservationCommand::Corrections { use_case } => {
            let p = open(cli, Access::Read)?;
            let list = p.observation_corrections(use_case.as_deref())?;
            if cli.json {
                print_json(&json!({ "corrections": list }));
                return Ok(());
            }
            let mut t = Table::new(&[
                "SEQ", "AT", "WHO", "USE CASE", "PERIOD", "FIELD", "BEFORE", "AFTER", "REASON",
            ]);
            for c in &list {
                t.row(vec![
                    c.seq.to_string(),
                    c.at.clone(),
                    c.who.clone(),
                    c.use_case.clone(),
                    c.period_start.clone(),
                    c.field.clone(),
                    c.before.clone().unwrap_or_else(|| "unknown".into()),
                    c.after.clone().unwrap_or_else(|| "unknown".into()),
                    c.reason.clone().unwrap_or_default(),
                ]);
            }
            out!("{t}");
        }
    }
    Ok(())
}

fn audit_cmd(cli: &Cli, command: &AuditCommand) -> Result<(), StoreError> {
    let p = open(cli, Access::Read)?;
    match command {
        AuditCommand::Verify { against } => {
            let digest = against.as_deref().map(read_digest).transpose()?;
            let v = p.audit_verify(digest.as_ref())?;
            if cli.json {
                print_json(&v);
            } else if v.ok {
                outln!(
                    "audit trail intact: {} rows, hash chain verified, stored records match it",
                    v.rows
                );
                if let Some(d) = &digest {
                    outln!("it extends the digest {d}");
                }
                outln!("digest: {}", v.digest);
            }
            if !v.ok {
                let mut msg = format!("audit trail broken: {}", v.problem.clone().unwrap_or_default());
                for m in v.mismatches.iter().skip(5) {
                    msg.push_str(&format!("\n  {m}"));
                }
                return Err(StoreError::Invalid(msg));
            }
        }
        AuditCommand::Log { limit } => {
            let rows = p.audit_history(None, None, *limit)?;
            if cli.json {
                print_json(&json!({ "audit": rows }));
                return Ok(());
            }
            let mut t = Table::new(&["SEQ", "AT", "WHO", "ENTITY", "ID", "ACTION", "REASON"]);
            for r in &rows {
                t.row(vec![
                    r.seq.to_string(),
                    r.at.clone(),
                    r.who.clone(),
                    r.entity.clone(),
                    r.entity_id.clone(),
                    r.action.clone(),
                    r.reason.clone().unwrap_or_default(),
                ]);
            }
            out!("{t}");
        }
    }
    Ok(())
}
