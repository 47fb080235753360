//! Display rules, written once. Storage and computation never round; these
//! functions are the only place a shown number loses digits. The CLI, the
//! exports and the app (which receives these strings over IPC) all use them.
//!
//! - Planned money: thousands separators, 2 decimals (`1,234,567.89`); in
//!   documents with the dollar sign ([`usd`]: `$1,234,567.89`,
//!   `-$1,200.00`), and a computed value rounded half to even to the cent
//!   first ([`usd_of`]).
//! - Measured money in tables: rounded half to even to the cent, grouped
//!   (`18,885.70`); the exact value (`18885.7030`) is shown on detail pages,
//!   in JSON and on hover.
//! - UCR: 4 significant digits, half to even (`0.009134`); `unknown` when
//!   there is none ([`ucr_or_unknown`]).
//! - Percentages: one decimal with a sign, half to even (`-7.1%`, `+3.2%`);
//!   after a word that already says the direction ("fell 8.3%") the size
//!   alone ([`pct_size`]).
//! - A share of a whole: one decimal, half to even, no sign (`33.3`), from
//!   the exact quotient ([`share_pct`]: FOCUS shares, pro-rata notes).
//! - A figure in a sentence or explanation: at most N decimals, half to
//!   even, trailing zeros dropped ([`trimmed`]: the rubric's explanations
//!   use 4, the board pack's KPI sentences 1).
//! - Chart coordinates (SVG user units): to 0.1 unit, half to even
//!   ([`coord`]). Geometry, not a figure a reader reads, but still digits
//!   lost on the way to text, so its rule lives here too.
//! - Durations: `5h 30m` truncated to the minute ([`duration`]); "within N
//!   hours" rounded *up* to one unit ([`duration_rounded_up`]).
//!
//! Nothing else in core, store, CLI, exports or app rounds for display; a
//! test (`tests/architecture.rs`, `display_rounding_happens_only_in_format`)
//! fails on a `round_dp`/`round_sf`/format precision (`{:.N}`, `{:>8.2}`)
//! anywhere else.
//!
//! Text that came from users or files (names, owners, titles, evidence) is
//! made safe here too, once for every output:
//!
//! - [`visible`]: for the terminal, one line per value. Control characters
//!   (C0, DEL, C1), bidirectional overrides and line/paragraph separators are
//!   shown escaped (`\x1b`, `\n`, `\u{202e}`), so a name can neither move the
//!   cursor, recolour the screen nor start a new line.
//! - [`visible_lines`]: the same for a whole message or document that has its
//!   own line breaks (newlines and tabs kept, everything else escaped).
//! - [`md_text`] and [`md_cell`]: Markdown. Controls escaped, line breaks
//!   become spaces; in table cells `|` and `\` are escaped too.
//! - [`csv_formula_safe`]: the OWASP CSV-injection rule for spreadsheet cells.

use std::borrow::Cow;
use std::fmt::Write as _;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::money::{Grouped, Measured, Planned};

/// Planned money for display: `1,234,567.89`.
pub fn planned(p: Planned) -> String {
    Grouped(p).to_string()
}

/// Money in documents (the board pack): `$1,234,567.89`, `-$1,200.00`.
pub fn usd(p: Planned) -> String {
    let g = planned(p);
    match g.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${g}"),
    }
}

/// A computed money value (an exact decimal, e.g. projected value) in
/// documents: rounded half to even to the cent, then [`usd`]. A value
/// beyond the planned range (cannot occur for real portfolios) shows exact.
pub fn usd_of(d: Decimal) -> String {
    Planned::round_from(d).map(usd).unwrap_or_else(|_| d.to_string())
}

/// Measured money rounded to the cent for tables: `18,885.70`. Values whose
/// cents would exceed the planned range cannot occur (measured money is below
/// one billion).
pub fn measured(m: Measured) -> String {
    match m.round_to_planned() {
        Ok(p) => Grouped(p).to_string(),
        Err(_) => m.to_string(),
    }
}

/// A UCR for display: 4 significant digits ("0.0091344" -> "0.009134",
/// "1.23456" -> "1.235"), half to even.
pub fn ucr(ucr: Decimal) -> String {
    let v = ucr
        .round_sf_with_strategy(4, RoundingStrategy::MidpointNearestEven)
        .unwrap_or(ucr);
    v.normalize().to_string()
}

/// A UCR that may be unknown (no units or no spend): [`ucr`], or
/// `unknown`.
pub fn ucr_or_unknown(u: Option<Decimal>) -> String {
    u.map(ucr).unwrap_or_else(|| "unknown".into())
}

/// A percentage for display: one decimal with sign ("-7.1%", "+3.2%").
pub fn pct(p: Decimal) -> String {
    let r = p.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven);
    let sign = if r.is_sign_positive() && !r.is_zero() { "+" } else { "" };
    format!("{sign}{r:.1}%")
}

/// The size of a percentage, without its sign ("8.3%"), for a sentence
/// whose verb already says the direction ("UCR fell 8.3%").
pub fn pct_size(p: Decimal) -> String {
    pct(p.abs()).trim_start_matches('+').to_string()
}

