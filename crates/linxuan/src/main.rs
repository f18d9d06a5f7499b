fn main() -> std::process::ExitCode {
    linxuan::cli::main()
}
