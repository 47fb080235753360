//! Exact money, in two kinds that the type system keeps apart
//! (FORMATS.md, "Two kinds of money"):
//!
//! - [`Planned`]: budgets, asks, floors, caps, decommission costs,
//!   allocations, decision budgets. Whole cents, always: an integer count of
//!   cents, so a sub-cent digit cannot even be represented. Checked
//!   arithmetic; converted to `rust_decimal` wherever it meets a ratio.
//! - [`Measured`]: spend, forecast, every imported cost. A `rust_decimal`
//!   kept exactly as written (`18885.7030`, `0.00000080000`), up to
//!   [`MEASURED_MAX_SCALE`] decimal places; sums are exact or an error.
//!
//! A measured amount becomes planned only through
//! [`Measured::round_to_planned`], the one documented conversion.
//!
//! Rounding rules (the only places a digit is ever decided):
//! - **Parsing** never rounds: planned text with a non-zero digit below the
//!   cent, or measured text beyond [`MEASURED_MAX_SCALE`] places, is an error.
//! - **Scaling planned money by a ratio** ([`Planned::mul_ratio`], e.g.
//!   pro-rating a budget by days) rounds half to even to the cent.
//! - **Measured to planned** ([`Measured::round_to_planned`]) rounds half to
//!   even to the cent.
//! - **Splitting** ([`allocate`]) uses the largest-remainder method: each part
//!   gets the floor of its exact share in cents, and the cents left over go one
//!   each to the parts with the largest remainders, ties to the lower index.
//!   The parts always sum to the total.
//! - **Display** rounds, storage never does: see [`crate::format`].
//!
//! Ranges (enforced at every import, documented in docs/formats.md) are
//! chosen so that no accepted value can make a later sum overflow:
//! planned `|x| <= 999,999,999,999.99`; measured `|x| < 1,000,000,000` with at
//! most 16 decimals, so any sum of up to 1,000 extreme values (and far more
//! real ones) stays exact within rust_decimal's 28 digits.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Planned money: a USD amount in whole cents (budgets, asks, allocations).
/// Crosses JSON as a string ("1234.50").
///
/// Held as whole cents in an `i64` (about ±92 quadrillion USD), so the
/// arithmetic is exact integer arithmetic; every operation is checked and
/// overflow is an error, never a panic or a silent loss of precision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Planned(i64);

/// Why a money operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount overflows the supported range")]
    Overflow,
    #[error("an exact sum would need more than 28 significant digits")]
    Precision,
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
    #[error("'{0}' has a non-zero digit below the cent; planned money (budgets, asks, floors, caps, allocations) is whole cents and is never rounded")]
    TooPrecise(String),
    #[error("'{0}' has more than 16 decimal places (after trailing zeros); measured money is kept to 16 places and is never rounded")]
    MeasuredTooPrecise(String),
    #[error("'{0}' has misplaced thousands separators")]
    BadGrouping(String),
    #[error("'{0}' is out of range: planned money is at most 999,999,999,999.99 in absolute value")]
    TooLarge(String),
    #[error("'{0}' is out of range: measured money is below 1,000,000,000 in absolute value")]
    MeasuredTooLarge(String),
}

impl Planned {
    pub const ZERO: Planned = Planned(0);

    /// From a number of cents.
    pub const fn from_cents(cents: i64) -> Planned {
        Planned(cents)
    }

    /// From whole dollars; saturates to zero outside the supported range
    /// (demo and test data only).
    pub fn from_dollars(dollars: i64) -> Planned {
        dollars.checked_mul(100).map(Planned).unwrap_or(Planned::ZERO)
    }

    /// From a decimal that is already exact to the cent; `None` if it has
    /// sub-cent digits (which would need a rounding decision) or is too large.
    pub fn from_decimal_exact(d: Decimal) -> Option<Planned> {
        let n = d.normalize();
        if n.scale() > 2 {
            return None;
        }
        Planned::from_decimal_cents(n)
    }

