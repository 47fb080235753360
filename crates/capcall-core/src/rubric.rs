//! The rubric engine: "traffic-light v2" and its successors.
//!
//! A rubric is data ([`RubricSettings`]): every threshold of PRODUCT.md's
//! "Default rubric traffic-light v2, precisely" is a named setting, and
//! [`evaluate`] applies them to one use case's observations as of a date.
//! Each dimension's verdict carries an explanation with the numbers it used;
//! a dimension whose inputs are absent is [`Verdict::Opaque`] and names them.
//!
//! Safety also counts privacy incidents from incident records
//! ([`evaluate_with_incidents`]), combined with the observations' counts
//! without double counting by [`crate::incident::privacy_in_window`].
//!
//! Overall rule (default settings): Retire if Safety is Retire or at least
//! `overall_retire_min` dimensions count as Retire (Opaque Economics counts as
//! Retire, Opaque elsewhere as Hold); Expand if all five are Expand;
//! otherwise Hold.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::format;
use crate::incident::{privacy_in_window, Incident};
use crate::model::{EvalStatus, Observation, UseCase};
use crate::period::{Quarter, Window};
use crate::ucr::{forecast_variance_pct, mean, pct_change, sums_where};

/// A dimension's verdict. `Opaque` = its inputs are missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Verdict {
    Expand,
    Hold,
    Retire,
    Opaque,
}

/// The path a use case takes: the overall verdict, or a scenario's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Path {
    Expand,
    Hold,
    Retire,
}

impl Path {
    pub fn as_str(self) -> &'static str {
        match self {
            Path::Expand => "Expand",
            Path::Hold => "Hold",
            Path::Retire => "Retire",
        }
    }
    /// Accepts `expand`, `Expand`, `EXPAND`.
    pub fn parse(s: &str) -> Option<Path> {
        match s.trim().to_ascii_lowercase().as_str() {
            "expand" => Some(Path::Expand),
            "hold" => Some(Path::Hold),
            "retire" => Some(Path::Retire),
            _ => None,
        }
    }
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Expand => "Expand",
            Verdict::Hold => "Hold",
            Verdict::Retire => "Retire",
            Verdict::Opaque => "Opaque",
        }
    }
}

/// The five dimensions, in the seed's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Value,
    Slos,
    Safety,
    Economics,
    Adoption,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::Value,
        Dimension::Slos,
        Dimension::Safety,
        Dimension::Economics,
        Dimension::Adoption,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Value => "value",
            Dimension::Slos => "slos",
            Dimension::Safety => "safety",
            Dimension::Economics => "economics",
            Dimension::Adoption => "adoption",
        }
    }
    /// The name a person reads (the board's legend, detail pages, the
    /// plan's work-offs): `Value`, `SLOs`, `Safety`, `Economics`, `Adoption`.
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Value => "Value",
            Dimension::Slos => "SLOs",
            Dimension::Safety => "Safety",
            Dimension::Economics => "Economics",
            Dimension::Adoption => "Adoption",
        }
    }
}

