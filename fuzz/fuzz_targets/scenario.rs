//! The scenario loader: any text through `scenario::load::parse` against the embedded catalogue.
#![no_main]
use harness::scenario::load::{parse, Catalog};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::embedded().expect("embedded catalogue"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(errors) = parse(text, Path::new("fuzz.toml"), catalog()) {
        for e in errors {
            let _ = e.to_string();
        }
    }
});
