//! Architecture invariants of the CLI, checked by reading its sources: every
//! answer goes through `output.rs` (one `Report` per command, table or JSON
//! chosen in one place), and the grammar lives in `args.rs`.

use capcall_tidy::{read, sources};

/// `(path, text)` of every command module (through the dev-only
/// `capcall-tidy` crate).
fn commands() -> Vec<(String, String)> {
    let out: Vec<(String, String)> = sources("crates/capcall-cli/src/commands")
        .into_iter()
        .map(|s| (s.path, s.text))
        .collect();
    assert!(out.len() >= 8, "one module per command group");
    out
}

#[test]
fn commands_never_choose_between_table_and_json_nor_print_themselves() {
    for (file, text) in commands() {
        for (i, line) in text.lines().enumerate() {
            // Warnings on stderr are fine; answers are not printed here.
            let code = line.split("//").next().unwrap_or_default().replace("eprintln!", "");
            for banned in ["cli.json", ".json {", "print_json", "println!", "print!(", "stdout()"] {
                assert!(
                    !code.contains(banned),
                    "{file}:{}: `{banned}`: a command hands its answer to `out.show(..)` (output.rs renders it as a \
                     table or JSON)",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn the_grammar_is_in_args_rs_only() {
    for (file, text) in commands() {
        for (i, line) in text.lines().enumerate() {
            for banned in ["#[derive(Parser", "#[derive(Subcommand", "#[arg(", "#[command("] {
                assert!(
                    !line.contains(banned),
                    "{file}:{}: `{banned}`: argument definitions live in crates/capcall-cli/src/args.rs",
                    i + 1
                );
            }
        }
    }
    let main = read("crates/capcall-cli/src/main.rs");
    assert!(
        main.lines().count() < 60,
        "main.rs only wires args, commands and output"
    );
}

/// One enum per concept: a closed set of argument values (import kind, cost
/// column, cost grouping, UCR granularity, scenario policy) is the library's
/// own enum, parsed by clap through the store's `clap` feature or the core's
/// names, never a CLI copy mapped by hand.
#[test]
fn argument_values_are_the_librarys_enums() {
    let files: Vec<(String, String)> = sources("crates/capcall-cli/src")
        .into_iter()
        .map(|s| (s.path, s.text))
        .collect();
    for (file, text) in &files {
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            assert!(
                !code.contains("ValueEnum"),
                "{file}:{}: a CLI `ValueEnum`: use the store's or core's enum for the value (derive \
                 `clap::ValueEnum` behind capcall-store's `clap` feature)",
                i + 1
            );
        }
    }
    let args = &files.iter().find(|(f, _)| f.ends_with("args.rs")).unwrap().1;
    for used in ["ImportKind", "CostColumn", "CostsBy", "UcrBy", "Policy"] {
        assert!(args.contains(used), "args.rs parses `{used}` values");
    }
}