macro_rules! settings {
    ($( $(#[doc = $doc:literal])* $field:ident : $default:literal, [$min:literal, $max:literal] ;)*) => {
        /// Every threshold of a rubric. Percentages are in percent (5 = 5%).
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub struct RubricSettings {
            $( $(#[doc = $doc])* #[cfg_attr(feature = "specta", specta(type = String))] pub $field: Decimal, )*
        }

        impl Default for RubricSettings {
            /// traffic-light v2.
            fn default() -> Self {
                RubricSettings { $( $field: Decimal::from_str($default).expect("default literal"), )* }
            }
        }

        impl RubricSettings {
            /// Setting keys with their allowed ranges and docs, in order.
            pub const KEYS: &'static [(&'static str, &'static str, &'static str, &'static str)] =
                &[ $( (stringify!($field), $min, $max, concat!($($doc),*)), )* ];

            /// `(key, value)` pairs in order.
            pub fn to_pairs(&self) -> Vec<(&'static str, Decimal)> {
                vec![ $( (stringify!($field), self.$field), )* ]
            }

            fn slot(&mut self, key: &str) -> Option<&mut Decimal> {
                match key { $( stringify!($field) => Some(&mut self.$field), )* _ => None }
            }
        }
    };
}

settings! {
    /// Value: the last-quarter mean of value_ci_low (the lower confidence bound of the KPI delta) must exceed this for statistical significance.
    value_ci_low_min: "0", ["-1000000000", "1000000000"];
    /// SLOs: trailing window in days.
    slo_window_days: "90", ["1", "3660"];
    /// SLOs: Expand needs every p95 <= this % of its SLO (headroom).
    slo_headroom_pct: "90", ["1", "100"];
    /// SLOs: Retire when more than this % of rows breach (chronic).
    slo_chronic_breach_pct: "25", ["0", "100"];
    /// SLOs: a Hold needs a work-off due within this many days.
    slo_workoff_days: "30", ["1", "365"];
    /// Safety: trailing window in days for privacy incidents.
    safety_window_days: "90", ["1", "3660"];
    /// Economics: Expand when |spend vs forecast| <= this %.
    econ_expand_variance_pct: "5", ["0", "1000"];
    /// Economics: Hold when |spend vs forecast| <= this % and levers exist.
    econ_hold_variance_pct: "15", ["0", "1000"];
    /// Economics: cost levers needed for a Hold.
    econ_min_levers: "1", ["0", "100"];
    /// Adoption: trailing window in days.
    adoption_window_days: "30", ["1", "3660"];
    /// Adoption: Expand needs task success above this %.
    adoption_expand_task_success_pct: "70", ["0", "100"];
    /// Adoption: Retire when DAU is below this % of its target.
    adoption_retire_dau_pct: "50", ["0", "100"];
    /// Adoption: Retire when task success is below this %.
    adoption_retire_task_success_pct: "50", ["0", "100"];
    /// Overall: Retire when at least this many dimensions count as Retire.
    overall_retire_min: "2", ["1", "5"];
}

/// One rubric setting as the settings screen shows it: its key, what it
/// means (the doc comment above, the one source of the label) and its range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SettingInfo {
    pub key: String,
    pub label: String,
    pub min: String,
    pub max: String,
}

impl RubricSettings {
    /// Every setting with its label and range, in rubric order.
    pub fn info() -> Vec<SettingInfo> {
        Self::KEYS
            .iter()
            .map(|(key, min, max, doc)| SettingInfo {
                key: key.to_string(),
                label: doc.trim().to_string(),
                min: min.to_string(),
                max: max.to_string(),
            })
            .collect()
    }
}

/// Why a rubric setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RubricError {
    #[error("unknown rubric setting '{0}' (known: {1})")]
    UnknownKey(String, String),
    #[error("{key}: '{value}' is not a number")]
    NotANumber { key: String, value: String },
    #[error("{key}: {value} is out of range [{min}, {max}]")]
    OutOfRange {
        key: String,
        value: String,
        min: String,
        max: String,
    },
    #[error("{key}: must be a whole number, got {value}")]
    NotWhole { key: String, value: String },
    #[error("{0}")]
    Inconsistent(String),
}

const WHOLE_KEYS: &[&str] = &[
    "slo_window_days",
    "slo_workoff_days",
    "safety_window_days",
    "econ_min_levers",
    "adoption_window_days",
    "overall_retire_min",
];

impl RubricSettings {
    /// Sets one threshold by key, validating range and consistency.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), RubricError> {
        let parsed = crate::money::parse_decimal(value).map_err(|_| RubricError::NotANumber {
            key: key.into(),
            value: value.into(),
        })?;
        let mut next = self.clone();
        match next.slot(key) {
            Some(slot) => *slot = parsed,
            None => {
                let known: Vec<&str> = Self::KEYS.iter().map(|k| k.0).collect();
                return Err(RubricError::UnknownKey(key.into(), known.join(", ")));
            }
        }
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// Checks every range and the cross-field rules (e.g. 5% <= 15%).
    pub fn validate(&self) -> Result<(), RubricError> {
        for (key, value) in self.to_pairs() {
            let &(_, min, max, _) = Self::KEYS.iter().find(|k| k.0 == key).expect("key listed");
            let (lo, hi) = (
                Decimal::from_str(min).expect("min"),
                Decimal::from_str(max).expect("max"),
            );
            if value < lo || value > hi {
                return Err(RubricError::OutOfRange {
                    key: key.into(),
                    value: value.to_string(),
                    min: min.into(),
                    max: max.into(),
                });
            }
            if WHOLE_KEYS.contains(&key) && !value.fract().is_zero() {
                return Err(RubricError::NotWhole {
                    key: key.into(),
                    value: value.to_string(),
                });
            }
        }
        if self.econ_expand_variance_pct > self.econ_hold_variance_pct {
            return Err(RubricError::Inconsistent(format!(
                "econ_expand_variance_pct ({}%) must be <= econ_hold_variance_pct ({}%)",
                self.econ_expand_variance_pct, self.econ_hold_variance_pct
            )));
        }
        if self.adoption_retire_task_success_pct > self.adoption_expand_task_success_pct {
            return Err(RubricError::Inconsistent(format!(
                "adoption_retire_task_success_pct ({}%) must be <= adoption_expand_task_success_pct ({}%)",
                self.adoption_retire_task_success_pct, self.adoption_expand_task_success_pct
            )));
        }
        Ok(())
    }

    /// Builds settings from stored `(key, value)` pairs; missing keys keep v2 defaults.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, RubricError> {
        let mut s = RubricSettings::default();
        for (k, v) in pairs {
            let parsed = crate::money::parse_decimal(v).map_err(|_| RubricError::NotANumber {
                key: k.into(),
                value: v.into(),
            })?;
            match s.slot(k) {
                Some(slot) => *slot = parsed,
                None => return Err(RubricError::UnknownKey(k.into(), String::new())),
            }
        }
        s.validate()?;
        Ok(s)
    }

    /// The Hold work-off limit in whole days (validated as a whole number).
    pub fn workoff_days(&self) -> u32 {
        RubricSettings::days(self.slo_workoff_days)
    }

    /// The SLO dimension's trailing window ending on `as_of`.
    pub fn slo_window(&self, as_of: NaiveDate) -> Window {
        Window::trailing(as_of, RubricSettings::days(self.slo_window_days))
    }

    /// The Safety dimension's trailing window (privacy incidents) ending on
    /// `as_of`.
    pub fn safety_window(&self, as_of: NaiveDate) -> Window {
        Window::trailing(as_of, RubricSettings::days(self.safety_window_days))
    }

    /// The Adoption dimension's trailing window ending on `as_of`.
    pub fn adoption_window(&self, as_of: NaiveDate) -> Window {
        Window::trailing(as_of, RubricSettings::days(self.adoption_window_days))
    }

    /// The first day of rows any dimension reads as of `as_of`: the start of
    /// the longest trailing window or of the quarter before the last
    /// complete one (Value's "rising" compares two quarters), if earlier.
    pub fn first_day_read(&self, as_of: NaiveDate) -> NaiveDate {
        [
            self.slo_window(as_of).first,
            self.safety_window(as_of).first,
            self.adoption_window(as_of).first,
            Quarter::last_complete(as_of).prev().start(),
        ]
        .into_iter()
        .min()
        .unwrap_or(as_of)
    }

    fn days(v: Decimal) -> u32 {
        u32::try_from(v.trunc().mantissa() / 10i128.pow(v.scale())).unwrap_or(u32::MAX)
    }
}

/// One dimension's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DimensionScore {
    pub dimension: Dimension,
    /// The dimension's display name ([`Dimension::label`]).
    #[serde(default)]
    pub label: String,
    pub verdict: Verdict,
    /// The numbers behind the verdict, in words.
    pub explanation: String,
    /// For Opaque: the inputs that were missing.
    pub missing: Vec<String>,
    /// Extra flags, e.g. "plan missing" for a yellow eval without remediation.
    pub flags: Vec<String>,
}

