//! The one way a command answers: it hands a [`Report`] to [`Output::show`],
//! which prints it as one JSON document (`--json`) or as text for people.
//! Commands never look at `--json` themselves.
//!
//! Text goes through `capcall_core::format::visible_lines`: no control
//! character from a name or a file reaches the terminal raw (values that must
//! stay on one line are escaped with `visible` where they are printed; table
//! cells in `Table::row`). A closed pipe (`capcall ... | head`) ends the output
//! quietly.

use std::io::{IsTerminal as _, Write as _};

use capcall_store::StoreError;
use serde::Serialize;

use crate::table::Table;

/// A command's answer: its JSON document is its `Serialize` form; `text`
/// writes the same answer for people.
pub(crate) trait Report: Serialize {
    fn text(&self, out: &mut Text);
}

/// A value shown as itself in JSON and by a rendering closure as text, for
/// answers whose text needs context the value does not carry (the command's
/// arguments) or that are one sentence.
#[derive(Serialize)]
#[serde(transparent)]
pub(crate) struct Said<'a, T: ?Sized, F> {
    value: &'a T,
    #[serde(skip)]
    text: F,
}

/// `Said` for `value`, rendered as text by `text`.
pub(crate) fn said<T: Serialize + ?Sized, F: Fn(&mut Text)>(value: &T, text: F) -> Said<'_, T, F> {
    Said { value, text }
}

impl<T: Serialize + ?Sized, F: Fn(&mut Text)> Report for Said<'_, T, F> {
    fn text(&self, out: &mut Text) {
        (self.text)(out)
    }
}

/// Serialises `T` through `serde_json::Value`, so every object's keys come
/// out sorted: the documents that wrap a value (`{"use_cases": [...]}`,
/// `{"scenario": .., "outcome": ..}`) were first written with `json!` and
/// scripts have always seen them that way.
pub(crate) struct SortedKeys<T>(pub T);

impl<T: Serialize> Serialize for SortedKeys<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::to_value(&self.0)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<T: Report> Report for SortedKeys<T> {
    fn text(&self, out: &mut Text) {
        self.0.text(out)
    }
}

/// Where answers, errors and progress go.
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Output {
        Output { json }
    }

    /// Prints the answer: JSON with `--json`, text otherwise.
    pub(crate) fn show(&self, report: &impl Report) {
        if self.json {
            print_json(report);
        } else {
            report.text(&mut Text { _private: () });
        }
    }

    /// A failed command: `{"error": {code, message}}` on stdout with
    /// `--json`, and the message on stderr always.
    pub(crate) fn error(&self, e: &StoreError) {
        if self.json {
            let doc = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
            Text { _private: () }.line(doc.to_string());
        }
        eprintln!("capcall: {}", capcall_core::format::visible_lines(&e.to_string()));
    }

    /// A byte progress bar on stderr, only for people at a terminal (never
    /// with `--json`).
    pub(crate) fn progress(&self, total: u64, message: String) -> Option<indicatif::ProgressBar> {
        if self.json || !std::io::stderr().is_terminal() {
            return None;
        }
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        b.set_message(message);
        Some(b)
    }
}

/// Streams one pretty JSON document to stdout (large portfolios give tens of
/// MB; building it in memory first would double the work).
fn print_json(v: &impl Serialize) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if serde_json::to_writer_pretty(&mut out, v).is_ok() {
        let _ = writeln!(out);
    }
    let _ = out.flush();
}

/// Text for people, on stdout.
pub(crate) struct Text {
    _private: (),
}

impl Text {
    /// `text` and a newline.
    pub(crate) fn line(&mut self, text: impl AsRef<str>) {
        let _ = writeln!(
            std::io::stdout(),
            "{}",
            capcall_core::format::visible_lines(text.as_ref())
        );
    }

    /// An empty line.
    pub(crate) fn blank(&mut self) {
        let _ = writeln!(std::io::stdout());
    }

    /// `text` as it is (it brings its own newlines), e.g. a YAML document.
    pub(crate) fn raw(&mut self, text: impl AsRef<str>) {
        let _ = write!(
            std::io::stdout(),
            "{}",
            capcall_core::format::visible_lines(text.as_ref())
        );
    }

    pub(crate) fn table(&mut self, table: &Table) {
        self.raw(table.to_string());
    }

    /// A warning on stderr that does not fail the command.
    pub(crate) fn warn(&mut self, text: impl AsRef<str>) {
        eprintln!("capcall: {}", capcall_core::format::visible_lines(text.as_ref()));
    }
}
