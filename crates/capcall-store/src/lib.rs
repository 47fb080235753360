//! Capcall's storage and application API: one SQLite file per portfolio.
//!
//! [`Portfolio`] is the library API that both shells (the `capcall` CLI and
//! the desktop app) call; no business rule lives in a shell. It owns the
//! connection, the schema and its migrations (`migrations/*.sql`, embedded),
//! the single-writer lock, imports, backups, and the persistence of rubrics
//! and scenarios. Rules themselves (rubric, scenario math, money) live in the
//! pure `capcall-core` crate.

pub mod audit;
pub mod board;
pub mod config;
mod context;
mod csv_input;
pub mod db;
pub mod decisions;
pub mod edit;
pub mod error;
pub mod exchange;
pub mod focus;
pub mod import;
pub mod incidents;
pub mod lock;
pub mod plans;
pub mod portfolio;
#[cfg(test)]
mod query_counts;
pub mod rubrics;
pub mod scenarios;
mod state;

pub use config::default_portfolio_path;
pub use context::Context;
pub use edit::{Change, Edit, NewUseCase, UseCaseState};
pub use error::{CellError, Code, Result, StoreError};
pub use import::{ImportKind, ImportProgress, ImportReport};
pub use portfolio::{Access, Portfolio, UseCaseRow};