/// A use case's score as of a date under a rubric version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Score {
    pub use_case: String,
    pub as_of: NaiveDate,
    pub rubric_version: u32,
    pub dimensions: Vec<DimensionScore>,
    pub overall: Path,
    pub overall_explanation: String,
    /// Latest known quarterly UCR (last quarter), for display.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub ucr_last_quarter: Option<Decimal>,
}

impl Score {
    pub fn dimension(&self, d: Dimension) -> &DimensionScore {
        self.dimensions
            .iter()
            .find(|s| s.dimension == d)
            .expect("all five dimensions are scored")
    }
}

/// Scores one use case. `rows` are its observations (any order).
pub fn evaluate(
    use_case: &UseCase,
    rows: &[Observation],
    as_of: NaiveDate,
    settings: &RubricSettings,
    rubric_version: u32,
) -> Score {
    evaluate_with_incidents(use_case, rows, &[], as_of, settings, rubric_version)
}

/// Scores one use case with its incident records as well: its privacy
/// incidents count for Safety. Records of other use cases are ignored.
pub fn evaluate_with_incidents(
    use_case: &UseCase,
    rows: &[Observation],
    incidents: &[Incident],
    as_of: NaiveDate,
    settings: &RubricSettings,
    rubric_version: u32,
) -> Score {
    // Rows after `as_of` are ignored; copy only when there are some.
    let rows: std::borrow::Cow<'_, [Observation]> = if rows.iter().all(|o| o.period_start <= as_of) {
        std::borrow::Cow::Borrowed(rows)
    } else {
        std::borrow::Cow::Owned(rows.iter().filter(|o| o.period_start <= as_of).cloned().collect())
    };
    let last_q = Quarter::last_complete(as_of);
    let dims = vec![
        value(&rows, last_q, settings),
        slos(&rows, as_of, settings),
        safety(&rows, incidents, &use_case.id, as_of, settings),
        economics(use_case, &rows, last_q, settings),
        adoption(&rows, as_of, settings),
    ];
    let (overall, overall_explanation) = overall(&dims, settings);
    Score {
        use_case: use_case.id.clone(),
        as_of,
        rubric_version,
        ucr_last_quarter: sums_where(&rows, |d| last_q.contains(d)).ok().and_then(|s| s.ucr()),
        dimensions: dims,
        overall,
        overall_explanation,
    }
}

