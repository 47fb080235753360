//! The scenario engine: reallocating capital from Retire to Expand paths for
//! the next quarter, and the next capital call. Pure and fast enough to run
//! on every keystroke (10,000 use cases in about a millisecond).
//!
//! # Planned flow (every line of it is checked by [`Outcome::check_conservation`])
//! - A **Retire** line frees its quarterly budget from `sunset_date` on,
//!   pro-rated by days over a 90-day quarter (half-to-even to the cent):
//!   `gross = budget * days_after_sunset / 90`. Its decommission cost is paid
//!   from that: `freed = max(0, gross - decommission)`; a cost larger than
//!   `gross` is a **net decommission cost** that the pool must cover.
//! - **Hold** keeps its budget. **Expand** asks for an increment.
//! - `pool = freed + envelope`; `reserve = pool * reserve_pct` (half to even);
//!   net decommission costs are covered next; what is left is `available`.
//! - A policy allocates `available` to Expand asks; the rest is `unallocated`.
//!   Identity: `freed + envelope = reserve + decommission_covered + allocated + unallocated`.
//! - **Next capital call**: the smallest envelope (to the cent) that would
//!   fund every Expand ask in full after reserve and decommission costs.
//!
//! # Why highest-return-first is optimal
//! With linear returns (`value_i = r_i * x_i`), bounds `0 <= x_i <= u_i`
//! (`u_i = min(ask, cap)`) and one budget `sum x_i <= B`, this is the
//! fractional knapsack problem. Take any feasible `x` and an ask `j` with a
//! higher return than an ask `k` where `x_j < u_j` and `x_k > 0`: moving
//! `d = min(u_j - x_j, x_k)` from `k` to `j` changes value by
//! `d * (r_j - r_k) >= 0`. Repeating this exchange reaches the greedy
//! solution without lowering value, so greedy is optimal. All bounds are in
//! whole cents, so the greedy solution is whole cents too: no rounding loss.
//! Floors (all-or-nothing minimums) make the problem a knapsack variant
//! where greedy is a heuristic; an ask whose floor no longer fits is skipped
//! and the result says so.

use std::cmp::Ordering;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{allocate, Grouped, MoneyError, Planned};
use crate::rubric::Path;

/// Days in the scenario quarter used for pro-rating sunsets.
pub const QUARTER_DAYS: i64 = 90;

/// Where a saved scenario is in its workflow: a draft (editable), the
/// approved one (frozen), or superseded by a later approval. Workflow words,
/// never the verdicts' words (Expand, Hold, Retire, Opaque).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ScenarioStatus {
    Draft,
    Approved,
    Superseded,
}

impl ScenarioStatus {
    pub const ALL: [ScenarioStatus; 3] = [
        ScenarioStatus::Draft,
        ScenarioStatus::Approved,
        ScenarioStatus::Superseded,
    ];
    /// The stored and displayed word: `draft`, `approved`, `superseded`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioStatus::Draft => "draft",
            ScenarioStatus::Approved => "approved",
            ScenarioStatus::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<ScenarioStatus> {
        ScenarioStatus::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    /// Whether a scenario in this state may still change (its parameters,
    /// lines, undo of earlier edits): only a draft. An approved or
    /// superseded scenario is frozen; cloning it gives an editable draft.
    pub fn is_editable(self) -> bool {
        match self {
            ScenarioStatus::Draft => true,
            ScenarioStatus::Approved | ScenarioStatus::Superseded => false,
        }
    }
}

impl std::fmt::Display for ScenarioStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the pool is split among Expand asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Proportional to each (capped) ask, exact to the cent by largest remainder.
    ProRata,
    /// Highest `return_per_usd` first, each up to its cap.
    HighestReturn,
}

impl Policy {
    /// Every policy, in the order help texts list them.
    pub const ALL: [Policy; 2] = [Policy::ProRata, Policy::HighestReturn];

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::ProRata => "pro-rata",
            Policy::HighestReturn => "highest-return",
        }
    }
    pub fn parse(s: &str) -> Option<Policy> {
        match s {
            "pro-rata" => Some(Policy::ProRata),
            "highest-return" => Some(Policy::HighestReturn),
            _ => None,
        }
    }
}

/// One use case's inputs to a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineInput {
    pub use_case: String,
    pub name: String,
    pub old_budget_usd: Planned,
    /// The rubric's overall verdict (the default path).
    pub verdict: Option<Path>,
    /// An override of the path, with its reason.
    pub path_override: Option<Path>,
    pub reason: Option<String>,
    pub ask_usd: Option<Planned>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub return_per_usd: Option<Decimal>,
    pub floor_usd: Option<Planned>,
    pub cap_usd: Option<Planned>,
    pub decommission_usd: Option<Planned>,
    pub sunset_date: Option<NaiveDate>,
    /// Last-quarter UCR, for the projected portfolio UCR.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub ucr: Option<Decimal>,
}

impl LineInput {
    /// The path in force: the override, else the verdict, else Hold.
    pub fn path(&self) -> Path {
        self.path_override.or(self.verdict).unwrap_or(Path::Hold)
    }
    /// Largest fundable increment: the ask, limited by the cap.
    pub fn effective_ask(&self) -> Planned {
        let ask = self.ask_usd.unwrap_or(Planned::ZERO).max(Planned::ZERO);
        match self.cap_usd {
            Some(cap) => ask.min(cap),
            None => ask,
        }
    }
}

/// Scenario-wide parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Params {
    pub policy: Policy,
    /// New money offered on top of what Retire frees.
    pub envelope_usd: Planned,
    /// Percent of the pool held back (0..=100).
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub reserve_pct: Decimal,
    /// First day of the quarter being planned.
    pub quarter_start: NaiveDate,
}

