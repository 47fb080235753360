//! The current state of the records the audit trail snapshots (use cases,
//! decisions, incidents), serialised exactly as the trail records them, so
//! `audit verify` can replay the trail and name every record that differs.

use std::collections::BTreeMap;

use rusqlite::Connection;

use crate::error::Result;

/// `(entity, id) -> snapshot JSON` for every stored use case, decision and
/// incident.
pub(crate) fn snapshots(conn: &Connection) -> Result<BTreeMap<(String, String), String>> {
    let mut out = BTreeMap::new();
    for (id, json) in crate::records::use_case_snapshots(conn)? {
        out.insert(("use_case".to_string(), id), json);
    }
    for d in crate::records::decisions(conn)? {
        out.insert(
            ("decision".to_string(), d.id.clone()),
            serde_json::to_string(&d).unwrap_or_default(),
        );
    }
    for (id, i) in crate::records::incidents(conn)? {
        out.insert(
            ("incident".to_string(), id),
            serde_json::to_string(&i).unwrap_or_default(),
        );
    }
    Ok(out)
}

/// Do two snapshots of an entity say the same thing? Compared as JSON
/// values, so key order and number spelling do not matter.
pub(crate) fn same(_entity: &str, recorded: &str, current: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(recorded),
        serde_json::from_str::<serde_json::Value>(current),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => recorded == current,
    }
}