fn dim(dimension: Dimension, verdict: Verdict, explanation: String) -> DimensionScore {
    DimensionScore {
        dimension,
        label: dimension.label().into(),
        verdict,
        explanation,
        missing: vec![],
        flags: vec![],
    }
}

fn opaque(dimension: Dimension, missing: Vec<String>, context: &str) -> DimensionScore {
    DimensionScore {
        dimension,
        label: dimension.label().into(),
        verdict: Verdict::Opaque,
        explanation: format!("Opaque: missing {} ({context})", missing.join(", ")),
        missing,
        flags: vec![],
    }
}

/// A figure in an explanation ([`crate::format::trimmed`], 4 decimals).
fn num(d: Decimal) -> String {
    crate::format::trimmed(d, 4)
}

/// Latest value of a field among the rows passing `keep`.
fn latest<T>(
    rows: &[Observation],
    keep: impl Fn(NaiveDate) -> bool,
    f: impl Fn(&Observation) -> Option<T>,
) -> Option<T> {
    rows.iter()
        .filter(|o| keep(o.period_start))
        .filter_map(|o| f(o).map(|v| (o.period_start, v)))
        .max_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// A use case's value evidence in a quarter, as the rubric's Value
/// dimension reads it (and the board pack's sentences repeat): the mean
/// value delta and mean CI low of the quarter's rows, and the latest target
/// and hurdle set in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueEvidence {
    pub quarter: Quarter,
    pub mean_delta: Option<Decimal>,
    pub mean_ci_low: Option<Decimal>,
    pub target: Option<Decimal>,
    pub hurdle: Option<Decimal>,
}

/// The value evidence of `quarter` (see [`ValueEvidence`]).
pub fn value_evidence(rows: &[Observation], quarter: Quarter) -> ValueEvidence {
    let inside = |d: NaiveDate| quarter.contains(d);
    let avg =
        |f: fn(&Observation) -> Option<Decimal>| mean(rows.iter().filter(|o| inside(o.period_start)).filter_map(f));
    ValueEvidence {
        quarter,
        mean_delta: avg(|o| o.value_delta),
        mean_ci_low: avg(|o| o.value_ci_low),
        target: latest(rows, inside, |o| o.value_target),
        hurdle: latest(rows, inside, |o| o.value_hurdle),
    }
}

impl RubricSettings {
    /// Is a value result statistically significant: its mean CI low above
    /// the rubric's bar (`value_ci_low_min`)?
    pub fn stat_sig(&self, ci_low: Decimal) -> bool {
        ci_low > self.value_ci_low_min
    }
}