/// A scenario input that cannot be run, naming the use case and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("{use_case}: {field}: {message}")]
    Input {
        use_case: String,
        field: &'static str,
        message: String,
    },
    #[error("{field}: {message}")]
    Param { field: &'static str, message: String },
    #[error("money: {0}")]
    Money(#[from] MoneyError),
    #[error("conservation check failed: {0}")]
    Conservation(String),
}

/// How an Expand ask fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Funding {
    Funded,
    PartlyFunded,
    Unfunded,
    NotApplicable,
}

/// One use case's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineResult {
    pub use_case: String,
    pub name: String,
    pub path: Path,
    pub overridden: bool,
    /// Why this path and this amount; words on display and in JSON.
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub reason: Reason,
    pub old_budget_usd: Planned,
    pub new_budget_usd: Planned,
    pub delta_usd: Planned,
    /// Expand: the increment granted.
    pub allocated_usd: Planned,
    /// Expand: the ask after its cap.
    pub requested_usd: Planned,
    pub funding: Funding,
    /// Retire: budget freed from the sunset date on, before decommissioning.
    pub freed_gross_usd: Planned,
    pub decommission_usd: Planned,
    /// Retire: decommission cost beyond what the sunset frees.
    pub net_decommission_cost_usd: Planned,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub projected_value: Decimal,
}

impl LineResult {
    /// Retire: the day the budget is freed from (the quarter's first day
    /// when no sunset date was given); `None` for other paths.
    pub fn sunset(&self, quarter_start: NaiveDate) -> Option<NaiveDate> {
        match &self.reason.detail {
            Detail::Retire { sunset, .. } => Some(sunset.unwrap_or(quarter_start)),
            _ => None,
        }
    }
}

/// Totals of a run; each equals the sum of its parts to the cent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Totals {
    pub old_budget_usd: Planned,
    pub new_budget_usd: Planned,
    pub delta_usd: Planned,
    /// Sum of Retire lines' gross frees.
    pub freed_gross_usd: Planned,
    pub decommission_usd: Planned,
    /// Freed money net of decommission costs (never below zero per line).
    pub freed_usd: Planned,
    pub envelope_usd: Planned,
    pub reserve_usd: Planned,
    pub net_decommission_cost_usd: Planned,
    pub decommission_covered_usd: Planned,
    /// Net decommission costs the pool could not cover.
    pub decommission_shortfall_usd: Planned,
    pub available_usd: Planned,
    /// Sum of Expand asks after caps.
    pub requested_usd: Planned,
    pub reallocated_usd: Planned,
    pub unallocated_usd: Planned,
    /// Asks left unfunded under the chosen envelope.
    pub unfunded_asks_usd: Planned,
    /// New money needed to fund every Expand ask in full.
    pub next_capital_call_usd: Planned,
    /// How much of the capital call the chosen envelope leaves unfunded.
    pub envelope_shortfall_usd: Planned,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub projected_value: Decimal,
    /// Budget-weighted UCR of continuing use cases with a known UCR, assuming
    /// each keeps its last-quarter UCR; `None` when no UCR is known.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub projected_ucr: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub current_ucr: Option<Decimal>,
    pub expand_count: u32,
    pub hold_count: u32,
    pub retire_count: u32,
}

/// The result of running a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Outcome {
    pub params: Params,
    pub lines: Vec<LineResult>,
    pub totals: Totals,
}

/// Why a line got its path and amount. Kept as numbers while computing (the
/// modeller recomputes on every keystroke) and put into words on display and
/// serialization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub origin: Origin,
    pub detail: Detail,
}

/// Where the path came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Verdict,
    NoScore,
    Override { from: Option<Path>, reason: String },
}

/// What the path did to the budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    Kept,
    Retire {
        sunset: Option<NaiveDate>,
        days_freed: i64,
        gross: Planned,
        decommission: Planned,
        net_cost: Planned,
    },
    Expand {
        ask: Option<Planned>,
        cap: Option<Planned>,
        grant: GrantNote,
    },
}

/// How an Expand ask was treated by the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantNote {
    NothingAsked,
    Ranked {
        ret: Option<Decimal>,
        rank: usize,
        outcome: RankOutcome,
    },
    ProRataFull,
    ProRataShare {
        share: Planned,
        ask: Planned,
    },
    BelowFloor {
        share: Planned,
        floor: Planned,
    },
}

/// Highest-return outcome for one ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RankOutcome {
    Funded,
    Exhausted,
    Partly(Planned),
    FloorMisses { floor: Planned, left: Planned },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.origin {
            Origin::Verdict => f.write_str("rubric verdict")?,
            Origin::NoScore => f.write_str("no score: kept on Hold")?,
            Origin::Override { from, reason } => write!(
                f,
                "override of {}: {reason}",
                from.map(Path::as_str).unwrap_or("no verdict")
            )?,
        }
        match &self.detail {
            Detail::Kept => f.write_str("; budget kept"),
            Detail::Retire {
                sunset,
                days_freed,
                gross,
                decommission,
                net_cost,
            } => {
                match sunset {
                    Some(d) => write!(f, "; sunset {d}: {days_freed} of {QUARTER_DAYS} days freed")?,
                    None => f.write_str("; sunset at quarter start: whole quarter freed")?,
                }
                write!(
                    f,
                    "; frees {}, decommission {}",
                    Grouped(*gross),
                    Grouped(*decommission)
                )?;
                if net_cost.is_positive() {
                    write!(f, "; net cost {}", Grouped(*net_cost))?;
                }
                Ok(())
            }
            Detail::Expand { ask, cap, grant } => {
                match (ask, cap) {
                    (Some(a), Some(c)) if c < a => write!(f, "; ask {} capped at {}", Grouped(*a), Grouped(*c))?,
                    (Some(a), _) => write!(f, "; ask {}", Grouped(*a))?,
                    (None, _) => f.write_str("; no ask")?,
                }
                match grant {
                    GrantNote::NothingAsked => f.write_str("; nothing asked"),
                    GrantNote::ProRataFull => f.write_str("; funded in full"),
                    GrantNote::ProRataShare { share, ask } => {
                        let pct = crate::format::share_pct(share.as_decimal(), ask.as_decimal());
                        write!(f, "; pro rata: {}% of its ask", pct.as_deref().unwrap_or("-"))
                    }
                    GrantNote::BelowFloor { share, floor } => write!(
                        f,
                        "; unfunded: pro-rata share {} is below its floor {}",
                        Grouped(*share),
                        Grouped(*floor)
                    ),
                    GrantNote::Ranked { ret, rank, outcome } => {
                        match ret {
                            Some(r) => write!(f, "; return {} per USD, rank {rank}", r.normalize())?,
                            None => write!(f, "; return - per USD, rank {rank}")?,
                        }
                        match outcome {
                            RankOutcome::Funded => f.write_str("; funded in full"),
                            RankOutcome::Exhausted => f.write_str("; unfunded: pool exhausted"),
                            RankOutcome::Partly(g) => {
                                write!(f, "; partly funded: pool exhausted after {}", Grouped(*g))
                            }
                            RankOutcome::FloorMisses { floor, left } => write!(
                                f,
                                "; unfunded: floor {} does not fit in the {} left",
                                Grouped(*floor),
                                Grouped(*left)
                            ),
                        }
                    }
                }
            }
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Reason {
    /// Does the worded reason contain `needle`? (Convenience for tests and filters.)
    pub fn contains(&self, needle: &str) -> bool {
        self.to_string().contains(needle)
    }
}

fn input_err(uc: &str, field: &'static str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Input {
        use_case: uc.to_string(),
        field,
        message: message.into(),
    }
}

