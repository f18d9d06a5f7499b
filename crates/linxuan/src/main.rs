fn main() -> std::process::ExitCode {
    return_large_blocks_to_the_system();
    linxuan::cli::main()
}

/// glibc's malloc raises its mmap threshold each time a large block is freed, after which
/// blocks of that size come from the heap and stay with the process: every password hash
/// (argon2id, 19 MiB) then kept its memory, and a server where 50 people had signed in held
/// 200 MiB. A fixed threshold keeps large blocks mapped and gives them back when freed, for
/// about 7 ms more per hash (docs/PERFORMANCE.md).
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc tunable; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
