//! The PIN journal loader: any bytes as a journal file's content.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = mock_idps::pin::replay_journal(Path::new("fuzz.jsonl"), data);
});
