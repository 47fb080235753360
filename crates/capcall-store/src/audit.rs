//! The audit trail: every change to use cases, budgets, rubrics, scenarios,
//! decisions and plans is appended (who, when, what, before/after) to a
//! SHA-256 hash chain. `verify` recomputes the chain and names the first row
//! that was edited, deleted or inserted out of order; the head (last seq and
//! hash) is kept in `meta` so deleting the newest rows is caught too.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::lock::whoami;
use crate::portfolio::now;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub who: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub hash: String,
}

#[allow(clippy::too_many_arguments)]
fn digest(
    prev: &str,
    seq: i64,
    at: &str,
    who: &str,
    entity: &str,
    id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        who,
        entity,
        id,
        action,
        before.unwrap_or("\u{0}"),
        after.unwrap_or("\u{0}"),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends one change. Call inside the transaction that makes the change.
pub fn append(
    conn: &Connection,
    entity: &str,
    id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let (at, who) = (now(), whoami());
    let hash = digest(&prev, seq, &at, &who, entity, id, action, before, after);
    conn.execute(
        "INSERT INTO audit (seq, at, who, entity, entity_id, action, before, after, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![seq, at, who, entity, id, action, before, after, prev, hash],
    )?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [format!("{seq}:{hash}")],
    )?;
    Ok(())
}

/// The result of checking the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Verification {
    pub ok: bool,
    pub rows: i64,
    /// What is wrong, naming the row, when not ok.
    pub problem: Option<String>,
    pub bad_seq: Option<i64>,
}

pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, who, entity, entity_id, action, before, after, prev_hash, hash FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut n = 0i64;
    let fail = |seq: i64, n: i64, problem: String| Verification {
        ok: false,
        rows: n,
        problem: Some(problem),
        bad_seq: Some(seq),
    };
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (at, who, entity, id, action): (String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let (before, after): (Option<String>, Option<String>) = (r.get(6)?, r.get(7)?);
        let (prev_hash, hash): (String, String) = (r.get(8)?, r.get(9)?);
        n += 1;
        if seq != expected_seq {
            return Ok(fail(
                expected_seq,
                n,
                format!("audit row {expected_seq} is missing (deleted); the next row is {seq}"),
            ));
        }
        if prev_hash != prev {
            return Ok(fail(
                seq,
                n,
                format!("audit row {seq} does not follow row {}: the chain was broken", seq - 1),
            ));
        }
        if digest(
            &prev,
            seq,
            &at,
            &who,
            &entity,
            &id,
            &action,
            before.as_deref(),
            after.as_deref(),
        ) != hash
        {
            return Ok(fail(seq, n, format!("audit row {seq} ({entity} {id} {action} at {at}) was edited: its content no longer matches its hash")));
        }
        prev = hash;
        expected_seq += 1;
    }
    let head: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'audit_head'", [], |r| r.get(0))
        .optional()?;
    let last = expected_seq - 1;
    match head {
        Some(h) if h != format!("{last}:{prev}") => {
            let recorded = h.split(':').next().unwrap_or("?").to_string();
            return Ok(fail(
                last + 1,
                n,
                format!("the newest audit rows after row {last} were deleted (the head records row {recorded})"),
            ));
        }
        None if n > 0 => return Ok(fail(0, n, "the audit head record is missing".into())),
        _ => {}
    }
    Ok(Verification {
        ok: true,
        rows: n,
        problem: None,
        bad_seq: None,
    })
}

/// Audit rows for one entity (or all), newest first.
pub fn history(conn: &Connection, entity: Option<&str>, id: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, who, entity, entity_id, action, before, after, hash FROM audit \
         WHERE (?1 IS NULL OR entity = ?1) AND (?2 IS NULL OR entity_id = ?2) ORDER BY seq DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![entity, id, limit], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            who: r.get(2)?,
            entity: r.get(3)?,
            entity_id: r.get(4)?,
            action: r.get(5)?,
            before: r.get(6)?,
            after: r.get(7)?,
            hash: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
