//! `rubric show|set`: the versioned thresholds.

use capcall_core::rubric::RubricSettings;
use capcall_store::{Access, StoreError};
use serde::Serialize;

use super::{open, Result};
use crate::args::{Cli, RubricCommand};
use crate::output::{said, Output, Report, SortedKeys, Text};
use crate::table::Table;

#[derive(Serialize)]
struct Versions {
    versions: Vec<capcall_store::RubricVersion>,
}

impl Report for Versions {
    fn text(&self, t: &mut Text) {
        for v in &self.versions {
            t.line(format!(
                "{} (version {}) by {} at {}{}",
                v.name,
                v.version,
                v.created_by,
                v.created_at,
                if v.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", v.note)
                }
            ));
            let mut tb = Table::new(&["KEY", "VALUE", "RANGE", "MEANING"]);
            tb.right_align(&[1]);
            for (key, value) in v.settings.to_pairs() {
                let &(_, lo, hi, doc) = RubricSettings::KEYS.iter().find(|k| k.0 == key).expect("listed key");
                tb.row(vec![
                    key.into(),
                    value.normalize().to_string(),
                    format!("{lo}..{hi}"),
                    doc.trim().into(),
                ]);
            }
            t.table(&tb);
        }
    }
}

pub(super) fn rubric(cli: &Cli, out: &Output, command: &RubricCommand) -> Result {
    match command {
        RubricCommand::Show { all } => {
            let p = open(cli, Access::Read)?;
            let versions = if *all { p.rubric_versions()? } else { vec![p.rubric()?] };
            out.show(&SortedKeys(Versions { versions }));
        }
        RubricCommand::Set { pairs, note } => {
            if pairs.len() % 2 != 0 {
                return Err(StoreError::Invalid(format!(
                    "rubric set: KEY VALUE pairs expected; '{}' has no value",
                    pairs[pairs.len() - 1]
                )));
            }
            let mut p = open(cli, Access::Write)?;
            let changes: Vec<(String, String)> = pairs.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect();
            let v = p.set_rubric(&changes, note)?;
            out.show(&said(&v, |t| {
                t.line(format!("Wrote rubric version {} ({})", v.version, v.name))
            }));
        }
    }
    Ok(())
}
