//! Who acts, and when: the one value through which the store learns the
//! time and the user. The store never reads the clock or the environment
//! itself; the shells build a [`Context`] from the system
//! ([`crate::config::system_context`]) and tests construct one
//! ([`Context::fixed`]).

use chrono::NaiveDateTime;

/// The clock and the actor every write is stamped with.
#[derive(Clone, Debug)]
pub struct Context {
    clock: Clock,
    actor: String,
}

#[derive(Clone, Debug)]
enum Clock {
    /// The system's UTC clock, read at each call.
    System,
    /// A pinned instant (tests, reproducible runs).
    Fixed(NaiveDateTime),
}

impl Context {
    /// `actor` acting now, by the system clock.
    pub fn system_clock(actor: impl Into<String>) -> Context {
        Context {
            clock: Clock::System,
            actor: actor.into(),
        }
    }

    /// `actor` acting at the pinned instant `at` (UTC).
    pub fn fixed(at: NaiveDateTime, actor: impl Into<String>) -> Context {
        Context {
            clock: Clock::Fixed(at),
            actor: actor.into(),
        }
    }

    /// The same actor at another pinned instant.
    pub fn at(&self, at: NaiveDateTime) -> Context {
        Context::fixed(at, self.actor.clone())
    }

    /// Now (UTC), whole seconds.
    pub fn now_utc(&self) -> NaiveDateTime {
        let t = match self.clock {
            Clock::System => chrono::Utc::now().naive_utc(),
            Clock::Fixed(t) => t,
        };
        chrono::Timelike::with_nanosecond(&t, 0).unwrap_or(t)
    }

    /// Now as RFC 3339 UTC (seconds), for created/approved timestamps.
    pub fn now(&self) -> String {
        self.now_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// Today (UTC).
    pub fn today(&self) -> chrono::NaiveDate {
        self.now_utc().date()
    }

    /// Who acts: the name on approvals and in the audit trail.
    pub fn actor(&self) -> &str {
        &self.actor
    }
}
