//! Incidents: the records of `incidents.csv` (FORMATS.md) and the figures
//! drawn from them, pure and clock-free.
//!
//! Times are UTC [`NaiveDateTime`]s. A date range ([`DateRange`]) is a set of
//! whole UTC days, inclusive at both ends; an incident is "in" a range when it
//! was *opened* on one of its days. The range's end instant is 00:00 UTC of
//! the day after `to`; figures are computed as of that instant (or, with no
//! `to`, as recorded: an incident is open while its `closed` cell is empty).
//!
//! Definitions (also in `docs/formats.md`):
//! - **time to resolve** (TTR) = `closed - opened`, for incidents closed by
//!   the end instant; still-open incidents have none and are counted apart.
//! - **mean TTR** = the sum of TTRs in seconds divided by their number,
//!   rounded to the nearest second (halves up).
//! - **p90 TTR** is the *nearest-rank* 90th percentile: sort the `n` TTRs
//!   ascending and take the `k`-th, `k = ceil(0.9 × n)` (1-based). It is
//!   always one of the observed values, never interpolated: with fewer than
//!   10 values it is the largest, with 10 the 9th, with 20 the 18th.
//! - **open as of an instant**: opened before it and not closed at or before it.
//! - **privacy incidents in the rubric** combine with the observations'
//!   `privacy_incidents` counts without double counting; see
//!   [`privacy_in_window`].

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::model::Observation;
use crate::period::{Quarter, Window};

/// How bad an incident is: `sev1` is the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    /// Worst first.
    pub const ALL: [Severity; 4] = [Severity::Sev1, Severity::Sev2, Severity::Sev3, Severity::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    /// Accepts `sev1`..`sev4` in any letter case (trackers write `SEV1`, `Sev1`).
    pub fn parse(s: &str) -> Option<Severity> {
        let s = s.trim();
        Severity::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// One incident (a row of `incidents.csv`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Incident {
    /// The incident's id in the team's tracker.
    pub id: String,
    pub use_case: String,
    pub severity: Severity,
    /// When it was opened, UTC.
    #[serde(with = "utc_text")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub opened: NaiveDateTime,
    /// When it was closed, UTC; `None` while open.
    #[serde(with = "opt_utc_text")]
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub closed: Option<NaiveDateTime>,
    pub title: String,
    /// Personal data was exposed: a privacy incident for the rubric's Safety.
    pub privacy: bool,
    /// Link to the root-cause analysis.
    pub rca: Option<String>,
}

/// Why an incident record is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error("required, but empty")]
    Empty,
    #[error("must be one line")]
    MultiLine,
    #[error("'{0}' is not a severity (sev1, sev2, sev3, sev4)")]
    Severity(String),
    #[error("'{0}' is not a yes/no value (true, false, yes, no, 1, 0)")]
    Boolean(String),
    #[error("{closed} is before opened {opened}")]
    ClosedBeforeOpened { opened: String, closed: String },
}

/// Why a timestamp cell was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error(
        "'{0}' is not a date or date-time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] with an optional Z or ±HH:MM)"
    )]
    Format(String),
    #[error("'{0}': the year must have exactly four digits")]
    Year(String),
    #[error("'{0}' is not a valid calendar date")]
    Calendar(String),
    #[error("'{0}' is not a valid time of day")]
    Time(String),
    #[error("'{0}': the offset must be Z or ±HH:MM with HH at most 23 and MM at most 59")]
    Offset(String),
    #[error("'{0}' is out of the supported range")]
    Range(String),
}

/// Parses an `opened`/`closed` cell into UTC, strictly:
/// - `YYYY-MM-DD`: 00:00 UTC of that day;
/// - `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space may replace the
///   `T`, as spreadsheets write it), UTC unless followed by `Z` (UTC) or an
///   offset `+HH:MM`/`-HH:MM`, which is converted to UTC.
///
/// The year has exactly four digits (`25-08-19` and `12025-08-19` are
/// refused, never guessed); fractional seconds, week dates and offsets
/// without a colon are refused.
pub fn parse_timestamp(text: &str) -> Result<NaiveDateTime, TimestampError> {
    let t = text.trim();
    let b = t.as_bytes();
    let format = || TimestampError::Format(t.to_string());
    let year_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_digits != 4 {
        return Err(if year_digits > 0 && b.get(year_digits) == Some(&b'-') {
            TimestampError::Year(t.to_string())
        } else {
            format()
        });
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(format());
    }
    let number = |from: usize, to: usize| -> Result<u32, TimestampError> {
        let digits = b.get(from..to).ok_or_else(format)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(format());
        }
        Ok(digits.iter().fold(0, |v, c| v * 10 + u32::from(c - b'0')))
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let date =
        NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(|| TimestampError::Calendar(t.to_string()))?;
    if b.len() == 10 {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    if !matches!(b[10], b'T' | b' ') || b.len() < 16 || b[13] != b':' {
        return Err(format());
    }
    let (hour, minute) = (number(11, 13)?, number(14, 16)?);
    let (second, rest) = if b.get(16) == Some(&b':') {
        (number(17, 19)?, b.get(19..).ok_or_else(format)?)
    } else {
        (0, &b[16..])
    };
    let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(|| TimestampError::Time(t.to_string()))?;
    let offset_minutes: i64 = match rest {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(TimestampError::Offset(t.to_string()));
            }
            let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let minutes = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if hours > 23 || minutes > 59 {
                return Err(TimestampError::Offset(t.to_string()));
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        [b'+' | b'-', ..] => return Err(TimestampError::Offset(t.to_string())),
        _ => return Err(format()),
    };
    // Local time = UTC + offset, so UTC = local - offset.
    date.and_time(time)
        .checked_sub_signed(TimeDelta::minutes(offset_minutes))
        .ok_or_else(|| TimestampError::Range(t.to_string()))
}

/// Formats a UTC time as stored and shown: `2025-08-19T14:05:00Z`.
pub fn fmt_utc(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses the `privacy` cell: `true/false`, `yes/no`, `1/0` in any letter
/// case; empty means `false` (FORMATS.md: `true` *when* data was exposed).
pub fn parse_privacy(text: &str) -> Result<bool, IncidentError> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        _ => Err(IncidentError::Boolean(t.to_string())),
    }
}