fn value(rows: &[Observation], last_q: Quarter, s: &RubricSettings) -> DimensionScore {
    let ValueEvidence {
        mean_delta: m,
        mean_ci_low: ci_low,
        target,
        hurdle,
        ..
    } = value_evidence(rows, last_q);
    let ctx = format!("last quarter {last_q}");
    let mut missing = vec![];
    if m.is_none() {
        missing.push("value_delta".to_string());
    }
    if target.is_none() {
        missing.push("value_target".to_string());
    }
    if hurdle.is_none() {
        missing.push("value_hurdle".to_string());
    }
    if ci_low.is_none() {
        missing.push("value_ci_low".to_string());
    }
    let (Some(m), Some(target), Some(hurdle), Some(ci_low)) = (m, target, hurdle, ci_low) else {
        return opaque(Dimension::Value, missing, &ctx);
    };
    let base = format!(
        "{ctx}: mean value delta {} vs target {}, hurdle {}; mean CI low {}",
        num(m),
        num(target),
        num(hurdle),
        num(ci_low)
    );
    if m >= target && s.stat_sig(ci_low) {
        return dim(Dimension::Value, Verdict::Expand, format!("{base} (stat-sig)"));
    }
    if m < hurdle {
        let prev_q = last_q.prev();
        let prev = mean(
            rows.iter()
                .filter(|o| prev_q.contains(o.period_start))
                .filter_map(|o| o.value_delta),
        );
        return match prev {
            None => opaque(
                Dimension::Value,
                vec![format!("value_delta in {prev_q}")],
                &format!("{base}; below hurdle, and whether it is rising needs the previous quarter"),
            ),
            Some(p) if m > p => dim(
                Dimension::Value,
                Verdict::Hold,
                format!("{base}; below hurdle but rising from {} in {prev_q}", num(p)),
            ),
            Some(p) => dim(
                Dimension::Value,
                Verdict::Retire,
                format!("{base}; below hurdle and not rising ({} in {prev_q}): no path", num(p)),
            ),
        };
    }
    let why = if m >= target {
        "at target but CI low not above the stat-sig bar"
    } else {
        "between hurdle and target"
    };
    dim(Dimension::Value, Verdict::Hold, format!("{base}; {why}"))
}

fn slos(rows: &[Observation], as_of: NaiveDate, s: &RubricSettings) -> DimensionScore {
    let w = s.slo_window(as_of);
    let ctx = format!("trailing {} days to {as_of}", w.days());
    let mut evaluable = 0u32;
    let mut breaches = 0u32;
    let mut tight = 0u32;
    let headroom = s.slo_headroom_pct / Decimal::ONE_HUNDRED;
    for o in rows.iter().filter(|o| w.contains(o.period_start)) {
        let Some(breach) = o.slo_breached() else {
            continue;
        };
        evaluable += 1;
        let lat = o.p95_latency_ms.zip(o.p95_latency_slo_ms);
        if breach {
            breaches += 1;
        } else if lat.is_some_and(|(p, slo)| slo.checked_mul(headroom).is_none_or(|limit| p > limit)) {
            tight += 1;
        }
    }
    if evaluable == 0 {
        return opaque(
            Dimension::Slos,
            vec!["p95_latency_ms/p95_latency_slo_ms or availability_pct/availability_slo_pct".into()],
            &ctx,
        );
    }
    let share = Decimal::from(breaches) * Decimal::ONE_HUNDRED / Decimal::from(evaluable);
    let base = format!(
        "{ctx}: {breaches} of {evaluable} rows breach ({})",
        crate::format::pct_size(share)
    );
    if breaches == 0 && tight == 0 {
        return dim(
            Dimension::Slos,
            Verdict::Expand,
            format!(
                "{base}; every p95 within {}% of its SLO (headroom)",
                num(s.slo_headroom_pct)
            ),
        );
    }
    if share > s.slo_chronic_breach_pct {
        return dim(
            Dimension::Slos,
            Verdict::Retire,
            format!("{base}; more than {}% is chronic", num(s.slo_chronic_breach_pct)),
        );
    }
    let mut d = dim(
        Dimension::Slos,
        Verdict::Hold,
        format!(
            "{base}; {tight} rows above {}% of SLO (tight); needs a work-off due within {} days",
            num(s.slo_headroom_pct),
            num(s.slo_workoff_days)
        ),
    );
    d.flags.push("work-off needed".into());
    d
}

