//! Calendar periods: quarters, months and trailing windows, with the
//! "as of" rules of the rubric (PRODUCT.md, "Default rubric").

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The one date parser for every CLI argument, CSV cell and stored date:
/// exactly `YYYY-MM-DD` (a 4-digit year, 2-digit month and day, a real
/// calendar day). Rejects `25-10-28`, `+10000-01-01`, `2025-1-5`, spaces and
/// time parts. The error quotes the text; callers prefix the argument or cell.
pub fn parse_iso_date(t: &str) -> Result<NaiveDate, String> {
    let b = t.as_bytes();
    let bad = || format!("'{t}' is not a date (expected YYYY-MM-DD)");
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return Err(bad());
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Ok(v)
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| format!("'{t}' is not a valid calendar date"))
}

/// A calendar quarter, e.g. 2025-Q3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Quarter {
    pub year: i32,
    /// 1..=4
    pub q: u8,
}

impl Quarter {
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            q: (date.month0() / 3 + 1) as u8,
        }
    }
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q - 1) * 3 + 1, 1).expect("valid quarter start")
    }
    /// Last day of the quarter (inclusive).
    pub fn end(self) -> NaiveDate {
        self.next().start().pred_opt().expect("valid quarter end")
    }
    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }
    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
    pub fn contains(self, d: NaiveDate) -> bool {
        Quarter::of(d) == self
    }
    pub fn days(self) -> i64 {
        (self.end() - self.start()).num_days() + 1
    }
    /// The rubric's "last quarter": the last calendar quarter that ends on or
    /// before `as_of`.
    pub fn last_complete(as_of: NaiveDate) -> Quarter {
        let q = Quarter::of(as_of);
        if q.end() == as_of {
            q
        } else {
            q.prev()
        }
    }
    pub fn label(self) -> String {
        format!("{}-Q{}", self.year, self.q)
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// A calendar month, e.g. 2025-09.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month() as u8,
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// The trailing window of `days` days that ends on `as_of`, inclusive of both
/// ends: rows whose `period_start` is in `[as_of - (days - 1), as_of]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Window {
    pub fn trailing(as_of: NaiveDate, days: u32) -> Window {
        let back = u64::from(days.max(1) - 1);
        let first = as_of.checked_sub_days(Days::new(back)).unwrap_or(NaiveDate::MIN);
        Window { first, last: as_of }
    }
    /// The last `months` calendar months to `as_of`, the month of `as_of`
    /// (so far) included: from the first day of the month `months - 1`
    /// before it, through `as_of`.
    pub fn months_to(as_of: NaiveDate, months: u32) -> Window {
        let first = as_of
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(months.max(1) - 1)))
            .unwrap_or(NaiveDate::MIN);
        Window { first, last: as_of }
    }
    pub fn contains(self, d: NaiveDate) -> bool {
        d >= self.first && d <= self.last
    }
    /// How many days the window spans, both ends included.
    pub fn days(self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn quarter_edges() {
        assert_eq!(Quarter::last_complete(d("2025-09-30")), Quarter { year: 2025, q: 3 });
        assert_eq!(Quarter::last_complete(d("2025-09-29")), Quarter { year: 2025, q: 2 });
        assert_eq!(Quarter::last_complete(d("2025-10-01")), Quarter { year: 2025, q: 3 });
        assert_eq!(Quarter::last_complete(d("2025-01-01")), Quarter { year: 2024, q: 4 });
        assert_eq!(Quarter { year: 2024, q: 1 }.days(), 91); // leap year
        assert_eq!(Quarter { year: 2025, q: 1 }.days(), 90);
        assert_eq!(Quarter { year: 2024, q: 1 }.end(), d("2024-03-31"));
    }

    #[test]
    fn iso_dates_are_strict() {
        assert_eq!(parse_iso_date("2025-10-28"), Ok(d("2025-10-28")));
        assert_eq!(parse_iso_date("2024-02-29"), Ok(d("2024-02-29")));
        for bad in [
            "25-10-28",
            "+10000-01-01",
            "2025-1-5",
            "2025-01-5",
            "02025-01-05",
            " 2025-01-05",
            "2025-01-05 ",
            "2025-01-05T00:00",
            "2025/01/05",
            "２０２５-01-05",
            "",
        ] {
            assert!(parse_iso_date(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_iso_date("2025-02-29")
            .unwrap_err()
            .contains("not a valid calendar date"));
        assert!(parse_iso_date("2025-13-01").is_err());
    }

    #[test]
    fn trailing_window_is_inclusive() {
        let w = Window::trailing(d("2024-03-01"), 30);
        assert_eq!(w.first, d("2024-02-01")); // 2024 is a leap year: Feb has 29 days
        assert!(w.contains(d("2024-02-29")) && w.contains(d("2024-03-01")));
        assert!(!w.contains(d("2024-01-31")) && !w.contains(d("2024-03-02")));
        assert_eq!(w.days(), 30);
    }

    #[test]
    fn month_windows_start_on_the_first_and_end_on_the_day() {
        let w = Window::months_to(d("2025-06-15"), 12);
        assert_eq!((w.first, w.last), (d("2024-07-01"), d("2025-06-15")));
        assert_eq!(Window::months_to(d("2024-03-31"), 1).first, d("2024-03-01"));
        assert_eq!(Window::months_to(d("2024-03-31"), 0).first, d("2024-03-01"));
        assert_eq!(Window::months_to(d("2025-01-01"), 13).first, d("2024-01-01"));
    }
}