/// Parses the `severity` cell.
pub fn parse_severity(text: &str) -> Result<Severity, IncidentError> {
    if text.trim().is_empty() {
        return Err(IncidentError::Empty);
    }
    Severity::parse(text).ok_or_else(|| IncidentError::Severity(text.trim().to_string()))
}

/// Checks a `title` (or `id`) cell: required, one line.
pub fn check_one_line(text: &str) -> Result<(), IncidentError> {
    if text.trim().is_empty() {
        return Err(IncidentError::Empty);
    }
    if text.contains(['\n', '\r']) {
        return Err(IncidentError::MultiLine);
    }
    Ok(())
}

/// `closed` may equal `opened` (resolved at once) but not precede it.
pub fn check_closed(opened: NaiveDateTime, closed: Option<NaiveDateTime>) -> Result<(), IncidentError> {
    match closed {
        Some(c) if c < opened => Err(IncidentError::ClosedBeforeOpened {
            opened: fmt_utc(opened),
            closed: fmt_utc(c),
        }),
        _ => Ok(()),
    }
}

impl Incident {
    /// `closed - opened`, once closed.
    pub fn time_to_resolve(&self) -> Option<TimeDelta> {
        self.closed.map(|c| c - self.opened)
    }

    /// Open at `instant`: opened before it and not closed at or before it.
    /// With no instant ("as recorded"): the `closed` cell is empty.
    pub fn is_open_at(&self, instant: Option<NaiveDateTime>) -> bool {
        match instant {
            Some(at) => self.opened < at && self.closed.is_none_or(|c| c > at),
            None => self.closed.is_none(),
        }
    }

    /// The time to resolve, if it was closed by `instant` (any time when `None`).
    fn resolved_by(&self, instant: Option<NaiveDateTime>) -> Option<TimeDelta> {
        let closed = self.closed?;
        instant.is_none_or(|at| closed <= at).then(|| closed - self.opened)
    }

    /// The UTC day it was opened.
    pub fn opened_on(&self) -> NaiveDate {
        self.opened.date()
    }
}

/// Whole UTC days, inclusive; an open end is unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn contains(self, d: NaiveDate) -> bool {
        self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d <= t)
    }

    /// The instant the range ends: 00:00 UTC after `to` (exclusive).
    pub fn end(self) -> Option<NaiveDateTime> {
        self.to.map(day_after)
    }
}

fn day_after(d: NaiveDate) -> NaiveDateTime {
    d.checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
        .and_time(NaiveTime::MIN)
}

/// Incidents per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SeverityCounts {
    pub sev1: u32,
    pub sev2: u32,
    pub sev3: u32,
    pub sev4: u32,
}

impl SeverityCounts {
    pub fn get(&self, s: Severity) -> u32 {
        match s {
            Severity::Sev1 => self.sev1,
            Severity::Sev2 => self.sev2,
            Severity::Sev3 => self.sev3,
            Severity::Sev4 => self.sev4,
        }
    }
    fn add(&mut self, s: Severity) {
        let slot = match s {
            Severity::Sev1 => &mut self.sev1,
            Severity::Sev2 => &mut self.sev2,
            Severity::Sev3 => &mut self.sev3,
            Severity::Sev4 => &mut self.sev4,
        };
        *slot += 1;
    }
    pub fn total(&self) -> u32 {
        self.sev1 + self.sev2 + self.sev3 + self.sev4
    }
}

/// Figures over the incidents *opened* in a range, as of its end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Figures {
    /// Incidents opened in the range.
    pub opened: u32,
    pub by_severity: SeverityCounts,
    /// Of those, privacy incidents.
    pub privacy: u32,
    /// Of those, closed by the end of the range.
    pub resolved: u32,
    /// Of those, still open at the end of the range.
    pub unresolved: u32,
    /// Mean time to resolve, whole seconds (nearest, halves up).
    pub mean_time_to_resolve_seconds: Option<i64>,
    /// Nearest-rank 90th percentile time to resolve, seconds.
    pub p90_time_to_resolve_seconds: Option<i64>,
    /// The mean in words, e.g. `5h 30m`.
    pub mean_time_to_resolve: Option<String>,
    /// The p90 in words.
    pub p90_time_to_resolve: Option<String>,
}

