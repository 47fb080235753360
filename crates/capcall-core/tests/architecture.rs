//! Architecture invariants of the core, checked as tests (rust-analyzer's
//! "tidy" idea): the dependency list proves the domain does no IO. The
//! sources are read through the dev-only `capcall-tidy` crate, so no file
//! access is written in core (not even in its tests).

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

/// Roundings that are computation or storage, not display: `(file, the
/// line's code)`. Anything else that rounds belongs in `format.rs`.
const NOT_DISPLAY: &[(&str, &str)] = &[
    // The one documented conversion of measured money to planned cents.
    (
        "crates/capcall-core/src/money.rs",
        "round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)",
    ),
    // A UCR cut to 12 decimals before an integer product (far below a cent).
    ("crates/capcall-core/src/scenario.rs", "u.round_dp(12)"),
    // A FOCUS cost converted at an FX rate, kept at the measured scale.
    ("crates/capcall-store/src/focus.rs", ".round_dp_with_strategy("),
];

/// A display rounding in the source line: a rounding call or a `{:.N}`
/// format precision.
fn rounds(line: &str) -> Option<&'static str> {
    for call in [
        "round_dp(",
        "round_dp_with_strategy(",
        "round_sf(",
        "round_sf_with_strategy(",
        ".round()",
    ] {
        if line.contains(call) {
            return Some(call);
        }
    }
    // A format placeholder with a precision: `{:.1}`, `{x:.2}`, `{:>8.2}`,
    // `{:08.3e}`, `{:.*}`, `{:.prec$}`.
    let mut rest = line;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(escaped) = after.strip_prefix('{') {
            rest = escaped;
            continue;
        }
        let Some(close) = after.find('}') else { break };
        let inner = &after[..close];
        rest = &after[close..];
        if inner.contains(char::is_whitespace) || inner.contains('"') {
            continue; // code in braces, not a placeholder
        }
        let Some((_, spec)) = inner.split_once(':') else {
            continue;
        };
        if let Some(dot) = spec.find('.') {
            let prec = &spec[dot + 1..];
            let named = prec.split_once('$').is_some_and(|(n, _)| !n.is_empty());
            if prec.starts_with(|c: char| c.is_ascii_digit() || c == '*') || named {
                return Some("a format precision {:.N}");
            }
        }
    }
    None
}

#[test]
fn the_rounding_detector_sees_every_precision_form() {
    for line in [
        "format!(\"{:.1}\", x)",
        "format!(\"{x:.2}\")",
        "format!(\"{:>8.2}\", x)",
        "format!(\"{:08.3e}\", x)",
        "format!(\"{:.*}\", 2, x)",
        "format!(\"{:.prec$}\", x)",
        "write!(s, \"{{a}} {:.1}\", x)",
        "x.round_dp(2)",
        "x.round_sf_with_strategy(4, s)",
    ] {
        assert!(rounds(line).is_some(), "missed: {line}");
    }
    for line in [
        "format!(\"{x}\")",
        "format!(\"{:>8}\", x)",
        "format!(\"{:.>8}\", x)",
        "format!(\"{{:.1}}\")",
        "Point { x: y.1 }",
        "format!(\"{:?}\", x)",
        "trimmed(t, 1)",
    ] {
        assert_eq!(rounds(line), None, "false alarm: {line}");
    }
}

/// "Every display rounding rule is written once, in `capcall_core::format`"
/// (ARCHITECTURE.md): the core, the store, the CLI, the exports (slides,
/// paper, CSV, SVG chart coordinates) and the app's commands round nothing
/// for display themselves.
#[test]
fn display_rounding_happens_only_in_format() {
    let mut scanned = 0;
    for dir in [
        "crates/capcall-core/src",
        "crates/capcall-store/src",
        "crates/capcall-cli/src",
        "crates/capcall-export/src",
        "src-tauri",
    ] {
        for file in capcall_tidy::sources(dir) {
            let name = file.path.as_str();
            if name == "crates/capcall-core/src/format.rs" {
                continue;
            }
            scanned += 1;
            for (n, code) in file.code_lines() {
                if code.contains("assert") {
                    continue; // a test's expectation, not output
                }
                if let Some(what) = rounds(code) {
                    let allowed = NOT_DISPLAY.iter().any(|(f, l)| *f == name && code.contains(l));
                    assert!(
                        allowed,
                        "{name}:{n}: rounds on its own ({what}: `{}`); display rounding is written once in \
                         capcall_core::format (add or use a function there)",
                        code.trim()
                    );
                }
            }
        }
    }
    assert!(scanned > 50, "the sources were found ({scanned} files)");
}
