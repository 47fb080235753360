//! The user's Capcall settings (`capcall config set user.name "Ana Ruiz"`),
//! one small JSON file in the user's config directory, shared by the CLI and
//! the app. Portfolio data never lives here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// This process's program name (shown to a second writer as the lock's holder).
pub(crate) fn program_name() -> String {
    std::env::args()
        .next()
        .and_then(|a| Path::new(&a).file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "capcall".into())
}

/// The default portfolio file: `$CAPCALL_DB`, else
/// `$XDG_DATA_HOME/capcall/portfolio.sqlite`, else
/// `~/.local/share/capcall/portfolio.sqlite`. Shared by the CLI and the app.
pub fn default_portfolio_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CAPCALL_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("capcall").join("portfolio.sqlite")
}

/// Settings a user can set, with what each means.
pub const KEYS: &[(&str, &str)] = &[("user.name", "your name, recorded on approvals and in the audit trail")];

/// `$CAPCALL_CONFIG`, else `$XDG_CONFIG_HOME/capcall/config.json`, else
/// `~/.config/capcall/config.json`.
fn path() -> PathBuf {
    if let Some(p) = std::env::var_os("CAPCALL_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("capcall")
        .join("config.json")
}

/// One settings file.
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    /// The settings file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> ConfigFile {
        ConfigFile { path: path.into() }
    }

    /// The user's settings file: `$CAPCALL_CONFIG`, else
    /// `$XDG_CONFIG_HOME/capcall/config.json`, else `~/.config/capcall/config.json`.
    pub fn system() -> ConfigFile {
        ConfigFile::at(path())
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every setting; an absent file is no settings, a corrupt one an error.
    pub fn all(&self) -> Result<BTreeMap<String, String>> {
        let p = &self.path;
        match std::fs::read_to_string(p) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| StoreError::Invalid(format!("{}: not a Capcall config file: {e}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(StoreError::io(p, e)),
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.all()?.remove(key))
    }

    /// Sets a known key (an empty value removes it), written atomically.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        if !KEYS.iter().any(|(k, _)| *k == key) {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            return Err(StoreError::Invalid(format!(
                "unknown setting '{key}' (known: {})",
                known.join(", ")
            )));
        }
        let value = value.trim();
        if value.chars().any(char::is_control) || value.len() > 200 {
            return Err(StoreError::Invalid(format!(
                "{key}: one line of at most 200 characters, without control characters"
            )));
        }
        let mut map = self.all()?;
        if value.is_empty() {
            map.remove(key);
        } else {
            map.insert(key.to_string(), value.to_string());
        }
        let p = &self.path;
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        let text = serde_json::to_string_pretty(&map).unwrap_or_default();
        crate::db::write_file(p, text.as_bytes())
    }

    /// The configured `user.name`, else the operating system's account for
    /// this process (read from the system's user database, not from `$USER`),
    /// else its numeric id. Never "unknown".
    pub fn identity(&self) -> String {
        if let Ok(Some(name)) = self.get("user.name") {
            return name;
        }
        os_account()
    }
}

/// The context the shells pass to the store, from the system: the actor is
/// [`whoami`]; `$CAPCALL_NOW` (RFC 3339) pins the clock for reproducible runs
/// and scripted tests of the shells, else the system clock.
pub fn system_context() -> crate::context::Context {
    use crate::context::Context;
    match std::env::var("CAPCALL_NOW")
        .ok()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
    {
        Some(at) => Context::fixed(at.naive_utc(), whoami()),
        None => Context::system_clock(whoami()),
    }
}

/// Who is acting: `$CAPCALL_USER` (scripts and the shells' tests), else
/// [`ConfigFile::identity`] of the user's settings file.
pub fn whoami() -> String {
    if let Some(u) = std::env::var("CAPCALL_USER").ok().filter(|u| !u.trim().is_empty()) {
        return u;
    }
    ConfigFile::system().identity()
}

#[cfg(unix)]
fn os_account() -> String {
    // SAFETY: getpwuid_r writes into our buffer and the passwd struct, both
    // living for the whole call; the name pointer is read before they drop.
    unsafe {
        let uid = libc::geteuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut out);
        if rc == 0 && !out.is_null() && !pwd.pw_name.is_null() {
            let name = std::ffi::CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned();
            if !name.is_empty() {
                return name;
            }
        }
        format!("uid {uid}")
    }
}

#[cfg(not(unix))]
fn os_account() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "local user".into())
}
