//! The board as a grid kept in Rust: accent-insensitive search, filters,
//! locale-aware sort with unknown figures last, verdict counts, and the CSV
//! of a view in its order.

use capcall_core::rubric::Path as Verdict;
use capcall_store::{BoardGrid, BoardQuery, BoardSort, ImportKind, Portfolio};

use super::{ctx, fresh, no_progress, write};

const USE_CASES: &str = "id,name,owner,wave,region,status,flag,budget_usd,levers\n\
sao,São Paulo Claims,Ops,Wave 2,LATAM,live,,100,\n\
lodz,Łódź Invoices,Finance,Wave 1,EU,live,,300,\n\
warsaw,Warsaw Desk,Finance,Wave 1,EU,live,,200,\n\
tokyo,東京 Support,Support,Wave 10,APAC,pilot,,50,\n\
case2,Case 2,Ops,Wave 2,US,live,,400,\n\
case10,Case 10,Ops,Wave 2,US,live,,400,\n";

const OBSERVATIONS: &str = "use_case,period_start,spend_usd,forecast_usd,units\n\
sao,2025-04-07,150,100,10\n\
lodz,2025-04-07,100,100,10\n\
warsaw,2025-04-07,50,100,10\n\
case2,2025-04-07,10,10,10\n\
case10,2025-04-07,20,10,10\n\
sao,2025-07-07,1,1,1\n";

fn grid() -> (tempfile::TempDir, BoardGrid) {
    let (dir, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let uc = write(dir.path(), "u.csv", USE_CASES);
    let obs = write(dir.path(), "o.csv", OBSERVATIONS);
    p.import(ImportKind::UseCases, &uc, &mut no_progress()).unwrap();
    p.import(ImportKind::Observations, &obs, &mut no_progress()).unwrap();
    let board = p.board(None).unwrap();
    (dir, BoardGrid::new(board))
}

fn ids(g: &mut BoardGrid, q: &BoardQuery) -> Vec<String> {
    let sel = g.select(q);
    sel.rows
        .iter()
        .map(|&i| g.lines[i as usize].row.use_case.id.clone())
        .collect()
}

fn by(sort: BoardSort, desc: bool) -> BoardQuery {
    BoardQuery {
        sort,
        desc,
        ..Default::default()
    }
}

#[test]
fn search_ignores_accents_and_case() {
    let (_d, mut g) = grid();
    let q = |t: &str| BoardQuery {
        text: t.into(),
        sort: BoardSort::Name,
        ..Default::default()
    };
    assert_eq!(ids(&mut g, &q("sao paulo")), ["sao"]);
    assert_eq!(ids(&mut g, &q("LODZ")), ["lodz"]);
    assert_eq!(ids(&mut g, &q("  łódź ")), ["lodz"]);
    assert_eq!(ids(&mut g, &q("東京")), ["tokyo"]);
    assert_eq!(ids(&mut g, &q("finance")), ["lodz", "warsaw"], "owner is searched");
    assert!(ids(&mut g, &q("nothing like it")).is_empty());
}

#[test]
fn names_sort_by_locale_and_numbers_by_value() {
    let (_d, mut g) = grid();
    assert_eq!(
        ids(&mut g, &by(BoardSort::Name, false)),
        ["case2", "case10", "lodz", "sao", "warsaw", "tokyo"]
    );
    assert_eq!(
        ids(&mut g, &by(BoardSort::Name, true)),
        ["tokyo", "warsaw", "sao", "lodz", "case10", "case2"]
    );
    assert_eq!(g.waves, ["Wave 1", "Wave 2", "Wave 10"]);
    assert_eq!(g.regions, ["APAC", "EU", "LATAM", "US"]);
}

#[test]
fn unknown_figures_sort_last_both_ways_ties_by_name() {
    let (_d, mut g) = grid();
    // Q2 spend: tokyo has none.
    assert_eq!(
        ids(&mut g, &by(BoardSort::Spend, false)),
        ["case2", "case10", "warsaw", "lodz", "sao", "tokyo"]
    );
    assert_eq!(
        ids(&mut g, &by(BoardSort::Spend, true)),
        ["sao", "lodz", "warsaw", "case10", "case2", "tokyo"]
    );
    // Equal budgets fall back to the name, ascending, in either direction.
    assert_eq!(ids(&mut g, &by(BoardSort::Budget, true))[..2], ["case2", "case10"]);
    assert_eq!(ids(&mut g, &by(BoardSort::Budget, false))[4..], ["case2", "case10"]);
}

#[test]
fn filters_combine_and_count_verdicts() {
    let (_d, mut g) = grid();
    let q = BoardQuery {
        wave: "Wave 1".into(),
        region: "EU".into(),
        sort: BoardSort::Name,
        ..Default::default()
    };
    assert_eq!(ids(&mut g, &q), ["lodz", "warsaw"]);
    let over = BoardQuery {
        over_budget: true,
        sort: BoardSort::Name,
        ..Default::default()
    };
    assert_eq!(ids(&mut g, &over), ["sao"], "spent 150 against a budget of 100");
    let unknown_wave = BoardQuery {
        wave: "Wave 9".into(),
        ..Default::default()
    };
    assert!(ids(&mut g, &unknown_wave).is_empty());
    let all = g.select(&BoardQuery::default());
    assert_eq!((all.expand + all.hold + all.retire) as usize, g.lines.len());
    for v in [Verdict::Expand, Verdict::Hold, Verdict::Retire] {
        let sel = g.select(&BoardQuery {
            verdict: Some(v),
            ..Default::default()
        });
        assert!(sel.rows.iter().all(|&i| g.lines[i as usize].overall == v));
        let counted = match v {
            Verdict::Expand => all.expand,
            Verdict::Hold => all.hold,
            Verdict::Retire => all.retire,
        };
        assert_eq!(sel.rows.len() as u32, counted);
    }
}

#[test]
fn csv_of_a_view_keeps_its_order() {
    let (_d, mut g) = grid();
    let sel = g.select(&BoardQuery {
        wave: "Wave 1".into(),
        ..by(BoardSort::Name, true)
    });
    let csv = g.to_csv(&sel.rows).unwrap();
    let first: Vec<&str> = csv.lines().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(first, ["id", "warsaw", "lodz"]);
    assert!(csv.contains("\"Łódź Invoices\"") || csv.contains("Łódź Invoices"));
}
