//! Real cost data (FORMATS.md, "Real cost data: FOCUS exports and usage
//! metrics"): the pure rules behind `capcall import focus`, `capcall mapping`
//! and `capcall costs`.
//!
//! - **Tag keys** match case-insensitively with surrounding spaces ignored
//!   ([`key_matches`]); **tag values** become use-case ids by [`slugify`].
//! - **Mapping** ([`Mapping::resolve`]): explicit rules first, in their
//!   order; then the default tag key, whose slugified value is a use case
//!   when such a use case exists; otherwise the cost is unallocated.
//!   `AllocatedTags` (FOCUS 1.3) are looked at before `Tags`.
//! - **Splitting** ([`split_by_days`]): a charge whose period spans several
//!   UTC days is split by time overlap into days, exactly: the parts are
//!   computed at the charge's own scale (at least [`SPLIT_MIN_SCALE`]
//!   decimals, at most 16) by the largest-remainder method and always sum to
//!   the charge. Days then roll up into ISO weeks ([`week_start`]: Monday,
//!   UTC), so a charge across two weeks is split between them exactly.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::money::{Measured, MoneyError, MEASURED_MAX_SCALE};

/// Seconds in a day.
pub const DAY_SECONDS: i64 = 86_400;
/// Fewest decimals the parts of a split charge carry (micro-units), so a
/// charge of `10.00` over three days splits into `3.333334`, `3.333333`,
/// `3.333333` rather than into whole cents.
pub const SPLIT_MIN_SCALE: u32 = 6;
/// Longest charge period accepted, in days (ten years of a prepaid
/// commitment; longer is a located error at import).
pub const MAX_CHARGE_DAYS: i64 = 3_660;
/// The tag key mapped by default.
pub const DEFAULT_TAG_KEY: &str = "application";

/// Does the tag key `key` (as found in a file) mean `wanted`? Case and
/// surrounding spaces are ignored (`" Application "` means `application`).
pub fn key_matches(key: &str, wanted: &str) -> bool {
    let (a, b) = (key.trim(), wanted.trim());
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// A tag value as a use-case id: lower case, every run of characters other
/// than `a-z` and `0-9` becomes one `-`, and no `-` at either end
/// (`"Support Bot (EU)"` → `support-bot-eu`). Empty when nothing is left.
pub fn slugify(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending_dash = false;
    for c in value.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else {
            pending_dash = true;
        }
    }
    out
}

/// One explicit mapping rule: a cost whose tag `tag_key` has the value
/// `tag_value` (trimmed, case ignored) belongs to `use_case`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rule {
    pub tag_key: String,
    pub tag_value: String,
    pub use_case: String,
}

/// The mapping from tags to use cases: a default tag key and explicit rules
/// that win over it, in order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Mapping {
    pub tag_key: String,
    pub rules: Vec<Rule>,
}

impl Default for Mapping {
    fn default() -> Mapping {
        Mapping {
            tag_key: DEFAULT_TAG_KEY.to_string(),
            rules: vec![],
        }
    }
}

/// Which rule mapped a cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Explicit rule number `n` (0-based).
    Rule(usize),
    /// The default tag key's slugified value.
    Default,
    /// Nothing matched (or the default key's value is not a use case).
    Unallocated,
}

/// The tags of one cost, as found in the file: `AllocatedTags` (FOCUS 1.3)
/// and `Tags`, each a list of `(key, value)` with non-string values written
/// as JSON text (`true`), nulls left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagSet {
    pub allocated: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

impl TagSet {
    /// The value of `key` (matched by [`key_matches`]): from `AllocatedTags`
    /// first, then `Tags`; the first match in each.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.allocated
            .iter()
            .chain(&self.tags)
            .find(|(k, _)| key_matches(k, key))
            .map(|(_, v)| v.as_str())
    }
}

impl Mapping {
    /// Which use case a cost with these tags belongs to, if any, and by
    /// which rule. `is_use_case` says whether an id exists.
    pub fn resolve(&self, tags: &TagSet, is_use_case: impl Fn(&str) -> bool) -> (Option<String>, Resolution) {
        for (i, r) in self.rules.iter().enumerate() {
            if let Some(v) = tags.get(&r.tag_key) {
                if key_matches(v, &r.tag_value) {
                    return (Some(r.use_case.clone()), Resolution::Rule(i));
                }
            }
        }
        if let Some(v) = tags.get(&self.tag_key) {
            let slug = slugify(v);
            if !slug.is_empty() && is_use_case(&slug) {
                return (Some(slug), Resolution::Default);
            }
        }
        (None, Resolution::Unallocated)
    }