/// The reason recorded on a sunsetting use case's default Retire path.
pub const SUNSETTING_REASON: &str = "lifecycle: sunsetting";

/// A new scenario's line for a use case, by its lifecycle (PRODUCT.md,
/// "Lifecycle matters"): a retired use case is history and gets no line; a
/// sunsetting one defaults to Retire (an override with the reason
/// [`SUNSETTING_REASON`]) from its sunset date when known; any other one
/// starts from the rubric's verdict.
pub fn default_line(uc: &crate::model::UseCase, verdict: Option<Path>, ucr: Option<Decimal>) -> Option<LineInput> {
    use crate::model::Lifecycle;
    let mut l = LineInput {
        use_case: uc.id.clone(),
        name: uc.name.clone(),
        old_budget_usd: uc.budget_usd,
        verdict,
        ucr,
        ..LineInput::default()
    };
    match uc.status {
        Lifecycle::Retired => return None,
        Lifecycle::Sunsetting => {
            l.path_override = Some(Path::Retire);
            l.reason = Some(match uc.sunset_date {
                Some(d) => format!("{SUNSETTING_REASON} (sunset {d})"),
                None => SUNSETTING_REASON.to_string(),
            });
            l.sunset_date = uc.sunset_date;
        }
        Lifecycle::Pilot | Lifecycle::Live => {}
    }
    Some(l)
}

/// Checks one line's inputs; errors name the use case and field.
pub fn validate_line(l: &LineInput) -> Result<(), ScenarioError> {
    let id = l.use_case.as_str();
    if l.path_override.is_some() && l.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(input_err(id, "reason", "a path override needs a reason"));
    }
    for (field, v) in [
        ("ask_usd", l.ask_usd),
        ("floor_usd", l.floor_usd),
        ("cap_usd", l.cap_usd),
        ("decommission_usd", l.decommission_usd),
        ("budget_usd", Some(l.old_budget_usd)),
    ] {
        if v.is_some_and(Planned::is_negative) {
            return Err(input_err(id, field, "must not be negative"));
        }
        if v.is_some_and(|v| !v.in_range()) {
            return Err(input_err(
                id,
                field,
                "is beyond the planned-money range (999,999,999,999.99)",
            ));
        }
    }
    if let Some(r) = l.return_per_usd {
        if r <= Decimal::ZERO || r > RETURN_PER_USD_MAX {
            return Err(input_err(
                id,
                "return_per_usd",
                format!("must be > 0 and at most {RETURN_PER_USD_MAX}, got {r}"),
            ));
        }
    }
    if let (Some(f), Some(c)) = (l.floor_usd, l.cap_usd) {
        if f > c {
            return Err(input_err(id, "floor_usd", format!("floor {f} is above cap {c}")));
        }
    }
    if l.path() == Path::Expand && l.effective_ask().is_positive() && l.return_per_usd.is_none() {
        return Err(input_err(
            id,
            "return_per_usd",
            "an Expand ask needs an expected return per dollar",
        ));
    }
    Ok(())
}

