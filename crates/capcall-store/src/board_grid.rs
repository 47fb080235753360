//! The portfolio board as a grid that stays in Rust: the rows without their
//! worded explanations, search text and sort keys made once, and views (the
//! rows a filter keeps, in the order of a sort) of which a shell asks one
//! window at a time. A keystroke in the app's search box is one `view` over
//! precomputed keys plus one page of rows over IPC; the UI never holds the
//! 10,000 rows.
//!
//! Search is accent- and case-insensitive (Unicode NFD with the marks
//! dropped, and the letters that do not decompose, such as "ł" and "ø",
//! mapped to their base letter); text sorts by its folded form with numeric
//! runs in numeric order (Łódź among the L's, "Case 2" before "Case 10"),
//! raw text breaking ties; scripts follow in code point order (Latin, Greek,
//! Cyrillic, ..., Han), as in the CLDR root collation.

use std::cmp::Ordering;
use std::collections::HashMap;

use capcall_core::board::{BoardTotals, RowFigures};
use capcall_core::money::{Measured, Planned};
use capcall_core::rubric::{Dimension, Path, Verdict};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::board::Board;
use crate::edit::ApprovedDifference;
use rusqlite::OptionalExtension;

use crate::error::{Result, StoreError};
use crate::portfolio::Portfolio;

/// One row of the board as a grid draws it: the verdicts of the five
/// lights without their explanations (asked for one row at a time).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardLine {
    pub row: capcall_core::model::UseCase,
    pub overall: Path,
    /// One verdict per dimension, in the order of `BoardGrid::dimensions`.
    pub lights: Vec<Verdict>,
    pub figures: RowFigures,
    /// Monthly UCR of the 12 months to the as-of date, oldest first.
    pub sparkline: Vec<Option<String>>,
    /// The current budget against the approved plan, when one is approved
    /// and the difference is not zero.
    pub vs_approved: Option<ApprovedDifference>,
}

/// Which column a board view is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum BoardSort {
    Name,
    Wave,
    Region,
    #[default]
    Overall,
    Budget,
    Spend,
    Variance,
    Ucr,
}

/// Which rows of the board to show, and in what order. Empty text, wave and
/// region mean "all". Unknown figures sort last in either direction; ties
/// fall back to the name, then the id, ascending.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardQuery {
    pub text: String,
    pub wave: String,
    pub region: String,
    pub verdict: Option<Path>,
    pub over_budget: bool,
    pub sort: BoardSort,
    pub desc: bool,
}

/// The rows a query keeps (indices into `BoardGrid::lines`, in order) and
/// their overall verdicts counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardSelection {
    pub rows: Vec<u32>,
    pub expand: u32,
    pub hold: u32,
    pub retire: u32,
}

/// Text for matching: accents and case dropped ("São Paulo" ~ "sao paulo",
/// "Łódź" ~ "lodz", "Straße" ~ "strasse").
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ħ' | 'Ħ' => out.push('h'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'þ' | 'Þ' => out.push_str("th"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A text's sort key, made once: its folded form cut into runs of
/// non-digits and of digits (compared by value: leading zeros dropped, then
/// by length, then digit by digit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextKey {
    parts: Vec<(bool, String)>,
    raw: String,
}

impl TextKey {
    pub fn new(raw: &str) -> TextKey {
        let folded = fold(raw);
        let mut parts: Vec<(bool, String)> = Vec::new();
        for c in folded.chars() {
            let digit = c.is_ascii_digit();
            match parts.last_mut() {
                Some((d, s)) if *d == digit => s.push(c),
                _ => parts.push((digit, c.to_string())),
            }
        }
        for (digit, s) in &mut parts {
            if *digit {
                let trimmed = s.trim_start_matches('0');
                *s = if trimmed.is_empty() { "0".into() } else { trimmed.into() };
            }
        }
        TextKey {
            parts,
            raw: raw.to_string(),
        }
    }
}

