//! Times a cold board grid (nothing kept in the file) over a portfolio
//! file opened read-only, best of N runs.
//!
//! `cargo run --release -p capcall-store --example grid_timing -- FILE [RUNS]`

use std::time::Instant;

use capcall_store::{Access, Context, Portfolio};

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("usage: grid_timing FILE [RUNS]");
    let runs: usize = args.next().map(|r| r.parse().expect("RUNS is a number")).unwrap_or(5);
    // Writable, so each run also keeps its board in the file (emptied first).
    let p = Portfolio::open(
        std::path::Path::new(&file),
        Access::Write,
        Context::system_clock("bench"),
    )
    .expect("open the portfolio");
    let (mut to_grid, mut to_kept) = (f64::MAX, f64::MAX);
    for _ in 0..runs {
        rusqlite::Connection::open(&file)
            .and_then(|c| c.execute("DELETE FROM board_cache", []))
            .expect("empty the kept board");
        let t = Instant::now();
        let at = p
            .board_grid_then(None, |g| {
                std::hint::black_box(&g);
                t.elapsed().as_secs_f64()
            })
            .expect("board grid");
        to_grid = to_grid.min(at);
        to_kept = to_kept.min(t.elapsed().as_secs_f64());
    }
    println!(
        "cold board grid: handed over after {:.1} ms, kept in the file after {:.1} ms (best of {runs})",
        to_grid * 1e3,
        to_kept * 1e3
    );
}