    /// Rounds a decimal to the cent, half to even. Use only where a rule says so.
    pub fn round_from(d: Decimal) -> Result<Planned, MoneyError> {
        Planned::from_decimal_cents(d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
            .ok_or(MoneyError::Overflow)
    }

    /// A decimal with at most 2 decimals, as cents, if it fits.
    fn from_decimal_cents(d: Decimal) -> Option<Planned> {
        let cents = d.checked_mul(Decimal::ONE_HUNDRED)?;
        let mut c = cents.normalize();
        c.rescale(0);
        i64::try_from(c.mantissa()).ok().map(Planned)
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
    /// Within the documented range of planned inputs ([`PLANNED_MAX_CENTS`]).
    pub fn in_range(self) -> bool {
        self.0.unsigned_abs() <= PLANNED_MAX_CENTS as u64
    }
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn checked_add(self, other: Planned) -> Result<Planned, MoneyError> {
        self.0.checked_add(other.0).map(Planned).ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Planned) -> Result<Planned, MoneyError> {
        self.0.checked_sub(other.0).map(Planned).ok_or(MoneyError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Planned, MoneyError> {
        self.0.checked_neg().map(Planned).ok_or(MoneyError::Overflow)
    }

    /// `self * ratio`, rounded half to even to the cent.
    pub fn mul_ratio(self, ratio: Decimal) -> Result<Planned, MoneyError> {
        self.as_decimal()
            .checked_mul(ratio)
            .ok_or(MoneyError::Overflow)
            .and_then(Planned::round_from)
    }

    /// `self * factor` without rounding (the product of a money amount and a
    /// unitless value such as return per dollar). Not money, so a `Decimal`.
    pub fn times(self, factor: Decimal) -> Result<Decimal, MoneyError> {
        self.as_decimal().checked_mul(factor).ok_or(MoneyError::Overflow)
    }

    pub fn min(self, other: Planned) -> Planned {
        Planned(self.0.min(other.0))
    }
    pub fn max(self, other: Planned) -> Planned {
        Planned(self.0.max(other.0))
    }

    /// Sum of amounts, checked.
    pub fn sum<I: IntoIterator<Item = Planned>>(items: I) -> Result<Planned, MoneyError> {
        items.into_iter().try_fold(Planned::ZERO, Planned::checked_add)
    }

    /// Parses a user amount: `1200.50`, `1,200.50`, `-1,200.50`, `(1,200.50)`,
    /// `$1,200.50`, `-$1,200.50`. Never rounds.
    pub fn parse(text: &str) -> Result<Planned, MoneyParseError> {
        parse_cents(text).map(Planned::from_cents)
    }

    /// Thousands separators, 2 decimals: `1,234,567.89`, `-1,200.00`.
    pub fn display_grouped(self) -> String {
        Grouped(self).to_string()
    }
}

/// Displays an amount with thousands separators and 2 decimals, without
/// allocating (for explanations built on hot paths).
pub struct Grouped(pub Planned);

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

/// Documented range of planned money: `|x| <= PLANNED_MAX_CENTS` cents
/// (one trillion USD less a cent). Sums of up to 92,000 such values fit the
/// `i64` cents representation, so no accepted budget can overflow a total.
pub const PLANNED_MAX_CENTS: i64 = 100_000_000_000_000 - 1;

/// The sign and digits of an amount as a user writes it, before the kind of
/// money decides what precision is acceptable.
struct Lexed<'a> {
    negative: bool,
    /// Digits of the integer part, thousands separators removed.
    int: String,
    frac: &'a str,
    /// Power of ten from an E-notation suffix (measured money only).
    exponent: i32,
}

/// Splits `1,200.50`, `-1,200.50`, `(1,200.50)`, `$1,200.50`, `1.5E-7` into
/// sign, digits and exponent; rejects anything else.
fn lex(text: &str, allow_exponent: bool) -> Result<Lexed<'_>, MoneyParseError> {
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
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) if allow_exponent => {
            let exp = &body[at + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            (&body[..at], exp.parse::<i32>().map_err(|_| invalid())?)
        }
        _ => (body, 0),
    };
    let (int_part, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac.is_empty() {
        return Err(invalid());
    }
    if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(MoneyParseError::BadGrouping(t.to_string()));
        }
    }
    let int: String = int_part.chars().filter(|c| *c != ',').collect();
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    Ok(Lexed {
        negative,
        int,
        frac,
        exponent,
    })
}

/// Parses planned money into cents: whole cents, extra decimals allowed only
/// when they are zeros (`120000.000`), within [`PLANNED_MAX_CENTS`].
pub fn parse_cents(text: &str) -> Result<i64, MoneyParseError> {
    let l = lex(text, false)?;
    let t = text.trim();
    let (cents_digits, rest) = l.frac.split_at(l.frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(MoneyParseError::TooPrecise(t.to_string()));
    }
    let too_large = || MoneyParseError::TooLarge(t.to_string());
    let int = l.int.trim_start_matches('0');
    if int.len() > 12 {
        return Err(too_large());
    }
    let mut value: i64 = 0;
    for b in int
        .bytes()
        .chain(cents_digits.bytes())
        .chain(std::iter::repeat_n(b'0', 2 - cents_digits.len()))
    {
        value = value * 10 + i64::from(b - b'0');
    }
    if value > PLANNED_MAX_CENTS {
        return Err(too_large());
    }
    Ok(if l.negative { -value } else { value })
}

impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Planned {
    type Err = MoneyParseError;
    fn from_str(s: &str) -> Result<Planned, MoneyParseError> {
        Planned::parse(s)
    }
}

impl Serialize for Planned {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Planned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Planned, D::Error> {
        let s = String::deserialize(d)?;
        Planned::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "specta")]
impl specta::Type for Planned {
    fn inline(type_map: &mut specta::TypeCollection, generics: specta::Generics) -> specta::datatype::DataType {
        <String as specta::Type>::inline(type_map, generics)
    }
}

/// Largest number of decimal places measured money keeps (after dropping
/// trailing zeros). FOCUS cost exports carry 6 to 16.
pub const MEASURED_MAX_SCALE: u32 = 16;

/// Measured money: spend, forecast, imported costs. Exact at source precision
/// (a `rust_decimal` that keeps the scale it was written with, so
/// `18885.7030` stays `18885.7030`). Crosses JSON as that exact string.
///
/// Arithmetic is checked twice: overflow is an error, and so is a sum that
/// rust_decimal would have to round (more than 28 significant digits); a
/// measured total is exact or it is an error, never approximately right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Measured(Decimal);

impl Measured {
    pub const ZERO: Measured = Measured(Decimal::ZERO);

    /// Parses measured money exactly: plain decimals (`0.0095`,
    /// `18885.7030`), the planned forms (`$1,200.50`, `(5.00)`) and E-notation
    /// (`1.5E-7`). Never rounds: out of range or too precise is an error.
    pub fn parse(text: &str) -> Result<Measured, MoneyParseError> {
        let t = text.trim();
        let l = lex(t, true)?;
        // Move the decimal point by the exponent (|exponent| <= 999, so the
        // padding is bounded), keeping the digits as written.
        let (mut int, mut frac) = (l.int, l.frac.to_string());
        if l.exponent > 0 {
            let take = (l.exponent as usize).min(frac.len());
            int.push_str(&frac[..take]);
            int.extend(std::iter::repeat_n('0', l.exponent as usize - take));
            frac.drain(..take);
        } else if l.exponent < 0 {
            let take = (l.exponent.unsigned_abs() as usize).min(int.len());
            let moved = int.split_off(int.len() - take);
            frac = format!("{}{moved}{frac}", "0".repeat(l.exponent.unsigned_abs() as usize - take));
        }
        let int = int.trim_start_matches('0');
        if int.len() > 9 {
            return Err(MoneyParseError::MeasuredTooLarge(t.to_string()));
        }
        if frac.trim_end_matches('0').len() > MEASURED_MAX_SCALE as usize {
            return Err(MoneyParseError::MeasuredTooPrecise(t.to_string()));
        }
        // Trailing zeros as written are kept, as far as 28 digits allow.
        frac.truncate(28 - int.len());
        let int = if int.is_empty() { "0" } else { int };
        let sign = if l.negative { "-" } else { "" };
        let point = if frac.is_empty() { "" } else { "." };
        let mut d = Decimal::from_str_exact(&format!("{sign}{int}{point}{frac}"))
            .map_err(|_| MoneyParseError::Invalid(t.to_string()))?;
        if d.is_zero() {
            d.set_sign_positive(true); // "-0.00" is zero, shown without a sign
        }
        Measured::from_decimal(d).map_err(|_| MoneyParseError::MeasuredTooLarge(t.to_string()))
    }

    /// Reads measured money as storage writes it (plain decimal text, the
    /// form [`Measured`] prints): one exact decimal parse and the range
    /// check, without [`Measured::parse`]'s handling of user forms.
    pub fn from_canonical(text: &str) -> Result<Measured, MoneyParseError> {
        match plain_decimal(text) {
            Some(d) => Measured::from_decimal(d).map_err(|_| MoneyParseError::MeasuredTooLarge(text.to_string())),
            None => Measured::parse(text),
        }
    }

