//! Display rules, written once. Storage and computation never round; these
//! functions are the only place a shown number loses digits. The CLI, the
//! exports and the app (which receives these strings over IPC) all use them.
//!
//! - Planned money: thousands separators, 2 decimals (`1,234,567.89`).
//! - Measured money in tables: rounded half to even to the cent, grouped
//!   (`18,885.70`); the exact value (`18885.7030`) is shown on detail pages,
//!   in JSON and on hover.
//! - UCR: 4 significant digits, half to even (`0.009134`).
//! - Percentages: one decimal with a sign, half to even (`-7.1%`, `+3.2%`).

use rust_decimal::{Decimal, RoundingStrategy};

use crate::money::{Grouped, Measured, Planned};

/// Planned money for display: `1,234,567.89`.
pub fn planned(p: Planned) -> String {
    Grouped(p).to_string()
}

/// Measured money rounded to the cent for tables: `18,885.70`. Values whose
/// cents would exceed the planned range cannot occur (measured money is below
/// one billion).
pub fn measured(m: Measured) -> String {
    match m.round_to_planned() {
        Ok(p) => Grouped(p).to_string(),
        Err(_) => m.to_string(),
    }
}

/// A UCR for display: 4 significant digits ("0.0091344" -> "0.009134",
/// "1.23456" -> "1.235"), half to even.
pub fn ucr(ucr: Decimal) -> String {
    let v = ucr
        .round_sf_with_strategy(4, RoundingStrategy::MidpointNearestEven)
        .unwrap_or(ucr);
    v.normalize().to_string()
}

/// A percentage for display: one decimal with sign ("-7.1%", "+3.2%").
pub fn pct(p: Decimal) -> String {
    let r = p.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven);
    let sign = if r.is_sign_positive() && !r.is_zero() { "+" } else { "" };
    format!("{sign}{r:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn each_rule_once() {
        assert_eq!(planned(Planned::parse("1234567.5").unwrap()), "1,234,567.50");
        assert_eq!(measured(Measured::parse("18885.7030").unwrap()), "18,885.70");
        assert_eq!(measured(Measured::parse("0.005").unwrap()), "0.00");
        assert_eq!(measured(Measured::parse("0.015").unwrap()), "0.02");
        assert_eq!(measured(Measured::parse("-0.0095").unwrap()), "-0.01");
        assert_eq!(ucr(d("0.0091344")), "0.009134");
        assert_eq!(ucr(d("0.0091")), "0.0091");
        assert_eq!(ucr(d("1.23456")), "1.235");
        assert_eq!(pct(d("-7.14")), "-7.1%");
        assert_eq!(pct(d("3.25")), "+3.2%");
        assert_eq!(pct(d("0")), "0.0%");
    }
}
