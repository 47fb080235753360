//! The audit trail: every change to use cases, budgets, rubrics, scenarios,
//! decisions and plans is appended (who, when, what, before/after) to a
//! SHA-256 hash chain. `verify` recomputes the chain and names the first row
//! that was edited, deleted or inserted out of order; the head (last seq and
//! hash) is kept in `meta` so deleting the newest rows is caught too.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::error::Result;

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
    /// Why, as the user typed it (edits, corrections, undo/redo); `None`
    /// for changes that carry no reason (imports, workflow moves).
    pub reason: Option<String>,
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
    reason: Option<&str>,
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
    // A reason (migration 0007) is hashed only when present, so every row
    // written before it hashes exactly as it did.
    if let Some(reason) = reason {
        h.update((reason.len() as u64).to_le_bytes());
        h.update(reason.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends one change. Call inside the transaction that makes the change.
pub fn append(
    conn: &Connection,
    ctx: &Context,
    entity: &str,
    id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    append_with_reason(conn, ctx, entity, id, action, before, after, None).map(|_| ())
}

/// Appends one change with the reason the user gave for it. Call inside the
/// transaction that makes the change; returns the row's `seq`.
#[allow(clippy::too_many_arguments)] // one audit row's fields
pub fn append_with_reason(
    conn: &Connection,
    ctx: &Context,
    entity: &str,
    id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
    reason: Option<&str>,
) -> Result<i64> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let (at, who) = (ctx.now(), ctx.actor());
    let hash = digest(&prev, seq, &at, who, entity, id, action, before, after, reason);
    conn.execute(
        "INSERT INTO audit (seq, at, who, entity, entity_id, action, before, after, prev_hash, hash, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![seq, at, who, entity, id, action, before, after, prev, hash, reason],
    )?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [format!("{seq}:{hash}")],
    )?;
    Ok(seq)
}

/// The trail's digest: its length and the hash of its last row. Kept outside
/// the file (printed by `audit verify`, written into every board pack), it
/// proves later that the trail still extends it: nothing was rewritten or
/// wiped since, even by someone who can write the file and recompute the
/// (unkeyed) chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditDigest {
    pub length: i64,
    pub head: String,
}

impl std::fmt::Display for AuditDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.length, self.head)
    }
}

impl std::str::FromStr for AuditDigest {
    type Err = String;
    /// `LENGTH:HEAD`, as printed.
    fn from_str(s: &str) -> std::result::Result<AuditDigest, String> {
        let (n, h) = s.trim().split_once(':').ok_or("expected LENGTH:HASH")?;
        let length = n.parse().map_err(|_| format!("'{n}' is not a length"))?;
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("'{h}' is not a SHA-256 hash"));
        }
        Ok(AuditDigest {
            length,
            head: h.to_ascii_lowercase(),
        })
    }
}

/// The current digest of the trail.
pub fn digest_of(conn: &Connection) -> Result<AuditDigest> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (length, head) = last.unwrap_or((0, GENESIS.to_string()));
    Ok(AuditDigest { length, head })
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
    /// The trail's digest, to keep outside the file.
    pub digest: AuditDigest,
    /// Stored records that differ from what the trail says they are
    /// (direct edits of the file), each named.
    pub mismatches: Vec<String>,
}

/// Checks the chain end to end, then that the stored records are what the
/// trail says they are, and (when given) that the trail extends `against`.
pub fn verify_full(conn: &Connection, against: Option<&AuditDigest>) -> Result<Verification> {
    let mut v = verify(conn)?;
    v.digest = digest_of(conn)?;
    if !v.ok {
        return Ok(v);
    }
    if let Some(d) = against {
        let at: Option<String> = conn
            .query_row("SELECT hash FROM audit WHERE seq = ?1", [d.length], |r| r.get(0))
            .optional()?;
        let problem = match at {
            _ if d.length == 0 => None,
            None => Some(format!(
                "the trail has {} rows but the digest {d} records {}: rows were deleted or the trail was wiped since",
                v.rows, d.length
            )),
            Some(h) if h != d.head => Some(format!(
                "audit row {} is not the one the digest {d} records: the trail was rewritten since",
                d.length
            )),
            Some(_) => None,
        };
        if let Some(p) = problem {
            v.ok = false;
            v.problem = Some(p);
            return Ok(v);
        }
    }
    v.mismatches = state_mismatches(conn)?;
    if !v.mismatches.is_empty() {
        v.ok = false;
        v.problem = Some(format!(
            "{} stored record{} differ from the audit trail: {}",
            v.mismatches.len(),
            if v.mismatches.len() == 1 { "" } else { "s" },
            v.mismatches.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(v)
}

/// Entities whose audit rows carry their full state after each change.
const SNAPSHOT_ENTITIES: [&str; 3] = ["use_case", "decision", "incident"];

/// Replays the trail to the state it records for every use case, decision
/// and incident, and names each stored record that differs: edited, added
/// or deleted outside Capcall (or a trail wiped under existing records).
fn state_mismatches(conn: &Connection) -> Result<Vec<String>> {
    use std::collections::BTreeMap;
    let mut expected: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT entity, entity_id, action, after FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (entity, id, action, after): (String, String, String, Option<String>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        if entity == "portfolio" && id == "demo" {
            // A demo reset replaces every use case and incident.
            expected.retain(|(e, _), _| e != "use_case" && e != "incident");
        } else if SNAPSHOT_ENTITIES.contains(&entity.as_str()) {
            let deleted = action.starts_with("delete") || action.starts_with("remove");
            expected.insert((entity, id), if deleted { None } else { after });
        }
    }
    let actual = crate::state::snapshots(conn)?;
    let mut out = vec![];
    for ((entity, id), want) in &expected {
        match (want, actual.get(&(entity.clone(), id.clone()))) {
            (Some(w), Some(a)) if !crate::state::same(entity, w, a) => out.push(format!(
                "{entity} {id} was changed outside Capcall (it differs from its last audited state)"
            )),
            (Some(_), None) => out.push(format!("{entity} {id} was deleted outside Capcall")),
            (None, Some(_)) => out.push(format!("{entity} {id} exists but the trail records it deleted")),
            _ => {}
        }
    }
    for (entity, id) in actual.keys() {
        if !expected.contains_key(&(entity.clone(), id.clone())) {
            out.push(format!(
                "{entity} {id} has no audit record (added outside Capcall, or the trail was wiped)"
            ));
        }
    }
    Ok(out)
}

pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, who, entity, entity_id, action, before, after, prev_hash, hash, reason FROM audit ORDER BY seq",
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
        digest: AuditDigest {
            length: 0,
            head: GENESIS.into(),
        },
        mismatches: vec![],
    };
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (at, who, entity, id, action): (String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let (before, after): (Option<String>, Option<String>) = (r.get(6)?, r.get(7)?);
        let (prev_hash, hash): (String, String) = (r.get(8)?, r.get(9)?);
        let reason: Option<String> = r.get(10)?;
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
            reason.as_deref(),
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
        digest: AuditDigest {
            length: last,
            head: prev,
        },
        mismatches: vec![],
    })
}

/// Audit rows for one entity (or all), newest first.
pub fn history(conn: &Connection, entity: Option<&str>, id: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, who, entity, entity_id, action, before, after, hash, reason FROM audit \
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
            reason: r.get(9)?,
            hash: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
