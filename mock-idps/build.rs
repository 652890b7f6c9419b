//! Rebuilds the crate when the embedded fixtures change.
fn main() {
    println!("cargo:rerun-if-changed=../fixtures");
}