/// Largest accepted expected return per dollar: generous for any real
/// investment (1,000 of value per dollar), and small enough that the largest
/// ask times it stays within planned money's cents.
pub const RETURN_PER_USD_MAX: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// Runs a scenario. Validates every input, allocates, and checks
/// conservation before returning.
pub fn run(lines: &[LineInput], params: &Params) -> Result<Outcome, ScenarioError> {
    if params.reserve_pct < Decimal::ZERO || params.reserve_pct > Decimal::ONE_HUNDRED {
        return Err(ScenarioError::Param {
            field: "reserve_pct",
            message: format!("must be within 0..100, got {}", params.reserve_pct),
        });
    }
    if params.envelope_usd.is_negative() || !params.envelope_usd.in_range() {
        return Err(ScenarioError::Param {
            field: "envelope",
            message: "must be within 0..999,999,999,999.99".into(),
        });
    }
    let mut out: Vec<LineResult> = Vec::with_capacity(lines.len());
    let mut t = Totals {
        envelope_usd: params.envelope_usd,
        ..Totals::default()
    };
    for l in lines {
        validate_line(l)?;
        let path = l.path();
        let overridden = l.path_override.is_some_and(|p| Some(p) != l.verdict);
        let mut r = LineResult {
            use_case: l.use_case.clone(),
            name: l.name.clone(),
            path,
            overridden,
            reason: Reason {
                origin: Origin::Verdict,
                detail: Detail::Kept,
            },
            old_budget_usd: l.old_budget_usd,
            new_budget_usd: l.old_budget_usd,
            delta_usd: Planned::ZERO,
            allocated_usd: Planned::ZERO,
            requested_usd: Planned::ZERO,
            funding: Funding::NotApplicable,
            freed_gross_usd: Planned::ZERO,
            decommission_usd: Planned::ZERO,
            net_decommission_cost_usd: Planned::ZERO,
            projected_value: Decimal::ZERO,
        };
        r.reason.origin = match (overridden, &l.reason) {
            (true, Some(reason)) => Origin::Override {
                from: l.verdict,
                reason: reason.clone(),
            },
            _ => match l.verdict {
                Some(_) => Origin::Verdict,
                None => Origin::NoScore,
            },
        };
        match path {
            Path::Retire => {
                let sunset = l.sunset_date.unwrap_or(params.quarter_start);
                let before = (sunset - params.quarter_start).num_days().clamp(0, QUARTER_DAYS);
                let days_freed = QUARTER_DAYS - before;
                let gross = l
                    .old_budget_usd
                    .max(Planned::ZERO)
                    .mul_ratio(Decimal::from(days_freed) / Decimal::from(QUARTER_DAYS))?;
                let decom = l.decommission_usd.unwrap_or(Planned::ZERO);
                r.freed_gross_usd = gross;
                r.decommission_usd = decom;
                r.net_decommission_cost_usd = decom.checked_sub(gross)?.max(Planned::ZERO);
                r.new_budget_usd = l.old_budget_usd.checked_sub(gross)?;
                let freed_net = gross.checked_sub(decom)?.max(Planned::ZERO);
                t.freed_usd = t.freed_usd.checked_add(freed_net)?;
                t.freed_gross_usd = t.freed_gross_usd.checked_add(gross)?;
                t.decommission_usd = t.decommission_usd.checked_add(decom)?;
                t.net_decommission_cost_usd = t.net_decommission_cost_usd.checked_add(r.net_decommission_cost_usd)?;
                t.retire_count += 1;
                r.reason.detail = Detail::Retire {
                    sunset: l.sunset_date,
                    days_freed,
                    gross,
                    decommission: decom,
                    net_cost: r.net_decommission_cost_usd,
                };
            }
            Path::Hold => {
                t.hold_count += 1;
            }
            Path::Expand => {
                t.expand_count += 1;
                r.requested_usd = l.effective_ask();
                t.requested_usd = t.requested_usd.checked_add(r.requested_usd)?;
            }
        }
        t.old_budget_usd = t.old_budget_usd.checked_add(l.old_budget_usd)?;
        out.push(r);
    }

    let pool = t.freed_usd.checked_add(params.envelope_usd)?;
    t.reserve_usd = pool.mul_ratio(params.reserve_pct / Decimal::ONE_HUNDRED)?;
    let after_reserve = pool.checked_sub(t.reserve_usd)?;
    t.decommission_covered_usd = t.net_decommission_cost_usd.min(after_reserve);
    t.decommission_shortfall_usd = t.net_decommission_cost_usd.checked_sub(t.decommission_covered_usd)?;
    t.available_usd = after_reserve.checked_sub(t.decommission_covered_usd)?;

    let expand: Vec<usize> = (0..out.len()).filter(|&i| out[i].path == Path::Expand).collect();
    let grants = match params.policy {
        Policy::HighestReturn => highest_return(lines, &expand, t.available_usd)?,
        Policy::ProRata => pro_rata(lines, &expand, t.available_usd)?,
    };
    for (i, (amount, note)) in expand.iter().zip(grants) {
        let (l, r) = (&lines[*i], &mut out[*i]);
        r.allocated_usd = amount;
        r.new_budget_usd = l.old_budget_usd.checked_add(amount)?;
        r.projected_value = amount.times(l.return_per_usd.unwrap_or(Decimal::ZERO))?;
        r.funding = if r.requested_usd.is_zero() || amount.is_zero() {
            Funding::Unfunded
        } else if amount == r.requested_usd {
            Funding::Funded
        } else {
            Funding::PartlyFunded
        };
        r.reason.detail = Detail::Expand {
            ask: l.ask_usd,
            cap: l.cap_usd,
            grant: note,
        };
        t.reallocated_usd = t.reallocated_usd.checked_add(amount)?;
        t.projected_value = t
            .projected_value
            .checked_add(r.projected_value)
            .ok_or(MoneyError::Overflow)?;
    }
    for r in &mut out {
        r.delta_usd = r.new_budget_usd.checked_sub(r.old_budget_usd)?;
        t.new_budget_usd = t.new_budget_usd.checked_add(r.new_budget_usd)?;
        t.delta_usd = t.delta_usd.checked_add(r.delta_usd)?;
    }
    t.unallocated_usd = t.available_usd.checked_sub(t.reallocated_usd)?;
    t.unfunded_asks_usd = t.requested_usd.checked_sub(t.reallocated_usd)?;
    t.next_capital_call_usd = capital_call(
        t.freed_usd,
        t.net_decommission_cost_usd,
        t.requested_usd,
        params.reserve_pct,
    )?;
    t.envelope_shortfall_usd = t
        .next_capital_call_usd
        .checked_sub(params.envelope_usd)?
        .max(Planned::ZERO);
    t.current_ucr = weighted_ucr(lines.iter().map(|l| (l.old_budget_usd, l.ucr)));
    t.projected_ucr = weighted_ucr(
        lines
            .iter()
            .zip(&out)
            .filter(|(_, r)| r.path != Path::Retire)
            .map(|(l, r)| (r.new_budget_usd, l.ucr)),
    );
    let outcome = Outcome {
        params: params.clone(),
        lines: out,
        totals: t,
    };
    outcome.check_conservation()?;
    Ok(outcome)
}

