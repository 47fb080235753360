//! The portfolio board's figures, decided once here and rendered by the app:
//! per use case, last complete quarter's spend against its forecast and its
//! quarterly budget (over-budget flag), the labelled UCR, open sev1/sev2
//! incidents; the months of the UCR sparkline ([`sparkline_window`]); and
//! the portfolio totals, exact.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::incident::{Incident, Severity};
use crate::model::{Observation, UseCase};
use crate::money::{Measured, MoneyError, Planned};
use crate::period::{Quarter, Window};
use crate::ucr::{self, QuarterChange};

/// One use case's board figures as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RowFigures {
    /// The last complete quarter the figures cover ("2025-Q2").
    pub quarter: String,
    /// Spend of that quarter, exact (rows with spend).
    pub spend_usd: Option<Measured>,
    /// Forecast of that quarter, exact (rows with forecast).
    pub forecast_usd: Option<Measured>,
    /// Spend against forecast, percent, over rows that have both.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub variance_pct: Option<Decimal>,
    /// Spend above the quarterly budget (spend > budget).
    pub over_budget: bool,
    /// Spend minus budget (negative: under budget); `None` without spend.
    pub over_budget_by_usd: Option<Measured>,
    /// The labelled UCR: last complete quarter, q/q, partial quarter apart.
    pub ucr: QuarterChange,
    /// Open sev1 and sev2 incidents at the as-of date.
    pub open_sev1: u32,
    pub open_sev2: u32,
}

/// How many calendar months a board row's UCR sparkline shows.
pub const SPARKLINE_MONTHS: u32 = 12;

/// The rows behind a board row's UCR sparkline as of a date: the
/// [`SPARKLINE_MONTHS`] calendar months to `as_of`, its own month so far
/// included, one point per month (`ucr::History<Month>`).
pub fn sparkline_window(as_of: NaiveDate) -> Window {
    Window::months_to(as_of, SPARKLINE_MONTHS)
}

/// Portfolio totals of the rows shown, exact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardTotals {
    pub use_cases: u32,
    pub budget_usd: Planned,
    pub spend_usd: Measured,
    pub forecast_usd: Measured,
    /// Total spend against total forecast (use cases with both), percent.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub variance_pct: Option<Decimal>,
    pub over_budget: u32,
    pub open_sev1: u32,
    pub open_sev2: u32,
}

fn sum_where(
    rows: &[Observation],
    q: Quarter,
    pick: impl Fn(&Observation) -> Option<Measured>,
) -> Result<Option<Measured>, MoneyError> {
    let mut total: Option<Measured> = None;
    for v in rows.iter().filter(|o| q.contains(o.period_start)).filter_map(&pick) {
        total = Some(total.unwrap_or(Measured::ZERO).checked_add(v)?);
    }
    Ok(total)
}

/// The board figures of one use case. `rows` are its observations (at least
/// the last two complete quarters), `incidents` its incidents.
pub fn row_figures(
    use_case: &UseCase,
    rows: &[Observation],
    incidents: &[Incident],
    as_of: NaiveDate,
) -> Result<RowFigures, MoneyError> {
    let q = Quarter::last_complete(as_of);
    let spend = sum_where(rows, q, |o| o.spend_usd)?;
    let forecast = sum_where(rows, q, |o| o.forecast_usd)?;
    let variance_pct = ucr::forecast_variance_pct(rows, |d| q.contains(d))?;
    let budget = Measured::from_planned(use_case.budget_usd);
    let over_by = spend.map(|s| s.checked_sub(budget)).transpose()?;
    let end_of_day = as_of.succ_opt().unwrap_or(as_of).and_time(NaiveTime::MIN);
    let open = |sev: Severity| {
        incidents
            .iter()
            .filter(|i| i.severity == sev && i.opened_on() <= as_of && i.is_open_at(Some(end_of_day)))
            .count() as u32
    };
    Ok(RowFigures {
        quarter: q.label(),
        spend_usd: spend,
        forecast_usd: forecast,
        variance_pct,
        over_budget: over_by.is_some_and(|d| d.as_decimal() > Decimal::ZERO),
        over_budget_by_usd: over_by,
        ucr: ucr::quarter_change(rows, as_of)?,
        open_sev1: open(Severity::Sev1),
        open_sev2: open(Severity::Sev2),
    })
}

