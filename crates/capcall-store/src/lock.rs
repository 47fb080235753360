//! The single-writer lock of a portfolio file.
//!
//! A lock file beside the database (`<db>.lock`) is held with an OS advisory
//! lock (`flock`) for as long as a writer has the portfolio open; the file
//! names the holder. The OS drops the lock when the process dies, so a crash
//! never leaves a stale lock: the next writer simply takes it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// Held while a process may write the portfolio; released on drop.
#[derive(Debug)]
pub struct WriterLock {
    file: File,
}

impl WriterLock {
    /// Takes the writer lock of `db`, or says who holds it.
    pub fn acquire(db: &Path, program: &str, ctx: &crate::context::Context) -> Result<WriterLock> {
        let path = lock_path(db);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::Locked {
                    path: db.to_path_buf(),
                    holder: if holder.is_empty() {
                        "another process".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(StoreError::io(&path, e)),
        }
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        let since = ctx.now();
        let info = format!(
            "{program} (pid {}, user {}{}{}) since {since}\n",
            std::process::id(),
            ctx.actor(),
            if host.is_empty() { "" } else { "@" },
            host
        );
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(info.as_bytes()))
            .map_err(|e| StoreError::io(&path, e))?;
        Ok(WriterLock { file })
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

pub fn lock_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}