impl Ord for TextKey {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let o = match (a.0, b.0) {
                (true, true) => a.1.len().cmp(&b.1.len()).then_with(|| a.1.cmp(&b.1)),
                // Digits before letters, as in the collation.
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => a.1.cmp(&b.1),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        self.parts
            .len()
            .cmp(&other.parts.len())
            .then_with(|| self.raw.cmp(&other.raw))
    }
}

impl PartialOrd for TextKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Locale-aware order of two texts; the raw text breaks ties, so the
/// order is total.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    TextKey::new(a).cmp(&TextKey::new(b))
}

/// What sorting and filtering need of one row, made once.
#[derive(Debug)]
struct Keys {
    hay: String,
    wave: u32,
    region: u32,
    overall: Path,
    over_budget: bool,
    budget: Planned,
    spend: Option<Measured>,
    variance: Option<Decimal>,
    ucr: Option<Decimal>,
}

/// The board as a grid: its header figures, its lines, and the keys that
/// make a view cheap. Orders are made on first use and kept.
#[derive(Debug)]
pub struct BoardGrid {
    pub as_of: Option<NaiveDate>,
    pub rubric_version: u32,
    pub rubric_name: String,
    /// The dimensions of every line's `lights`, in order.
    pub dimensions: Vec<Dimension>,
    /// Totals of the whole portfolio.
    pub totals: BoardTotals,
    pub unallocated_cost_usd: Option<Measured>,
    /// The approved scenario's name, when one is approved.
    pub approved_scenario: Option<String>,
    pub lines: Vec<BoardLine>,
    /// Distinct waves and regions, in locale order (the filters' choices).
    pub waves: Vec<String>,
    pub regions: Vec<String>,
    keys: Vec<Keys>,
    /// Unique rank of each line by name, then id: every order's tie-break.
    name_rank: Vec<u32>,
    orders: HashMap<(BoardSort, bool), Vec<u32>>,
}

/// Distinct values in locale order, and each value's rank.
fn ranked(values: impl Iterator<Item = String>) -> (Vec<String>, HashMap<String, u32>) {
    let mut distinct: Vec<String> = values.collect::<std::collections::HashSet<_>>().into_iter().collect();
    distinct.sort_by_cached_key(|v| TextKey::new(v));
    let at = distinct
        .iter()
        .enumerate()
        .map(|(i, v)| (v.clone(), i as u32))
        .collect();
    (distinct, at)
}

fn path_rank(p: Path) -> u8 {
    match p {
        Path::Expand => 0,
        Path::Hold => 1,
        Path::Retire => 2,
    }
}

/// What a grid is made of, as the board cache keeps it: the header figures
/// and the lines (no keys: they are made again on load).
#[derive(Serialize, Deserialize)]
struct GridParts {
    as_of: Option<NaiveDate>,
    rubric_version: u32,
    rubric_name: String,
    dimensions: Vec<Dimension>,
    totals: BoardTotals,
    unallocated_cost_usd: Option<Measured>,
    approved_scenario: Option<String>,
    lines: Vec<BoardLine>,
}

/// The cache's format: a binary reads only boards it wrote itself (the
/// rules that made the lines may differ between versions).
const CACHE_FORMAT: &str = concat!("board-2 capcall-store ", env!("CARGO_PKG_VERSION"));

impl Portfolio {
    /// The board as a grid as of `as_of` (default: the latest observation).
    /// The grid last made is kept in the file (`board_cache`), so opening a
    /// large portfolio does not re-score it; any write empties the cache in
    /// the writing transaction, and a grid is kept only if nothing was
    /// written while it was made.
    pub fn board_grid(&self, as_of: Option<NaiveDate>) -> Result<BoardGrid> {
        self.board_grid_then(as_of, |grid| grid)
    }

