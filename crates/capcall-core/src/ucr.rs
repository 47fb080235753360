//! Unit-cost (UCR) analytics over observation rows: UCR per row, month and
//! quarter, quarter-over-quarter change, forecast variance and trailing means.
//!
//! Every function is total over missing data: an unknown input gives `None`
//! ("unknown"), never a silent zero and never a division panic.
//!
//! Rounding rule: UCR is the quotient `sum(spend) / sum(units)` carried at
//! rust_decimal's full precision (28 significant digits, the last rounded
//! half to even by the division). All comparisons use that full value; only
//! display rounds it, to 4 significant digits ([`fmt_ucr`]). Percent changes
//! are likewise exact until display (1 decimal, half to even).

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::model::Observation;
use crate::money::Money;
use crate::period::{Month, Quarter, Window};

/// Spend, units and UCR of one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UcrPoint {
    /// "2025-Q3", "2025-09" or "2025-09-01".
    pub period: String,
    pub spend_usd: Money,
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

/// Running sums for one period.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sums {
    pub spend_cents: i128,
    pub units: u128,
    pub rows_used: u32,
    pub rows_missing: u32,
}

impl Sums {
    pub fn add(&mut self, o: &Observation) {
        match (o.spend_usd, o.units) {
            (Some(s), Some(u)) => {
                // Money from storage always fits i64 cents; a value that
                // does not is skipped as missing rather than panicking.
                match s.cents() {
                    Ok(c) => {
                        self.spend_cents += i128::from(c);
                        self.units += u128::from(u);
                        self.rows_used += 1;
                    }
                    Err(_) => self.rows_missing += 1,
                }
            }
            _ => self.rows_missing += 1,
        }
    }
    pub fn ucr(&self) -> Option<Decimal> {
        if self.rows_used == 0 || self.units == 0 {
            return None;
        }
        let spend = Decimal::try_from_i128_with_scale(self.spend_cents, 2).ok()?;
        let units = Decimal::try_from_i128_with_scale(i128::try_from(self.units).ok()?, 0).ok()?;
        spend.checked_div(units)
    }
    fn point(&self, period: String) -> UcrPoint {
        let spend = Decimal::try_from_i128_with_scale(self.spend_cents, 2).ok();
        UcrPoint {
            period,
            spend_usd: spend.and_then(Money::from_decimal_exact).unwrap_or(Money::ZERO),
            units: Decimal::try_from_i128_with_scale(i128::try_from(self.units).unwrap_or(i128::MAX), 0)
                .unwrap_or(Decimal::MAX),
            ucr: self.ucr(),
            rows_used: self.rows_used,
            rows_missing: self.rows_missing,
        }
    }
}

/// UCR of one quarter; `None` if unknown.
pub fn ucr_in_quarter(rows: &[Observation], q: Quarter) -> Option<Decimal> {
    sums_where(rows, |d| q.contains(d)).ucr()
}

/// Sums over the rows whose `period_start` passes `keep`.
pub fn sums_where(rows: &[Observation], keep: impl Fn(chrono::NaiveDate) -> bool) -> Sums {
    let mut s = Sums::default();
    for o in rows.iter().filter(|o| keep(o.period_start)) {
        s.add(o);
    }
    s
}

/// UCR history by calendar quarter, oldest first.
pub fn by_quarter(rows: &[Observation]) -> Vec<UcrPoint> {
    let mut map: BTreeMap<Quarter, Sums> = BTreeMap::new();
    for o in rows {
        map.entry(Quarter::of(o.period_start)).or_default().add(o);
    }
    map.into_iter().map(|(q, s)| s.point(q.label())).collect()
}

/// UCR history by calendar month, oldest first.
pub fn by_month(rows: &[Observation]) -> Vec<UcrPoint> {
    let mut map: BTreeMap<Month, Sums> = BTreeMap::new();
    for o in rows {
        map.entry(Month::of(o.period_start)).or_default().add(o);
    }
    map.into_iter().map(|(m, s)| s.point(m.to_string())).collect()
}

