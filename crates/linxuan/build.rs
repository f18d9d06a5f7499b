// The translations are compiled in by rust-i18n's macro, which does not tell Cargo to watch
// them: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