/// A chart coordinate in SVG user units, to 0.1 unit (half to even):
/// `123.45` -> `123.4`, `80` -> `80`. Geometry, not a figure, but the one
/// rule for every coordinate the pack prints.
pub fn coord(d: Decimal) -> String {
    d.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven)
        .to_string()
}

/// `part` as a percentage of `whole`, to one decimal (half to even), as
/// shown next to totals and in notes: "2.7", "12.5", "33.3" (no sign, no
/// `%`; a quotient that is whole shows without a decimal: "50"). `None`
/// when `whole` is zero or the quotient is out of range.
pub fn share_pct(part: Decimal, whole: Decimal) -> Option<String> {
    if whole.is_zero() {
        return None;
    }
    let pct = part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)?;
    Some(
        pct.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven)
            .to_string(),
    )
}

/// A figure for a sentence: at most `decimals` decimals, half to even,
/// trailing zeros dropped ("1.23456" -> "1.2346" with 4; "2.50" -> "2.5").
pub fn trimmed(d: Decimal, decimals: u32) -> String {
    d.round_dp_with_strategy(decimals, RoundingStrategy::MidpointNearestEven)
        .normalize()
        .to_string()
}

/// An exact figure with its integer digits grouped, nothing cut off
/// ("1200" -> "1,200", "-12345.678" -> "-12,345.678", "99.50" -> "99.50"):
/// limits a person wrote (guardrails) read as written.
pub fn grouped_exact(d: Decimal) -> String {
    let text = d.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(sign);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A stored UTC timestamp (`2026-11-25T08:09:58Z`) as people read it:
/// `2026-11-25 08:09 UTC` (to the minute, seconds cut). Text that is not
/// such a timestamp comes back as it is.
pub fn timestamp(ts: &str) -> String {
    match chrono::NaiveDateTime::parse_from_str(ts.trim(), "%Y-%m-%dT%H:%M:%SZ") {
        Ok(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => ts.to_string(),
    }
}

/// A duration in words: `45m`, `5h 30m`, `2d 3h` (truncated to the minute,
/// and to the hour from a day on); seconds below a minute show as `<1m`
/// (0 shows as `0m`).
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) if s > 0 => "<1m".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A duration rounded *up* to one unit a reader takes in at once: minutes
/// up to an hour, hours up to 48 hours, days beyond ("6 hours", "1 minute").
pub fn duration_rounded_up(seconds: i64) -> String {
    let s = seconds.max(0);
    let unit = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if s <= 3600 {
        unit((s + 59).div_euclid(60).max(1), "minute")
    } else if s <= 48 * 3600 {
        unit((s + 3599).div_euclid(3600), "hour")
    } else {
        unit((s + 86_399).div_euclid(86_400), "day")
    }
}

/// Characters that must never reach a terminal or a document raw: control
/// characters (C0, DEL, C1), the bidirectional embedding/override/isolate
/// marks ("Trojan Source"), line and paragraph separators, and the BOM.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn escape_where(s: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            escape_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value for the terminal, on one line: every unsafe character (see
/// [`is_unsafe_char`]) is shown escaped, e.g. ESC as `\x1b`, a newline as `\n`.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe_char)
}

/// A whole message or document for the terminal: like [`visible`] but its
/// own newlines and tabs are kept.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && c != '\t' && is_unsafe_char(c))
}

