//! Writing the pack as a whole. Every file is written into a temp directory
//! beside the destination (`.capcall-export-<name>.<pid>.<n>.new`), each file
//! and the directories fsynced; then the old pack is renamed aside
//! (`….old`), the new one renamed in, and the old one removed. A reader sees
//! the old pack or the new one, never a mix; a kill -9 at any moment leaves
//! the good pack in place (or, between the two renames, none) and only
//! temp directories with the recognisable prefix, which the next export
//! removes once their process is gone.
//!
//! Replacing a directory is only safe when it is a pack: an existing
//! destination must be empty or hold nothing but pack files (and the old
//! writer's hidden temp files), so `--out ~/Documents` is refused rather than
//! removed; symbolic links are refused, not followed.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use capcall_store::StoreError;

/// The name prefix of every temp directory an export makes.
pub const TEMP_PREFIX: &str = ".capcall-export-";

/// Every file a pack may hold (any subset is a pack).
pub const PACK_FILES: &[&str] = &[
    "exec_scale_readout.md",
    "ucr_trend.svg",
    "decision_log.md",
    "next_90_plan.md",
    "comms/ceo_note.md",
    "comms/elt_bullets.md",
    "comms/customer_stories.md",
    "budgets.csv",
    "plan.json",
    "exec_scale_readout.pdf",
];

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn invalid(msg: String) -> StoreError {
    StoreError::Invalid(msg)
}

/// Writes `files` (relative paths and bytes) as the whole content of `dest`.
pub fn write_pack(dest: &Path, files: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
    let name = dest
        .file_name()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .ok_or_else(|| invalid(format!("{}: name a directory for the pack", dest.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
    let exists = check_destination(dest)?;
    clean_stale(&parent, &name);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stem = format!("{TEMP_PREFIX}{name}.{}.{n}", std::process::id());
    let tmp = parent.join(format!("{stem}.new"));
    if let Err(e) = fill(&tmp, files) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let result = if exists {
        let old = parent.join(format!("{stem}.old"));
        fs::rename(dest, &old)
            .map_err(|e| io(dest, e))
            .and_then(|_| {
                fs::rename(&tmp, dest).map_err(|e| {
                    // Put the good pack back.
                    let _ = fs::rename(&old, dest);
                    io(dest, e)
                })
            })
            .map(|_| {
                let _ = fs::remove_dir_all(&old);
            })
    } else {
        fs::rename(&tmp, dest).map_err(|e| io(dest, e))
    };
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    sync_dir(&parent);
    result
}

/// Is `dest` absent (false) or a pack directory that may be replaced (true)?
fn check_destination(dest: &Path) -> Result<bool, StoreError> {
    let meta = match fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io(dest, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(invalid(format!(
            "{}: is a symbolic link; refusing to write through it",
            dest.display()
        )));
    }
    if !meta.is_dir() {
        return Err(invalid(format!("{}: exists and is not a directory", dest.display())));
    }
    check_pack_dir(dest, "")?;
    Ok(true)
}

fn check_pack_dir(dir: &Path, prefix: &str) -> Result<(), StoreError> {
    for entry in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let path = entry.path();
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type().map_err(|e| io(&path, e))?;
        if kind.is_symlink() {
            return Err(invalid(format!(
                "{}: is a symbolic link; refusing to replace a pack that holds one",
                path.display()
            )));
        }
        let known = PACK_FILES.iter().any(|f| *f == rel) || is_old_temp_file(&rel);
        if kind.is_dir() && rel == "comms" {
            check_pack_dir(&path, "comms/")?;
        } else if !(kind.is_file() && known) {
            return Err(invalid(format!(
                "{}: exists and is not a Capcall board pack ({rel} is not a pack file); \
                 export into a new or empty directory, or the directory of an earlier pack",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// `.budgets.csv.tmp-1234`: a temp file of the per-file writer of earlier versions.
fn is_old_temp_file(rel: &str) -> bool {
    let (dir, file) = rel.rsplit_once('/').map_or(("", rel), |(d, f)| (d, f));
    file.strip_prefix('.')
        .and_then(|f| f.rsplit_once(".tmp-"))
        .is_some_and(|(base, pid)| {
            let full = if dir.is_empty() {
                base.to_string()
            } else {
                format!("{dir}/{base}")
            };
            PACK_FILES.contains(&full.as_str()) && pid.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Writes every file into a new directory `tmp` and fsyncs files and directories.
fn fill(tmp: &Path, files: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
    fs::create_dir(tmp).map_err(|e| io(tmp, e))?;
    let mut dirs = vec![tmp.to_path_buf()];
    for (name, bytes) in files {
        let path = tmp.join(name);
        if let Some(parent) = path.parent() {
            if !parent.exists() {
                fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
                dirs.push(parent.to_path_buf());
            }
        }
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        f.write_all(bytes).map_err(|e| io(&path, e))?;
        f.sync_all().map_err(|e| io(&path, e))?;
    }
    for d in dirs.iter().rev() {
        sync_dir(d);
    }
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes `.capcall-export-<name>.<pid>.<n>.{new,old}` directories in
/// `parent` left by exports whose process is gone (a crash or kill -9).
fn clean_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = stale_pid(&file, name) else {
            continue;
        };
        if pid == me || process_alive(pid, &entry.path()) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir() && !t.is_symlink()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The pid in `.capcall-export-<name>.<pid>.<n>.new|old`, if `file` is one.
fn stale_pid(file: &str, name: &str) -> Option<u32> {
    let rest = file.strip_prefix(TEMP_PREFIX)?.strip_prefix(name)?.strip_prefix('.')?;
    let mut parts = rest.split('.');
    let pid = parts.next()?.parse().ok()?;
    let n = parts.next()?;
    let kind = parts.next()?;
    (n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() && matches!(kind, "new" | "old") && parts.next().is_none())
        .then_some(pid)
}

/// Is the export that made `path` still running? On Linux, by its pid; elsewhere
/// a temp directory younger than an hour is assumed live.
fn process_alive(pid: u32, path: &Path) -> bool {
    if cfg!(target_os = "linux") {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < std::time::Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_recognised_exactly() {
        assert_eq!(stale_pid(".capcall-export-out.123.0.new", "out"), Some(123));
        assert_eq!(stale_pid(".capcall-export-out.123.7.old", "out"), Some(123));
        assert_eq!(stale_pid(".capcall-export-out.v2.123.0.new", "out.v2"), Some(123));
        assert_eq!(stale_pid(".capcall-export-out.123.0.new", "ou"), None);
        assert_eq!(stale_pid(".capcall-export-out.123.0.tmp", "out"), None);
        assert_eq!(stale_pid("out", "out"), None);
        assert!(is_old_temp_file(".budgets.csv.tmp-42"));
        assert!(is_old_temp_file("comms/.ceo_note.md.tmp-42"));
        assert!(!is_old_temp_file(".bashrc.tmp-42"));
        assert!(!is_old_temp_file("notes.txt"));
    }
}
