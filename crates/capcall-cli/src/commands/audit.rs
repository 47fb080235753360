//! `audit verify|log`: the hash-chained audit trail.

use std::path::Path;

use capcall_store::AuditDigest;
use capcall_store::{Access, StoreError};
use serde::Serialize;

use super::{open, Result};
use crate::args::{AuditCommand, Cli};
use crate::output::{said, Output, Report, SortedKeys, Text};
use crate::table::Table;

pub(super) fn audit(cli: &Cli, out: &Output, command: &AuditCommand) -> Result {
    let p = open(cli, Access::Read)?;
    match command {
        AuditCommand::Verify { against } => {
            let digest = against.as_deref().map(read_digest).transpose()?;
            let v = p.audit_verify(digest.as_ref())?;
            // A broken trail: the JSON document still shows what was checked;
            // people read the error.
            out.show(&said(&v, |t| {
                if v.ok {
                    t.line(format!(
                        "audit trail intact: {} rows, hash chain verified, stored records match it",
                        v.rows
                    ));
                    if let Some(d) = &digest {
                        t.line(format!("it extends the digest {d}"));
                    }
                    t.line(format!("digest: {}", v.digest));
                }
            }));
            if !v.ok {
                let mut msg = format!("audit trail broken: {}", v.problem.clone().unwrap_or_default());
                for m in v.mismatches.iter().skip(5) {
                    msg.push_str(&format!("\n  {m}"));
                }
                return Err(StoreError::Invalid(msg));
            }
        }
        AuditCommand::Log { limit } => {
            let audit = p.audit_history(None, None, *limit)?;
            out.show(&SortedKeys(Log { audit }));
        }
    }
    Ok(())
}

/// `audit log`'s answer.
#[derive(Serialize)]
struct Log {
    audit: Vec<capcall_store::AuditEntry>,
}

impl Report for Log {
    fn text(&self, t: &mut Text) {
        let mut tb = Table::new(&["SEQ", "AT", "WHO", "ENTITY", "ID", "ACTION", "REASON"]);
        for r in &self.audit {
            tb.row(vec![
                r.seq.to_string(),
                r.at.clone(),
                r.who.clone(),
                r.entity.clone(),
                r.entity_id.clone(),
                r.action.clone(),
                r.reason.clone().unwrap_or_default(),
            ]);
        }
        t.table(&tb);
    }
}

/// A digest given as `LENGTH:HASH`, or read from a board pack's plan.json.
fn read_digest(arg: &Path) -> Result<AuditDigest> {
    if let Ok(d) = arg.to_string_lossy().parse() {
        if !arg.exists() {
            return Ok(d);
        }
    }
    let bad = |why: String| StoreError::Invalid(format!("--against {}: {why}", arg.display()));
    let text = std::fs::read_to_string(arg).map_err(|e| bad(e.to_string()))?;
    if let Ok(d) = text.trim().parse() {
        return Ok(d);
    }
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a plan.json or a digest: {e}")))?;
    let d = v
        .get("audit_digest")
        .ok_or_else(|| bad("has no audit_digest (exported before Capcall recorded one)".into()))?;
    serde_json::from_value(d.clone()).map_err(|e| bad(format!("audit_digest: {e}")))
}
