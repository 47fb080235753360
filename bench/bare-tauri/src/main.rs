//! A bare Tauri 2 window with one static page: the baseline of bench/app.sh.
//! Prints when the page has painted, measured from process start exactly as
//! the app reports its board (`capcall-bench: board drawn N ms ...`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();

#[tauri::command]
fn painted() {
    let ms = STARTED.get().map(|t| t.elapsed().as_millis()).unwrap_or(0);
    eprintln!("bare-tauri: first paint {ms} ms after process start");
}

fn main() {
    STARTED.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![painted])
        .run(tauri::generate_context!())
        .expect("error while running the bare Tauri window");
}
