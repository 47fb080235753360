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

/// A new portfolio file with the use cases and observations above.
fn portfolio() -> (tempfile::TempDir, std::path::PathBuf, Portfolio) {
    let (dir, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let uc = write(dir.path(), "u.csv", USE_CASES);
    let obs = write(dir.path(), "o.csv", OBSERVATIONS);
    p.import(ImportKind::UseCases, &uc, &mut no_progress()).unwrap();
    p.import(ImportKind::Observations, &obs, &mut no_progress()).unwrap();
    (dir, db, p)
}

fn grid() -> (tempfile::TempDir, BoardGrid) {
    let (dir, _db, p) = portfolio();
    let board = p.board(None).unwrap();
    (dir, BoardGrid::new(board))
}

fn ids(g: &mut BoardGrid, q: &BoardQuery) -> Vec<String> {
    let sel = g.select(q);
    sel.rows.iter().map(|&i| g.lines[i as usize].row.id.clone()).collect()
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

// ---------------------------------------------------------------- the kept board

fn kept(p: &Portfolio) -> Vec<(String, String)> {
    p.connection()
        .prepare("SELECT as_of, format FROM board_cache")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn lines_json(g: &BoardGrid) -> String {
    serde_json::to_string(&g.lines).unwrap()
}

#[test]
fn the_board_is_kept_in_the_file_and_read_back_unchanged() {
    let (_dir, _db, p) = portfolio();
    assert!(kept(&p).is_empty(), "nothing kept before a board is asked for");
    let made = p.board_grid(None).unwrap();
    assert_eq!(kept(&p).len(), 1, "one board kept");
    assert_eq!(kept(&p)[0].0, "2025-07-07", "kept under the as-of date used");
    let read = p.board_grid(None).unwrap();
    assert_eq!(lines_json(&read), lines_json(&made));
    assert_eq!(read.totals, made.totals);
    assert_eq!(read.waves, made.waves);
    assert_eq!(lines_json(&made), lines_json(&BoardGrid::new(p.board(None).unwrap())));
    // Another as-of date replaces it: one board at a time.
    p.board_grid(Some(chrono::NaiveDate::from_ymd_opt(2025, 5, 1).unwrap()))
        .unwrap();
    assert_eq!(kept(&p).len(), 1);
    assert_eq!(kept(&p)[0].0, "2025-05-01");
}

#[test]
fn any_write_drops_the_kept_board_in_its_own_transaction() {
    let (dir, db, mut p) = portfolio();
    let before = p.board_grid(None).unwrap();
    let spend = |g: &BoardGrid, id: &str| {
        g.lines
            .iter()
            .find(|l| l.row.id == id)
            .and_then(|l| l.figures.spend_usd)
            .map(|m| m.to_string())
    };
    assert_eq!(spend(&before, "warsaw"), Some("50".into()));
    // New observations: the kept board goes, the next one has them.
    let more = "use_case,period_start,spend_usd,forecast_usd,units\nwarsaw,2025-04-14,70,100,10\n";
    p.import(
        ImportKind::Observations,
        &write(dir.path(), "o2.csv", more),
        &mut no_progress(),
    )
    .unwrap();
    assert!(kept(&p).is_empty(), "an import empties the kept board");
    assert_eq!(spend(&p.board_grid(None).unwrap(), "warsaw"), Some("120".into()));
    // A failed import writes nothing, and leaves the kept board as it was.
    assert_eq!(kept(&p).len(), 1);
    let bad = "use_case,period_start,spend_usd,forecast_usd,units\nwarsaw,2025-04-21,x,100,10\n";
    assert!(p
        .import(
            ImportKind::Observations,
            &write(dir.path(), "bad.csv", bad),
            &mut no_progress()
        )
        .is_err());
    assert_eq!(
        kept(&p).len(),
        1,
        "a rolled-back write keeps the board, which is still true"
    );
    // Another writer's change (e.g. the CLI) empties it too: the cache is in the file.
    drop(p);
    {
        let mut other = Portfolio::open(&db, capcall_store::Access::Write, ctx()).unwrap();
        let more = "use_case,period_start,spend_usd,forecast_usd,units\nwarsaw,2025-04-21,5,100,10\n";
        other
            .import(
                ImportKind::Observations,
                &write(dir.path(), "o3.csv", more),
                &mut no_progress(),
            )
            .unwrap();
    }
    let p = Portfolio::open(&db, capcall_store::Access::Write, ctx()).unwrap();
    assert!(kept(&p).is_empty());
    assert_eq!(spend(&p.board_grid(None).unwrap(), "warsaw"), Some("125".into()));
}

#[test]
fn a_kept_board_of_another_format_or_unreadable_is_made_again() {
    let (_dir, db, p) = portfolio();
    let made = lines_json(&p.board_grid(None).unwrap());
    p.connection()
        .execute("UPDATE board_cache SET body = '{\"lines\": 1}'", [])
        .unwrap();
    assert_eq!(lines_json(&p.board_grid(None).unwrap()), made, "unreadable: made again");
    p.connection()
        .execute(
            "UPDATE board_cache SET format = 'board-0 some older binary', body = '{}'",
            [],
        )
        .unwrap();
    assert_eq!(
        lines_json(&p.board_grid(None).unwrap()),
        made,
        "another format: made again"
    );
    assert_eq!(kept(&p).len(), 1, "and replaced");
    // A read-only handle reads a kept board but never writes one.
    p.connection().execute("DELETE FROM board_cache", []).unwrap();
    drop(p);
    let r = Portfolio::open(&db, capcall_store::Access::Read, ctx()).unwrap();
    assert_eq!(lines_json(&r.board_grid(None).unwrap()), made);
    assert!(kept(&r).is_empty());
}

/// The board reads the rubric's rows and the sparkline's months in one pass;
/// each sparkline is the use case's monthly UCR over the 12 months to the
/// as-of date, as the use case's own history (`Portfolio::ucr`) has it.
#[test]
fn sparklines_are_the_monthly_ucr_to_the_as_of_date() {
    let (_dir, db) = fresh();
    let p = Portfolio::open_or_create_demo(&db, capcall_store::Access::Write, ctx()).unwrap();
    let latest = p.latest_observation_date().unwrap().unwrap();
    // The last day of a month, about 200 days back: rows after it are
    // in later months, so the use case's own history must agree.
    let back = latest - chrono::Duration::days(200);
    let earlier = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&back), chrono::Datelike::month(&back), 1)
        .unwrap()
        .pred_opt()
        .unwrap();
    for as_of in [latest, earlier] {
        let board = p.board(Some(as_of)).unwrap();
        assert!(!board.rows.is_empty());
        let first = capcall_core::board::sparkline_window(as_of)
            .first
            .format("%Y-%m")
            .to_string();
        let last = as_of.format("%Y-%m").to_string();
        let mut checked = 0;
        for r in &board.rows {
            let want: Vec<String> = p
                .ucr(&r.row.id, capcall_store::UcrBy::Month)
                .unwrap()
                .into_iter()
                .filter(|pt| pt.period >= first && pt.period <= last)
                .filter_map(|pt| pt.ucr.map(|u| u.to_string()))
                .collect();
            let got: Vec<String> = r.sparkline.iter().flatten().cloned().collect();
            assert!(r.sparkline.len() <= 12);
            assert_eq!(got, want, "{} as of {as_of}", r.row.id);
            checked += usize::from(!got.is_empty());
        }
        assert!(checked > 0, "some sparkline has points as of {as_of}");
    }
}

/// A portfolio large enough to be read and scored on two threads: every
/// use case with half a year of weekly rows, verdicts of more than one kind,
/// some evals only before the rubric's window (the latest-eval seek).
fn large_portfolio(use_cases: usize) -> (tempfile::TempDir, Portfolio) {
    let (dir, db) = fresh();
    let mut p = Portfolio::create(&db, ctx()).unwrap();
    let mut ucs = String::from("id,name,owner,wave,region,status,flag,budget_usd,levers\n");
    let mut obs = String::from(
        "use_case,period_start,spend_usd,forecast_usd,units,value_delta,value_target,value_hurdle,eval_status\n",
    );
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    for i in 0..use_cases {
        let status = if i % 97 == 0 { "retired" } else { "live" };
        ucs.push_str(&format!(
            "uc-{i:05},Use case {i},Owner {},Wave {},R{},{status},,{},\n",
            i % 7,
            i % 4,
            i % 5,
            1000 + i
        ));
        for w in 0..27i64 {
            let day = start + chrono::Duration::weeks(w);
            let eval = match (i % 3, w) {
                (0, _) if w % 4 == 0 => "green",
                (1, 2) => "red",
                (2, _) if w == 26 => "yellow",
                _ => "",
            };
            obs.push_str(&format!(
                "uc-{i:05},{day},{}.{:02},{},{},{},10,4,{eval}\n",
                100 + (i * 7 + w as usize) % 50,
                i % 100,
                110,
                20 + (i + w as usize) % 9,
                (i % 15) as i64 - 2
            ));
        }
    }
    let uc = write(dir.path(), "u.csv", &ucs);
    let o = write(dir.path(), "o.csv", &obs);
    p.import(ImportKind::UseCases, &uc, &mut no_progress()).unwrap();
    p.import(ImportKind::Observations, &o, &mut no_progress()).unwrap();
    (dir, p)
}

#[test]
fn a_large_board_made_on_two_threads_equals_the_one_made_on_one() {
    let (_d, p) = large_portfolio(2_600);
    // Writable: the kept board is made holding the write lock, with a second
    // reader and a second scorer; `board` reads and scores on one thread.
    let two = p.board_grid(None).unwrap();
    let one = BoardGrid::new(p.board(None).unwrap());
    assert!(
        two.lines.len() > 2_000,
        "large enough to split: {} lines",
        two.lines.len()
    );
    let verdicts: std::collections::BTreeSet<String> = one.lines.iter().map(|l| format!("{:?}", l.overall)).collect();
    assert!(verdicts.len() >= 2, "lines differ in verdict: {verdicts:?}");
    assert_eq!(two.lines.len(), one.lines.len());
    for (a, b) in two.lines.iter().zip(&one.lines) {
        let json = |l| serde_json::to_string(l).unwrap();
        assert!(
            json(a) == json(b),
            "line {} differs:\n{}\n{}",
            b.row.id,
            json(a),
            json(b)
        );
    }
    assert_eq!(two.totals, one.totals);
    // And it was kept: read back, the same board.
    assert_eq!(lines_json(&p.board_grid(None).unwrap()), lines_json(&one));
}
