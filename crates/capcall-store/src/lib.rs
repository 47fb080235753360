//! Capcall's storage and application API: one SQLite file per portfolio.
//!
//! [`Portfolio`] is the library API that both shells (the `capcall` CLI and
//! the desktop app) call; no business rule lives in a shell. It owns the
//! connection, the schema and its migrations (`migrations/*.sql`, embedded),
//! the single-writer lock, imports, backups, and the persistence of rubrics
//! and scenarios. Rules themselves (rubric, scenario math, money) live in the
//! pure `capcall-core` crate.

// Every module is private; the API is the curated list below (ripgrep's
// style): a shell names `capcall_store::X`, never a module path, so modules
// can move without breaking the CLI, the app or the export crate.
// crates/capcall-store/tests/store/architecture.rs keeps it so.
mod audit;
mod board;
mod board_grid;
mod config;
mod context;
mod csv_input;
mod db;
mod decisions;
mod demo;
mod edit;
mod error;
mod exchange;
mod focus;
mod import;
mod incidents;
mod intake;
mod lock;
mod memory;
mod plans;
mod portfolio;
#[cfg(test)]
mod query_counts;
mod records;
mod rubrics;
mod scenarios;
mod scoring;
mod state;

pub use audit::{AuditDigest, AuditEntry, Verification};
pub use board::Board;
pub use board_grid::{compare_text, fold, BoardGrid, BoardLine, BoardQuery, BoardSelection, BoardSort, TextKey};
pub use capcall_core::scenario::Comparison;
pub use config::{default_portfolio_path, system_context, whoami, ConfigFile};
pub use context::Context;
pub use db::{sibling, write_file, MIGRATIONS, SCHEMA_VERSION};
pub use decisions::{DecisionView, DraftReport, NewDecision};
pub use edit::{BudgetVsApproved, Change, Correction, Drift, Edit, LineDrift, NewUseCase, UseCaseState};
pub use error::{CellError, Code, Result, StoreError};
pub use exchange::OpenedScenario;
pub use focus::{
    CostColumn, CostReport, CostsBy, FocusOptions, FocusPreview, FocusReport, MappingMove, MappingPreview,
    MappingReport, MappingVersion, UnallocatedService,
};
pub use import::{parse_date, preview as preview_csv, CsvPreview, ImportKind, ImportProgress, ImportReport};
pub use memory::release_free_memory;
pub use plans::StoredPlan;
pub use portfolio::{Access, Portfolio, UcrBy, UseCaseRow};
pub use rubrics::RubricVersion;
pub use scenarios::{LineGroup, ParamChanges, Scenario, ScenarioMeta};
pub use scoring::ScoreRun;
