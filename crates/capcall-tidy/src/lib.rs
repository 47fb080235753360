//! The architecture tests' one way to read the workspace's sources
//! (rust-analyzer's `xtask tidy` idea). A dev-dependency only: the crates'
//! tests read files through it, so the pure core keeps no IO of its own and
//! no test walks a directory by hand.

use std::path::{Path, PathBuf};

/// The workspace root (the directory of the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| here.to_path_buf())
}

/// A source file: its path relative to the workspace root (`/`-separated,
/// as shown in a failure: `crates/capcall-export/src/render.rs`) and text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    pub path: String,
    pub text: String,
}

impl Source {
    /// The code of each line, numbered from 1, with `//` comments dropped
    /// (a doc link or a remark is not code).
    pub fn code_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or_default()))
    }
}

/// The text of one file, by its path relative to the workspace root
/// (`crates/capcall-store/src/lib.rs`, `Cargo.toml`); panics naming it.
pub fn read(path: &str) -> String {
    let p = workspace_root().join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `.rs` file under `dir` (relative to the workspace root), nested
/// directories included, in path order. Panics naming the directory when
/// it cannot be read: a tidy test must not pass by reading nothing.
pub fn sources(dir: &str) -> Vec<Source> {
    let root = workspace_root();
    let mut files = vec![];
    walk(&root.join(dir), &mut files);
    let mut out: Vec<Source> = files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let rel = p.strip_prefix(&root).unwrap_or(&p);
            let path = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Source { path, text }
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_sources_relative_to_the_root_in_order() {
        let store = sources("crates/capcall-store/src");
        let paths: Vec<&str> = store.iter().map(|s| s.path.as_str()).collect();
        assert!(paths.contains(&"crates/capcall-store/src/lib.rs"), "{paths:?}");
        assert!(
            paths.iter().any(|p| p.starts_with("crates/capcall-store/src/focus/")),
            "nested modules are read: {paths:?}"
        );
        assert!(paths.windows(2).all(|w| w[0] < w[1]), "sorted");
        assert!(paths.iter().all(|p| p.ends_with(".rs")));
        let me = sources("crates/capcall-tidy/src");
        assert_eq!(me.len(), 1);
        let code: Vec<(usize, &str)> = me[0].code_lines().take(1).collect();
        assert_eq!(code, vec![(1, "")], "a comment line has no code");
        assert_eq!(read("crates/capcall-tidy/src/lib.rs"), me[0].text);
    }

    /// Tidy is for tests: no crate of the workspace may take it as a
    /// normal or build dependency.
    #[test]
    fn tidy_is_only_ever_a_dev_dependency() {
        let mut manifests = vec!["Cargo.toml".to_string()];
        for e in std::fs::read_dir(workspace_root().join("crates")).unwrap() {
            let dir = e.unwrap().file_name().to_string_lossy().into_owned();
            manifests.push(format!("crates/{dir}/Cargo.toml"));
        }
        let mut seen = 0;
        for m in &manifests {
            let mut section = String::new();
            for (n, line) in read(m).lines().enumerate() {
                let t = line.trim();
                if t.starts_with('[') {
                    section = t.to_string();
                } else if t.starts_with("capcall-tidy") {
                    seen += 1;
                    assert!(
                        section == "[dev-dependencies]" || (m == "Cargo.toml" && section == "[workspace.dependencies]"),
                        "{m}:{}: capcall-tidy under {section}: it is a dev-dependency only",
                        n + 1
                    );
                }
            }
        }
        assert!(seen >= 3, "the manifests were read ({seen} mentions)");
    }

    #[test]
    #[should_panic(expected = "no-such-dir")]
    fn a_missing_directory_is_an_error_not_an_empty_list() {
        sources("no-such-dir");
    }
}
