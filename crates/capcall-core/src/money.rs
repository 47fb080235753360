//! Exact money: USD amounts held to the cent, checked arithmetic, strict
//! parsing of user text, and splitting a total into weighted parts.
//!
//! Rounding rules (the only places a cent is ever decided):
//! - **Parsing** never rounds: more than two decimals is an error.
//! - **Scaling by a ratio** ([`Money::mul_ratio`], e.g. pro-rating a budget by
//!   days) rounds half to even ("banker's rounding") to the cent.
//! - **Splitting** ([`allocate`]) uses the largest-remainder method: each part
//!   gets the floor of its exact share in cents, and the cents left over go one
//!   each to the parts with the largest remainders, ties to the lower index.
//!   The parts always sum to the total.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A USD amount, exact to the cent. Crosses JSON as a string ("1234.50").
///
/// Held as whole cents in an `i64` (about ±92 quadrillion USD), so the
/// arithmetic is exact integer arithmetic; every operation is checked and
/// overflow is an error, never a panic or a silent loss of precision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a money operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount overflows the supported range")]
    Overflow,
    #[error("cannot split: the weights are empty, negative or sum to zero")]
    BadWeights,
    #[error("{0}")]
    Parse(#[from] MoneyParseError),
}

/// Why a text is not an amount. The message names what is wrong, not where:
/// callers add the file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    #[error("empty amount")]
    Empty,
    #[error("'{0}' is not an amount (expected e.g. 1200.50, 1,200.50, -1,200.50, (1,200.50), $1,200.50)")]
    Invalid(String),
    #[error("'{0}' has more than 2 decimal places; amounts are exact to the cent and are never rounded")]
    TooPrecise(String),
    #[error("'{0}' has misplaced thousands separators")]
    BadGrouping(String),
    #[error("'{0}' is too large")]
    TooLarge(String),
}

impl Money {
    pub const ZERO: Money = Money(0);

    /// From a number of cents.
    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    /// From whole dollars; saturates to zero outside the supported range
    /// (demo and test data only).
    pub fn from_dollars(dollars: i64) -> Money {
        dollars.checked_mul(100).map(Money).unwrap_or(Money::ZERO)
    }

    /// From a decimal that is already exact to the cent; `None` if it has
    /// sub-cent digits (which would need a rounding decision) or is too large.
    pub fn from_decimal_exact(d: Decimal) -> Option<Money> {
        let n = d.normalize();
        if n.scale() > 2 {
            return None;
        }
        Money::from_decimal_cents(n)
    }

    /// Rounds a decimal to the cent, half to even. Use only where a rule says so.
    pub fn round_from(d: Decimal) -> Result<Money, MoneyError> {
        Money::from_decimal_cents(d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
            .ok_or(MoneyError::Overflow)
    }

    /// A decimal with at most 2 decimals, as cents, if it fits.
    fn from_decimal_cents(d: Decimal) -> Option<Money> {
        let cents = d.checked_mul(Decimal::ONE_HUNDRED)?;
        let mut c = cents.normalize();
        c.rescale(0);
        i64::try_from(c.mantissa()).ok().map(Money)
    }

    /// The exact decimal value (scale 2).
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// The amount in cents.
    pub fn cents(self) -> Result<i64, MoneyError> {
        Ok(self.0)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0.checked_add(other.0).map(Money).ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0.checked_sub(other.0).map(Money).ok_or(MoneyError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        self.0.checked_neg().map(Money).ok_or(MoneyError::Overflow)
    }

    /// `self * ratio`, rounded half to even to the cent.
    pub fn mul_ratio(self, ratio: Decimal) -> Result<Money, MoneyError> {
        self.as_decimal()
            .checked_mul(ratio)
            .ok_or(MoneyError::Overflow)
            .and_then(Money::round_from)
    }

    /// `self * factor` without rounding (the product of a money amount and a
    /// unitless value such as return per dollar). Not money, so a `Decimal`.
    pub fn times(self, factor: Decimal) -> Result<Decimal, MoneyError> {
        self.as_decimal().checked_mul(factor).ok_or(MoneyError::Overflow)
    }

    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }
    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }

    /// Sum of amounts, checked.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// Parses a user amount: `1200.50`, `1,200.50`, `-1,200.50`, `(1,200.50)`,
    /// `$1,200.50`, `-$1,200.50`. Never rounds.
    pub fn parse(text: &str) -> Result<Money, MoneyParseError> {
        parse_cents(text).map(Money::from_cents)
    }

