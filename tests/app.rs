//! The desktop app's integration tests: the committed TypeScript bindings
//! are exactly what the commands generate, and errors cross IPC as a typed
//! `{code, message}` whose JSON is pinned here.

use std::path::PathBuf;

#[test]
fn committed_bindings_are_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings.ts");
    let generated = capcall_app::typescript_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p capcall-app --test app` and commit it"
    );
}

#[test]
fn errors_cross_ipc_as_code_and_message() {
    let e = capcall_app::AppError::from(capcall_store::StoreError::Locked {
        path: "/tmp/p.sqlite".into(),
        holder: "capcall (pid 7, user vp@host) since 2025-09-14T09:00:00Z".into(),
    });
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"code":"locked","message":"/tmp/p.sqlite is open for writing by capcall (pid 7, user vp@host) since 2025-09-14T09:00:00Z; close it there first (or use a copy)"}"#
    );
    let e = capcall_app::AppError::from(capcall_store::StoreError::NotFound("no scenario 'x'".into()));
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"code":"not_found","message":"no scenario 'x'"}"#
    );
}

#[test]
fn money_crosses_ipc_as_a_string() {
    let m = capcall_core::Planned::parse("1,234.5").unwrap();
    assert_eq!(serde_json::to_string(&m).unwrap(), r#""1234.50""#);
    let bindings = capcall_app::typescript_bindings();
    assert!(
        bindings.contains("budget_usd: string"),
        "Planned must be a string in TypeScript"
    );
    assert!(!bindings.contains("budget_usd: number"));
}

/// Every error code is pinned: its JSON is its text, and the generated
/// TypeScript union lists exactly these (the UI switches on it with a
/// `never` check, so adding a code fails the UI's type check until handled).
#[test]
fn error_codes_are_pinned_and_shared_with_the_ui() {
    use capcall_store::Code;
    let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        texts,
        [
            "db_too_new",
            "locked",
            "not_a_portfolio",
            "exists",
            "read_only",
            "disk_full",
            "import_invalid",
            "invalid_input",
            "not_found",
            "conflict",
            "io",
            "database",
            "money",
            "rubric_invalid",
            "internal",
            "scenario_invalid",
            "no_portfolio",
            "busy"
        ]
    );
    for c in Code::ALL {
        assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
    }
    let bindings = capcall_app::typescript_bindings();
    let start = bindings.find("export type Code = ").expect("Code is exported") + "export type Code = ".len();
    let end = bindings[start..]
        .find("\nexport ")
        .map_or(bindings.len(), |e| start + e);
    let mut union = bindings[start..end].to_string();
    while let Some(open) = union.find("/**") {
        let close = open + union[open..].find("*/").unwrap() + 2;
        union.replace_range(open..close, "");
    }
    let listed: Vec<&str> = union
        .split('|')
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(listed, texts);
    assert!(!bindings.contains("@ts-nocheck"), "bindings are type-checked");
}

/// Two Rust types exported under one TypeScript name would shadow each other
/// in the UI; every exported type name is unique.
#[test]
fn exported_type_names_are_unique() {
    let bindings = capcall_app::typescript_bindings();
    let mut seen = std::collections::HashSet::new();
    for line in bindings.lines() {
        if let Some(rest) = line.strip_prefix("export type ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            assert!(seen.insert(name.clone()), "type {name} is exported twice");
        }
    }
    assert!(seen.len() > 20);
}