/// `sum(budget) / sum(budget / ucr)` over lines with a known positive UCR.
/// Units are computed in integer micro-units (exact to 1e-6 unit), which keeps
/// this off the per-keystroke critical path; the quotient is a decimal.
fn weighted_ucr(items: impl Iterator<Item = (Planned, Option<Decimal>)>) -> Option<Decimal> {
    let mut spend_cents: i128 = 0;
    let mut micro_units: i128 = 0;
    for (budget, ucr) in items {
        let Some(u) = ucr.filter(|u| *u > Decimal::ZERO) else {
            continue;
        };
        let cents = i128::from(budget.cents().ok()?);
        if cents <= 0 {
            continue;
        }
        // budget / ucr = (cents / 100) / (m / 10^s) = cents * 10^s / (100 m); in micro-units * 10^6.
        // UCRs are full-precision quotients (up to 28 decimals); 12 decimals
        // keep the integer product in range and are far below a cent.
        let u = if u.scale() > 12 { u.round_dp(12) } else { u };
        if u.is_zero() {
            continue;
        }
        let (m, scale) = (u.mantissa(), u.scale());
        let numerator = cents.checked_mul(10i128.checked_pow(scale)?)?.checked_mul(10_000)?;
        micro_units = micro_units.checked_add(numerator / m)?;
        spend_cents = spend_cents.checked_add(cents)?;
    }
    if micro_units == 0 {
        return None;
    }
    // ucr = (spend_cents / 100) / (micro_units / 10^6)
    let spend = Decimal::try_from_i128_with_scale(spend_cents, 2).ok()?;
    let units = Decimal::try_from_i128_with_scale(micro_units, 6).ok()?;
    spend.checked_div(units)
}

/// Smallest envelope `C` (whole cents) with
/// `freed + C - reserve(freed + C) - net_decommission >= requested`.
fn capital_call(
    freed: Planned,
    net_decom: Planned,
    requested: Planned,
    reserve_pct: Decimal,
) -> Result<Planned, ScenarioError> {
    let keep = Decimal::ONE - reserve_pct / Decimal::ONE_HUNDRED;
    let need = requested.checked_add(net_decom)?;
    let reserve_of = |pool: Planned| pool.mul_ratio(reserve_pct / Decimal::ONE_HUNDRED);
    let enough = |c: Planned| -> Result<bool, ScenarioError> {
        let pool = freed.checked_add(c)?;
        Ok(pool.checked_sub(reserve_of(pool)?)? >= need)
    };
    if enough(Planned::ZERO)? {
        return Ok(Planned::ZERO);
    }
    if keep <= Decimal::ZERO {
        return Err(ScenarioError::Param {
            field: "reserve_pct",
            message: "a 100% reserve can never fund an ask".into(),
        });
    }
    // Closed form, then settle the last cents that rounding of the reserve decides.
    let exact = need.as_decimal().checked_div(keep).ok_or(MoneyError::Overflow)? - freed.as_decimal();
    let mut c = Planned::round_from(exact.max(Decimal::ZERO))?;
    while c.is_positive() && enough(c.checked_sub(Planned::from_cents(1))?)? {
        c = c.checked_sub(Planned::from_cents(1))?;
    }
    while !enough(c)? {
        c = c.checked_add(Planned::from_cents(1))?;
    }
    Ok(c)
}

type Grant = (Planned, GrantNote);

/// Highest return first, ties by use case id; each up to its cap; an ask
/// whose floor no longer fits is skipped.
fn highest_return(lines: &[LineInput], expand: &[usize], available: Planned) -> Result<Vec<Grant>, ScenarioError> {
    let mut order: Vec<usize> = (0..expand.len()).collect();
    // Sort by precomputed keys: highest return first, ties by use case id.
    let keys: Vec<(std::cmp::Reverse<Option<Decimal>>, &str)> = expand
        .iter()
        .map(|&i| {
            (
                std::cmp::Reverse(lines[i].return_per_usd.map(|r| r.normalize())),
                lines[i].use_case.as_str(),
            )
        })
        .collect();
    order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut grants = vec![(Planned::ZERO, GrantNote::NothingAsked); expand.len()];
    let mut left = available;
    for (rank, k) in order.into_iter().enumerate() {
        let l = &lines[expand[k]];
        let want = l.effective_ask();
        let give = want.min(left);
        let ranked = |outcome| GrantNote::Ranked {
            ret: l.return_per_usd,
            rank: rank + 1,
            outcome,
        };
        grants[k] = if want.is_zero() {
            (Planned::ZERO, GrantNote::NothingAsked)
        } else if let Some(floor) = l.floor_usd.filter(|f| give < *f) {
            (Planned::ZERO, ranked(RankOutcome::FloorMisses { floor, left }))
        } else if give == want {
            (give, ranked(RankOutcome::Funded))
        } else if give.is_zero() {
            (give, ranked(RankOutcome::Exhausted))
        } else {
            (give, ranked(RankOutcome::Partly(give)))
        };
        left = left.checked_sub(grants[k].0)?;
    }
    Ok(grants)
}