/// Free text inside a Markdown paragraph, heading or list item: line breaks
/// (CR, LF, CRLF) become one space, other unsafe characters are escaped.
pub fn md_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push(' '),
            c if is_unsafe_char(c) => escape_char(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A Markdown table cell: [`md_text`], then `\` and `|` escaped so the value
/// can neither end the cell nor the row.
pub fn md_cell(s: &str) -> String {
    let t = md_text(s);
    if !t.contains(['|', '\\']) {
        return t.into_owned();
    }
    t.replace('\\', "\\\\").replace('|', "\\|")
}

/// The OWASP CSV-injection rule: a cell that a spreadsheet would read as a
/// formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return)
/// gets a leading single quote, so it is shown as text. Plain numbers
/// (`-1200.50`, `+3`, `-0.0095`) are left as they are. Quoting for commas and
/// quotes is the CSV writer's job, after this.
pub fn csv_formula_safe(s: &str) -> Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !risky || is_plain_number(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("'{s}"))
}

/// `[+-]digits[.digits]`: a number a spreadsheet reads as a number, not a formula.
fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn shares_trimmed_figures_and_durations() {
        // Half to even on the exact quotient.
        assert_eq!(share_pct(d("1"), d("8")).as_deref(), Some("12.5"));
        assert_eq!(share_pct(d("1"), d("3")).as_deref(), Some("33.3"));
        assert_eq!(share_pct(d("0.25"), d("100")).as_deref(), Some("0.2"));
        assert_eq!(share_pct(d("0.35"), d("100")).as_deref(), Some("0.4"));
        assert_eq!(share_pct(d("1"), d("2")).as_deref(), Some("50"));
        assert_eq!(share_pct(d("1"), d("0")), None);
        assert_eq!(
            share_pct(Decimal::MAX, d("1")),
            None,
            "out of range is None, not a panic"
        );
        assert_eq!(trimmed(d("1.23456"), 4), "1.2346");
        assert_eq!(trimmed(d("0.00005"), 4), "0", "half to even: 0.0000|5 -> 0");
        assert_eq!(trimmed(d("0.00015"), 4), "0.0002");
        assert_eq!(trimmed(d("2.5000"), 4), "2.5");
        assert_eq!(trimmed(d("-7.25"), 1), "-7.2");
        assert_eq!(duration(0), "0m");
        assert_eq!(duration(30), "<1m");
        assert_eq!(duration(69_600), "19h 20m");
        assert_eq!(duration(3 * 86_400 + 7_200 + 59), "3d 2h");
        assert_eq!(duration_rounded_up(1), "1 minute");
        assert_eq!(duration_rounded_up(3_601), "2 hours");
        assert_eq!(duration_rounded_up(48 * 3600), "48 hours");
        assert_eq!(duration_rounded_up(48 * 3600 + 1), "3 days");
    }

    #[test]
    fn each_rule_once() {
        assert_eq!(planned(Planned::parse("1234567.5").unwrap()), "1,234,567.50");
        assert_eq!(measured(Measured::parse("18885.7030").unwrap()), "18,885.70");
        assert_eq!(measured(Measured::parse("0.005").unwrap()), "0.00");
        assert_eq!(measured(Measured::parse("0.015").unwrap()), "0.02");
        assert_eq!(measured(Measured::parse("-0.0095").unwrap()), "-0.01");
        assert_eq!(ucr(d("0.0091344")), "0.009134");
        assert_eq!(ucr(d("0.0091")), "0.0091");
        assert_eq!(ucr(d("1.23456")), "1.235");
        assert_eq!(ucr_or_unknown(Some(d("0.0091344"))), "0.009134");
        assert_eq!(ucr_or_unknown(None), "unknown");
        assert_eq!(pct(d("-7.14")), "-7.1%");
        assert_eq!(pct(d("3.25")), "+3.2%");
        assert_eq!(pct(d("0")), "0.0%");
    }

    #[test]
    fn documents_charts_and_sentences_use_the_same_rules() {
        type Rule = (
            &'static str,
            fn(Decimal) -> String,
            &'static [(&'static str, &'static str)],
        );
        let rules: [Rule; 3] = [
            (
                "pct_size",
                pct_size,
                &[("-8.25", "8.2%"), ("8.35", "8.4%"), ("-0.04", "0.0%")],
            ),
            // Half to even to the cent, then the grouped planned rule.
            (
                "usd_of",
                usd_of,
                &[
                    ("10.005", "$10.00"),
                    ("10.015", "$10.02"),
                    ("-0.125", "-$0.12"),
                    ("1234567.5", "$1,234,567.50"),
                    ("-1200", "-$1,200.00"),
                ],
            ),
            (
                "coord",
                coord,
                &[
                    ("123.45", "123.4"),
                    ("123.55", "123.6"),
                    ("80", "80"),
                    ("56.000", "56.0"),
                    ("99.96", "100.0"),
                ],
            ),
        ];
        for (name, rule, cases) in rules {
            for (input, want) in cases {
                assert_eq!(rule(d(input)), *want, "{name}({input})");
            }
        }
        assert_eq!(usd(Planned::parse("-0.5").unwrap()), "-$0.50");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(visible("Ops Copilot — EU"), "Ops Copilot — EU");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}[31mred"), "a\\x1b[31mred");
        assert_eq!(visible("two\nlines\r\t"), "two\\nlines\\r\\t");
        assert_eq!(visible("\u{7f}\u{9b}"), "\\x7f\\x9b");
        assert_eq!(visible("abc\u{202e}cba"), "abc\\u{202e}cba");
        assert_eq!(visible_lines("a\nb\u{1b}c\td"), "a\nb\\x1bc\td");
        assert!(!visible("\u{2028}x\u{feff}").chars().any(is_unsafe_char));
    }

    #[test]
    fn markdown_text_and_cells_stay_in_place() {
        assert_eq!(md_text("VP\r\nOps\n# not a heading"), "VP Ops # not a heading");
        assert_eq!(md_text("a\u{1b}b"), "a\\x1bb");
        assert_eq!(md_cell("a | b\nc"), "a \\| b c");
        assert_eq!(md_cell("back\\|slash"), "back\\\\\\|slash");
        assert_eq!(md_cell("plain"), "plain");
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_neutralised() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-1200.50", "-1200.50"),
            ("+3", "+3"),
            ("-0.0095", "-0.0095"),
            ("1200.50", "1200.50"),
            ("Ops Copilot", "Ops Copilot"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_formula_safe(cell), want, "{cell:?}");
        }
    }
}