    /// An exact decimal as measured money, if it is within the documented
    /// range (below one billion, at most 16 decimals after trailing zeros).
    pub fn from_decimal(d: Decimal) -> Result<Measured, MoneyError> {
        const LIMIT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
        if d.abs() >= LIMIT || (d.scale() > MEASURED_MAX_SCALE && d.normalize().scale() > MEASURED_MAX_SCALE) {
            return Err(MoneyError::Overflow);
        }
        Ok(Measured(d))
    }

    /// Planned money is measured money that happens to be whole cents.
    pub fn from_planned(p: Planned) -> Measured {
        Measured(p.as_decimal())
    }

    /// The one documented conversion from measured to planned money: rounds
    /// half to even to the cent (e.g. to propose next quarter's budget from
    /// last quarter's spend).
    pub fn round_to_planned(self) -> Result<Planned, MoneyError> {
        Planned::round_from(self.0)
    }

    /// The exact value.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// Exact sum: an error on overflow and on any sum rust_decimal would
    /// round (it keeps the larger scale when, and only when, it is exact).
    pub fn checked_add(self, other: Measured) -> Result<Measured, MoneyError> {
        exact_add(self.0, other.0).map(Measured)
    }

    /// Exact difference, like [`Measured::checked_add`].
    pub fn checked_sub(self, other: Measured) -> Result<Measured, MoneyError> {
        exact_add(self.0, -other.0).map(Measured)
    }

    /// Exact sum of amounts.
    pub fn sum<I: IntoIterator<Item = Measured>>(items: I) -> Result<Measured, MoneyError> {
        items.into_iter().try_fold(Measured::ZERO, Measured::checked_add)
    }
}