/// Pro rata to capped asks (largest remainder). If the pool covers every ask,
/// each is funded in full. A share below an ask's floor drops that ask and
/// the pool is re-split among the others (repeated until stable).
fn pro_rata(lines: &[LineInput], expand: &[usize], available: Planned) -> Result<Vec<Grant>, ScenarioError> {
    let mut grants = vec![(Planned::ZERO, GrantNote::NothingAsked); expand.len()];
    let mut active: Vec<usize> = (0..expand.len())
        .filter(|&k| lines[expand[k]].effective_ask().is_positive())
        .collect();
    loop {
        let total = Planned::sum(active.iter().map(|&k| lines[expand[k]].effective_ask()))?;
        if active.is_empty() {
            return Ok(grants);
        }
        if total <= available {
            for &k in &active {
                grants[k] = (lines[expand[k]].effective_ask(), GrantNote::ProRataFull);
            }
            return Ok(grants);
        }
        let weights: Vec<Decimal> = active
            .iter()
            .map(|&k| lines[expand[k]].effective_ask().as_decimal())
            .collect();
        let shares = allocate(available, &weights)?;
        let dropped: std::collections::BTreeSet<usize> = active
            .iter()
            .zip(&shares)
            .filter(|(&k, s)| lines[expand[k]].floor_usd.is_some_and(|f| **s < f))
            .map(|(&k, _)| k)
            .collect();
        if dropped.is_empty() {
            for (&k, s) in active.iter().zip(shares) {
                let ask = lines[expand[k]].effective_ask();
                grants[k] = (s, GrantNote::ProRataShare { share: s, ask });
            }
            return Ok(grants);
        }
        for (&k, s) in active.iter().zip(&shares) {
            if dropped.contains(&k) {
                let floor = lines[expand[k]].floor_usd.unwrap_or(Planned::ZERO);
                grants[k] = (Planned::ZERO, GrantNote::BelowFloor { share: *s, floor });
            }
        }
        active.retain(|k| !dropped.contains(k));
    }
}

impl Outcome {
    /// Every total equals the sum of its parts, to the cent, and money is
    /// conserved through the pool. Runs on every result.
    pub fn check_conservation(&self) -> Result<(), ScenarioError> {
        let t = &self.totals;
        let sum = |f: fn(&LineResult) -> Planned| Planned::sum(self.lines.iter().map(f));
        let fail = |what: &str, a: Planned, b: Planned| ScenarioError::Conservation(format!("{what}: {a} != {b}"));
        let checks: [(&str, Planned, Planned); 7] = [
            ("old budgets", sum(|l| l.old_budget_usd)?, t.old_budget_usd),
            ("new budgets", sum(|l| l.new_budget_usd)?, t.new_budget_usd),
            ("deltas", sum(|l| l.delta_usd)?, t.delta_usd),
            ("reallocated", sum(|l| l.allocated_usd)?, t.reallocated_usd),
            ("gross freed", sum(|l| l.freed_gross_usd)?, t.freed_gross_usd),
            ("decommission", sum(|l| l.decommission_usd)?, t.decommission_usd),
            ("requested", sum(|l| l.requested_usd)?, t.requested_usd),
        ];
        for (what, a, b) in checks {
            if a != b {
                return Err(fail(what, a, b));
            }
        }
        let inflow = t.freed_usd.checked_add(t.envelope_usd)?;
        let outflow = Planned::sum([
            t.reserve_usd,
            t.decommission_covered_usd,
            t.reallocated_usd,
            t.unallocated_usd,
        ])?;
        if inflow != outflow {
            return Err(fail(
                "pool (freed + envelope vs reserve + decommission + reallocated + unallocated)",
                inflow,
                outflow,
            ));
        }
        if t.delta_usd != t.reallocated_usd.checked_sub(t.freed_gross_usd)? {
            return Err(fail(
                "delta vs reallocated - gross freed",
                t.delta_usd,
                t.reallocated_usd.checked_sub(t.freed_gross_usd)?,
            ));
        }
        if t.unallocated_usd.is_negative()
            || self
                .lines
                .iter()
                .any(|l| l.allocated_usd > l.requested_usd || l.allocated_usd.is_negative())
        {
            return Err(ScenarioError::Conservation(
                "an allocation exceeds its ask or the pool".into(),
            ));
        }
        Ok(())
    }
}

/// One line's result as the modeller's grid shows it while typing: the
/// compact row of an [`Outcome`] line, in the order of the inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveLine {
    pub path: Path,
    pub overridden: bool,
    pub new_budget_usd: Planned,
    pub delta_usd: Planned,
    pub funding: Funding,
    pub freed_gross_usd: Planned,
}

/// A run as the modeller needs it on every keystroke: every total, and one
/// compact result per input line (same order), without the worded reasons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveOutcome {
    pub totals: Totals,
    pub lines: Vec<LiveLine>,
}

impl From<&Outcome> for LiveOutcome {
    fn from(o: &Outcome) -> Self {
        LiveOutcome {
            totals: o.totals.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| LiveLine {
                    path: l.path,
                    overridden: l.overridden,
                    new_budget_usd: l.new_budget_usd,
                    delta_usd: l.delta_usd,
                    funding: l.funding,
                    freed_gross_usd: l.freed_gross_usd,
                })
                .collect(),
        }
    }
}

/// A line whose result differs from the base it is compared with; `index`
/// is its position in the scenario's lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveChange {
    pub index: u32,
    pub line: LiveLine,
}

/// A live result as sent while typing: every total, and only the lines whose
/// result differs from the saved result the UI already has (an envelope
/// keystroke moves a few marginal lines, not 10,000).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveDelta {
    pub totals: Totals,
    pub changed: Vec<LiveChange>,
}

impl LiveOutcome {
    /// The lines that differ from `base` (same order and length; any line
    /// beyond `base` counts as changed).
    pub fn delta_from(self, base: &[LiveLine]) -> LiveDelta {
        let changed = self
            .lines
            .into_iter()
            .enumerate()
            .filter(|(i, l)| base.get(*i) != Some(l))
            .map(|(i, line)| LiveChange {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                line,
            })
            .collect();
        LiveDelta {
            totals: self.totals,
            changed,
        }
    }
}

