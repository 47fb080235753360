//! The command line's grammar: every command, argument and value, as clap
//! reads it. Nothing here runs anything (that is `commands`).

use std::path::PathBuf;

use capcall_store::ImportKind;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "capcall",
    version,
    about = "Govern a portfolio of AI use cases and plan the next capital call."
)]
pub(crate) struct Cli {
    /// Portfolio file (default: $CAPCALL_DB, else the app's portfolio in the user data dir).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Machine output: one JSON document on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create an empty portfolio file (refuses to overwrite).
    Init,
    /// Create or reset a portfolio with the demo data (one transaction).
    Demo {
        /// Reset even when it wipes approved work (an approved scenario, decision or plan).
        #[arg(long)]
        force: bool,
    },
    /// Import a CSV file (all or nothing); `import focus` takes several
    /// FOCUS cost exports (CSV or .csv.gz) at once.
    Import {
        #[arg(value_enum)]
        what: ImportKind,
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
        /// With --draft: the pre-read of scenario NAME (draft or approved),
        /// its plan built in memory (nothing stored, no approval needed).
        #[arg(long, value_name = "NAME", requires = "draft")]
        scenario: Option<String>,
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
pub(crate) enum ConfigCommand {
    /// Set a setting (an empty value removes it).
    Set { key: String, value: String },
    /// Print a setting.
    Get { key: String },
    /// Every setting, and who Capcall records you as.
    List,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CostArg {
    Effective,
    Billed,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CostsByArg {
    UseCase,
    Week,
    Service,
    Category,
}

#[derive(Subcommand)]
pub(crate) enum MappingCommand {
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
pub(crate) enum UcrGranularity {
    Quarter,
    Month,
    Period,
}

#[derive(Subcommand)]
pub(crate) enum ScenarioCommand {
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
pub(crate) enum DecisionCommand {
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
pub(crate) enum PlanCommand {
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
pub(crate) enum AuditCommand {
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
pub(crate) enum PolicyArg {
    ProRata,
    HighestReturn,
}

/// Every date argument: strictly `YYYY-MM-DD` (the core's one date parser);
/// clap names the argument in the error.
pub(crate) fn parse_date_arg(s: &str) -> Result<NaiveDate, String> {
    capcall_core::period::parse_iso_date(s)
}

pub(crate) fn parse_money_arg(s: &str) -> Result<capcall_core::Planned, String> {
    let m = capcall_core::Planned::parse(s).map_err(|e| e.to_string())?;
    if m.is_negative() {
        return Err("must not be negative".into());
    }
    Ok(m)
}

pub(crate) fn parse_pct_arg(s: &str) -> Result<rust_decimal::Decimal, String> {
    let d = capcall_core::money::parse_decimal(s)?;
    if d < rust_decimal::Decimal::ZERO || d > rust_decimal::Decimal::ONE_HUNDRED {
        return Err(format!("{d} is not within 0..100"));
    }
    Ok(d)
}

#[derive(Subcommand)]
pub(crate) enum UsecaseCommand {
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
pub(crate) enum ObservationCommand {
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
pub(crate) enum RubricCommand {
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