    /// The mapping as it would be stored: keys, values and use cases trimmed,
    /// or the first problem, naming the rule (from 1): an empty tag key,
    /// key or value, a use case that does not exist, or a rule for the same
    /// (tag key, tag value) as an earlier one (it could never match).
    pub fn checked(&self, is_use_case: impl Fn(&str) -> bool) -> Result<Mapping, String> {
        let tag_key = self.tag_key.trim();
        if tag_key.is_empty() {
            return Err("the default tag key is empty".into());
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(self.rules.len());
        for (i, r) in self.rules.iter().enumerate() {
            let n = i + 1;
            let rule = Rule {
                tag_key: r.tag_key.trim().to_string(),
                tag_value: r.tag_value.trim().to_string(),
                use_case: r.use_case.trim().to_string(),
            };
            if rule.tag_key.is_empty() {
                return Err(format!("rule {n}: the tag key is empty"));
            }
            if rule.tag_value.is_empty() {
                return Err(format!("rule {n}: the tag value is empty"));
            }
            if !is_use_case(&rule.use_case) {
                return Err(format!("rule {n}: unknown use case '{}'", rule.use_case));
            }
            if let Some(first) = rules
                .iter()
                .position(|e| key_matches(&e.tag_key, &rule.tag_key) && key_matches(&e.tag_value, &rule.tag_value))
            {
                return Err(format!(
                    "rule {n}: same tag key and value as rule {} (case and surrounding spaces are ignored)",
                    first + 1
                ));
            }
            rules.push(rule);
        }
        Ok(Mapping {
            tag_key: tag_key.to_string(),
            rules,
        })
    }

    /// Adds or replaces rules keyed by (tag key, tag value), both compared
    /// with case and surrounding spaces ignored; a replaced rule keeps its
    /// place, new ones go last. Returns how many rules changed.
    pub fn merge(&mut self, rules: &[Rule]) -> usize {
        let mut changed = 0;
        for r in rules {
            let existing = self
                .rules
                .iter_mut()
                .find(|e| key_matches(&e.tag_key, &r.tag_key) && key_matches(&e.tag_value, &r.tag_value));
            match existing {
                Some(e) if e.use_case == r.use_case => {}
                Some(e) => {
                    e.use_case = r.use_case.clone();
                    changed += 1;
                }
                None => {
                    self.rules.push(r.clone());
                    changed += 1;
                }
            }
        }
        changed
    }
}

/// `part` as a percentage of `total`, to one decimal (half to even), as
/// shown next to totals ("2.7"); `None` when the total is zero.
pub fn share_pct(part: Measured, total: Measured) -> Option<String> {
    crate::format::share_pct(part.as_decimal(), total.as_decimal())
}

/// The periods a use case's costs roll up into: FORMATS.md's ISO weeks
/// (Monday, UTC) unless the use case's own observation rows say otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// Weeks starting on this weekday (Monday: ISO weeks).
    Weekly(chrono::Weekday),
    /// Calendar months, starting on the 1st.
    Monthly,
}

impl Cadence {
    /// What a use case's existing period starts say: all on the 1st of a
    /// month (and not all Mondays, or more than one) → months; all on one
    /// weekday → weeks starting that day; otherwise (none, or mixed) ISO
    /// weeks.
    pub fn of(starts: &[NaiveDate]) -> Cadence {
        let Some(first) = starts.first() else {
            return Cadence::Weekly(chrono::Weekday::Mon);
        };
        let monthly = starts.iter().all(|d| d.day() == 1);
        let same_weekday = starts.iter().all(|d| d.weekday() == first.weekday());
        if monthly && (starts.len() > 1 || first.weekday() != chrono::Weekday::Mon) {
            return Cadence::Monthly;
        }
        if same_weekday {
            return Cadence::Weekly(first.weekday());
        }
        Cadence::Weekly(chrono::Weekday::Mon)
    }

    /// The start of the period holding `day`.
    pub fn period_start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Cadence::Weekly(wd) => {
                let back = (7 + day.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
                day - chrono::Days::new(u64::from(back))
            }
            Cadence::Monthly => day.with_day(1).unwrap_or(day),
        }
    }
}