/// Runs `base` with each of `edits` in place of the line of the same use
/// case: the modeller's recompute while typing, so only the lines being
/// edited cross from the UI, not all 10,000. `base` is left as it was
/// (edited lines are swapped in and back). An edit naming a use case that is
/// not in `base` is an error naming it.
pub fn run_edited(base: &mut [LineInput], edits: &[LineInput], params: &Params) -> Result<LiveOutcome, ScenarioError> {
    // Where each edit goes; a later edit of the same line wins.
    let mut at: Vec<usize> = Vec::with_capacity(edits.len());
    let mut swapped: Vec<LineInput> = Vec::with_capacity(edits.len());
    for e in edits {
        let i = base
            .iter()
            .position(|l| l.use_case == e.use_case)
            .ok_or_else(|| ScenarioError::Input {
                use_case: e.use_case.clone(),
                field: "use_case",
                message: "not a line of this scenario".into(),
            })?;
        match at.iter().position(|&j| j == i) {
            Some(k) => swapped[k] = e.clone(),
            None => {
                at.push(i);
                swapped.push(e.clone());
            }
        }
    }
    for (k, &i) in at.iter().enumerate() {
        std::mem::swap(&mut base[i], &mut swapped[k]);
    }
    let result = run(base, params);
    for (k, &i) in at.iter().enumerate().rev() {
        std::mem::swap(&mut base[i], &mut swapped[k]);
    }
    let outcome = result?;
    Ok(LiveOutcome::from(&outcome))
}

/// A figure of two runs that is not planned money (projected value, UCRs),
/// compared exactly; unknown when either side is unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeasureDifference {
    pub name: String,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub a: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub b: Option<Decimal>,
    /// `b - a`.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub difference: Option<Decimal>,
}

/// The projected value and the current and projected portfolio UCR of two runs.
pub fn measure_differences(a: &Totals, b: &Totals) -> Result<Vec<MeasureDifference>, ScenarioError> {
    let diff = |name: &str, x: Option<Decimal>, y: Option<Decimal>| -> Result<MeasureDifference, ScenarioError> {
        let difference = match (x, y) {
            (Some(x), Some(y)) => Some(y.checked_sub(x).ok_or_else(|| ScenarioError::Param {
                field: "comparison",
                message: format!("{name}: difference out of range"),
            })?),
            _ => None,
        };
        Ok(MeasureDifference {
            name: name.into(),
            a: x,
            b: y,
            difference,
        })
    };
    Ok(vec![
        diff("projected value", Some(a.projected_value), Some(b.projected_value))?,
        diff("projected UCR", a.projected_ucr, b.projected_ucr)?,
        diff("current UCR", a.current_ucr, b.current_ucr)?,
    ])
}

/// One input that differs between two scenarios: a parameter (no use case)
/// or a field of one use case's line; values as text, `None` for empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InputChange {
    pub use_case: Option<String>,
    pub name: String,
    pub field: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// What differs in the inputs of two scenarios: policy, envelope, reserve,
/// quarter, and per use case every editable field (a line only one side has
/// is reported as `line`). Ordered: parameters, then use cases by id.
pub fn input_changes(
    lines_a: &[LineInput],
    params_a: &Params,
    lines_b: &[LineInput],
    params_b: &Params,
) -> Vec<InputChange> {
    let mut out = vec![];
    let param = |out: &mut Vec<InputChange>, field: &str, x: String, y: String| {
        if x != y {
            out.push(InputChange {
                use_case: None,
                name: String::new(),
                field: field.into(),
                a: Some(x),
                b: Some(y),
            });
        }
    };
    param(
        &mut out,
        "policy",
        params_a.policy.as_str().into(),
        params_b.policy.as_str().into(),
    );
    param(
        &mut out,
        "envelope_usd",
        params_a.envelope_usd.to_string(),
        params_b.envelope_usd.to_string(),
    );
    param(
        &mut out,
        "reserve_pct",
        params_a.reserve_pct.normalize().to_string(),
        params_b.reserve_pct.normalize().to_string(),
    );
    param(
        &mut out,
        "quarter_start",
        params_a.quarter_start.to_string(),
        params_b.quarter_start.to_string(),
    );
    let fields = |l: &LineInput| -> [(&'static str, Option<String>); 10] {
        [
            ("old_budget_usd", Some(l.old_budget_usd.to_string())),
            ("verdict", l.verdict.map(|p| p.as_str().to_string())),
            ("path_override", l.path_override.map(|p| p.as_str().to_string())),
            ("reason", l.reason.clone().filter(|r| !r.trim().is_empty())),
            ("ask_usd", l.ask_usd.map(|v| v.to_string())),
            ("return_per_usd", l.return_per_usd.map(|v| v.normalize().to_string())),
            ("floor_usd", l.floor_usd.map(|v| v.to_string())),
            ("cap_usd", l.cap_usd.map(|v| v.to_string())),
            ("decommission_usd", l.decommission_usd.map(|v| v.to_string())),
            ("sunset_date", l.sunset_date.map(|v| v.to_string())),
        ]
    };
    let by_id = |ls: &[LineInput]| -> std::collections::BTreeMap<String, usize> {
        ls.iter().enumerate().map(|(i, l)| (l.use_case.clone(), i)).collect()
    };
    let (ia, ib) = (by_id(lines_a), by_id(lines_b));
    let mut ids: Vec<&String> = ia.keys().chain(ib.keys()).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        match (ia.get(id).map(|&i| &lines_a[i]), ib.get(id).map(|&i| &lines_b[i])) {
            (Some(x), Some(y)) => {
                for ((field, va), (_, vb)) in fields(x).into_iter().zip(fields(y)) {
                    if va != vb {
                        out.push(InputChange {
                            use_case: Some(id.clone()),
                            name: y.name.clone(),
                            field: field.into(),
                            a: va,
                            b: vb,
                        });
                    }
                }
            }
            (x, y) => out.push(InputChange {
                use_case: Some(id.clone()),
                name: x.or(y).map(|l| l.name.clone()).unwrap_or_default(),
                field: "line".into(),
                a: x.map(|_| "present".into()),
                b: y.map(|_| "present".into()),
            }),
        }
    }
    out
}

/// First day of the quarter after the one containing `d`.
pub fn next_quarter_start(d: NaiveDate) -> NaiveDate {
    crate::period::Quarter::of(d).next().start()
}

