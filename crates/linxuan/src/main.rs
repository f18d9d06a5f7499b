fn main() -> std::process::ExitCode {
    tune_malloc();
    linxuan::cli::main()
}

/// Two glibc malloc settings, made before any other thread exists.
///
/// - A fixed mmap threshold: glibc raises its threshold each time a large block is freed,
///   after which blocks of that size come from the heap and stay with the process: every
///   password hash (argon2id, 19 MiB) then kept its memory, and a server where 50 people had
///   signed in held 200 MiB. A fixed threshold keeps large blocks mapped and gives them back
///   when freed, for about 7 ms more per hash (docs/PERFORMANCE.md).
/// - One arena per core instead of eight: every thread that allocates (the runtime's workers,
///   the blocking pool, each SQLite connection's worker) otherwise gets an arena of its own
///   that keeps what it freed. With one per core the office's pages under load peak 4–5 MiB
///   lower at the same throughput (docs/PERFORMANCE.md).
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes malloc tunables; it is called before any other thread
        // exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}
