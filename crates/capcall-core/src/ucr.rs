//! Unit-cost (UCR) analytics over observation rows: UCR per row, month and
//! quarter, quarter-over-quarter change, forecast variance and trailing means.
//!
//! Every function is total over missing data: an unknown input gives `None`
//! ("unknown"), never a silent zero and never a division panic.
//!
//! Rounding rule: UCR is the quotient `sum(spend) / sum(units)` carried at
//! rust_decimal's full precision (28 significant digits, the last rounded
//! half to even by the division). All comparisons use that full value; only
//! display rounds it, to 4 significant digits ([`crate::format::ucr`]). Percent changes
//! are likewise exact until display (1 decimal, half to even).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::Observation;
use crate::money::{Measured, MoneyError};
use crate::period::{Month, Quarter, Window};

/// Spend, units and UCR of one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UcrPoint {
    /// "2025-Q3", "2025-09" or "2025-09-01".
    pub period: String,
    /// Exact sum of the spend of the rows used.
    pub spend_usd: Measured,
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(with = "rust_decimal::serde::str")]
    pub units: Decimal,
    /// `None` when no row has both spend and units, or units sum to zero.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub ucr: Option<Decimal>,
    /// Rows that had both spend and units.
    pub rows_used: u32,
    /// Rows in the period lacking spend or units (not counted).
    pub rows_missing: u32,
}

/// Running sums for one period: exact spend, units in a `u128` (accepted
/// units are at most 10^15 a row, so no realistic count of rows overflows).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sums {
    pub spend: Measured,
    pub units: u128,
    pub rows_used: u32,
    pub rows_missing: u32,
}

impl Sums {
    /// Adds a row; an error only if the exact spend sum leaves rust_decimal's
    /// 28 digits (impossible for fewer than 1,000 rows of accepted values).
    pub fn add(&mut self, o: &Observation) -> Result<(), MoneyError> {
        match (o.spend_usd, o.units) {
            (Some(s), Some(u)) => {
                self.spend = self.spend.checked_add(s)?;
                self.units = self.units.checked_add(u128::from(u)).ok_or(MoneyError::Overflow)?;
                self.rows_used += 1;
            }
            _ => self.rows_missing += 1,
        }
        Ok(())
    }
    /// `sum(spend) / sum(units)`; `None` when unknown (no row, zero units).
    pub fn ucr(&self) -> Option<Decimal> {
        if self.rows_used == 0 || self.units == 0 {
            return None;
        }
        let units = Decimal::try_from_i128_with_scale(i128::try_from(self.units).ok()?, 0).ok()?;
        self.spend.as_decimal().checked_div(units)
    }
    /// This period as a [`UcrPoint`] labelled `period`.
    pub fn point(&self, period: String) -> UcrPoint {
        UcrPoint {
            period,
            spend_usd: self.spend,
            units: Decimal::try_from_i128_with_scale(i128::try_from(self.units).unwrap_or(i128::MAX), 0)
                .unwrap_or(Decimal::MAX),
            ucr: self.ucr(),
            rows_used: self.rows_used,
            rows_missing: self.rows_missing,
        }
    }
}

/// UCR of one quarter; `None` if unknown.
pub fn ucr_in_quarter(rows: &[Observation], q: Quarter) -> Result<Option<Decimal>, MoneyError> {
    Ok(sums_where(rows, |d| q.contains(d))?.ucr())
}

/// Sums over the rows whose `period_start` passes `keep`.
pub fn sums_where(rows: &[Observation], keep: impl Fn(chrono::NaiveDate) -> bool) -> Result<Sums, MoneyError> {
    let mut s = Sums::default();
    for o in rows.iter().filter(|o| keep(o.period_start)) {
        s.add(o)?;
    }
    Ok(s)
}

/// The calendar periods a UCR history groups rows into.
pub trait Period: Ord + Copy {
    /// The period a row's `period_start` falls in.
    fn of(date: chrono::NaiveDate) -> Self;
    /// "2025-Q3", "2025-07".
    fn label(self) -> String;
}

impl Period for Quarter {
    fn of(date: chrono::NaiveDate) -> Quarter {
        Quarter::of(date)
    }
    fn label(self) -> String {
        Quarter::label(self)
    }
}

impl Period for Month {
    fn of(date: chrono::NaiveDate) -> Month {
        Month::of(date)
    }
    fn label(self) -> String {
        self.to_string()
    }
}

/// A UCR history built row by row: the one grouping of rows into calendar
/// periods behind [`by_quarter`], [`by_month`] and the store's histories
/// streamed from SQL (portfolio UCR by quarter, the board's monthly
/// sparklines), so nobody groups by quarter or month on their own.
#[derive(Clone, Debug)]
pub struct History<P> {
    sums: BTreeMap<P, Sums>,
}

impl<P: Period> Default for History<P> {
    fn default() -> Self {
        History { sums: BTreeMap::new() }
    }
}