/// Sorts results for display: by path (Expand, Hold, Retire), then id.
pub fn display_order(a: &LineResult, b: &LineResult) -> Ordering {
    a.path.cmp(&b.path).then_with(|| a.use_case.cmp(&b.use_case))
}

/// Adds `days` to a date, saturating.
pub fn add_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap_or(NaiveDate::MAX)
}

/// One use case compared across two scenarios.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompareLine {
    pub use_case: String,
    pub name: String,
    pub path_a: Option<Path>,
    pub path_b: Option<Path>,
    pub new_budget_a: Option<Planned>,
    pub new_budget_b: Option<Planned>,
    /// `b - a` (missing counts as zero).
    pub difference: Planned,
    pub changed: bool,
}

/// A total compared across two scenarios.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompareTotal {
    pub name: String,
    pub a: Planned,
    pub b: Planned,
    pub difference: Planned,
}

/// Two scenarios side by side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub lines: Vec<CompareLine>,
    pub totals: Vec<CompareTotal>,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub projected_value_a: Decimal,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub projected_value_b: Decimal,
    /// Projected value, current and projected portfolio UCR, compared exactly.
    pub measures: Vec<MeasureDifference>,
    /// Use cases on each path.
    pub counts: Vec<CompareCount>,
    /// What differs in the inputs: parameters, then each line's fields.
    pub input_changes: Vec<InputChange>,
}

/// A count compared across two scenarios.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompareCount {
    pub name: String,
    pub a: u32,
    pub b: u32,
    pub difference: i64,
}

/// One side of a comparison: a scenario's inputs and its run.
#[derive(Clone, Copy, Debug)]
pub struct CompareSide<'a> {
    pub name: &'a str,
    pub lines: &'a [LineInput],
    pub params: &'a Params,
    pub outcome: &'a Outcome,
}

/// Two scenarios side by side: per use case (path and new budget in each,
/// `b - a`, whether anything changed), per total, the measures that are not
/// planned money, the counts per path, and what changed in the inputs.
pub fn compare(a: CompareSide<'_>, b: CompareSide<'_>) -> Result<Comparison, ScenarioError> {
    use std::collections::BTreeMap;
    // One pass per side (not a search per id): 10,000 lines compare at once.
    let mut by_id: BTreeMap<&str, (Option<&LineResult>, Option<&LineResult>)> = BTreeMap::new();
    for l in &a.outcome.lines {
        by_id.entry(l.use_case.as_str()).or_default().0 = Some(l);
    }
    for l in &b.outcome.lines {
        by_id.entry(l.use_case.as_str()).or_default().1 = Some(l);
    }
    let mut lines = Vec::with_capacity(by_id.len());
    for (id, (la, lb)) in by_id {
        let na = la.map(|l| l.new_budget_usd);
        let nb = lb.map(|l| l.new_budget_usd);
        let difference = nb.unwrap_or(Planned::ZERO).checked_sub(na.unwrap_or(Planned::ZERO))?;
        let (pa, pb) = (la.map(|l| l.path), lb.map(|l| l.path));
        lines.push(CompareLine {
            use_case: id.to_string(),
            name: la.or(lb).map(|l| l.name.clone()).unwrap_or_default(),
            path_a: pa,
            path_b: pb,
            new_budget_a: na,
            new_budget_b: nb,
            changed: pa != pb || !difference.is_zero(),
            difference,
        });
    }
    let (ta, tb) = (&a.outcome.totals, &b.outcome.totals);
    let pairs = [
        ("old budget", ta.old_budget_usd, tb.old_budget_usd),
        ("new budget", ta.new_budget_usd, tb.new_budget_usd),
        ("freed", ta.freed_usd, tb.freed_usd),
        ("decommission", ta.decommission_usd, tb.decommission_usd),
        ("envelope", ta.envelope_usd, tb.envelope_usd),
        ("reserve", ta.reserve_usd, tb.reserve_usd),
        ("reallocated", ta.reallocated_usd, tb.reallocated_usd),
        ("unallocated", ta.unallocated_usd, tb.unallocated_usd),
        ("unfunded asks", ta.unfunded_asks_usd, tb.unfunded_asks_usd),
        ("next capital call", ta.next_capital_call_usd, tb.next_capital_call_usd),
        ("change in budget", ta.delta_usd, tb.delta_usd),
        ("freed before decommissioning", ta.freed_gross_usd, tb.freed_gross_usd),
        (
            "net decommission cost",
            ta.net_decommission_cost_usd,
            tb.net_decommission_cost_usd,
        ),
        (
            "decommission covered",
            ta.decommission_covered_usd,
            tb.decommission_covered_usd,
        ),
        (
            "decommission shortfall",
            ta.decommission_shortfall_usd,
            tb.decommission_shortfall_usd,
        ),
        ("available to Expand", ta.available_usd, tb.available_usd),
        ("requested", ta.requested_usd, tb.requested_usd),
        (
            "beyond the envelope",
            ta.envelope_shortfall_usd,
            tb.envelope_shortfall_usd,
        ),
    ];
    let totals = pairs
        .into_iter()
        .map(|(n, x, y)| {
            Ok(CompareTotal {
                name: n.into(),
                a: x,
                b: y,
                difference: y.checked_sub(x)?,
            })
        })
        .collect::<Result<_, MoneyError>>()?;
    let count = |name: &str, x: u32, y: u32| CompareCount {
        name: name.into(),
        a: x,
        b: y,
        difference: i64::from(y) - i64::from(x),
    };
    Ok(Comparison {
        a: a.name.into(),
        b: b.name.into(),
        lines,
        totals,
        projected_value_a: ta.projected_value,
        projected_value_b: tb.projected_value,
        measures: measure_differences(ta, tb)?,
        counts: vec![
            count("Expand", ta.expand_count, tb.expand_count),
            count("Hold", ta.hold_count, tb.hold_count),
            count("Retire", ta.retire_count, tb.retire_count),
        ],
        input_changes: input_changes(a.lines, a.params, b.lines, b.params),
    })
}