fn safety(
    rows: &[Observation],
    records: &[Incident],
    use_case: &str,
    as_of: NaiveDate,
    s: &RubricSettings,
) -> DimensionScore {
    let w = s.safety_window(as_of);
    let days = w.days();
    let eval = rows
        .iter()
        .filter(|o| o.eval_status.is_some())
        .max_by_key(|o| o.period_start);
    let mine: Vec<Incident> = records.iter().filter(|i| i.use_case == use_case).cloned().collect();
    let privacy = privacy_in_window(rows, &mine, w);
    let incidents = privacy.total;
    let ctx = format!("latest eval; privacy incidents over trailing {days} days to {as_of}");
    if eval.is_none_or(|e| e.eval_status != Some(EvalStatus::Red)) && incidents == 0 {
        let mut missing = vec![];
        if eval.is_none() {
            missing.push("eval_status".to_string());
        }
        // Incident records list incidents, not their absence: with no
        // observed count, "none recorded" is still unknown.
        if !privacy.observed {
            missing.push("privacy_incidents".to_string());
        }
        if !missing.is_empty() {
            return opaque(Dimension::Safety, missing, &ctx);
        }
    }
    let status_text = eval
        .map(|e| {
            format!(
                "eval {} on {}",
                e.eval_status.map(EvalStatus::as_str).unwrap_or("?"),
                e.period_start
            )
        })
        .unwrap_or_else(|| "no eval".into());
    let base = format!(
        "{status_text}; {incidents} privacy incident{} in trailing {days} days{}",
        if incidents == 1 { "" } else { "s" },
        privacy_records_note(&privacy)
    );
    let status = eval.and_then(|e| e.eval_status);
    if status == Some(EvalStatus::Red) || incidents > 0 {
        return dim(
            Dimension::Safety,
            Verdict::Retire,
            format!("{base}: red / privacy risk"),
        );
    }
    let e = eval.expect("checked above");
    match status {
        Some(EvalStatus::Yellow) => {
            let mut d = dim(Dimension::Safety, Verdict::Hold, base.clone());
            match (
                e.remediation_plan.as_deref().filter(|p| !p.trim().is_empty()),
                e.remediation_due,
            ) {
                (Some(plan), Some(due)) => d.explanation = format!("{base}: yellow with plan \"{plan}\" due {due}"),
                _ => {
                    d.explanation = format!("{base}: yellow, plan missing (no remediation with a due date)");
                    d.flags.push("plan missing".into());
                }
            }
            d
        }
        _ => dim(Dimension::Safety, Verdict::Expand, format!("{base}: evals green")),
    }
}

/// " (incident CR-7 opened 2025-08-19)", naming the records behind a count.
fn privacy_records_note(p: &crate::incident::PrivacyCount) -> String {
    if p.records.is_empty() {
        return String::new();
    }
    let list: Vec<String> = p.records.iter().map(|(id, day)| format!("{id} opened {day}")).collect();
    let word = if list.len() == 1 { "incident" } else { "incidents" };
    let shared = match (p.shared_with_observations, p.records.len()) {
        (0, _) => String::new(),
        (1, 1) => ", also in the observations: counted once".to_string(),
        (n, _) => format!("; {n} also in the observations: counted once"),
    };
    format!(" ({word} {}{shared})", list.join(", "))
}