    /// Thousands separators, 2 decimals: `1,234,567.89`, `-1,200.00`.
    pub fn display_grouped(self) -> String {
        Grouped(self).to_string()
    }
}

/// Displays an amount with thousands separators and 2 decimals, without
/// allocating (for explanations built on hot paths).
pub struct Grouped(pub Money);

impl fmt::Display for Grouped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.0 .0;
        let abs = cents.unsigned_abs();
        let int = abs / 100;
        if cents < 0 {
            f.write_str("-")?;
        }
        // Groups of three, most significant first.
        let mut groups = [0u64; 8];
        let mut n = 0;
        let mut rest = int;
        loop {
            groups[n] = rest % 1000;
            n += 1;
            rest /= 1000;
            if rest == 0 {
                break;
            }
        }
        write!(f, "{}", groups[n - 1])?;
        for g in groups[..n - 1].iter().rev() {
            write!(f, ",{g:03}")?;
        }
        write!(f, ".{:02}", abs % 100)
    }
}

/// Parses a user amount into cents (the fast path imports use).
pub fn parse_cents(text: &str) -> Result<i64, MoneyParseError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(MoneyParseError::Empty);
    }
    let invalid = || MoneyParseError::Invalid(t.to_string());
    let (negative, body) = if let Some(inner) = t.strip_prefix('(') {
        (true, inner.strip_suffix(')').ok_or_else(invalid)?)
    } else if let Some(rest) = t.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = t.strip_prefix('+') {
        (false, rest)
    } else {
        (false, t)
    };
    let body = body.strip_prefix('$').unwrap_or(body);
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int_part.is_empty() && frac_part.is_none_or(|f| f.is_empty()) {
        return Err(invalid());
    }
    let mut value: i64 = 0;
    let grouped = int_part.contains(',');
    if grouped {
        let groups: Vec<&str> = int_part.split(',').collect();
        let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(MoneyParseError::BadGrouping(t.to_string()));
        }
    }
    for b in int_part.bytes() {
        match b {
            b',' => continue,
            b'0'..=b'9' => {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(b - b'0')))
                    .ok_or_else(|| MoneyParseError::TooLarge(t.to_string()))?;
            }
            _ => return Err(invalid()),
        }
    }
    let mut cents: i64 = 0;
    if let Some(frac) = frac_part {
        if frac.len() > 2 {
            if frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MoneyParseError::TooPrecise(t.to_string()));
            }
            return Err(invalid());
        }
        if frac.is_empty() && int_part.is_empty() {
            return Err(invalid());
        }
        for (i, b) in frac.bytes().enumerate() {
            if !b.is_ascii_digit() {
                return Err(invalid());
            }
            let digit = i64::from(b - b'0');
            cents += if i == 0 { digit * 10 } else { digit };
        }
    }
    let total = value
        .checked_mul(100)
        .and_then(|v| v.checked_add(cents))
        .ok_or_else(|| MoneyParseError::TooLarge(t.to_string()))?;
    Ok(if negative { -total } else { total })
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Money {
    type Err = MoneyParseError;
    fn from_str(s: &str) -> Result<Money, MoneyParseError> {
        Money::parse(s)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "specta")]
impl specta::Type for Money {
    fn inline(type_map: &mut specta::TypeCollection, generics: specta::Generics) -> specta::datatype::DataType {
        <String as specta::Type>::inline(type_map, generics)
    }
}

