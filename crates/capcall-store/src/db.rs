//! Opening a portfolio file: pragmas, the schema version check, migrations
//! (one transaction, after an online backup), and safe file writes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Result, StoreError};

/// The embedded migrations, in order; migration `i` moves the schema from
/// version `i` to `i + 1` (`PRAGMA user_version`).
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../../../migrations/0001_init.sql")),
    (
        "0002_decisions_audit_plans.sql",
        include_str!("../../../migrations/0002_decisions_audit_plans.sql"),
    ),
    (
        "0003_measured_money.sql",
        include_str!("../../../migrations/0003_measured_money.sql"),
    ),
    (
        "0004_incidents.sql",
        include_str!("../../../migrations/0004_incidents.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if needed) and configures a connection; refuses a
/// database newer than this app before writing anything to it.
pub(crate) fn connect(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    } else if !path.exists() {
        return Err(StoreError::NotFound(format!(
            "{}: no such portfolio (run `capcall init` or `capcall demo`)",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // Reading the header writes nothing; do it before any pragma that could.
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| StoreError::NotAPortfolio {
                path: path.to_path_buf(),
                why: e.to_string(),
            })?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version > 0 {
        let has_meta: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if has_meta.is_none() {
            return Err(StoreError::NotAPortfolio {
                path: path.to_path_buf(),
                why: "it has no Capcall tables".into(),
            });
        }
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Applies pending migrations in one transaction. An existing database with
/// data is first copied with SQLite's online backup to
/// `<db>.backup-v<N>.sqlite`. Returns the backup path if one was made.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<Option<PathBuf>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(None);
    }
    let mut backup = None;
    if version > 0 {
        let dest = sibling(path, &format!(".backup-v{version}.sqlite"));
        online_backup(conn, &dest)?;
        backup = Some(dest);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (name, sql) in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Invalid(format!("migration {name} failed: {e}")))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    crate::rubrics::seed_default(&tx)?;
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('created_by', 'capcall ' || ?1) ON CONFLICT(key) DO NOTHING",
        [env!("CARGO_PKG_VERSION")],
    )?;
    tx.commit()?;
    Ok(backup)
}

/// `<path><suffix>`, e.g. `portfolio.sqlite.lock`.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Copies the live database to `dest` with SQLite's online backup API,
/// through a temp file that is fsynced and renamed into place.
pub fn online_backup(conn: &Connection, dest: &Path) -> Result<()> {
    write_atomically(dest, |tmp| {
        let mut out = Connection::open(tmp)?;
        let backup = rusqlite::backup::Backup::new(conn, &mut out)?;
        backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
        drop(backup);
        out.pragma_update(None, "journal_mode", "DELETE")?;
        drop(out);
        Ok(())
    })
}

/// Writes a file safely: `fill` writes a temp file beside `dest`, which is
/// then fsynced and renamed over `dest`. A symlinked `dest` is refused; on any
/// failure the temp file is removed and `dest` is untouched.
pub fn write_atomically(dest: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(dest) {
        if meta.file_type().is_symlink() {
            return Err(StoreError::Invalid(format!(
                "{}: is a symbolic link; refusing to write through it",
                dest.display()
            )));
        }
    }
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = fill(&tmp).and_then(|_| {
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io(&tmp, e))?;
        std::fs::rename(&tmp, dest).map_err(|e| StoreError::io(dest, e))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes bytes to `dest` safely (see [`write_atomically`]).
pub fn write_file(dest: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(dest, |tmp| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .map_err(|e| StoreError::io(tmp, e))?;
        f.write_all(bytes).map_err(|e| StoreError::io(tmp, e))
    })
}