/// `-?digits[.digits]` (at most 27 digits) as an exact decimal, on the hot
/// path of loading observations; `None` for anything else.
fn plain_decimal(t: &str) -> Option<Decimal> {
    let b = t.as_bytes();
    let (negative, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if body.is_empty() || body.len() > 27 {
        return None;
    }
    let (mut mantissa, mut scale, mut dot) = (0i128, 0u32, false);
    for &c in body {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + i128::from(c - b'0');
                scale += u32::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if (dot && scale == 0) || body[0] == b'.' {
        return None;
    }
    let mut d = Decimal::try_from_i128_with_scale(mantissa, scale).ok()?;
    d.set_sign_negative(negative && !d.is_zero());
    Some(d)
}

/// `a + b` when rust_decimal can hold it exactly.
fn exact_add(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    let sum = a.checked_add(b).ok_or(MoneyError::Overflow)?;
    if sum.scale() < a.scale().max(b.scale()) {
        return Err(MoneyError::Precision);
    }
    Ok(sum)
}

impl fmt::Display for Measured {
    /// The exact value as written (`18885.7030`); display rounding lives in
    /// [`crate::format`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Measured {
    type Err = MoneyParseError;
    fn from_str(s: &str) -> Result<Measured, MoneyParseError> {
        Measured::parse(s)
    }
}

impl Serialize for Measured {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Measured {
    /// Reads back what `Serialize` writes: a total above the per-amount
    /// range (a portfolio's spend can pass a billion) is an exact plain
    /// decimal and reads back as it was; anything else parses as an amount.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Measured, D::Error> {
        let s = String::deserialize(d)?;
        match Measured::parse(&s) {
            Err(MoneyParseError::MeasuredTooLarge(_)) => plain_decimal(&s)
                .map(Measured)
                .ok_or_else(|| serde::de::Error::custom(MoneyParseError::MeasuredTooLarge(s))),
            parsed => parsed.map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(feature = "specta")]
impl specta::Type for Measured {
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
pub fn allocate(total: Planned, weights: &[Decimal]) -> Result<Vec<Planned>, MoneyError> {
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
                .map(Planned::from_cents)
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

    fn m(s: &str) -> Planned {
        Planned::parse(s).unwrap()
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
        let big = Planned::from_cents(i64::MAX);
        assert_eq!(big.checked_add(m("1")), Err(MoneyError::Overflow));
        assert_eq!(big.mul_ratio(Decimal::from(2)), Err(MoneyError::Overflow));
        assert_eq!(
            big.checked_neg().unwrap().checked_sub(m("0.02")),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Planned::from_cents(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(Planned::round_from(Decimal::MAX), Err(MoneyError::Overflow));
        assert_eq!(big.cents(), Ok(i64::MAX));
        assert_eq!(Planned::from_decimal_exact(Decimal::MAX), None);
    }

    #[test]
    fn display_and_json_are_strings_to_the_cent() {
        assert_eq!(m("1234567.5").display_grouped(), "1,234,567.50");
        assert_eq!(m("-0.05").display_grouped(), "-0.05");
        assert_eq!(serde_json::to_string(&m("12")).unwrap(), "\"12.00\"");
        let back: Planned = serde_json::from_str("\"1,200.50\"").unwrap();
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

    #[test]
    fn planned_accepts_zero_sub_cent_digits_only() {
        assert_eq!(parse_cents("120000.000"), Ok(12_000_000));
        assert_eq!(parse_cents("1000.100"), Ok(100_010));
        assert!(matches!(parse_cents("0.005"), Err(MoneyParseError::TooPrecise(_))));
        assert_eq!(parse_cents("999,999,999,999.99"), Ok(PLANNED_MAX_CENTS));
        assert!(matches!(
            parse_cents("1000000000000"),
            Err(MoneyParseError::TooLarge(_))
        ));
        assert!(matches!(
            parse_cents("92233720368547758.07"),
            Err(MoneyParseError::TooLarge(_))
        ));
        assert_eq!(parse_cents("000000000000000000001.00"), Ok(100));
    }

    fn me(s: &str) -> Measured {
        Measured::parse(s).unwrap()
    }

    #[test]
    fn measured_keeps_what_was_written() {
        for (text, shown) in [
            ("18885.7030", "18885.7030"),
            ("0.0095", "0.0095"),
            ("0.00000080000", "0.00000080000"),
            ("1000.100", "1000.100"),
            ("-12.5", "-12.5"),
            ("(5.25)", "-5.25"),
            ("$1,200.5", "1200.5"),
            ("1.5E-7", "0.00000015"),
            ("2.5e3", "2500"),
            ("12E+2", "1200"),
            (".5", "0.5"),
            ("-0.00", "0.00"),
            ("999999999.9999999999999999", "999999999.9999999999999999"),
        ] {
            assert_eq!(me(text).to_string(), shown, "{text}");
        }
        assert_eq!(me("1000.100"), me("1000.1"), "equal values compare equal");
    }

    #[test]
    fn measured_rejects_what_it_cannot_keep() {
        assert!(matches!(
            Measured::parse("1000000000"),
            Err(MoneyParseError::MeasuredTooLarge(_))
        ));
        assert!(matches!(
            Measured::parse("1e9"),
            Err(MoneyParseError::MeasuredTooLarge(_))
        ));
        assert!(matches!(
            Measured::parse("0.00000000000000001"),
            Err(MoneyParseError::MeasuredTooPrecise(_))
        ));
        assert!(matches!(
            Measured::parse("9999999999999999999999999999"),
            Err(MoneyParseError::MeasuredTooLarge(_))
        ));
        assert!(Measured::parse("0.10000000000000000000000000000000000").is_ok());
        for bad in ["", "abc", "1e", "1e1000", "1.2.3", "--1", "1,00", "e5", "NaN", "inf"] {
            assert!(Measured::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn canonical_reading_agrees_with_parsing() {
        for t in [
            "18885.7030",
            "0.0095",
            "-12.5",
            "0",
            "-0.00",
            "999999999.9999999999999999",
            "1000.100",
            "12",
        ] {
            assert_eq!(Measured::from_canonical(t), Measured::parse(t), "{t}");
            assert_eq!(
                Measured::from_canonical(t).unwrap().to_string(),
                me(t).to_string(),
                "{t}"
            );
        }
        for t in ["1e5", ".5", "5.", "$1", "1000000000", "abc", ""] {
            assert_eq!(Measured::from_canonical(t), Measured::parse(t), "{t}");
        }
    }

    #[test]
    fn measured_sums_are_exact_or_errors() {
        let total = Measured::sum(["18885.7030", "0.0095", "1000.100", "-0.0005"].map(me)).unwrap();
        assert_eq!(total.to_string(), "19885.8120");
        let big = me("999999999.9999999999999999");
        let mut acc = Measured::ZERO;
        let mut failed = false;
        for _ in 0..10_000 {
            match acc.checked_add(big) {
                Ok(v) => acc = v,
                Err(e) => {
                    assert_eq!(e, MoneyError::Precision);
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed, "a sum beyond 28 digits is an error, never rounded");
        assert_eq!(Measured::from_planned(Planned::from_cents(12345)).to_string(), "123.45");
        assert_eq!(me("0.015").round_to_planned(), Ok(Planned::from_cents(2)));
        assert_eq!(me("0.025").round_to_planned(), Ok(Planned::from_cents(2)));
        assert_eq!(serde_json::to_string(&me("18885.7030")).unwrap(), "\"18885.7030\"");
    }
}
