//! Opening a portfolio file: pragmas, the schema version check, migrations
//! (one transaction, after an online backup), and safe file writes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Result, StoreError};

/// How long a connection waits for another's lock before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

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
    (
        "0005_frozen_records.sql",
        include_str!("../../../migrations/0005_frozen_records.sql"),
    ),
    ("0006_costs.sql", include_str!("../../../migrations/0006_costs.sql")),
    ("0007_editing.sql", include_str!("../../../migrations/0007_editing.sql")),
    (
        "0008_governance.sql",
        include_str!("../../../migrations/0008_governance.sql"),
    ),
    (
        "0009_board_cache.sql",
        include_str!("../../../migrations/0009_board_cache.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of every Capcall portfolio ("CapC"), so that a
/// file is recognisably Capcall's and any other SQLite file is refused.
pub const APPLICATION_ID: i32 = 0x4361_7043;

/// How a portfolio file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// Never writes: a read-only connection (read-only media work too); an
    /// older schema is migrated in a private in-memory copy, not in the file.
    Read,
    /// May write and migrate an existing Capcall file.
    Write,
    /// Creates a new file (the path must not exist).
    Create,
}

/// What the header and schema say a file is, read without writing.
struct Identity {
    version: i64,
    application_id: i32,
    tables: i64,
    has_capcall_tables: bool,
}

fn identify(conn: &Connection, path: &Path) -> Result<Identity> {
    let not_ours = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotAPortfolio {
            path: path.to_path_buf(),
            why: "it is not an SQLite database".into(),
        },
        _ => classify(path, e),
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_ours)?;
    let application_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(not_ours)?;
    let (tables, capcall): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE name IN ('meta', 'use_cases', 'observations')) \
             FROM sqlite_master WHERE type = 'table'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(not_ours)?;
    Ok(Identity {
        version,
        application_id,
        tables,
        has_capcall_tables: capcall == 3,
    })
}

/// Turns SQLite's "read-only" and "disk full" into errors that say so.
pub(crate) fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly(path.to_path_buf())
        }
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull(path.to_path_buf()),
        _ => StoreError::Sqlite(e),
    }
}

/// Opens and configures a connection after checking, without writing, that
/// the file is a Capcall portfolio this build can read: its application id
/// (or, for files from before it was set, its schema), and its version.
/// Another application's SQLite file is refused byte for byte untouched.
pub(crate) fn connect(path: &Path, mode: OpenMode) -> Result<Connection> {
    if mode != OpenMode::Create && !path.exists() {
        return Err(StoreError::NotFound(format!(
            "{}: no such portfolio (run `capcall init` or `capcall demo`)",
            path.display()
        )));
    }
    let conn = match mode {
        OpenMode::Read => open_read_only(path)?,
        OpenMode::Write | OpenMode::Create => {
            let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            if mode == OpenMode::Create {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
            Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?
        }
    };
    let id = identify(&conn, path)?;
    let foreign = |why: String| StoreError::NotAPortfolio {
        path: path.to_path_buf(),
        why,
    };
    let ours = id.application_id == APPLICATION_ID;
    let legacy = id.application_id == 0 && id.version > 0 && id.has_capcall_tables;
    let empty = id.application_id == 0 && id.version == 0 && id.tables == 0;
    if !(ours || legacy || (empty && mode == OpenMode::Create)) {
        return Err(foreign(
            if id.application_id != 0 && id.application_id != APPLICATION_ID {
                format!(
                    "it belongs to another application (application_id {:#x})",
                    id.application_id
                )
            } else if empty {
                "it is an empty SQLite file; run `capcall init` on a new path".into()
            } else {
                format!(
                    "it has {} tables of another application; nothing was changed",
                    id.tables
                )
            },
        ));
    }
    if id.version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: id.version,
            supported: SCHEMA_VERSION,
        });
    }
    if mode != OpenMode::Read {
        let configure = || -> rusqlite::Result<()> {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            Ok(())
        };
        configure().map_err(|e| classify(path, e))?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// A connection that cannot write. On read-only media a WAL file cannot get
/// its shared-memory index, so the file is then opened as immutable.
fn open_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let uri = |extra: &str| {
        let mut u = String::from("file:");
        for b in path.as_os_str().as_encoded_bytes() {
            match b {
                b'?' | b'#' | b'%' => u.push_str(&format!("%{b:02X}")),
                _ => u.push(*b as char),
            }
        }
        u.push_str("?mode=ro");
        u.push_str(extra);
        u
    };
    let conn = Connection::open_with_flags(uri(""), flags).map_err(|e| classify(path, e))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(conn),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
            ) =>
        {
            drop(conn);
            Connection::open_with_flags(uri("&immutable=1"), flags).map_err(|e| classify(path, e))
        }
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => Err(StoreError::NotAPortfolio {
            path: path.to_path_buf(),
            why: "it is not an SQLite database".into(),
        }),
        Err(e) => Err(classify(path, e)),
    }
}

