//! Giving memory back to the system after the heaviest work.
//!
//! glibc's allocator keeps what a page of a few thousand rows and a few hundred kilobytes of
//! HTML freed, in each thread's arena, for the next such page. A server that has shown the
//! progress board to sixteen offices at once then stays at that size while idle. After heavy
//! work, at most twice a second, `malloc_trim` hands the free pages back (`MADV_DONTNEED`).

use std::sync::atomic::{AtomicBool, Ordering};

static HEAVY_WORK_DONE: AtomicBool = AtomicBool::new(false);

/// Notes that heavy work just freed its memory.
pub fn heavy_work_done() {
    HEAVY_WORK_DONE.store(true, Ordering::Relaxed);
}

/// Returns free memory to the system when heavy work has been done since the last time.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            if HEAVY_WORK_DONE.swap(false, Ordering::Relaxed) {
                let _ = tokio::task::spawn_blocking(trim).await;
            }
        }
    });
}

fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
