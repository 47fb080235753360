//! The store's error type. Each variant has a stable `code` that the CLI maps
//! to exit codes and the desktop app sends to the UI as `{code, message}`.

use std::path::PathBuf;

use capcall_core::money::MoneyError;
use capcall_core::rubric::RubricError;
use capcall_core::scenario::ScenarioError;

/// One bad cell of an imported file: `FILE:LINE:COLUMN (field): reason`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CellError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, self.line, self.column, self.field, self.message
            )
        }
    }
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: portfolio schema version {found} is newer than this Capcall supports ({supported}); upgrade Capcall. Nothing was written.")]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("{path} is open for writing by {holder}; close it there first (or use a copy)")]
    Locked { path: PathBuf, holder: String },
    #[error("{path} is not a Capcall portfolio: {why}")]
    NotAPortfolio { path: PathBuf, why: String },
    #[error("{0} already exists; refusing to overwrite it")]
    Exists(PathBuf),
    #[error("{0} is read-only (read-only media or no write permission): reading works, changes cannot be saved")]
    ReadOnly(PathBuf),
    #[error("{0}: the disk is full; nothing was written (free some space and try again)")]
    DiskFull(PathBuf),
    #[error("{}", format_import(.errors, *.total))]
    Import { errors: Vec<CellError>, total: usize },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("money: {0}")]
    Money(#[from] MoneyError),
    #[error("rubric: {0}")]
    Rubric(#[from] RubricError),
    #[error("scenario: {0}")]
    Scenario(#[from] ScenarioError),
}

fn format_import(errors: &[CellError], total: usize) -> String {
    let mut s = format!(
        "import rejected: {total} error{} found, nothing was written",
        if total == 1 { "" } else { "s" }
    );
    for e in errors {
        s.push_str("\n  ");
        s.push_str(&e.to_string());
    }
    if total > errors.len() {
        s.push_str(&format!("\n  ... and {} more", total - errors.len()));
    }
    s
}

impl StoreError {
    /// A stable machine code ("locked", "import_invalid", ...).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::TooNew { .. } => "db_too_new",
            StoreError::Locked { .. } => "locked",
            StoreError::NotAPortfolio { .. } => "not_a_portfolio",
            StoreError::Exists(_) => "exists",
            StoreError::ReadOnly(_) => "read_only",
            StoreError::DiskFull(_) => "disk_full",
            StoreError::Import { .. } => "import_invalid",
            StoreError::Invalid(_) => "invalid_input",
            StoreError::NotFound(_) => "not_found",
            StoreError::Conflict(_) => "conflict",
            StoreError::Io { .. } => "io",
            StoreError::Sqlite(_) => "database",
            StoreError::Money(_) => "money",
            StoreError::Rubric(_) => "rubric_invalid",
            StoreError::Scenario(ScenarioError::Conservation(_)) => "internal",
            StoreError::Scenario(_) => "scenario_invalid",
        }
    }

    /// Is this the user's mistake (exit 1) rather than a fault of the program or machine?
    pub fn is_user_error(&self) -> bool {
        !matches!(self.code(), "database" | "internal")
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