impl<P: Period> History<P> {
    /// Adds a row to its period; an error only if an exact sum overflows.
    pub fn add(&mut self, o: &Observation) -> Result<(), MoneyError> {
        self.sums.entry(P::of(o.period_start)).or_default().add(o)
    }
    /// The periods seen, oldest first.
    pub fn points(self) -> Vec<UcrPoint> {
        self.sums.into_iter().map(|(p, s)| s.point(p.label())).collect()
    }
    /// `(label, UCR or unknown)` per period, oldest first.
    pub fn ucrs(self) -> Vec<(String, Option<Decimal>)> {
        self.sums.into_iter().map(|(p, s)| (p.label(), s.ucr())).collect()
    }
}

/// UCR history by calendar quarter, oldest first.
pub fn by_quarter(rows: &[Observation]) -> Result<Vec<UcrPoint>, MoneyError> {
    let mut h = History::<Quarter>::default();
    for o in rows {
        h.add(o)?;
    }
    Ok(h.points())
}

/// UCR history by calendar month, oldest first.
pub fn by_month(rows: &[Observation]) -> Result<Vec<UcrPoint>, MoneyError> {
    let mut h = History::<Month>::default();
    for o in rows {
        h.add(o)?;
    }
    Ok(h.points())
}

/// UCR per observation row, oldest first.
pub fn by_period(rows: &[Observation]) -> Result<Vec<UcrPoint>, MoneyError> {
    let mut sorted: Vec<&Observation> = rows.iter().collect();
    sorted.sort_by_key(|o| o.period_start);
    sorted
        .into_iter()
        .map(|o| {
            let mut s = Sums::default();
            s.add(o)?;
            Ok(s.point(o.period_start.to_string()))
        })
        .collect()
}

/// The UCR of the last complete quarter as of a date, against the quarter
/// before it: the one quarter-over-quarter figure every screen shows (the
/// rubric's Economics uses the same two quarters). A partial quarter is never
/// compared; `partial` reports the quarter in progress separately.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuarterChange {
    /// "2025-Q2": the last complete quarter.
    pub quarter: String,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub ucr: Option<Decimal>,
    pub previous_quarter: String,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub previous_ucr: Option<Decimal>,
    /// Percent change, full precision; `None` when either UCR is unknown.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub change_pct: Option<Decimal>,
    /// The quarter in progress ("2025-Q3"), when rows fall in it, with its
    /// UCR so far: labelled partial wherever shown.
    pub partial_quarter: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub partial_ucr: Option<Decimal>,
}

/// [`QuarterChange`] of `rows` as of `as_of`.
pub fn quarter_change(rows: &[Observation], as_of: chrono::NaiveDate) -> Result<QuarterChange, MoneyError> {
    let last = Quarter::last_complete(as_of);
    let prev = last.prev();
    let current = Quarter::of(as_of);
    let ucr = ucr_in_quarter(rows, last)?;
    let previous_ucr = ucr_in_quarter(rows, prev)?;
    let in_progress = current != last
        && rows
            .iter()
            .any(|o| current.contains(o.period_start) && o.period_start <= as_of);
    Ok(QuarterChange {
        quarter: last.label(),
        ucr,
        previous_quarter: prev.label(),
        previous_ucr,
        change_pct: pct_change(previous_ucr, ucr),
        partial_quarter: in_progress.then(|| current.label()),
        partial_ucr: if in_progress {
            sums_where(rows, |d| current.contains(d) && d <= as_of)?.ucr()
        } else {
            None
        },
    })
}

/// Relative change `(new - old) / old` as a percentage; `None` when either
/// is unknown or `old` is zero.
pub fn pct_change(old: Option<Decimal>, new: Option<Decimal>) -> Option<Decimal> {
    let (old, new) = (old?, new?);
    if old.is_zero() {
        return None;
    }
    new.checked_sub(old)?
        .checked_div(old)?
        .checked_mul(Decimal::ONE_HUNDRED)
}

/// Forecast variance in percent over the rows passing `keep`:
/// `(sum(spend) - sum(forecast)) / sum(forecast) * 100`, over rows that have
/// both, from the exact sums. `Ok(None)` if no such row or the forecast sums
/// to zero.
pub fn forecast_variance_pct(
    rows: &[Observation],
    keep: impl Fn(chrono::NaiveDate) -> bool,
) -> Result<Option<Decimal>, MoneyError> {
    let mut spend = Measured::ZERO;
    let mut forecast = Measured::ZERO;
    let mut n = 0u32;
    for o in rows.iter().filter(|o| keep(o.period_start)) {
        if let (Some(s), Some(f)) = (o.spend_usd, o.forecast_usd) {
            spend = spend.checked_add(s)?;
            forecast = forecast.checked_add(f)?;
            n += 1;
        }
    }
    if n == 0 || forecast.is_zero() {
        return Ok(None);
    }
    let diff = spend.checked_sub(forecast)?.as_decimal();
    Ok(diff
        .checked_div(forecast.as_decimal())
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)))
}