/// Splits `total` into parts proportional to `weights`, exact to the cent
/// (largest remainder; ties go to the lower index). The parts sum to `total`.
///
/// Weights must be non-negative with a positive sum. Works in integer cents
/// over the weights' exact mantissas, so no step is approximate; a product too
/// large for 128 bits is an [`MoneyError::Overflow`], never a panic.
pub fn allocate(total: Money, weights: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
    if weights.is_empty() || weights.iter().any(|w| w.is_sign_negative() && !w.is_zero()) {
        return Err(MoneyError::BadWeights);
    }
    let scale = weights.iter().map(|w| w.scale()).max().unwrap_or(0);
    let mut ints: Vec<i128> = Vec::with_capacity(weights.len());
    for w in weights {
        let mut w = *w;
        w.rescale(scale);
        if w.scale() != scale {
            return Err(MoneyError::Overflow);
        }
        ints.push(w.mantissa());
    }
    let weight_sum = ints
        .iter()
        .try_fold(0i128, |a, b| a.checked_add(*b))
        .ok_or(MoneyError::Overflow)?;
    if weight_sum == 0 {
        return Err(MoneyError::BadWeights);
    }
    let total_cents = i128::from(total.cents()?);
    let magnitude = total_cents.abs();
    let mut parts: Vec<i128> = Vec::with_capacity(ints.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(ints.len());
    let mut given: i128 = 0;
    for (i, w) in ints.iter().enumerate() {
        let product = magnitude.checked_mul(*w).ok_or(MoneyError::Overflow)?;
        let share = product / weight_sum;
        remainders.push((product % weight_sum, i));
        parts.push(share);
        given += share;
    }
    let mut left = magnitude - given;
    // Largest remainder first; equal remainders go to the lower index.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    let sign = if total_cents < 0 { -1 } else { 1 };
    parts
        .into_iter()
        .map(|p| {
            i64::try_from(p * sign)
                .map(Money::from_cents)
                .map_err(|_| MoneyError::Overflow)
        })
        .collect()
}

/// Parses a non-money decimal (ratios, scores, percentages) exactly: text
/// with more digits than a 96-bit decimal holds is an error, not rounded.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty number".into());
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
    {
        return Err(format!("'{t}' is not a decimal number"));
    }
    Decimal::from_str_exact(t)
        .map_err(|_| format!("'{t}' is not a decimal number (or has more precision than 28 digits)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn parses_every_documented_form() {
        for (text, cents) in [
            ("1200.50", 120050),
            ("1,200.50", 120050),
            ("-1,200.50", -120050),
            ("(1,200.50)", -120050),
            ("$1,200.50", 120050),
            ("-$1,200.50", -120050),
            ("($1,200.50)", -120050),
            ("0.5", 50),
            (".25", 25),
            ("300000", 30000000),
            (" 7 ", 700),
            ("1,234,567.89", 123456789),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
    }

    #[test]
    fn rejects_rather_than_rounds() {
        assert!(matches!(parse_cents("1.005"), Err(MoneyParseError::TooPrecise(_))));
        assert!(matches!(parse_cents("1,20.50"), Err(MoneyParseError::BadGrouping(_))));
        assert!(matches!(parse_cents("1,2000"), Err(MoneyParseError::BadGrouping(_))));
        assert!(matches!(parse_cents(""), Err(MoneyParseError::Empty)));
        for bad in ["abc", "1.2.3", "(12", "$", "-", "1e5", "12-", "."] {
            assert!(parse_cents(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            parse_cents("99999999999999999999"),
            Err(MoneyParseError::TooLarge(_))
        ));
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let big = Money::from_cents(i64::MAX);
        assert_eq!(big.checked_add(m("1")), Err(MoneyError::Overflow));
        assert_eq!(big.mul_ratio(Decimal::from(2)), Err(MoneyError::Overflow));
        assert_eq!(
            big.checked_neg().unwrap().checked_sub(m("0.02")),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Money::from_cents(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(Money::round_from(Decimal::MAX), Err(MoneyError::Overflow));
        assert_eq!(big.cents(), Ok(i64::MAX));
        assert_eq!(Money::from_decimal_exact(Decimal::MAX), None);
    }

    #[test]
    fn display_and_json_are_strings_to_the_cent() {
        assert_eq!(m("1234567.5").display_grouped(), "1,234,567.50");
        assert_eq!(m("-0.05").display_grouped(), "-0.05");
        assert_eq!(serde_json::to_string(&m("12")).unwrap(), "\"12.00\"");
        let back: Money = serde_json::from_str("\"1,200.50\"").unwrap();
        assert_eq!(back, m("1200.50"));
    }

    #[test]
    fn mul_ratio_rounds_half_even() {
        assert_eq!(m("0.25").mul_ratio(Decimal::new(5, 1)).unwrap(), m("0.12"));
        assert_eq!(m("0.35").mul_ratio(Decimal::new(5, 1)).unwrap(), m("0.18"));
    }

    #[test]
    fn allocate_thirds_and_ties() {
        let parts = allocate(m("100"), &[Decimal::ONE; 3]).unwrap();
        assert_eq!(parts, vec![m("33.34"), m("33.33"), m("33.33")]);
        let parts = allocate(m("-0.02"), &[Decimal::ONE; 3]).unwrap();
        assert_eq!(parts, vec![m("-0.01"), m("-0.01"), m("0")]);
        assert_eq!(allocate(m("1"), &[]), Err(MoneyError::BadWeights));
        assert_eq!(allocate(m("1"), &[Decimal::ZERO]), Err(MoneyError::BadWeights));
        assert_eq!(
            allocate(m("1"), &[Decimal::NEGATIVE_ONE, Decimal::TWO]),
            Err(MoneyError::BadWeights)
        );
    }
}
