//! Rebuild when a migration is added or changed: `embed_migrations!` reads them at compile time.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