    /// [`Portfolio::board_grid`], handing the grid to `ready` as soon as it
    /// is made, before it is written to the file (a shell shows it while the
    /// copy is kept); returns what `ready` returns.
    pub fn board_grid_then<T>(&self, as_of: Option<NaiveDate>, ready: impl FnOnce(BoardGrid) -> T) -> Result<T> {
        let key = match as_of {
            Some(d) => Some(d),
            None => self.latest_observation_date()?,
        }
        .map(|d| d.to_string())
        .unwrap_or_default();
        let cached: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM board_cache WHERE as_of = ?1 AND format = ?2",
                [&key, CACHE_FORMAT],
                |r| r.get(0),
            )
            .optional()?;
        // A cache that does not read back is recomputed, never an error.
        if let Some(parts) = cached.and_then(|body| serde_json::from_str::<GridParts>(&body).ok()) {
            return Ok(ready(BoardGrid::assemble(parts)));
        }
        let writable = self.writable();
        // A board to keep is made holding the write lock (when free): no
        // other connection can commit meanwhile, so a second connection sees
        // the same snapshot and reads half the observations on its own thread.
        let (value, _) = crate::db::read_then_keep(
            &self.conn,
            writable,
            |_, held| {
                let second = held.then(|| crate::db::open_reader(self.path()).ok()).flatten();
                let parts = GridParts::of(self.board_with(as_of, second)?);
                if !writable {
                    return Ok((ready(BoardGrid::assemble(parts)), None));
                }
                // The copy to keep is written out on a second thread while the
                // grid's index is made (both only read the lines), before the
                // grid, which owns them, is handed over.
                let (index, body) = std::thread::scope(|s| {
                    let body = s.spawn(|| serde_json::to_string(&parts));
                    let index = GridIndex::of(&parts.lines);
                    (index, body.join())
                });
                let body = body
                    .map_err(|_| StoreError::Invalid("board cache: the writer stopped".into()))?
                    .map_err(|e| StoreError::Invalid(format!("board cache: {e}")))?;
                Ok((ready(BoardGrid::finish(parts, index)), Some(body)))
            },
            |conn, (_, body)| {
                let Some(body) = body else { return Ok(()) };
                conn.execute("DELETE FROM board_cache", [])?;
                conn.execute(
                    "INSERT INTO board_cache (as_of, format, body) VALUES (?1, ?2, ?3)",
                    [&key, CACHE_FORMAT, body],
                )?;
                Ok(())
            },
        )?;
        Ok(value)
    }
}

impl GridParts {
    /// The parts of `board`'s grid; the worded explanations are dropped here.
    fn of(board: Board) -> GridParts {
        let dimensions: Vec<Dimension> = board
            .rows
            .first()
            .map(|r| r.score.dimensions.iter().map(|d| d.dimension).collect())
            .unwrap_or_default();
        let mut approved: HashMap<String, ApprovedDifference> = HashMap::new();
        let approved_scenario = board.vs_approved.map(|v| {
            for l in v.lines {
                if l.difference_usd.is_some_and(|d| !d.is_zero()) {
                    approved.insert(l.use_case.clone(), l);
                }
            }
            v.scenario
        });
        let lines: Vec<BoardLine> = board
            .rows
            .into_iter()
            .map(|r| {
                let lights = dimensions
                    .iter()
                    .map(|dim| {
                        r.score
                            .dimensions
                            .iter()
                            .find(|d| d.dimension == *dim)
                            .map_or(Verdict::Opaque, |d| d.verdict)
                    })
                    .collect();
                let vs_approved = approved.remove(&r.row.id);
                BoardLine {
                    row: r.row,
                    overall: r.score.overall,
                    lights,
                    figures: r.figures,
                    sparkline: r.sparkline,
                    vs_approved,
                }
            })
            .collect();
        GridParts {
            as_of: board.as_of,
            rubric_version: board.rubric_version,
            rubric_name: board.rubric_name,
            dimensions,
            totals: board.totals,
            unallocated_cost_usd: board.unallocated_cost_usd,
            approved_scenario,
            lines,
        }
    }
}