/// Mean of whole seconds, rounded to the nearest second (halves up).
pub fn mean_seconds(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as i128;
    let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
    // floor((2·sum + n) / 2n) = round half up of sum / n, for any sign.
    Some((2 * sum + n).div_euclid(2 * n) as i64)
}

/// Nearest-rank percentile `pct` (1..=100): the `ceil(pct/100 × n)`-th
/// smallest value (1-based).
pub fn nearest_rank(values: &[i64], pct: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let pct = pct.clamp(1, 100) as usize;
    let rank = (pct * n).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// A duration in words ([`crate::format::duration`]).
pub use crate::format::duration as fmt_duration;

/// Figures for the incidents opened in `range`, as of its end.
pub fn figures<'a>(incidents: impl IntoIterator<Item = &'a Incident>, range: DateRange) -> Figures {
    figures_as_of(incidents, range, range.end())
}

fn figures_as_of<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    range: DateRange,
    as_of: Option<NaiveDateTime>,
) -> Figures {
    let mut f = Figures::default();
    let mut ttr = vec![];
    for i in incidents.into_iter().filter(|i| range.contains(i.opened_on())) {
        f.opened += 1;
        f.by_severity.add(i.severity);
        f.privacy += u32::from(i.privacy);
        match i.resolved_by(as_of) {
            Some(d) => ttr.push(d.num_seconds()),
            None => f.unresolved += 1,
        }
    }
    f.resolved = ttr.len() as u32;
    f.mean_time_to_resolve_seconds = mean_seconds(&ttr);
    f.p90_time_to_resolve_seconds = nearest_rank(&ttr, 90);
    f.mean_time_to_resolve = f.mean_time_to_resolve_seconds.map(fmt_duration);
    f.p90_time_to_resolve = f.p90_time_to_resolve_seconds.map(fmt_duration);
    f
}

/// One use case's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UseCaseFigures {
    pub use_case: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One quarter's figures, for quarter-over-quarter comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuarterFigures {
    /// `2025-Q3`.
    pub quarter: String,
    /// The range covers only part of this quarter: never compared q/q.
    pub partial: bool,
    #[serde(flatten)]
    pub figures: Figures,
    /// Change in incidents opened against the previous quarter; `None` when
    /// either quarter is partial or this is the first one shown.
    pub opened_change: Option<i64>,
    /// The quarter in plain sentences ([`sentences`]).
    pub sentences: Vec<String>,
}

/// Everything `capcall incidents` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Summary {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only this use case, when asked.
    pub use_case: Option<String>,
    pub portfolio: Figures,
    /// Per use case with incidents opened in the range, by id.
    pub use_cases: Vec<UseCaseFigures>,
    /// Open at the end of the range, whenever opened: worst severity first,
    /// then oldest first.
    pub open: Vec<Incident>,
    /// Quarters from the first to the last with an incident opened in the
    /// range, oldest first (quarters in between with none are shown too).
    pub quarters: Vec<QuarterFigures>,
}

/// Summarises incidents over a range (optionally for one use case).
pub fn summarize(incidents: &[Incident], range: DateRange, use_case: Option<&str>) -> Summary {
    let mine: Vec<&Incident> = incidents
        .iter()
        .filter(|i| use_case.is_none_or(|u| i.use_case == u))
        .collect();
    let end = range.end();
    let mut per_use_case: BTreeMap<&str, Vec<&Incident>> = BTreeMap::new();
    for i in mine.iter().filter(|i| range.contains(i.opened_on())) {
        per_use_case.entry(i.use_case.as_str()).or_default().push(i);
    }
    let mut open: Vec<Incident> = mine
        .iter()
        .filter(|i| i.is_open_at(end))
        .map(|i| (*i).clone())
        .collect();
    open.sort_by(|a, b| (a.severity, a.opened, &a.id).cmp(&(b.severity, b.opened, &b.id)));
    Summary {
        from: range.from,
        to: range.to,
        use_case: use_case.map(str::to_string),
        portfolio: figures(mine.iter().copied(), range),
        use_cases: per_use_case
            .into_iter()
            .map(|(id, list)| UseCaseFigures {
                use_case: id.to_string(),
                figures: figures(list, range),
            })
            .collect(),
        open,
        quarters: by_quarter(&mine, range),
    }
}

fn by_quarter(incidents: &[&Incident], range: DateRange) -> Vec<QuarterFigures> {
    let quarters = incidents
        .iter()
        .map(|i| i.opened_on())
        .filter(|d| range.contains(*d))
        .map(Quarter::of);
    let (Some(first), Some(last)) = (quarters.clone().min(), quarters.max()) else {
        return vec![];
    };
    let end = range.end();
    let mut out: Vec<QuarterFigures> = vec![];
    let mut q = first;
    while q <= last {
        // The part of the quarter inside the range.
        let part = DateRange {
            from: Some(range.from.map_or(q.start(), |f| f.max(q.start()))),
            to: Some(range.to.map_or(q.end(), |t| t.min(q.end()))),
        };
        let partial = part.from != Some(q.start()) || part.to != Some(q.end());
        // Resolution is judged as of the range's end, so an incident opened
        // late in a quarter and closed early in the next counts as resolved.
        let f = figures_as_of(incidents.iter().copied(), part, end);
        let opened_change = out
            .last()
            .filter(|prev| !prev.partial && !partial)
            .map(|prev| i64::from(f.opened) - i64::from(prev.figures.opened));
        out.push(QuarterFigures {
            quarter: q.label(),
            partial,
            sentences: sentences(incidents.iter().copied(), q, range),
            figures: f,
            opened_change,
        });
        q = q.next();
    }
    out
}