/// Mean of a field over the rows of a window that have it; `None` if none do.
pub fn trailing_mean(
    rows: &[Observation],
    window: Window,
    field: impl Fn(&Observation) -> Option<Decimal>,
) -> Option<Decimal> {
    mean(
        rows.iter()
            .filter(|o| window.contains(o.period_start))
            .filter_map(field),
    )
}

/// Mean of decimals; `None` for an empty sequence (or on overflow).
pub fn mean(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    let mut sum = Decimal::ZERO;
    let mut n = 0u32;
    for v in values {
        sum = sum.checked_add(v)?;
        n += 1;
    }
    if n == 0 {
        None
    } else {
        sum.checked_div(Decimal::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn obs(date: &str, spend: Option<&str>, units: Option<u64>) -> Observation {
        Observation {
            period_start: date.parse().unwrap(),
            spend_usd: spend.map(|s| Measured::parse(s).unwrap()),
            units,
            ..Default::default()
        }
    }

    #[test]
    fn a_history_groups_rows_by_the_cores_periods_whatever_their_order() {
        let rows = [
            obs("2025-07-07", Some("10"), Some(4)),
            obs("2025-03-31", Some("1.5"), Some(3)),
            obs("2025-09-29", Some("2"), Some(0)),
            obs("2025-04-01", None, Some(3)),
            obs("2025-07-28", Some("0.000001"), Some(1)),
        ];
        let mut q = History::<Quarter>::default();
        let mut m = History::<Month>::default();
        for o in rows.iter().rev() {
            q.add(o).unwrap();
            m.add(o).unwrap();
        }
        let points = q.points();
        assert_eq!(points, by_quarter(&rows).unwrap());
        let labels: Vec<&str> = points.iter().map(|p| p.period.as_str()).collect();
        assert_eq!(labels, ["2025-Q1", "2025-Q2", "2025-Q3"]);
        assert_eq!(points[1].ucr, None, "Q2 has no row with both spend and units");
        assert_eq!(points[1].rows_missing, 1);
        assert_eq!(
            points[2].ucr,
            Some(Decimal::from_str("2.4000002").unwrap()),
            "(10 + 2 + 0.000001) / (4 + 0 + 1)"
        );
        let months = m.ucrs();
        assert_eq!(
            months.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(),
            ["2025-03", "2025-04", "2025-07", "2025-09"]
        );
        assert_eq!(months[0].1, Some(Decimal::from_str("0.5").unwrap()));
        assert_eq!(months[3].1, None, "zero units: unknown, not a division");
    }

    #[test]
    fn quarters_sum_then_divide() {
        let rows = vec![
            obs("2025-07-07", Some("100"), Some(10_000)),
            obs("2025-09-29", Some("50"), Some(10_000)),
            obs("2025-10-06", Some("30"), Some(10_000)),
            obs("2025-10-13", None, Some(10_000)),
        ];
        let q = by_quarter(&rows).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].period, "2025-Q3");
        assert_eq!(q[0].ucr, Some(Decimal::from_str("0.0075").unwrap()));
        assert_eq!(q[1].rows_missing, 1);
        assert_eq!(q[1].ucr, Some(Decimal::from_str("0.003").unwrap()));
        let change = pct_change(q[0].ucr, q[1].ucr).unwrap();
        assert_eq!(change, Decimal::from(-60));
    }

    #[test]
    fn quarter_change_compares_complete_quarters_and_labels_the_partial_one() {
        let rows = vec![
            obs("2025-04-07", Some("100"), Some(10_000)),
            obs("2025-07-07", Some("93"), Some(10_000)),
            obs("2025-10-06", Some("10"), Some(10_000)),
        ];
        let c = quarter_change(&rows, "2025-10-20".parse().unwrap()).unwrap();
        assert_eq!(
            (c.quarter.as_str(), c.previous_quarter.as_str()),
            ("2025-Q3", "2025-Q2")
        );
        assert_eq!(c.change_pct, Some(Decimal::from_str("-7").unwrap()));
        assert_eq!(c.partial_quarter.as_deref(), Some("2025-Q4"));
        assert_eq!(c.partial_ucr, Some(Decimal::from_str("0.001").unwrap()));
        let at_end = quarter_change(&rows[..2], "2025-09-30".parse().unwrap()).unwrap();
        assert_eq!((at_end.quarter.as_str(), at_end.partial_quarter), ("2025-Q3", None));
    }

    #[test]
    fn unknowns_stay_unknown() {
        assert_eq!(by_quarter(&[obs("2025-01-01", None, None)]).unwrap()[0].ucr, None);
        assert_eq!(
            by_quarter(&[obs("2025-01-01", Some("5"), Some(0))]).unwrap()[0].ucr,
            None
        );
        assert_eq!(pct_change(Some(Decimal::ZERO), Some(Decimal::ONE)), None);
        assert_eq!(pct_change(None, Some(Decimal::ONE)), None);
        assert_eq!(mean(std::iter::empty()), None);
        assert_eq!(
            forecast_variance_pct(&[obs("2025-01-01", Some("5"), None)], |_| true).unwrap(),
            None
        );
    }
}