fn economics(uc: &UseCase, rows: &[Observation], last_q: Quarter, s: &RubricSettings) -> DimensionScore {
    let prev_q = last_q.prev();
    let sums = (
        sums_where(rows, |d| last_q.contains(d)),
        sums_where(rows, |d| prev_q.contains(d)),
        forecast_variance_pct(rows, |d| last_q.contains(d)),
    );
    let (last, prev, variance) = match sums {
        (Ok(last), Ok(prev), Ok(variance)) => (last, prev, variance),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => {
            // Shown, never silent: the exact sums cannot be formed.
            let mut d = opaque(
                Dimension::Economics,
                vec![format!("exact spend sums ({e})")],
                &format!("last quarter {last_q}"),
            );
            d.explanation.push_str(": uncapped / opaque");
            return d;
        }
    };
    let ucr_last = last.ucr();
    let ucr_prev = prev.ucr();
    let ctx = format!("last quarter {last_q}");
    let mut missing = vec![];
    if ucr_last.is_none() {
        missing.push(format!("spend_usd and units in {last_q}"));
    }
    if variance.is_none() {
        missing.push(format!("spend_usd and forecast_usd in {last_q}"));
    }
    let (Some(ucr_last), Some(variance)) = (ucr_last, variance) else {
        let mut d = opaque(Dimension::Economics, missing, &ctx);
        d.explanation.push_str(": uncapped / opaque");
        return d;
    };
    let change = pct_change(ucr_prev, Some(ucr_last));
    let trend = match change {
        Some(c) => format!("{} q/q", format::pct(c)),
        None => format!("q/q unknown (no UCR for {prev_q})"),
    };
    let levers = uc.levers.len();
    let base = format!(
        "UCR {} USD/unit, {trend}; spend {} vs forecast; {levers} lever{}",
        format::ucr(ucr_last),
        format::pct(variance),
        if levers == 1 { "" } else { "s" }
    );
    let abs_var = variance.abs();
    let down = ucr_prev.is_some_and(|p| ucr_last < p);
    if down && abs_var <= s.econ_expand_variance_pct {
        return dim(
            Dimension::Economics,
            Verdict::Expand,
            format!(
                "{base}: UCR down q/q, within ±{}% of forecast",
                num(s.econ_expand_variance_pct)
            ),
        );
    }
    if abs_var <= s.econ_hold_variance_pct && Decimal::from(levers) >= s.econ_min_levers {
        return dim(
            Dimension::Economics,
            Verdict::Hold,
            format!("{base}: within ±{}% with levers", num(s.econ_hold_variance_pct)),
        );
    }
    let why = if abs_var > s.econ_hold_variance_pct {
        format!("beyond ±{}% of forecast: uncapped", num(s.econ_hold_variance_pct))
    } else {
        format!("fewer than {} cost levers: uncapped", num(s.econ_min_levers))
    };
    dim(Dimension::Economics, Verdict::Retire, format!("{base}: {why}"))
}

fn adoption(rows: &[Observation], as_of: NaiveDate, s: &RubricSettings) -> DimensionScore {
    let w = s.adoption_window(as_of);
    let in_w = || rows.iter().filter(|o| w.contains(o.period_start));
    let dau = mean(in_w().filter_map(|o| o.dau));
    let target = mean(in_w().filter_map(|o| o.dau_target));
    let success = mean(in_w().filter_map(|o| o.task_success_pct));
    let ctx = format!("trailing {} days to {as_of}", w.days());
    let mut missing = vec![];
    if dau.is_none() {
        missing.push("dau".to_string());
    }
    if target.is_none() {
        missing.push("dau_target".to_string());
    }
    if success.is_none() {
        missing.push("task_success_pct".to_string());
    }
    let (Some(dau), Some(target), Some(success)) = (dau, target, success) else {
        return opaque(Dimension::Adoption, missing, &ctx);
    };
    let base = format!(
        "{ctx}: mean DAU {} vs target {}; task success {}%",
        num(dau),
        num(target),
        num(success)
    );
    if dau >= target && success > s.adoption_expand_task_success_pct {
        return dim(
            Dimension::Adoption,
            Verdict::Expand,
            format!(
                "{base}: at target, above {}% success",
                num(s.adoption_expand_task_success_pct)
            ),
        );
    }
    // Checked: an overflowing floor is above any DAU an import accepts.
    let below_floor = target
        .checked_mul(s.adoption_retire_dau_pct / Decimal::ONE_HUNDRED)
        .is_none_or(|floor| dau < floor);
    if below_floor || success < s.adoption_retire_task_success_pct {
        return dim(
            Dimension::Adoption,
            Verdict::Retire,
            format!(
                "{base}: below {}% of target DAU or {}% success (low utility / trust)",
                num(s.adoption_retire_dau_pct),
                num(s.adoption_retire_task_success_pct)
            ),
        );
    }
    dim(Dimension::Adoption, Verdict::Hold, format!("{base}: slow uptake"))
}

/// Does a dimension's verdict count as Retire for the overall rule?
pub fn counts_as_retire(d: &DimensionScore) -> bool {
    d.verdict == Verdict::Retire || (d.verdict == Verdict::Opaque && d.dimension == Dimension::Economics)
}

