//! [`Portfolio::import`]: one entry point for every [`ImportKind`], each
//! all or nothing, and the one report shape (a FOCUS import summarised as
//! an [`ImportReport`]). The importers themselves are `import` (use cases
//! and observations), `incidents` and `focus`.

use std::path::Path;

use crate::audit;
use crate::error::Result;
use crate::focus::FocusReport;
use crate::import::{self, CsvTable, ImportKind, ImportProgress, ImportReport};
use crate::portfolio::Portfolio;
use crate::records::use_case_snapshots;

impl Portfolio {
    /// Imports one file of any kind, all or nothing. A FOCUS file is imported
    /// with the default options ([`Portfolio::import_focus`] takes several
    /// files and options) and summarised as an [`ImportReport`].
    pub fn import(
        &mut self,
        kind: ImportKind,
        file: &Path,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        match kind {
            ImportKind::UseCases => self.import_table(CsvTable::UseCases, file, progress),
            ImportKind::Observations => self.import_table(CsvTable::Observations, file, progress),
            ImportKind::Incidents => self.import_incidents(file),
            ImportKind::Units => self.import_units(file),
            ImportKind::Focus => {
                let costs = self.import_focus(&[file.to_path_buf()], &Default::default(), progress)?;
                Ok(ImportReport::from(&costs))
            }
        }
    }

    /// `use_cases.csv` or `observations.csv`, all or nothing.
    fn import_table(
        &mut self,
        kind: CsvTable,
        file: &Path,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        self.require_writer()?;
        // The importer resolves every reference itself, inside the same
        // transaction, so SQLite's per-row foreign-key probe is redundant.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        self.conn.pragma_update(None, "cache_size", -65_536)?; // 64 MiB while importing
        let result = (|| {
            let tx = crate::db::write_tx(&mut self.conn)?;
            let before = if kind == CsvTable::UseCases {
                use_case_snapshots(&tx)?
            } else {
                Default::default()
            };
            let report = import::import_csv(&tx, kind, file, progress)?;
            // Budgets and use cases: one audit row per changed use case.
            if kind == CsvTable::UseCases {
                for (id, after) in use_case_snapshots(&tx)? {
                    let old = before.get(&id);
                    if old != Some(&after) {
                        let action = if old.is_some() {
                            "update (import)"
                        } else {
                            "add (import)"
                        };
                        audit::append(
                            &tx,
                            &self.ctx,
                            "use_case",
                            &id,
                            action,
                            old.map(String::as_str),
                            Some(&after),
                        )?;
                    }
                }
            }
            let summary = serde_json::to_string(&report).unwrap_or_default();
            let what = if kind == CsvTable::UseCases {
                "use_cases.csv"
            } else {
                "observations.csv"
            };
            audit::append(&tx, &self.ctx, "import", what, "import", None, Some(&summary))?;
            tx.commit()?;
            Ok(report)
        })();
        self.conn.pragma_update(None, "cache_size", -8_192)?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        result
    }
}

impl From<&FocusReport> for ImportReport {
    /// A FOCUS import in the shape of the other imports: its files, rows read
    /// and cost lines stored.
    fn from(costs: &FocusReport) -> ImportReport {
        ImportReport {
            file: costs
                .files
                .iter()
                .map(|f| f.file.clone())
                .collect::<Vec<_>>()
                .join("; "),
            rows: costs.rows,
            added: costs.lines,
            replaced: 0,
            ignored_columns: vec![],
        }
    }
}
