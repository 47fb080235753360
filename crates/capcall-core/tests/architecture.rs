//! Architecture invariants of the core, checked as tests (rust-analyzer's
//! "tidy" idea): the dependency list proves the domain does no IO.

/// The crates the pure domain may depend on, and nothing else: no SQLite,
/// no Tauri, no filesystem, network or clock crate.
const ALLOWED: &[&str] = &["rust_decimal", "chrono", "serde", "serde_json", "thiserror", "specta"];

fn section<'a>(toml: &'a str, name: &str) -> Vec<&'a str> {
    let mut inside = false;
    let mut keys = vec![];
    for line in toml.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == format!("[{name}]");
            continue;
        }
        if inside && !t.is_empty() && !t.starts_with('#') {
            if let Some((key, _)) = t.split_once('=') {
                keys.push(key.trim().split('.').next().unwrap_or_default());
            }
        }
    }
    keys
}

#[test]
fn core_depends_only_on_allowed_crates() {
    let toml = include_str!("../Cargo.toml");
    let deps = section(toml, "dependencies");
    assert!(!deps.is_empty(), "the [dependencies] section was found");
    for d in &deps {
        assert!(
            ALLOWED.contains(d),
            "capcall-core depends on `{d}`, which is not in the allowed list {ALLOWED:?}: the domain must stay pure \
             (put IO in capcall-store)"
        );
    }
    for t in ["target.", "build-dependencies"] {
        assert!(
            !toml.lines().any(|l| l.trim_start().starts_with('[') && l.contains(t)),
            "capcall-core must not have [{t}...] dependencies"
        );
    }
}

#[test]
fn clippy_forbids_clock_environment_and_filesystem_in_the_core() {
    let clippy = include_str!("../clippy.toml");
    for path in [
        "chrono::Utc::now",
        "std::time::SystemTime::now",
        "std::env::var",
        "std::fs::read_to_string",
        "std::fs::File::open",
    ] {
        assert!(
            clippy.contains(&format!("\"{path}\"")),
            "clippy.toml must disallow {path}"
        );
    }
}
