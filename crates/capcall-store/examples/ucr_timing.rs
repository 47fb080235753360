//! Times the store's UCR histories over a portfolio file (bench/ucr.sh):
//! the portfolio-wide UCR by quarter (the board pack's trend) and the whole
//! board (its sparklines are the monthly UCR per use case), best of N runs.
//!
//! `cargo run --release -p capcall-store --example ucr_timing -- FILE [RUNS]`

use std::time::Instant;

use capcall_store::{Access, Context, Portfolio};

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("usage: ucr_timing FILE [RUNS]");
    let runs: usize = args.next().map(|r| r.parse().expect("RUNS is a number")).unwrap_or(5);
    let p = Portfolio::open(
        std::path::Path::new(&file),
        Access::Read,
        Context::system_clock("bench"),
    )
    .expect("open the portfolio");
    let as_of = p.latest_observation_date().unwrap().expect("observations");
    let best = |f: &mut dyn FnMut() -> usize| -> (f64, usize) {
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..runs {
            let t = Instant::now();
            n = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        (best, n)
    };
    let (q, points) = best(&mut || p.portfolio_ucr_by_quarter(as_of).unwrap().len());
    let (b, rows) = best(&mut || p.board(Some(as_of)).unwrap().rows.len());
    println!("portfolio_ucr_by_quarter: {:.1} ms ({points} quarters)", q * 1e3);
    println!("board: {:.1} ms ({rows} rows)", b * 1e3);
}