/// The incidents opened in quarter `q` (within `range`) in plain sentences,
/// one per severity present, worst first, then one naming the privacy
/// incidents; for comms. Resolution is judged as of the range's end.
///
/// "2 sev1 incidents in 2025-Q3, both closed within 6 hours";
/// "3 sev2 incidents in 2025-Q3: 2 closed within 2 days, 1 still open";
/// "1 privacy incident in 2025-Q3: CR-2025-031"; "No incidents in 2025-Q3".
/// "within N" is the longest time to resolve, rounded up (minutes below an
/// hour, hours up to 48 hours, days beyond). A quarter the range covers only
/// in part reads "in 2025-Q3 so far".
pub fn sentences<'a>(incidents: impl IntoIterator<Item = &'a Incident>, q: Quarter, range: DateRange) -> Vec<String> {
    let part = DateRange {
        from: Some(range.from.map_or(q.start(), |f| f.max(q.start()))),
        to: Some(range.to.map_or(q.end(), |t| t.min(q.end()))),
    };
    let label = if part.from == Some(q.start()) && part.to == Some(q.end()) {
        q.label()
    } else {
        format!("{} so far", q.label())
    };
    let end = range.end();
    let mine: Vec<&Incident> = incidents.into_iter().filter(|i| part.contains(i.opened_on())).collect();
    if mine.is_empty() {
        return vec![format!("No incidents in {label}")];
    }
    let mut out = vec![];
    for sev in Severity::ALL {
        let of_sev: Vec<&&Incident> = mine.iter().filter(|i| i.severity == sev).collect();
        let n = of_sev.len();
        if n == 0 {
            continue;
        }
        let ttr: Vec<i64> = of_sev
            .iter()
            .filter_map(|i| i.resolved_by(end))
            .map(|d| d.num_seconds())
            .collect();
        let closed = ttr.len();
        let open = n - closed;
        let head = format!("{n} {} incident{} in {label}", sev.as_str(), plural(n));
        let within = ttr
            .iter()
            .max()
            .map(|&s| format!("within {}", crate::format::duration_rounded_up(s)));
        let tail = match (closed, open, within) {
            (_, 0, Some(w)) => match n {
                1 => format!(", closed {w}"),
                2 => format!(", both closed {w}"),
                _ => format!(", all closed {w}"),
            },
            (0, _, _) => match n {
                1 => ", still open".to_string(),
                2 => ", both still open".to_string(),
                _ => ", all still open".to_string(),
            },
            (c, o, Some(w)) => format!(": {c} closed {w}, {o} still open"),
            (_, _, None) => unreachable!("closed > 0 has a longest time to resolve"),
        };
        out.push(format!("{head}{tail}"));
    }
    let mut privacy: Vec<&str> = mine.iter().filter(|i| i.privacy).map(|i| i.id.as_str()).collect();
    if !privacy.is_empty() {
        privacy.sort_unstable();
        out.push(format!(
            "{} privacy incident{} in {label}: {}",
            privacy.len(),
            plural(privacy.len()),
            privacy.join(", ")
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Privacy incidents in a trailing window, from both sources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrivacyCount {
    /// The combined count the rubric uses.
    pub total: u64,
    /// Privacy incident records opened in the window: `(id, opened day)`, by day then id.
    pub records: Vec<(String, NaiveDate)>,
    /// Records that fell in an observation period that reports privacy
    /// incidents itself (so they were counted once, not twice).
    pub shared_with_observations: u64,
    /// Did any observation row in the window carry a `privacy_incidents` value?
    pub observed: bool,
}

/// Combines observation counts and incident records of one use case over
/// `window` without double counting the same event.
///
/// Rule: an observation row covers the period from its `period_start` up to
/// the next row's `period_start` (the latest row: up to the window's end). A
/// privacy incident record opened (UTC day) in the window belongs to the row
/// whose period contains that day. Each row in the window then counts
/// `max(its privacy_incidents, records belonging to it)` — both sources may
/// report the same event, and neither is assumed to be complete — and
/// records that belong to no row in the window (opened before the first row
/// in the window, in a period that started earlier, or with no rows at all)
/// count one each.
pub fn privacy_in_window(rows: &[Observation], incidents: &[Incident], window: Window) -> PrivacyCount {
    let mut starts: Vec<NaiveDate> = rows
        .iter()
        .map(|o| o.period_start)
        .filter(|d| *d <= window.last)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut per_row: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new(); // start -> (observed, records)
    let mut observed = false;
    for o in rows.iter().filter(|o| window.contains(o.period_start)) {
        let slot = per_row.entry(o.period_start).or_default();
        if let Some(n) = o.privacy_incidents {
            observed = true;
            slot.0 = slot.0.max(u64::from(n));
        }
    }
    let mut records: Vec<(String, NaiveDate)> = incidents
        .iter()
        .filter(|i| i.privacy && window.contains(i.opened_on()))
        .map(|i| (i.id.clone(), i.opened_on()))
        .collect();
    records.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let mut unowned = 0u64;
    let mut shared = 0u64;
    for (_, day) in &records {
        // The row whose period contains `day`: the latest start on or before it.
        let owner = match starts.partition_point(|s| s <= day) {
            0 => None,
            k => Some(starts[k - 1]),
        };
        match owner.and_then(|s| per_row.get_mut(&s)) {
            Some(slot) => {
                slot.1 += 1;
                if slot.0 > 0 {
                    shared += 1;
                }
            }
            None => unowned += 1,
        }
    }
    let total = per_row.values().map(|&(obs, rec)| obs.max(rec)).sum::<u64>() + unowned;
    PrivacyCount {
        total,
        shared_with_observations: shared,
        records,
        observed,
    }
}

mod utc_text {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::fmt_utc(*t))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_timestamp(&text).map_err(serde::de::Error::custom)
    }
}

mod opt_utc_text {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&super::fmt_utc(*t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| super::parse_timestamp(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EvalStatus, Lifecycle, UseCase};
    use crate::money::Planned;
    use crate::rubric::{evaluate, evaluate_with_incidents, Dimension, Path, RubricSettings, Verdict};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn t(s: &str) -> NaiveDateTime {
        parse_timestamp(s).unwrap()
    }
    fn inc(id: &str, uc: &str, sev: Severity, opened: &str, closed: Option<&str>, privacy: bool) -> Incident {
        Incident {
            id: id.into(),
            use_case: uc.into(),
            severity: sev,
            opened: t(opened),
            closed: closed.map(t),
            title: format!("incident {id}"),
            privacy,
            rca: None,
        }
    }

    /// Six incidents whose figures are worked out by hand in the tests below.
    fn sample() -> Vec<Incident> {
        use Severity::*;
        vec![
            // 4 h = 14 400 s
            inc("A", "a", Sev1, "2025-07-01T10:00Z", Some("2025-07-01T14:00Z"), false),
            // 6 h = 21 600 s (opened 02:00+02:00 = 00:00 UTC)
            inc(
                "B",
                "a",
                Sev1,
                "2025-07-15T02:00+02:00",
                Some("2025-07-15T06:00"),
                false,
            ),
            // 48 h = 172 800 s
            inc("C", "b", Sev2, "2025-08-01", Some("2025-08-03"), false),
            // 2 h = 7 200 s, closed after the quarter ends
            inc("D", "b", Sev3, "2025-09-30T23:00Z", Some("2025-10-01T01:00Z"), true),
            inc("E", "a", Sev2, "2025-09-10", None, false),
            // Q2: 30 min
            inc("F", "b", Sev4, "2025-06-30T12:00", Some("2025-06-30T12:30"), false),
        ]
    }

    fn q3() -> DateRange {
        DateRange {
            from: Some(d("2025-07-01")),
            to: Some(d("2025-09-30")),
        }
    }

    #[test]
    fn timestamps_parse_strictly_into_utc() {
        assert_eq!(t("2025-08-19"), d("2025-08-19").and_hms_opt(0, 0, 0).unwrap());
        assert_eq!(t("2025-08-19T14:05"), d("2025-08-19").and_hms_opt(14, 5, 0).unwrap());
        assert_eq!(
            t("2025-08-19 14:05:30Z"),
            d("2025-08-19").and_hms_opt(14, 5, 30).unwrap()
        );
        // 01:30 at +02:00 is 23:30 UTC the day before; 23:30 at -01:00 is 00:30 UTC the day after.
        assert_eq!(
            t("2025-08-19T01:30+02:00"),
            d("2025-08-18").and_hms_opt(23, 30, 0).unwrap()
        );
        assert_eq!(
            t("2025-08-19T23:30-01:00"),
            d("2025-08-20").and_hms_opt(0, 30, 0).unwrap()
        );
        assert_eq!(
            t("2024-02-29T00:00:00+00:00"),
            d("2024-02-29").and_hms_opt(0, 0, 0).unwrap()
        );
        let err = |s: &str| parse_timestamp(s).unwrap_err();
        assert!(matches!(err("25-08-19"), TimestampError::Year(_)));
        assert!(matches!(err("12025-08-19"), TimestampError::Year(_)));
        assert!(matches!(err("2025-02-30"), TimestampError::Calendar(_)));
        assert!(matches!(err("2025-08-19T24:00"), TimestampError::Time(_)));
        assert!(matches!(err("2025-08-19T10:60"), TimestampError::Time(_)));
        assert!(matches!(err("2025-08-19T10:00+0200"), TimestampError::Offset(_)));
        assert!(matches!(err("2025-08-19T10:00+24:00"), TimestampError::Offset(_)));
        for bad in [
            "",
            "2025/08/19",
            "2025-8-19",
            "2025-08-19T10",
            "2025-08-19T10:00:00.123Z",
            "2025-08-19x",
            "+2025-08-19",
            "2025-08-19T10:00Zulu",
        ] {
            assert!(matches!(err(bad), TimestampError::Format(_)), "{bad}: {:?}", err(bad));
        }
        assert_eq!(
            err("25-08-19").to_string(),
            "'25-08-19': the year must have exactly four digits"
        );
    }

    #[test]
    fn cells_parse_like_the_format_says() {
        for yes in ["true", "TRUE", "Yes", "1", " yes "] {
            assert_eq!(parse_privacy(yes), Ok(true), "{yes}");
        }
        for no in ["", "false", "No", "0", "  "] {
            assert_eq!(parse_privacy(no), Ok(false), "{no:?}");
        }
        assert_eq!(parse_privacy("maybe"), Err(IncidentError::Boolean("maybe".into())));
        assert_eq!(parse_severity("SEV2"), Ok(Severity::Sev2));
        assert_eq!(parse_severity("sev5"), Err(IncidentError::Severity("sev5".into())));
        assert_eq!(parse_severity(""), Err(IncidentError::Empty));
        assert_eq!(check_one_line("a\nb"), Err(IncidentError::MultiLine));
        assert_eq!(
            check_closed(t("2025-08-19T10:00"), Some(t("2025-08-19T09:59"))),
            Err(IncidentError::ClosedBeforeOpened {
                opened: "2025-08-19T10:00:00Z".into(),
                closed: "2025-08-19T09:59:00Z".into()
            })
        );
        assert_eq!(check_closed(t("2025-08-19T10:00"), Some(t("2025-08-19T10:00"))), Ok(()));
        assert_eq!(serde_json::to_string(&Severity::Sev1).unwrap(), "\"sev1\"");
    }

    #[test]
    fn mean_rounds_half_up_and_p90_is_nearest_rank() {
        assert_eq!(mean_seconds(&[]), None);
        assert_eq!(mean_seconds(&[1, 2]), Some(2)); // 1.5 -> 2
        assert_eq!(mean_seconds(&[1, 1, 2]), Some(1)); // 1.33 -> 1
        assert_eq!(mean_seconds(&[2, 2, 3, 3, 3, 3]), Some(3)); // 2.67 -> 3
        let one_to = |n: i64| (1..=n).rev().collect::<Vec<_>>();
        assert_eq!(nearest_rank(&one_to(1), 90), Some(1));
        assert_eq!(nearest_rank(&one_to(5), 90), Some(5)); // ceil(4.5) = 5
        assert_eq!(nearest_rank(&one_to(10), 90), Some(9)); // ceil(9) = 9
        assert_eq!(nearest_rank(&one_to(11), 90), Some(10)); // ceil(9.9) = 10
        assert_eq!(nearest_rank(&one_to(20), 90), Some(18));
        assert_eq!(nearest_rank(&[], 90), None);
        assert_eq!(fmt_duration(0), "0m");
        assert_eq!(fmt_duration(30), "<1m");
        assert_eq!(fmt_duration(69_600), "19h 20m");
        assert_eq!(fmt_duration(172_800), "2d");
        assert_eq!(fmt_duration(90_000 + 59), "1d 1h");
    }

    #[test]
    fn figures_match_a_hand_computation() {
        let s = summarize(&sample(), q3(), None);
        let p = &s.portfolio;
        // Opened in Q3: A, B, C, D, E. As of 2025-10-01T00:00Z, D (closed
        // 01:00) and E are still open; A, B, C resolved in 4 h, 6 h, 48 h.
        assert_eq!((p.opened, p.privacy, p.resolved, p.unresolved), (5, 1, 3, 2));
        assert_eq!(
            p.by_severity,
            SeverityCounts {
                sev1: 2,
                sev2: 2,
                sev3: 1,
                sev4: 0
            }
        );
        // (14 400 + 21 600 + 172 800) / 3 = 69 600 s; p90 rank ceil(2.7) = 3rd = 172 800 s.
        assert_eq!(p.mean_time_to_resolve_seconds, Some(69_600));
        assert_eq!(p.p90_time_to_resolve_seconds, Some(172_800));
        assert_eq!(p.mean_time_to_resolve.as_deref(), Some("19h 20m"));
        let ids: Vec<&str> = s.open.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["E", "D"], "worst severity first");
        let a = &s.use_cases[0];
        assert_eq!((a.use_case.as_str(), a.figures.opened, a.figures.resolved), ("a", 3, 2));
        // (14 400 + 21 600) / 2 = 18 000; p90 rank ceil(1.8) = 2nd = 21 600.
        assert_eq!(a.figures.mean_time_to_resolve_seconds, Some(18_000));
        assert_eq!(a.figures.p90_time_to_resolve_seconds, Some(21_600));
        let b = &s.use_cases[1];
        assert_eq!(
            (b.use_case.as_str(), b.figures.opened, b.figures.unresolved),
            ("b", 2, 1)
        );
        assert_eq!(b.figures.mean_time_to_resolve_seconds, Some(172_800));
        // One use case only.
        let only_b = summarize(&sample(), q3(), Some("b"));
        assert_eq!(only_b.portfolio.opened, 2);
        assert_eq!(only_b.use_cases.len(), 1);
        assert_eq!(only_b.open.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["D"]);
    }

    #[test]
    fn open_as_of_an_instant() {
        let i = inc(
            "X",
            "a",
            Severity::Sev2,
            "2025-08-01T10:00",
            Some("2025-08-02T10:00"),
            false,
        );
        assert!(
            !i.is_open_at(Some(t("2025-08-01T10:00"))),
            "not yet open at the opening instant"
        );
        assert!(i.is_open_at(Some(t("2025-08-01T10:01"))));
        assert!(i.is_open_at(Some(t("2025-08-02T09:59"))));
        assert!(!i.is_open_at(Some(t("2025-08-02T10:00"))), "closed at that instant");
        assert!(!i.is_open_at(None));
        // As of the end of 2025-08-01 (a `to` date), it was open.
        let s = summarize(
            &[i],
            DateRange {
                from: None,
                to: Some(d("2025-08-01")),
            },
            None,
        );
        assert_eq!(s.open.len(), 1);
        assert_eq!((s.portfolio.resolved, s.portfolio.unresolved), (0, 1));
    }

    #[test]
    fn quarter_over_quarter_and_sentences() {
        let s = summarize(&sample(), DateRange::default(), None);
        let labels: Vec<&str> = s.quarters.iter().map(|q| q.quarter.as_str()).collect();
        assert_eq!(labels, ["2025-Q2", "2025-Q3"]);
        let (q2, third) = (&s.quarters[0], &s.quarters[1]);
        assert_eq!((q2.figures.opened, q2.partial, q2.opened_change), (1, false, None));
        // As recorded (no end), D is resolved: 4 of 5 resolved.
        assert_eq!(
            (third.figures.opened, third.figures.resolved, third.opened_change),
            (5, 4, Some(4))
        );
        assert_eq!(
            third.sentences,
            [
                "2 sev1 incidents in 2025-Q3, both closed within 6 hours",
                "2 sev2 incidents in 2025-Q3: 1 closed within 48 hours, 1 still open",
                "1 sev3 incident in 2025-Q3, closed within 2 hours",
                "1 privacy incident in 2025-Q3: D",
            ]
        );
        assert_eq!(q2.sentences, ["1 sev4 incident in 2025-Q2, closed within 30 minutes"]);
        // As of the end of Q3, D was still open.
        let as_of_q3 = sentences(&sample(), Quarter { year: 2025, q: 3 }, q3());
        assert_eq!(as_of_q3[2], "1 sev3 incident in 2025-Q3, still open");
        // A range that cuts the quarter: "so far", and no q/q change.
        let part = DateRange {
            from: None,
            to: Some(d("2025-09-15")),
        };
        let s = summarize(&sample(), part, None);
        let last = s.quarters.last().unwrap();
        assert!(last.partial);
        assert_eq!(last.opened_change, None);
        assert_eq!(
            last.sentences[0],
            "2 sev1 incidents in 2025-Q3 so far, both closed within 6 hours"
        );
        assert_eq!(
            sentences(&sample(), Quarter { year: 2025, q: 1 }, DateRange::default()),
            ["No incidents in 2025-Q1"]
        );
        let three_open: Vec<Incident> = (0..3)
            .map(|n| inc(&format!("O{n}"), "a", Severity::Sev3, "2025-08-01", None, false))
            .collect();
        assert_eq!(
            sentences(&three_open, Quarter { year: 2025, q: 3 }, DateRange::default()),
            ["3 sev3 incidents in 2025-Q3, all still open"]
        );
    }

    fn weekly_rows(privacy: &[(&str, u32)]) -> Vec<Observation> {
        privacy
            .iter()
            .map(|(start, n)| Observation {
                period_start: d(start),
                privacy_incidents: Some(*n),
                eval_status: Some(EvalStatus::Green),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn privacy_counts_combine_without_double_counting() {
        let rows = weekly_rows(&[
            ("2025-08-04", 0),
            ("2025-08-11", 0),
            ("2025-08-18", 1),
            ("2025-08-25", 0),
        ]);
        let w = Window::trailing(d("2025-09-08"), 90); // 2025-06-11 ..= 2025-09-08
        let rec = |id: &str, opened: &str| inc(id, "a", Severity::Sev2, opened, None, true);
        let count = |incidents: &[Incident]| privacy_in_window(&rows, incidents, w);
        // No records: the observations' count.
        assert_eq!(count(&[]).total, 1);
        // The same event in both sources (week of 2025-08-18): once.
        let same = count(&[rec("P1", "2025-08-19T09:00")]);
        assert_eq!((same.total, same.shared_with_observations), (1, 1));
        // A record in another week: max(0, 1) + max(1, 0) = 2.
        let other = count(&[rec("P2", "2025-08-12")]);
        assert_eq!((other.total, other.shared_with_observations), (2, 0));
        // Two records in the week that reports one: max(1, 2) = 2.
        assert_eq!(
            count(&[rec("P3", "2025-08-18"), rec("P4", "2025-08-24T23:59")]).total,
            2
        );
        // Opened in the window before the first row: counts alone (1 + 1).
        assert_eq!(count(&[rec("P5", "2025-06-20")]).total, 2);
        // After the last row's start: belongs to that row (0 -> 1), plus the 1 observed.
        assert_eq!(count(&[rec("P6", "2025-09-01")]).total, 2);
        // Outside the window, or not a privacy incident: ignored.
        let mut not_privacy = rec("P7", "2025-08-12");
        not_privacy.privacy = false;
        assert_eq!(count(&[rec("P8", "2025-06-10"), not_privacy]).total, 1);
        // Records only, no observation rows at all.
        let none = privacy_in_window(&[], &[rec("P9", "2025-08-12")], w);
        assert_eq!((none.total, none.observed), (1, false));
    }

    fn use_case(id: &str) -> UseCase {
        UseCase {
            id: id.into(),
            name: id.into(),
            owner: "o".into(),
            wave: "Wave 1".into(),
            region: "EU".into(),
            status: Lifecycle::Live,
            flag: None,
            budget_usd: Planned::from_dollars(1000),
            levers: vec![],
            sunset_date: None,
        }
    }

    #[test]
    fn a_privacy_incident_turns_safety_to_retire_and_is_named() {
        let rows = weekly_rows(&[
            ("2025-08-18", 0),
            ("2025-08-25", 0),
            ("2025-09-01", 0),
            ("2025-09-08", 0),
        ]);
        let as_of = d("2025-09-08");
        let s = RubricSettings::default();
        let plain = evaluate(&use_case("a"), &rows, as_of, &s, 2);
        assert_eq!(plain.dimension(Dimension::Safety).verdict, Verdict::Expand);
        assert_eq!(
            plain.dimension(Dimension::Safety).explanation,
            "eval green on 2025-09-08; 0 privacy incidents in trailing 90 days: evals green"
        );
        let records = [
            inc(
                "PRIV-1",
                "a",
                Severity::Sev2,
                "2025-08-20T10:00Z",
                Some("2025-08-21"),
                true,
            ),
            // Another use case's record does not count for this one.
            inc("PRIV-2", "b", Severity::Sev1, "2025-08-20", None, true),
            // Not a privacy incident.
            inc("OPS-3", "a", Severity::Sev1, "2025-08-21", None, false),
        ];
        let scored = evaluate_with_incidents(&use_case("a"), &rows, &records, as_of, &s, 2);
        let safety = scored.dimension(Dimension::Safety);
        assert_eq!(safety.verdict, Verdict::Retire);
        assert_eq!(
            safety.explanation,
            "eval green on 2025-09-08; 1 privacy incident in trailing 90 days (incident PRIV-1 opened 2025-08-20): red / privacy risk"
        );
        assert_eq!(scored.overall, Path::Retire, "Safety Retire is a hard Retire");
        // 91 days later the incident has left the trailing window.
        let later = evaluate_with_incidents(&use_case("a"), &rows, &records, d("2025-11-18"), &s, 2);
        assert_ne!(later.dimension(Dimension::Safety).verdict, Verdict::Retire);
        // Reported by both sources in the same week: counted once, and said so.
        let both = weekly_rows(&[
            ("2025-08-18", 1),
            ("2025-08-25", 0),
            ("2025-09-01", 0),
            ("2025-09-08", 0),
        ]);
        let scored = evaluate_with_incidents(&use_case("a"), &both, &records, as_of, &s, 2);
        assert_eq!(
            scored.dimension(Dimension::Safety).explanation,
            "eval green on 2025-09-08; 1 privacy incident in trailing 90 days (incident PRIV-1 opened 2025-08-20, also in the observations: counted once): red / privacy risk"
        );
        // With no observed privacy counts, a record still makes it Retire (not Opaque).
        let unknown: Vec<Observation> = rows
            .iter()
            .cloned()
            .map(|mut o| {
                o.privacy_incidents = None;
                o
            })
            .collect();
        let scored = evaluate_with_incidents(&use_case("a"), &unknown, &records, as_of, &s, 2);
        assert_eq!(scored.dimension(Dimension::Safety).verdict, Verdict::Retire);
        let scored = evaluate_with_incidents(&use_case("a"), &unknown, &records[2..], as_of, &s, 2);
        assert_eq!(scored.dimension(Dimension::Safety).verdict, Verdict::Opaque);
    }

    #[test]
    fn demo_incidents_agree_with_the_demo_verdicts() {
        let incidents = crate::demo::incidents();
        let ucs = crate::demo::portfolio();
        let mut ids: Vec<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), incidents.len(), "ids are unique");
        for i in &incidents {
            assert!(ucs.iter().any(|(u, _)| u.id == i.use_case), "{}", i.use_case);
            assert_eq!(check_closed(i.opened, i.closed), Ok(()), "{}", i.id);
            assert!(i.opened_on() <= crate::demo::last_week(), "{}", i.id);
        }
        let open: Vec<&str> = incidents
            .iter()
            .filter(|i| i.closed.is_none())
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(open, ["KB-2025-084"]);
        let as_of = crate::demo::last_week();
        let s = RubricSettings::default();
        for (uc, rows) in &ucs {
            let without = evaluate(uc, rows, as_of, &s, 2);
            let with = evaluate_with_incidents(uc, rows, &incidents, as_of, &s, 2);
            let verdicts =
                |x: &crate::rubric::Score| (x.overall, x.dimensions.iter().map(|d| d.verdict).collect::<Vec<_>>());
            assert_eq!(verdicts(&with), verdicts(&without), "{}", uc.id);
            if uc.id == "contract-review" {
                assert_eq!(
                    with.dimension(Dimension::Safety).explanation,
                    "eval red on 2025-09-08; 1 privacy incident in trailing 90 days (incident CR-2025-031 opened \
                     2025-08-19, also in the observations: counted once): red / privacy risk"
                );
            }
        }
    }

    #[test]
    fn incidents_cross_json_with_utc_text() {
        let i = inc("A", "a", Severity::Sev1, "2025-07-01T12:00+02:00", None, true);
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["opened"], "2025-07-01T10:00:00Z");
        assert_eq!(v["closed"], serde_json::Value::Null);
        assert_eq!(v["severity"], "sev1");
        let back: Incident = serde_json::from_value(v).unwrap();
        assert_eq!(back, i);
    }
}
