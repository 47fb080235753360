//! Capcall's pure domain: exact money, calendar periods, UCR analytics, the
//! "traffic-light v2" rubric engine, the capital-reallocation scenario engine,
//! incident figures and the demo portfolio.
//!
//! Architecture invariant: this crate does no IO. It has no SQLite, no Tauri,
//! no filesystem and no clock access (dates are always passed in); its
//! Cargo.toml proves it. Everything here is deterministic and unit-testable.

pub mod board;
pub mod decision;
pub mod demo;
pub mod exchange;
pub mod focus;
pub mod format;
pub mod governance;
pub mod incident;
pub mod model;
pub mod money;
pub mod period;
pub mod plan;
pub mod rubric;
pub mod scenario;
pub mod ucr;

pub use incident::{Incident, Severity};
pub use model::{EvalStatus, Lifecycle, Observation, UseCase};
pub use money::{allocate, Measured, MoneyError, MoneyParseError, Planned};
pub use period::{Month, Quarter, Window};
pub use rubric::{Dimension, DimensionScore, Path, RubricSettings, Score, Verdict};