/// Monday (UTC) of the ISO week of `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// Days since 1970-01-01 of a Unix time in seconds (floor).
pub fn epoch_day(seconds: i64) -> i64 {
    seconds.div_euclid(DAY_SECONDS)
}

/// The date of a day number since 1970-01-01.
pub fn day_date(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(day)?)
}

/// Why a charge cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("the charge period ends before it starts")]
    Backwards,
    #[error("the charge period is longer than {MAX_CHARGE_DAYS} days")]
    TooLong,
    #[error("{0}")]
    Money(#[from] MoneyError),
}

/// Splits `amount`, charged over `[start, end)` (Unix seconds, UTC), into
/// the UTC days it overlaps, by time overlap, exactly: `(day, part)` with day
/// numbers since 1970-01-01, in order, parts summing to `amount`. A charge
/// inside one day (or at one instant, `start == end`) is one part.
///
/// Parts are at `max(amount's scale, SPLIT_MIN_SCALE)` decimals (at most
/// 16): each gets the floor of its exact share, and the units left over go
/// one each to the largest remainders, ties to the earlier day.
pub fn split_by_days(amount: Measured, start: i64, end: i64) -> Result<Vec<(i64, Measured)>, SplitError> {
    if end < start {
        return Err(SplitError::Backwards);
    }
    let first = epoch_day(start);
    // `end` is exclusive: a charge ending at midnight does not touch that day.
    let last = if end > start { epoch_day(end - 1) } else { first };
    if last - first >= MAX_CHARGE_DAYS {
        return Err(SplitError::TooLong);
    }
    if first == last {
        return Ok(vec![(first, amount)]);
    }
    let weights: Vec<i128> = (first..=last)
        .map(|d| {
            let lo = start.max(d * DAY_SECONDS);
            let hi = end.min((d + 1) * DAY_SECONDS);
            i128::from(hi - lo)
        })
        .collect();
    let parts = split_exact(amount, &weights)?;
    Ok((first..=last).zip(parts).collect())
}

/// Splits `amount` in proportion to positive integer `weights`, exactly
/// (largest remainder at the scale [`split_by_days`] documents).
pub fn split_exact(amount: Measured, weights: &[i128]) -> Result<Vec<Measured>, MoneyError> {
    let total_w: i128 = weights.iter().sum();
    if weights.is_empty() || total_w <= 0 || weights.iter().any(|w| *w < 0) {
        return Err(MoneyError::BadWeights);
    }
    let d = amount.as_decimal();
    let scale = d.scale().clamp(SPLIT_MIN_SCALE, MEASURED_MAX_SCALE);
    // |amount| < 10^9 with at most 16 decimals: units < 10^25, and times a
    // weight of at most ~3.2 * 10^8 seconds stays far below i128::MAX.
    let mut units = d.abs();
    units.rescale(scale);
    let units = units.mantissa();
    let negative = d.is_sign_negative();
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut rems: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let p = units.checked_mul(*w).ok_or(MoneyError::Overflow)?;
        parts.push(p / total_w);
        rems.push((p % total_w, i));
        given += p / total_w;
    }
    let mut left = units - given;
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rems {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|p| {
            let v = Decimal::try_from_i128_with_scale(if negative { -p } else { p }, scale)
                .map_err(|_| MoneyError::Overflow)?;
            Measured::from_decimal(v)
        })
        .collect()
}