impl BoardGrid {
    /// The grid of `board`; the worded explanations are dropped here.
    pub fn new(board: Board) -> BoardGrid {
        BoardGrid::assemble(GridParts::of(board))
    }

    /// The grid of its parts: the keys for search and sort made once.
    fn assemble(parts: GridParts) -> BoardGrid {
        let index = GridIndex::of(&parts.lines);
        BoardGrid::finish(parts, index)
    }

    /// The grid of `parts` and their `index` (made from the same lines).
    fn finish(parts: GridParts, index: GridIndex) -> BoardGrid {
        let GridIndex {
            waves,
            regions,
            keys,
            name_rank,
        } = index;
        BoardGrid {
            as_of: parts.as_of,
            rubric_version: parts.rubric_version,
            rubric_name: parts.rubric_name,
            dimensions: parts.dimensions,
            totals: parts.totals,
            unallocated_cost_usd: parts.unallocated_cost_usd,
            approved_scenario: parts.approved_scenario,
            lines: parts.lines,
            waves,
            regions,
            keys,
            name_rank,
            orders: HashMap::new(),
        }
    }
}

/// What a grid adds to its lines: filter choices, search and sort keys.
struct GridIndex {
    waves: Vec<String>,
    regions: Vec<String>,
    keys: Vec<Keys>,
    name_rank: Vec<u32>,
}

impl GridIndex {
    fn of(lines: &[BoardLine]) -> GridIndex {
        let (waves, wave_at) = ranked(lines.iter().map(|l| l.row.wave.clone()));
        let (regions, region_at) = ranked(lines.iter().map(|l| l.row.region.clone()));
        let keys: Vec<Keys> = lines
            .iter()
            .map(|l| {
                let u = &l.row;
                Keys {
                    hay: fold(&format!("{} {} {} {} {}", u.id, u.name, u.owner, u.region, u.wave)),
                    wave: wave_at[&u.wave],
                    region: region_at[&u.region],
                    overall: l.overall,
                    over_budget: l.figures.over_budget,
                    budget: u.budget_usd,
                    spend: l.figures.spend_usd,
                    variance: l.figures.variance_pct,
                    ucr: l.figures.ucr.ucr,
                }
            })
            .collect();
        let mut by_name: Vec<u32> = (0..lines.len() as u32).collect();
        by_name.sort_by_cached_key(|&i| {
            let u = &lines[i as usize].row;
            (TextKey::new(&u.name), TextKey::new(&u.id))
        });
        let mut name_rank = vec![0u32; lines.len()];
        for (rank, &i) in by_name.iter().enumerate() {
            name_rank[i as usize] = rank as u32;
        }
        GridIndex {
            waves,
            regions,
            keys,
            name_rank,
        }
    }
}

impl BoardGrid {
    /// Every line in the order of `sort`: unknown figures last in either
    /// direction, ties by name then id ascending.
    fn order(&mut self, sort: BoardSort, desc: bool) -> &[u32] {
        let (keys, name_rank) = (&self.keys, &self.name_rank);
        self.orders.entry((sort, desc)).or_insert_with(|| {
            let mut idx: Vec<u32> = (0..keys.len() as u32).collect();
            let primary = |a: &Keys, b: &Keys, ra: u32, rb: u32| -> Option<Ordering> {
                // None: an unknown figure on either side.
                fn opt<T: Ord>(a: &Option<T>, b: &Option<T>) -> Option<Ordering> {
                    Some(a.as_ref()?.cmp(b.as_ref()?))
                }
                match sort {
                    BoardSort::Name => Some(ra.cmp(&rb)),
                    BoardSort::Wave => Some(a.wave.cmp(&b.wave)),
                    BoardSort::Region => Some(a.region.cmp(&b.region)),
                    BoardSort::Overall => Some(path_rank(a.overall).cmp(&path_rank(b.overall))),
                    BoardSort::Budget => Some(a.budget.cmp(&b.budget)),
                    BoardSort::Spend => opt(&a.spend, &b.spend),
                    BoardSort::Variance => opt(&a.variance, &b.variance),
                    BoardSort::Ucr => opt(&a.ucr, &b.ucr),
                }
            };
            let unknown = |k: &Keys| match sort {
                BoardSort::Spend => k.spend.is_none(),
                BoardSort::Variance => k.variance.is_none(),
                BoardSort::Ucr => k.ucr.is_none(),
                _ => false,
            };
            idx.sort_by(|&a, &b| {
                let (ka, kb) = (&keys[a as usize], &keys[b as usize]);
                let (ra, rb) = (name_rank[a as usize], name_rank[b as usize]);
                unknown(ka)
                    .cmp(&unknown(kb))
                    .then_with(|| {
                        let o = primary(ka, kb, ra, rb).unwrap_or(Ordering::Equal);
                        if desc {
                            o.reverse()
                        } else {
                            o
                        }
                    })
                    .then_with(|| ra.cmp(&rb))
            });
            idx
        })
    }

