//! Handing freed heap pages back to the operating system after a large,
//! short-lived computation (scoring a big portfolio), so a long-running
//! shell does not keep the peak mapped.

/// Returns the allocator's free pages to the system (glibc `malloc_trim`);
/// does nothing elsewhere.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it
    // takes no pointers from us and is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
