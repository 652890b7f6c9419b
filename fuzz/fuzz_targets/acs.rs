//! The reference SP's ACS decoding: a posted SAMLResponse (the input is its XML, base64-encoded as
//! the HTTP-POST binding carries it) through every check of `acs::consume`, strict and with every
//! check switched off.
#![no_main]
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use reference_sp::acs::{consume, AcsInput};
use reference_sp::faults::Faults;
use reference_sp::session::Sessions;
use spid_harness_fuzz::{idp_registry, split, SP_ACS, SP_ENTITY};
use std::sync::OnceLock;

fn all_off() -> &'static Faults {
    static F: OnceLock<Faults> = OnceLock::new();
    F.get_or_init(|| {
        let mut f = Faults::none();
        for fault in reference_sp::faults::ALL {
            f.switch_off(fault.name);
        }
        f
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = split(data) else { return };
    let b64 = base64::engine::general_purpose::STANDARD.encode(rest);
    let strict = Faults::none();
    let sessions = Sessions::default();
    let sid = sessions.create();
    let input = AcsInput {
        entity_id: SP_ENTITY,
        acs_url: SP_ACS,
        skew: time::Duration::minutes(2),
        faults: if sel % 2 == 0 { &strict } else { all_off() },
        idps: idp_registry(),
        sessions: &sessions,
        sid: Some(&sid),
        now: time::OffsetDateTime::now_utc(),
        relay_state: Some("fuzz"),
    };
    let _ = consume(&input, &b64);
});
