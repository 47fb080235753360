//! Architecture invariants of the store, checked as tests (rust-analyzer's
//! "tidy" idea): they read the sources, so breaking a rule fails here with
//! the file and the rule named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// Code lines: comments dropped (a doc link is not a dependency).
fn code(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or_default()))
}

#[test]
fn modules_are_private_behind_one_curated_api() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    for (n, line) in code(&lib) {
        let t = line.trim_start();
        assert!(
            !(t.starts_with("pub mod") || t.starts_with("pub(crate) mod")),
            "crates/capcall-store/src/lib.rs:{n}: `{t}`: modules are private; add the items a shell needs to \
             lib.rs's `pub use` list instead"
        );
    }
    assert!(
        lib.lines().filter(|l| l.starts_with("pub use ")).count() >= 10,
        "the curated API is in lib.rs"
    );
    // Shells name `capcall_store::Item`, never a module path.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in ["crates/capcall-cli/src", "crates/capcall-export/src", "src-tauri"] {
        for (file, text) in sources(&root.join(dir)) {
            for (n, line) in code(&text) {
                if let Some(at) = line.find("capcall_store::") {
                    let rest = &line[at + "capcall_store::".len()..];
                    let first: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    assert!(
                        !(rest[first.len()..].starts_with("::") && first.chars().all(|c| c.is_lowercase() || c == '_')),
                        "{}:{n}: `capcall_store::{first}::…` names a store module; use the item lib.rs exports",
                        file.display()
                    );
                }
            }
        }
    }
}

#[test]
fn the_raw_connection_is_for_the_stores_own_tests_only() {
    let portfolio = std::fs::read_to_string(src().join("portfolio.rs")).unwrap();
    let lines: Vec<&str> = portfolio.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("pub fn connection("))
        .expect("Portfolio::connection exists");
    assert_eq!(
        lines[at - 1].trim(),
        "#[cfg(feature = \"testing\")]",
        "crates/capcall-store/src/portfolio.rs:{}: Portfolio::connection must stay behind the `testing` feature",
        at + 1
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for toml in [
        "Cargo.toml",
        "crates/capcall-cli/Cargo.toml",
        "crates/capcall-export/Cargo.toml",
    ] {
        let text = std::fs::read_to_string(root.join(toml)).unwrap();
        assert!(
            !text
                .lines()
                .any(|l| l.contains("capcall-store") && l.contains("\"testing\"")),
            "{toml} turns on capcall-store's `testing` feature: shells never write SQL past the API"
        );
    }
}

#[test]
fn only_config_reads_the_environment_and_only_context_and_config_read_the_clock() {
    for (file, text) in sources(&src()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (n, line) in code(&text) {
            if name != "config.rs" {
                assert!(
                    !line.contains("std::env::") && !line.contains("env::var"),
                    "crates/capcall-store/src/{name}:{n}: reads the environment; only config.rs does (the shells pass \
                     a Context)"
                );
            }
            if name != "context.rs" && name != "config.rs" {
                for clock in ["Utc::now", "Local::now", "SystemTime::now"] {
                    assert!(
                        !line.contains(clock),
                        "crates/capcall-store/src/{name}:{n}: reads the clock ({clock}); use the Context (self.ctx)"
                    );
                }
            }
        }
    }
}

#[test]
fn one_import_kind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut kinds = vec![];
    for dir in ["crates", "src-tauri"] {
        for (file, text) in sources(&root.join(dir)) {
            for (n, line) in code(&text) {
                let t = line
                    .trim_start()
                    .trim_start_matches("pub ")
                    .trim_start_matches("pub(crate) ");
                if t.starts_with("enum Import") {
                    kinds.push(format!("{}:{n}", file.display()));
                }
            }
        }
    }
    assert_eq!(
        kinds.len(),
        1,
        "one import-kind enum (the store's ImportKind), found: {kinds:?}"
    );
    assert!(kinds[0].contains("capcall-store/src/import.rs"), "{kinds:?}");
}

/// The store's module graph (`crate::module` references), and its cycles.
fn module_cycles() -> Vec<BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let files = sources(&src());
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(f, _)| f.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "lib")
        .collect();
    for (file, text) in &files {
        let m = file.file_stem().unwrap().to_string_lossy().into_owned();
        if m == "lib" {
            continue;
        }
        let deps = graph.entry(m.clone()).or_default();
        for (_, line) in code(text) {
            for part in line.split("crate::").skip(1) {
                let dep: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if modules.contains(&dep) && dep != m {
                    deps.insert(dep);
                }
            }
        }
    }
    // Tarjan's strongly connected components; a component of two or more is a cycle.
    struct T<'g> {
        g: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit(t: &mut T<'_>, v: &str) {
        let i = t.index.len();
        t.index.insert(v.into(), i);
        t.low.insert(v.into(), i);
        t.stack.push(v.into());
        for w in t.g.get(v).cloned().unwrap_or_default() {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let l = t.low[&w].min(t.low[v]);
                t.low.insert(v.into(), l);
            } else if t.stack.contains(&w) {
                let l = t.index[&w].min(t.low[v]);
                t.low.insert(v.into(), l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut c = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                c.insert(w.clone());
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                t.out.push(c);
            }
        }
    }
    let mut t = T {
        g: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        out: vec![],
    };
    for v in graph.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

/// The modules still in one cycle (every `impl Portfolio` module needs
/// `portfolio`, and `portfolio` still calls some of them). A ratchet: the
/// list may only shrink; no module may join it and no second cycle may form.
const KNOWN_CYCLE: &[&str] = &[
    "audit",
    "decisions",
    "focus",
    "import",
    "incidents",
    "portfolio",
    "scenarios",
    "state",
];

#[test]
fn no_module_joins_the_known_cycle_and_no_new_cycle_forms() {
    let cycles = module_cycles();
    let known: BTreeSet<String> = KNOWN_CYCLE.iter().map(|s| s.to_string()).collect();
    for c in &cycles {
        assert!(
            c.is_subset(&known),
            "crates/capcall-store/src: modules {c:?} depend on each other in a cycle (beyond the known one \
             {KNOWN_CYCLE:?}); make the dependency go one way"
        );
    }
    assert!(cycles.len() <= 1, "a second cycle: {cycles:?}");
}