/// Parses a FOCUS date/time (`YYYY-MM-DDTHH:mm:ssZ`, the spec's format) into
/// Unix seconds. Also accepted, as providers write them: a space for `T`,
/// fractional seconds (dropped), a missing `Z`, a `+HH:MM`/`-HH:MM` offset,
/// minutes without seconds, and a bare `YYYY-MM-DD` (midnight UTC).
pub fn parse_datetime(t: &str) -> Result<i64, String> {
    let bad = || format!("'{t}' is not a date/time (expected YYYY-MM-DDTHH:mm:ssZ)");
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0i64, |v, c| v * 10 + i64::from(c - b'0')))
    };
    let (y, m, d) = (
        num(&b[0..4]).ok_or_else(bad)?,
        num(&b[5..7]).ok_or_else(bad)?,
        num(&b[8..10]).ok_or_else(bad)?,
    );
    let date = NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
        .ok_or_else(|| format!("'{t}' is not a valid calendar date"))?;
    let days = i64::from(date.num_days_from_ce()) - 719_163;
    let mut rest = &b[10..];
    let mut secs = 0i64;
    if let Some((&sep, tail)) = rest.split_first() {
        if sep != b'T' && sep != b't' && sep != b' ' {
            return Err(bad());
        }
        if tail.len() < 5 || tail[2] != b':' {
            return Err(bad());
        }
        let hh = num(&tail[0..2]).ok_or_else(bad)?;
        let mm = num(&tail[3..5]).ok_or_else(bad)?;
        rest = &tail[5..];
        let mut ss = 0;
        if rest.first() == Some(&b':') {
            if rest.len() < 3 {
                return Err(bad());
            }
            ss = num(&rest[1..3]).ok_or_else(bad)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return Err(bad());
                }
                rest = &rest[1 + n..];
            }
        }
        if hh > 24 || mm > 59 || ss > 60 || (hh == 24 && (mm > 0 || ss > 0)) {
            return Err(bad());
        }
        secs = hh * 3600 + mm * 60 + ss.min(59);
        match rest {
            [] | [b'Z' | b'z'] => {}
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
                let oh = num(&[*h1, *h2]).ok_or_else(bad)?;
                let om = num(&[*m1, *m2]).ok_or_else(bad)?;
                let off = oh * 3600 + om * 60;
                secs -= if *sign == b'+' { off } else { -off };
            }
            _ => return Err(bad()),
        }
    }
    Ok(days * DAY_SECONDS + secs)
}

