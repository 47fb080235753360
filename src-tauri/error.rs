//! The error every command returns: `{code, message}`, typed for the UI.
//! Codes are the store's [`Code`] enum (which includes the app's own
//! `no_portfolio` and `busy`), so the UI's switch over them is exhaustive.

use capcall_store::{Code, StoreError};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct AppError {
    pub code: Code,
    pub message: String,
}

impl AppError {
    pub fn new(code: Code, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }
    pub fn busy() -> AppError {
        AppError::new(Code::Busy, "the portfolio is busy with another operation; try again")
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<capcall_core::scenario::ScenarioError> for AppError {
    fn from(e: capcall_core::scenario::ScenarioError) -> AppError {
        StoreError::from(e).into()
    }
}
