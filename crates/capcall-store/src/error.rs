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
    /// In a Parquet file: the row group (from 1); `line` is then the row
    /// within it and `column` the column's position in the file's schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_group: Option<u64>,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(group) = self.row_group {
            return write!(
                f,
                "{}: row group {group}, row {}, column {} ({}): {}",
                self.file, self.line, self.column, self.field, self.message
            );
        }
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

/// The stable machine code of an error: what the CLI's `--json` errors and
/// the app's `{code, message}` carry, and what the UI switches on
/// (exhaustively: the TypeScript union is generated from this enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Code {
    DbTooNew,
    Locked,
    NotAPortfolio,
    Exists,
    ReadOnly,
    DiskFull,
    ImportInvalid,
    InvalidInput,
    NotFound,
    Conflict,
    Io,
    Database,
    Money,
    RubricInvalid,
    Internal,
    ScenarioInvalid,
    /// The app has no portfolio open.
    NoPortfolio,
    /// The app's portfolio is busy with another operation.
    Busy,
}

impl Code {
    /// Every code, for the tests that pin them.
    pub const ALL: [Code; 18] = [
        Code::DbTooNew,
        Code::Locked,
        Code::NotAPortfolio,
        Code::Exists,
        Code::ReadOnly,
        Code::DiskFull,
        Code::ImportInvalid,
        Code::InvalidInput,
        Code::NotFound,
        Code::Conflict,
        Code::Io,
        Code::Database,
        Code::Money,
        Code::RubricInvalid,
        Code::Internal,
        Code::ScenarioInvalid,
        Code::NoPortfolio,
        Code::Busy,
    ];

    /// The code as text ("locked", "import_invalid", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::DbTooNew => "db_too_new",
            Code::Locked => "locked",
            Code::NotAPortfolio => "not_a_portfolio",
            Code::Exists => "exists",
            Code::ReadOnly => "read_only",
            Code::DiskFull => "disk_full",
            Code::ImportInvalid => "import_invalid",
            Code::InvalidInput => "invalid_input",
            Code::NotFound => "not_found",
            Code::Conflict => "conflict",
            Code::Io => "io",
            Code::Database => "database",
            Code::Money => "money",
            Code::RubricInvalid => "rubric_invalid",
            Code::Internal => "internal",
            Code::ScenarioInvalid => "scenario_invalid",
            Code::NoPortfolio => "no_portfolio",
            Code::Busy => "busy",
        }
    }

    /// Is this the user's mistake (exit 1) rather than a fault of the program or machine?
    pub fn is_user_error(self) -> bool {
        !matches!(self, Code::Database | Code::Internal)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StoreError {
    /// The stable machine code of this error.
    pub fn code(&self) -> Code {
        match self {
            StoreError::TooNew { .. } => Code::DbTooNew,
            StoreError::Locked { .. } => Code::Locked,
            StoreError::NotAPortfolio { .. } => Code::NotAPortfolio,
            StoreError::Exists(_) => Code::Exists,
            StoreError::ReadOnly(_) => Code::ReadOnly,
            StoreError::DiskFull(_) => Code::DiskFull,
            StoreError::Import { .. } => Code::ImportInvalid,
            StoreError::Invalid(_) => Code::InvalidInput,
            StoreError::NotFound(_) => Code::NotFound,
            StoreError::Conflict(_) => Code::Conflict,
            StoreError::Io { .. } => Code::Io,
            StoreError::Sqlite(_) => Code::Database,
            StoreError::Money(_) => Code::Money,
            StoreError::Rubric(_) => Code::RubricInvalid,
            StoreError::Scenario(ScenarioError::Conservation(_)) => Code::Internal,
            StoreError::Scenario(_) => Code::ScenarioInvalid,
        }
    }

    /// Is this the user's mistake (exit 1) rather than a fault of the program or machine?
    pub fn is_user_error(&self) -> bool {
        self.code().is_user_error()
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
