//! `config set|get|list`: the user's settings (not the portfolio's).

use std::collections::BTreeMap;
use std::path::PathBuf;

use capcall_store::{ConfigFile, StoreError};
use serde::Serialize;

use super::Result;
use crate::args::ConfigCommand;
use crate::output::{said, Output, SortedKeys};

pub(super) fn config(out: &Output, command: &ConfigCommand) -> Result {
    let config = ConfigFile::system();
    match command {
        ConfigCommand::Set { key, value } => {
            config.set(key, value)?;
            #[derive(Serialize)]
            struct Set<'a> {
                file: PathBuf,
                key: &'a str,
                value: &'a str,
            }
            let doc = Set {
                file: config.path().to_path_buf(),
                key,
                value,
            };
            out.show(&said(&SortedKeys(&doc), |t| {
                t.line(format!("{key} = {value} (in {})", doc.file.display()))
            }));
        }
        ConfigCommand::Get { key } => {
            let value = config
                .get(key)?
                .ok_or_else(|| StoreError::NotFound(format!("{key} is not set")))?;
            #[derive(Serialize)]
            struct Get<'a> {
                key: &'a str,
                value: &'a str,
            }
            out.show(&said(&SortedKeys(Get { key, value: &value }), |t| t.line(&value)));
        }
        ConfigCommand::List => {
            #[derive(Serialize)]
            struct List {
                file: PathBuf,
                recorded_as: String,
                settings: BTreeMap<String, String>,
            }
            let doc = List {
                file: config.path().to_path_buf(),
                recorded_as: capcall_store::whoami(),
                settings: config.all()?,
            };
            out.show(&said(&SortedKeys(&doc), |t| {
                for (k, v) in &doc.settings {
                    t.line(format!("{k} = {v}"));
                }
                t.line(format!("recorded as: {}", doc.recorded_as));
            }));
        }
    }
    Ok(())
}
