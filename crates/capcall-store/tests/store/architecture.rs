//! Architecture invariants of the store, checked as tests (rust-analyzer's
//! "tidy" idea): they read the sources, so breaking a rule fails here with
//! the file and the rule named. The sources are read through the dev-only
//! `capcall-tidy` crate (`Source::code_lines` drops comments: a doc link is
//! not a dependency).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use capcall_tidy::{read, sources, Source};

/// The store's own sources.
fn store_sources() -> Vec<Source> {
    sources("crates/capcall-store/src")
}

/// A source's module name: its file stem (`focus/parquet.rs` -> `parquet`).
fn module_of(s: &Source) -> String {
    Path::new(&s.path).file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn modules_are_private_behind_one_curated_api() {
    let lib = store_sources()
        .into_iter()
        .find(|s| s.path == "crates/capcall-store/src/lib.rs")
        .expect("lib.rs");
    for (n, line) in lib.code_lines() {
        let t = line.trim_start();
        assert!(
            !(t.starts_with("pub mod") || t.starts_with("pub(crate) mod")),
            "crates/capcall-store/src/lib.rs:{n}: `{t}`: modules are private; add the items a shell needs to \
             lib.rs's `pub use` list instead"
        );
    }
    assert!(
        lib.text.lines().filter(|l| l.starts_with("pub use ")).count() >= 10,
        "the curated API is in lib.rs"
    );
    // Shells name `capcall_store::Item`, never a module path.
    for dir in ["crates/capcall-cli/src", "crates/capcall-export/src", "src-tauri"] {
        for file in sources(dir) {
            for (n, line) in file.code_lines() {
                if let Some(at) = line.find("capcall_store::") {
                    let rest = &line[at + "capcall_store::".len()..];
                    let first: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    assert!(
                        !(rest[first.len()..].starts_with("::") && first.chars().all(|c| c.is_lowercase() || c == '_')),
                        "{}:{n}: `capcall_store::{first}::…` names a store module; use the item lib.rs exports",
                        file.path
                    );
                }
            }
        }
    }
}

#[test]
fn the_raw_connection_is_for_the_stores_own_tests_only() {
    let portfolio = read("crates/capcall-store/src/portfolio.rs");
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
    for toml in [
        "Cargo.toml",
        "crates/capcall-cli/Cargo.toml",
        "crates/capcall-export/Cargo.toml",
    ] {
        let text = read(toml);
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
    for file in store_sources() {
        let (name, path) = (module_of(&file), &file.path);
        for (n, line) in file.code_lines() {
            if name != "config" {
                assert!(
                    !line.contains("std::env::") && !line.contains("env::var"),
                    "{path}:{n}: reads the environment; only config.rs does (the shells pass a Context)"
                );
            }
            if name != "context" && name != "config" {
                for clock in ["Utc::now", "Local::now", "SystemTime::now"] {
                    assert!(
                        !line.contains(clock),
                        "{path}:{n}: reads the clock ({clock}); use the Context (self.ctx)"
                    );
                }
            }
        }
    }
}

#[test]
fn one_import_kind() {
    let mut kinds = vec![];
    for dir in ["crates", "src-tauri"] {
        for file in sources(dir) {
            for (n, line) in file.code_lines() {
                let t = line
                    .trim_start()
                    .trim_start_matches("pub ")
                    .trim_start_matches("pub(crate) ");
                if t.starts_with("enum Import") {
                    kinds.push(format!("{}:{n}", file.path));
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

/// Where each `Portfolio` method is defined: method name -> module (an
/// inherent method's name is unique across the crate, so this is exact).
fn portfolio_methods(files: &[Source]) -> BTreeMap<String, String> {
    let mut owner = BTreeMap::new();
    for file in files {
        let m = module_of(file);
        let mut inside = false;
        for (_, line) in file.code_lines() {
            if line.starts_with("impl Portfolio {") {
                inside = true;
            } else if inside && line.starts_with('}') {
                inside = false;
            } else if inside {
                let t = line.trim_start_matches("    ");
                let t = t
                    .strip_prefix("pub(crate) ")
                    .or_else(|| t.strip_prefix("pub "))
                    .unwrap_or(t);
                if let Some(rest) = t.strip_prefix("fn ") {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    owner.insert(name, m.clone());
                }
            }
        }
    }
    owner
}

/// The store's module graph: module -> (dependency -> the first place that
/// makes it one, `file:line: reference`). A module depends on another when
/// it names it (`crate::other`) or calls a `Portfolio` method the other
/// defines (`self.method(` / `Portfolio::method(`): an `impl Portfolio`
/// block spread over modules must not hide a cycle either.
fn module_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let files = store_sources();
    let modules: BTreeSet<String> = files.iter().map(module_of).filter(|m| m != "lib").collect();
    let owner = portfolio_methods(&files);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        let m = module_of(file);
        if m == "lib" {
            continue;
        }
        let name = file.path.trim_start_matches("crates/capcall-store/");
        let deps = graph.entry(m.clone()).or_default();
        let word = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
        for (n, line) in file.code_lines() {
            for part in line.split("crate::").skip(1) {
                let dep = word(part);
                if modules.contains(&dep) && dep != m {
                    deps.entry(dep.clone())
                        .or_insert_with(|| format!("{name}:{n}: crate::{dep}"));
                }
            }
            for call in ["self.", "Portfolio::"] {
                for part in line.split(call).skip(1) {
                    let method = word(part);
                    if !part[method.len()..].starts_with('(') {
                        continue;
                    }
                    if let Some(dep) = owner.get(&method).filter(|d| **d != m) {
                        deps.entry(dep.clone())
                            .or_insert_with(|| format!("{name}:{n}: {call}{method}("));
                    }
                }
            }
        }
    }
    graph
}

/// The cycles of a graph: Tarjan's strongly connected components of two or
/// more modules.
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<BTreeSet<String>> {
    struct T<'g> {
        g: &'g BTreeMap<String, BTreeMap<String, String>>,
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
        let next: Vec<String> = t.g.get(v).map(|d| d.keys().cloned().collect()).unwrap_or_default();
        for w in next {
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
        g: graph,
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

#[test]
fn store_modules_form_a_dag() {
    let graph = module_graph();
    // The graph is read, not assumed: the known edges are there.
    assert!(graph["decisions"].contains_key("portfolio"), "{graph:?}");
    assert!(graph["audit"].contains_key("state"), "{graph:?}");
    assert!(
        graph["scenarios"].contains_key("scoring"),
        "a method call is an edge: {graph:?}"
    );
    let found = cycles(&graph);
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            let edges: Vec<&str> = c
                .iter()
                .flat_map(|m| {
                    graph[m]
                        .iter()
                        .filter(|(d, _)| c.contains(*d))
                        .map(|(_, at)| at.as_str())
                })
                .collect();
            format!("{c:?} (through {})", edges.join("; "))
        })
        .collect();
    assert!(
        found.is_empty(),
        "crates/capcall-store/src: modules depend on each other in a cycle: {}. Make the dependency go one way: \
         `portfolio` owns the connection and context, each area's `impl Portfolio` lives in its own module above \
         it, and row helpers shared by several areas go to the leaf `records`",
        shown.join("; ")
    );
}

/// The bottom of the graph stays at the bottom: `records` (rows of every
/// table) and `audit`/`state` (the trail) need no `Portfolio`, so every
/// area can use them.
#[test]
fn records_and_the_trail_need_no_portfolio() {
    let graph = module_graph();
    for leaf in ["records", "state", "audit", "error", "context", "import", "csv_input"] {
        let mut seen = BTreeSet::new();
        let mut todo = vec![leaf.to_string()];
        while let Some(m) = todo.pop() {
            if seen.insert(m.clone()) {
                todo.extend(graph.get(&m).into_iter().flat_map(|d| d.keys().cloned()));
            }
        }
        assert!(
            !seen.contains("portfolio"),
            "crates/capcall-store/src/{leaf}.rs reaches `portfolio` ({:?}); keep it below every `impl Portfolio` module",
            graph[leaf]
        );
    }
}

/// Every write begins in `db.rs` (`db::write_tx`), the one place that also
/// drops derived data (the cached board) in the writing transaction: a
/// transaction begun anywhere else could change the portfolio and leave a
/// stale board behind.
#[test]
fn every_write_transaction_begins_in_db_rs() {
    let begins = [
        "transaction_with_behavior(",
        ".transaction()",
        ".savepoint()",
        "unchecked_transaction(",
        "\"BEGIN",
    ];
    let mut found = vec![];
    for file in store_sources() {
        if module_of(&file) == "db" {
            continue;
        }
        for (n, line) in file.code_lines() {
            if let Some(b) = begins.iter().find(|b| line.contains(*b)) {
                found.push(format!("{}:{n}: `{b}`", file.path));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a transaction begun outside db.rs (use crate::db::write_tx, which also empties the board cache):\n{}",
        found.join("\n")
    );
}