/// Unix seconds as FOCUS writes them (`2024-01-01T00:00:00Z`).
pub fn format_datetime(seconds: i64) -> String {
    let day = epoch_day(seconds);
    let s = seconds - day * DAY_SECONDS;
    match day_date(day) {
        Some(d) => format!("{d}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60),
        None => seconds.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Measured {
        Measured::parse(s).unwrap()
    }

    #[test]
    fn slugs_and_keys() {
        assert_eq!(slugify("Support Bot (EU)"), "support-bot-eu");
        assert_eq!(slugify("  --Claims_Triage--  "), "claims-triage");
        assert_eq!(slugify("ÄPP"), "pp");
        assert_eq!(slugify("!!!"), "");
        assert!(key_matches(" Application ", "application"));
        assert!(key_matches("APPLICATION", "application"));
        assert!(!key_matches("app", "application"));
    }

    #[test]
    fn mapping_prefers_rules_then_allocated_tags_then_tags() {
        let mut map = Mapping::default();
        let tags = TagSet {
            allocated: vec![("Application".into(), "Claims Triage".into())],
            tags: vec![
                ("application".into(), "support-bot".into()),
                ("team".into(), "x".into()),
            ],
        };
        let exists = |id: &str| id == "claims-triage" || id == "support-bot" || id == "other";
        assert_eq!(map.resolve(&tags, exists).0.as_deref(), Some("claims-triage"));
        let none = TagSet {
            allocated: vec![],
            tags: vec![("application".into(), "unknown".into())],
        };
        assert_eq!(map.resolve(&none, exists), (None, Resolution::Unallocated));
        assert_eq!(
            map.merge(&[Rule {
                tag_key: "TEAM ".into(),
                tag_value: "X".into(),
                use_case: "other".into()
            }]),
            1
        );
        assert_eq!(map.resolve(&tags, exists), (Some("other".into()), Resolution::Rule(0)));
        // Merging the same rule again changes nothing.
        assert_eq!(map.merge(&map.rules.clone()), 0);
    }

    #[test]
    fn splits_sum_exactly_to_the_charge() {
        let day = DAY_SECONDS;
        let parts = split_by_days(m("10.00"), 0, 3 * day).unwrap();
        let v: Vec<String> = parts.iter().map(|(_, p)| p.to_string()).collect();
        assert_eq!(v, ["3.333334", "3.333333", "3.333333"]);
        // Half a day then a full day: 1/3 and 2/3, negative amounts too.
        let parts = split_by_days(m("-0.0000000000000001"), day / 2, 2 * day).unwrap();
        assert_eq!(
            Measured::sum(parts.iter().map(|p| p.1)).unwrap(),
            m("-0.0000000000000001")
        );
        // Within one day, or at an instant: one part.
        assert_eq!(split_by_days(m("5"), 10, 20).unwrap(), vec![(0, m("5"))]);
        assert_eq!(split_by_days(m("5"), day, day).unwrap(), vec![(1, m("5"))]);
        // Ending at midnight does not touch the next day.
        assert_eq!(split_by_days(m("5"), 0, day).unwrap().len(), 1);
        assert_eq!(split_by_days(m("5"), 10, 5), Err(SplitError::Backwards));
        assert_eq!(
            split_by_days(m("5"), 0, MAX_CHARGE_DAYS * day + 1),
            Err(SplitError::TooLong)
        );
        for amount in ["999999999.9999999999999999", "0.01", "-123.456", "7"] {
            for (s, e) in [(0, 7 * day), (3_601, 40 * day + 17), (day - 1, day + 1)] {
                let parts = split_by_days(m(amount), s, e).unwrap();
                assert_eq!(
                    Measured::sum(parts.iter().map(|p| p.1)).unwrap(),
                    m(amount),
                    "{amount} {s} {e}"
                );
            }
        }
    }

    #[test]
    fn cadence_follows_the_use_cases_rows() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mon = Cadence::Weekly(chrono::Weekday::Mon);
        assert_eq!(Cadence::of(&[]), mon);
        assert_eq!(Cadence::of(&[d("2025-07-07"), d("2025-07-14")]), mon);
        // 2025-09-01 is a Monday: one such row says nothing more than ISO weeks.
        assert_eq!(Cadence::of(&[d("2025-09-01")]), mon);
        assert_eq!(Cadence::of(&[d("2025-07-01"), d("2025-08-01")]), Cadence::Monthly);
        assert_eq!(Cadence::of(&[d("2025-09-01"), d("2025-12-01")]), Cadence::Monthly);
        assert_eq!(Cadence::of(&[d("2025-07-01")]), Cadence::Monthly);
        let sun = Cadence::Weekly(chrono::Weekday::Sun);
        assert_eq!(Cadence::of(&[d("2025-07-06"), d("2025-07-13")]), sun);
        assert_eq!(
            Cadence::of(&[d("2025-07-06"), d("2025-07-09")]),
            mon,
            "mixed: ISO weeks"
        );
        assert_eq!(sun.period_start(d("2025-07-12")), d("2025-07-06"));
        assert_eq!(sun.period_start(d("2025-07-13")), d("2025-07-13"));
        assert_eq!(mon.period_start(d("2025-07-13")), d("2025-07-07"));
        assert_eq!(Cadence::Monthly.period_start(d("2025-07-31")), d("2025-07-01"));
    }

    #[test]
    fn shares_are_rounded_to_one_decimal() {
        assert_eq!(share_pct(m("2.75"), m("101.095678901233")).as_deref(), Some("2.7"));
        assert_eq!(share_pct(m("1"), m("8")).as_deref(), Some("12.5"));
        assert_eq!(share_pct(m("1"), m("3")).as_deref(), Some("33.3"));
        assert_eq!(share_pct(m("1"), m("0")), None);
    }

    #[test]
    fn weeks_start_on_monday() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(week_start(d("2024-01-07")), d("2024-01-01"));
        assert_eq!(week_start(d("2024-01-08")), d("2024-01-08"));
        assert_eq!(
            day_date(epoch_day(parse_datetime("2024-01-07T23:59:59Z").unwrap())),
            Some(d("2024-01-07"))
        );
    }

    #[test]
    fn datetimes_in_the_forms_providers_write() {
        let base = parse_datetime("2024-03-01T00:00:00Z").unwrap();
        assert_eq!(base, 1_709_251_200);
        assert_eq!(parse_datetime("2024-03-01").unwrap(), base);
        assert_eq!(parse_datetime("2024-03-01 00:00:00").unwrap(), base);
        assert_eq!(parse_datetime("2024-03-01T00:00:00.000Z").unwrap(), base);
        assert_eq!(parse_datetime("2024-03-01T01:00:00+01:00").unwrap(), base);
        assert_eq!(parse_datetime("2024-02-29T23:00Z").unwrap(), base - 3600);
        assert_eq!(format_datetime(base + 61), "2024-03-01T00:01:01Z");
        for bad in [
            "2024-02-30",
            "yesterday",
            "2024-03-01T25:00:00Z",
            "2024-03-01Tx",
            "2024-03-01T00:00:00Q",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
    }
}