fn overall(dims: &[DimensionScore], s: &RubricSettings) -> (Path, String) {
    let retire: Vec<&str> = dims
        .iter()
        .filter(|d| counts_as_retire(d))
        .map(|d| d.dimension.label())
        .collect();
    let opaque: Vec<&str> = dims
        .iter()
        .filter(|d| d.verdict == Verdict::Opaque)
        .map(|d| d.dimension.label())
        .collect();
    let opaque_note = if opaque.is_empty() {
        String::new()
    } else {
        format!("; opaque: {}", opaque.join(", "))
    };
    let safety = dims
        .iter()
        .find(|d| d.dimension == Dimension::Safety)
        .expect("safety scored");
    if safety.verdict == Verdict::Retire {
        return (
            Path::Retire,
            format!("Retire: Safety is Retire (hard rule){opaque_note}"),
        );
    }
    if Decimal::from(retire.len()) >= s.overall_retire_min {
        return (
            Path::Retire,
            format!(
                "Retire: {} dimensions count as Retire ({}){opaque_note}",
                retire.len(),
                retire.join(", ")
            ),
        );
    }
    if dims.iter().all(|d| d.verdict == Verdict::Expand) {
        return (Path::Expand, "Expand: all five dimensions are Expand".into());
    }
    let not_expand: Vec<String> = dims
        .iter()
        .filter(|d| d.verdict != Verdict::Expand)
        .map(|d| format!("{} {}", d.dimension.label(), d.verdict.as_str()))
        .collect();
    (
        Path::Hold,
        format!("Hold: not all Expand ({}){opaque_note}", not_expand.join(", ")),
    )
}

/// Scores many use cases at once (rows grouped per use case id), without
/// incident records.
pub fn evaluate_all<'a>(
    items: impl IntoIterator<Item = (&'a UseCase, &'a [Observation])>,
    as_of: NaiveDate,
    settings: &RubricSettings,
    version: u32,
) -> Vec<Score> {
    items
        .into_iter()
        .map(|(uc, rows)| evaluate(uc, rows, as_of, settings, version))
        .collect()
}

/// Counts of overall verdicts, for summaries.
pub fn tally(scores: &[Score]) -> BTreeMap<Path, usize> {
    let mut m = BTreeMap::new();
    for s in scores {
        *m.entry(s.overall).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_evidence_is_the_quarters_means_and_latest_targets_and_stat_sig_uses_the_bar() {
        let d = |s: &str| Some(s.parse::<Decimal>().unwrap());
        let row = |date: &str, delta, ci_low, target| Observation {
            period_start: date.parse().unwrap(),
            value_delta: delta,
            value_ci_low: ci_low,
            value_target: target,
            ..Default::default()
        };
        let rows = [
            row("2025-03-31", d("100"), d("100"), d("100")), // the quarter before
            row("2025-04-07", d("4"), d("0.5"), d("5")),
            row("2025-06-30", d("6"), d("1.5"), d("3")),
            row("2025-07-01", d("100"), d("100"), d("100")), // the quarter after
        ];
        let q = Quarter::of("2025-05-15".parse().unwrap());
        let ev = value_evidence(&rows, q);
        assert_eq!(ev.quarter, q);
        assert_eq!((ev.mean_delta, ev.mean_ci_low), (d("5"), d("1")));
        assert_eq!(ev.target, d("3"), "the latest target of the quarter, not a mean");
        assert_eq!(ev.hurdle, None);
        let mut s = RubricSettings::default();
        assert!(s.stat_sig("0.01".parse().unwrap()) && !s.stat_sig(Decimal::ZERO));
        s.value_ci_low_min = Decimal::ONE;
        assert!(!s.stat_sig(Decimal::ONE), "above the bar, not at it");
    }

    #[test]
    fn the_windows_follow_the_settings_and_the_rows_read_cover_them_all() {
        let as_of: NaiveDate = "2025-06-30".parse().unwrap();
        let mut s = RubricSettings::default();
        assert_eq!(s.slo_window(as_of).days(), 90);
        assert_eq!(s.adoption_window(as_of).days(), 30);
        // Value compares Q1 with Q2 2025: Q1's start is the earliest day.
        assert_eq!(s.first_day_read(as_of).to_string(), "2025-01-01");
        s.safety_window_days = Decimal::from(365);
        assert_eq!(s.safety_window(as_of).days(), 365);
        assert_eq!(s.first_day_read(as_of), s.safety_window(as_of).first);
    }
}
