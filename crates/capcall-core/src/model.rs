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

impl Observation {
    /// Did this row breach its SLOs: p95 latency above its SLO, or
    /// availability below its SLO? `None` when the row has neither pair to
    /// judge (the rubric's SLO dimension and the board pack's SLO record
    /// both count rows by this one rule).
    pub fn slo_breached(&self) -> Option<bool> {
        let lat = self.p95_latency_ms.zip(self.p95_latency_slo_ms);
        let avail = self.availability_pct.zip(self.availability_slo_pct);
        if lat.is_none() && avail.is_none() {
            return None;
        }
        Some(lat.is_some_and(|(p, slo)| p > slo) || avail.is_some_and(|(a, slo)| a < slo))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_breaches_when_either_slo_is_missed_and_is_unjudged_without_a_pair() {
        let d = |s: &str| Some(s.parse::<Decimal>().unwrap());
        let row = |p95, p95_slo, avail, avail_slo| Observation {
            p95_latency_ms: p95,
            p95_latency_slo_ms: p95_slo,
            availability_pct: avail,
            availability_slo_pct: avail_slo,
            ..Default::default()
        };
        assert_eq!(row(None, None, None, None).slo_breached(), None);
        assert_eq!(
            row(d("900"), None, d("99.9"), None).slo_breached(),
            None,
            "no SLO: unjudged"
        );
        assert_eq!(
            row(d("800"), d("800"), None, None).slo_breached(),
            Some(false),
            "at the SLO is met"
        );
        assert_eq!(row(d("801"), d("800"), None, None).slo_breached(), Some(true));
        assert_eq!(row(None, None, d("99.5"), d("99.9")).slo_breached(), Some(true));
        assert_eq!(
            row(d("700"), d("800"), d("99.95"), d("99.9")).slo_breached(),
            Some(false)
        );
        assert_eq!(
            row(d("700"), d("800"), d("99.0"), d("99.9")).slo_breached(),
            Some(true),
            "either one"
        );
    }
}
