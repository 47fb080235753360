//! Versioned rubrics in SQLite. Version 2 is "traffic-light v2", the default;
//! editing a threshold writes a new version, never changes an old one.

use capcall_core::rubric::RubricSettings;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Result, StoreError};

/// The version number of the built-in default rubric.
pub const DEFAULT_VERSION: u32 = 2;

/// A stored rubric version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RubricVersion {
    pub version: u32,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub note: String,
    pub settings: RubricSettings,
}

/// Writes traffic-light v2 if no rubric exists yet (inside the migration).
pub(crate) fn seed_default(conn: &Connection) -> Result<()> {
    let any: Option<i64> = conn
        .query_row("SELECT version FROM rubric_versions LIMIT 1", [], |r| r.get(0))
        .optional()?;
    if any.is_none() {
        insert(
            conn,
            DEFAULT_VERSION,
            "traffic-light v2",
            "capcall",
            "default rubric (PRODUCT.md)",
            &RubricSettings::default(),
            "1970-01-01T00:00:00Z",
        )?;
    }
    Ok(())
}

fn insert(
    conn: &Connection,
    version: u32,
    name: &str,
    by: &str,
    note: &str,
    s: &RubricSettings,
    at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO rubric_versions (version, name, created_at, created_by, note) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![version, name, at, by, note],
    )?;
    let mut stmt = conn.prepare("INSERT INTO rubric_settings (version, key, value) VALUES (?1, ?2, ?3)")?;
    for (k, v) in s.to_pairs() {
        stmt.execute(rusqlite::params![version, k, v.to_string()])?;
    }
    Ok(())
}

/// The latest rubric version (the one scoring uses by default).
pub fn current(conn: &Connection) -> Result<RubricVersion> {
    let v: u32 = conn.query_row("SELECT max(version) FROM rubric_versions", [], |r| r.get(0))?;
    load(conn, v)
}

/// One stored version.
pub fn load(conn: &Connection, version: u32) -> Result<RubricVersion> {
    let head = conn
        .query_row(
            "SELECT name, created_at, created_by, note FROM rubric_versions WHERE version = ?1",
            [version],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no rubric version {version}")))?;
    let mut stmt = conn.prepare("SELECT key, value FROM rubric_settings WHERE version = ?1")?;
    let pairs: Vec<(String, String)> = stmt
        .query_map([version], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let settings = RubricSettings::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(RubricVersion {
        version,
        name: head.0,
        created_at: head.1,
        created_by: head.2,
        note: head.3,
        settings,
    })
}

/// All versions, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<RubricVersion>> {
    // Two queries whatever the number of versions: the heads, then every setting.
    let mut stmt =
        conn.prepare("SELECT version, name, created_at, created_by, note FROM rubric_versions ORDER BY version")?;
    let heads: Vec<(u32, String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare("SELECT version, key, value FROM rubric_settings")?;
    let mut pairs: std::collections::HashMap<u32, Vec<(String, String)>> = std::collections::HashMap::new();
    for row in stmt.query_map([], |r| {
        Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })? {
        let (version, key, value) = row?;
        pairs.entry(version).or_default().push((key, value));
    }
    heads
        .into_iter()
        .map(|(version, name, created_at, created_by, note)| {
            let kv = pairs.remove(&version).unwrap_or_default();
            let settings = RubricSettings::from_pairs(kv.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
            Ok(RubricVersion {
                version,
                name,
                created_at,
                created_by,
                note,
                settings,
            })
        })
        .collect()
}

/// Writes a new version with `changes` applied to the current one.
pub fn set(conn: &Connection, changes: &[(String, String)], by: &str, note: &str, now: &str) -> Result<RubricVersion> {
    let cur = current(conn)?;
    let mut next = cur.settings.clone();
    for (k, v) in changes {
        next.set(k, v)?;
    }
    if next == cur.settings {
        return Err(StoreError::Invalid(
            "no setting changed; no new rubric version written".into(),
        ));
    }
    let version = cur.version + 1;
    insert(
        conn,
        version,
        &format!("traffic-light v{version}"),
        by,
        note,
        &next,
        now,
    )?;
    load(conn, version)
}
