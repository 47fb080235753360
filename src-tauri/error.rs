//! The error every command returns: `{code, message}`, typed for the UI.
//! Codes are the store's stable codes plus `no_portfolio` and `busy`.

use capcall_store::StoreError;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError {
            code: code.into(),
            message: message.into(),
        }
    }
    pub fn busy() -> AppError {
        AppError::new("busy", "the portfolio is busy with another operation; try again")
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