/// BoardTotals over rows (use case, figures): exact sums, the variance of the
/// totals (use cases with both spend and forecast), counts of flags.
pub fn totals<'a>(rows: impl IntoIterator<Item = (&'a UseCase, &'a RowFigures)>) -> Result<BoardTotals, MoneyError> {
    let mut t = BoardTotals::default();
    let (mut both_spend, mut both_forecast) = (Measured::ZERO, Measured::ZERO);
    for (u, f) in rows {
        t.use_cases += 1;
        t.budget_usd = t.budget_usd.checked_add(u.budget_usd)?;
        if let Some(s) = f.spend_usd {
            t.spend_usd = t.spend_usd.checked_add(s)?;
        }
        if let Some(fc) = f.forecast_usd {
            t.forecast_usd = t.forecast_usd.checked_add(fc)?;
        }
        if let (Some(s), Some(fc)) = (f.spend_usd, f.forecast_usd) {
            both_spend = both_spend.checked_add(s)?;
            both_forecast = both_forecast.checked_add(fc)?;
        }
        t.over_budget += u32::from(f.over_budget);
        t.open_sev1 += f.open_sev1;
        t.open_sev2 += f.open_sev2;
    }
    if !both_forecast.is_zero() {
        t.variance_pct = both_spend
            .checked_sub(both_forecast)?
            .as_decimal()
            .checked_div(both_forecast.as_decimal())
            .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lifecycle;

    fn uc(budget: &str) -> UseCase {
        UseCase {
            id: "a".into(),
            name: "A".into(),
            owner: "o".into(),
            wave: "W".into(),
            region: "EU".into(),
            status: Lifecycle::Live,
            flag: None,
            budget_usd: Planned::parse(budget).unwrap(),
            levers: vec![],
            sunset_date: None,
        }
    }

    fn obs(d: &str, spend: &str, forecast: &str) -> Observation {
        Observation {
            period_start: d.parse().unwrap(),
            spend_usd: Some(Measured::parse(spend).unwrap()),
            forecast_usd: Some(Measured::parse(forecast).unwrap()),
            units: Some(1000),
            ..Default::default()
        }
    }

    #[test]
    fn the_sparkline_shows_the_twelve_months_to_the_as_of_date() {
        let w = sparkline_window("2025-06-15".parse().unwrap());
        assert_eq!(w.first.to_string(), "2024-07-01");
        assert_eq!(w.last.to_string(), "2025-06-15");
        let months: std::collections::BTreeSet<_> = w
            .first
            .iter_days()
            .take_while(|d| *d <= w.last)
            .map(crate::period::Month::of)
            .collect();
        assert_eq!(months.len(), SPARKLINE_MONTHS as usize);
    }

    #[test]
    fn spend_against_budget_and_forecast_exactly() {
        // Q2 spend 264,000.0005 against a 260,000 budget: over by 4,000.0005.
        let rows = [
            obs("2025-04-07", "132000.0002", "130000"),
            obs("2025-05-05", "132000.0003", "130000"),
            obs("2025-07-07", "1", "1"),
        ];
        let f = row_figures(&uc("260000"), &rows, &[], "2025-07-10".parse().unwrap()).unwrap();
        assert_eq!(f.quarter, "2025-Q2");
        assert_eq!(f.spend_usd.unwrap().to_string(), "264000.0005");
        assert!(f.over_budget);
        assert_eq!(f.over_budget_by_usd.unwrap().to_string(), "4000.0005");
        assert_eq!(f.ucr.partial_quarter.as_deref(), Some("2025-Q3"));
        let g = row_figures(&uc("300000"), &rows, &[], "2025-07-10".parse().unwrap()).unwrap();
        assert!(!g.over_budget);
        let uc1 = uc("260000");
        let uc2 = uc("300000");
        let t = totals([(&uc1, &f), (&uc2, &g)]).unwrap();
        assert_eq!(t.budget_usd.to_string(), "560000.00");
        assert_eq!(t.spend_usd.to_string(), "528000.0010");
        assert_eq!(t.over_budget, 1);
        assert_eq!(t.variance_pct.unwrap().round_dp(6).to_string(), "1.538462");
    }
}
