//! Tauri's build step (capabilities, icons, context).
fn main() {
    tauri_build::build()
}
