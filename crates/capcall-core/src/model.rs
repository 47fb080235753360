//! The portfolio's records: use cases and their observation rows, as the
//! CSV formats of FORMATS.md define them. Plain data; rules live elsewhere.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Measured, Planned};

/// Lifecycle of a use case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Pilot,
    Live,
    Sunsetting,
    Retired,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 4] = [
        Lifecycle::Pilot,
        Lifecycle::Live,
        Lifecycle::Sunsetting,
        Lifecycle::Retired,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Pilot => "pilot",
            Lifecycle::Live => "live",
            Lifecycle::Sunsetting => "sunsetting",
            Lifecycle::Retired => "retired",
        }
    }
    pub fn parse(s: &str) -> Option<Lifecycle> {
        Lifecycle::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }
    /// A retired use case is history: not scored, no scenario path, out of
    /// next-quarter totals (PRODUCT.md, "Lifecycle matters").
    pub fn is_history(self) -> bool {
        self == Lifecycle::Retired
    }
}

/// Latest evaluation status of a use case's safety evals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum EvalStatus {
    Green,
    Yellow,
    Red,
}

impl EvalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvalStatus::Green => "green",
            EvalStatus::Yellow => "yellow",
            EvalStatus::Red => "red",
        }
    }
    pub fn parse(s: &str) -> Option<EvalStatus> {
        match s.trim() {
            "green" => Some(EvalStatus::Green),
            "yellow" => Some(EvalStatus::Yellow),
            "red" => Some(EvalStatus::Red),
            _ => None,
        }
    }
}

/// A use case (one row of `use_cases.csv`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UseCase {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub wave: String,
    pub region: String,
    pub status: Lifecycle,
    pub flag: Option<String>,
    /// Current budget, USD per quarter.
    pub budget_usd: Planned,
    pub levers: Vec<String>,
    /// When a sunsetting (or retired) use case's budget stops; a sunsetting
    /// use case's default scenario path is Retire from this date.
    #[serde(default)]
    pub sunset_date: Option<NaiveDate>,
}

/// Is `id` a valid use-case slug (`[a-z0-9-]+`)?
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One observation row: every metric of a use case for the period starting
/// at `period_start`. `None` means unknown, never zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Observation {
    pub period_start: NaiveDate,
    /// Measured money, exact as imported.
    pub spend_usd: Option<Measured>,
    pub forecast_usd: Option<Measured>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(with = "opt_u64_str")]
    pub units: Option<u64>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub value_delta: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub value_target: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub value_hurdle: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub value_ci_low: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub value_ci_high: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub p95_latency_ms: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub p95_latency_slo_ms: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub availability_pct: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub availability_slo_pct: Option<Decimal>,
    pub eval_status: Option<EvalStatus>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub grounded_score: Option<Decimal>,
    pub privacy_incidents: Option<u32>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub dau: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub dau_target: Option<Decimal>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub task_success_pct: Option<Decimal>,
    /// Optional extra column: the safety remediation plan for a yellow eval.
    pub remediation_plan: Option<String>,
    /// Optional extra column: when that remediation is due.
    pub remediation_due: Option<NaiveDate>,
}

/// Units are integers that may exceed JavaScript's safe range, so they
/// cross JSON as strings like money.
mod opt_u64_str {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_str(&n.to_string()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        v.map(|s| s.parse().map_err(serde::de::Error::custom)).transpose()
    }
}
