//! The reference SP's ACS decoding: a posted SAMLResponse (the input is its XML, base64-encoded as
//! the HTTP-POST binding carries it) through every check of the ACS, strict (selector even) and
//! with every check switched off (selector odd).
#![no_main]
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use reference_sp::fuzzing::consume_response;
use spid_harness_fuzz::{idp_registry, split, SP_ACS, SP_ENTITY};

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = split(data) else { return };
    let b64 = base64::engine::general_purpose::STANDARD.encode(rest);
    let _ = consume_response(idp_registry(), SP_ENTITY, SP_ACS, sel % 2 == 1, &b64);
});