/// UCR per observation row, oldest first.
pub fn by_period(rows: &[Observation]) -> Vec<UcrPoint> {
    let mut sorted: Vec<&Observation> = rows.iter().collect();
    sorted.sort_by_key(|o| o.period_start);
    sorted
        .into_iter()
        .map(|o| {
            let mut s = Sums::default();
            s.add(o);
            s.point(o.period_start.to_string())
        })
        .collect()
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
/// both. `None` if no such row or the forecast sums to zero.
pub fn forecast_variance_pct(rows: &[Observation], keep: impl Fn(chrono::NaiveDate) -> bool) -> Option<Decimal> {
    let mut spend: i128 = 0;
    let mut forecast: i128 = 0;
    let mut n = 0u32;
    for o in rows.iter().filter(|o| keep(o.period_start)) {
        if let (Some(s), Some(f)) = (o.spend_usd, o.forecast_usd) {
            spend += i128::from(s.cents().ok()?);
            forecast += i128::from(f.cents().ok()?);
            n += 1;
        }
    }
    if n == 0 || forecast == 0 {
        return None;
    }
    let diff = Decimal::try_from_i128_with_scale(spend - forecast, 2).ok()?;
    let base = Decimal::try_from_i128_with_scale(forecast, 2).ok()?;
    diff.checked_div(base)?.checked_mul(Decimal::ONE_HUNDRED)
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

/// A UCR for display: 4 significant digits ("0.009134" -> "0.009134",
/// "0.0091344" -> "0.009134", "1.23456" -> "1.235"), half to even.
pub fn fmt_ucr(ucr: Decimal) -> String {
    let v = ucr
        .round_sf_with_strategy(4, RoundingStrategy::MidpointNearestEven)
        .unwrap_or(ucr);
    v.normalize().to_string()
}

/// A percentage for display: one decimal with sign ("-7.1%", "+3.2%").
pub fn fmt_pct(p: Decimal) -> String {
    let r = p.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven);
    let sign = if r.is_sign_positive() && !r.is_zero() { "+" } else { "" };
    format!("{sign}{r:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn obs(date: &str, spend: Option<&str>, units: Option<u64>) -> Observation {
        Observation {
            period_start: date.parse().unwrap(),
            spend_usd: spend.map(|s| Money::parse(s).unwrap()),
            units,
            ..Default::default()
        }
    }

    #[test]
    fn quarters_sum_then_divide() {
        let rows = vec![
            obs("2025-07-07", Some("100"), Some(10_000)),
            obs("2025-09-29", Some("50"), Some(10_000)),
            obs("2025-10-06", Some("30"), Some(10_000)),
            obs("2025-10-13", None, Some(10_000)),
        ];
        let q = by_quarter(&rows);
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].period, "2025-Q3");
        assert_eq!(q[0].ucr, Some(Decimal::from_str("0.0075").unwrap()));
        assert_eq!(q[1].rows_missing, 1);
        assert_eq!(q[1].ucr, Some(Decimal::from_str("0.003").unwrap()));
        let change = pct_change(q[0].ucr, q[1].ucr).unwrap();
        assert_eq!(change, Decimal::from(-60));
    }

    #[test]
    fn unknowns_stay_unknown() {
        assert_eq!(by_quarter(&[obs("2025-01-01", None, None)])[0].ucr, None);
        assert_eq!(by_quarter(&[obs("2025-01-01", Some("5"), Some(0))])[0].ucr, None);
        assert_eq!(pct_change(Some(Decimal::ZERO), Some(Decimal::ONE)), None);
        assert_eq!(pct_change(None, Some(Decimal::ONE)), None);
        assert_eq!(mean(std::iter::empty()), None);
        assert_eq!(
            forecast_variance_pct(&[obs("2025-01-01", Some("5"), None)], |_| true),
            None
        );
    }

    #[test]
    fn display_rules() {
        assert_eq!(fmt_ucr(Decimal::from_str("0.0091344").unwrap()), "0.009134");
        assert_eq!(fmt_ucr(Decimal::from_str("0.0091").unwrap()), "0.0091");
        assert_eq!(fmt_pct(Decimal::from_str("-7.14").unwrap()), "-7.1%");
        assert_eq!(fmt_pct(Decimal::from_str("3.25").unwrap()), "+3.2%");
    }
}