    /// The lines `q` keeps, in its order, with their verdicts counted.
    pub fn select(&mut self, q: &BoardQuery) -> BoardSelection {
        let text = fold(q.text.trim());
        let wave = (!q.wave.is_empty()).then(|| self.waves.iter().position(|w| *w == q.wave).map(|i| i as u32));
        let region = (!q.region.is_empty()).then(|| self.regions.iter().position(|w| *w == q.region).map(|i| i as u32));
        let (verdict, over_budget) = (q.verdict, q.over_budget);
        self.order(q.sort, q.desc);
        let order = &self.orders[&(q.sort, q.desc)];
        let mut out = BoardSelection::default();
        for &i in order {
            let k = &self.keys[i as usize];
            let keep = wave.is_none_or(|w| w == Some(k.wave))
                && region.is_none_or(|r| r == Some(k.region))
                && verdict.is_none_or(|v| v == k.overall)
                && (!over_budget || k.over_budget)
                && (text.is_empty() || k.hay.contains(&text));
            if keep {
                match k.overall {
                    Path::Expand => out.expand += 1,
                    Path::Hold => out.hold += 1,
                    Path::Retire => out.retire += 1,
                }
                out.rows.push(i);
            }
        }
        out
    }

    /// The board CSV (see `Board::to_csv`) of `rows`, in that order.
    pub fn to_csv(&self, rows: &[u32]) -> Result<String> {
        crate::board::csv_of(
            rows.iter()
                .filter_map(|&i| self.lines.get(i as usize))
                .map(|l| (&l.row, l.overall, &l.figures)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_drops_accents_and_case() {
        assert_eq!(fold("São Paulo"), "sao paulo");
        assert_eq!(fold("ŁÓDŹ"), "lodz");
        assert_eq!(fold("Zürich Straße"), "zurich strasse");
        assert_eq!(fold("Ørsted Æble"), "orsted aeble");
        assert_eq!(fold("東京"), "東京");
        assert_eq!(fold("Plain ASCII"), "plain ascii");
    }

    #[test]
    fn text_order_is_locale_aware_and_numeric() {
        let mut names = vec![
            "Warsaw",
            "Łódź",
            "lodz",
            "Case 10",
            "Case 2",
            "Amsterdam",
            "Zürich",
            "Zug",
            "東京",
        ];
        names.sort_by(|a, b| compare_text(a, b));
        assert_eq!(
            names,
            vec![
                "Amsterdam",
                "Case 2",
                "Case 10",
                "lodz",
                "Łódź",
                "Warsaw",
                "Zug",
                "Zürich",
                "東京"
            ]
        );
        // A total order: equal at primary strength, the raw text decides.
        assert_eq!(compare_text("lodz", "Łódź"), "lodz".cmp("Łódź"));
        assert_eq!(compare_text("a", "a"), Ordering::Equal);
    }
}