/// For a reader of an older file: the portfolio copied into memory and
/// migrated there, so reading never writes to the file.
pub(crate) fn migrated_in_memory(file: &Connection) -> Result<Connection> {
    let mut mem = Connection::open_in_memory()?;
    {
        let backup = rusqlite::backup::Backup::new(file, &mut mem)?;
        backup.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
    }
    mem.pragma_update(None, "foreign_keys", "ON")?;
    apply_migrations(&mut mem)?;
    Ok(mem)
}

/// Removes what a crash can leave beside the portfolio: the temp files of
/// atomic writes (`.<name>....tmp-<pid>` and their journals). Called by a
/// writer, which holds the lock, so no other Capcall process is writing them.
pub(crate) fn clean_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix) && n.contains(".tmp-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Applies pending migrations in one transaction. An existing database with
/// data is first copied with SQLite's online backup to
/// `<db>.backup-v<N>.sqlite`. Returns the backup path if one was made.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<Option<PathBuf>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        // A file from before the application id: mark it, once.
        let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app == 0 {
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|e| classify(path, e))?;
        }
        return Ok(None);
    }
    let mut backup = None;
    if version > 0 {
        let dest = sibling(path, &format!(".backup-v{version}.sqlite"));
        online_backup(conn, &dest)?;
        backup = Some(dest);
    }
    apply_migrations(conn).map_err(|e| match e {
        StoreError::Sqlite(e) => classify(path, e),
        e => e,
    })?;
    Ok(backup)
}

/// The pending migrations, the application id and the default rubric, in
/// one transaction.
fn apply_migrations(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (name, sql) in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Invalid(format!("migration {name} failed: {e}")))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    crate::rubrics::seed_default(&tx)?;
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('created_by', 'capcall ' || ?1) ON CONFLICT(key) DO NOTHING",
        [env!("CARGO_PKG_VERSION")],
    )?;
    tx.commit()?;
    Ok(())
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

/// A write transaction for one step: `BEGIN IMMEDIATE` on its own, or a
/// savepoint when a larger transaction is already open (the demo reset), so
/// the step commits or rolls back with it.
pub(crate) enum WriteTx<'c> {
    Top(rusqlite::Transaction<'c>),
    Nested(rusqlite::Savepoint<'c>),
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            WriteTx::Top(t) => t,
            WriteTx::Nested(s) => s,
        }
    }
}

impl WriteTx<'_> {
    pub(crate) fn commit(self) -> Result<()> {
        match self {
            WriteTx::Top(t) => t.commit()?,
            WriteTx::Nested(s) => s.commit()?,
        }
        Ok(())
    }
}

/// Opens the step's write transaction on `conn` (see [`WriteTx`]): the one
/// way the store begins a write, so it is also where derived data (the
/// cached board) is dropped, in the same transaction as the change.
pub(crate) fn write_tx(conn: &mut Connection) -> Result<WriteTx<'_>> {
    let tx = if conn.is_autocommit() {
        WriteTx::Top(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    } else {
        WriteTx::Nested(conn.savepoint()?)
    };
    tx.execute("DELETE FROM board_cache", [])?;
    Ok(tx)
}

/// Begins a write transaction by hand, for a step made of several calls
/// that each open their own `write_tx` (a savepoint inside it); like
/// `write_tx` it empties the cached board. End it with [`end_write`].
pub(crate) fn begin_write(conn: &Connection) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    if let Err(e) = conn.execute("DELETE FROM board_cache", []) {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e.into());
    }
    Ok(())
}

/// Commits what [`begin_write`] began if `result` is a success, else rolls
/// it back; a failed commit is rolled back and is the error.
pub(crate) fn end_write<T>(conn: &Connection, result: Result<T>) -> Result<T> {
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    match (result, conn.execute_batch(end)) {
        (Ok(_), Err(e)) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e.into())
        }
        (result, _) => result,
    }
}

/// Runs `read` in one read transaction (one snapshot of the file), then
/// `keep` with its result in the same transaction, committed only if no
/// other connection wrote since the snapshot (SQLite refuses to turn a
/// stale snapshot into a write). `keep` saves derived data; its failure
/// is not the caller's: the result of `read` is returned either way.
///
/// With `hold`, the write lock is taken first when it is free (it is not
/// waited for): then nothing can be committed while `read` runs, a second
/// connection sees the same snapshot, and `read` is told so (`true`).
pub(crate) fn read_then_keep<T>(
    conn: &Connection,
    hold: bool,
    read: impl FnOnce(&Connection, bool) -> Result<T>,
    keep: impl FnOnce(&Connection, &T) -> Result<()>,
) -> Result<T> {
    if !conn.is_autocommit() {
        return read(conn, false);
    }
    let held = hold && {
        let _ = conn.busy_timeout(std::time::Duration::ZERO);
        let begun = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
        let _ = conn.busy_timeout(BUSY_TIMEOUT);
        begun
    };
    if !held {
        conn.execute_batch("BEGIN DEFERRED")?;
    }
    let value = match read(conn, held) {
        Ok(v) => v,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    };
    if keep(conn, &value)
        .and_then(|()| Ok(conn.execute_batch("COMMIT")?))
        .is_err()
    {
        let _ = conn.execute_batch("ROLLBACK");
    }
    Ok(value)
}

/// A second, read-only connection to `path` for reading alongside the
/// portfolio's own (never the immutable fallback: it would ignore the WAL).
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}
