//! Writes the seed corpora of the fuzz targets (fuzz/seeds/TARGET/) from the project's own
//! generators and fixtures: `fuzz/run.sh seeds`. The first byte of most seeds selects a mode of
//! the target (see each target's header).

use mock_idps::saml::binding::{encode_redirect, MessageKind};
use mock_idps::saml::logout::{logout_request_xml, logout_response_xml, LogoutRequestPlan};
use reference_sp::authn_request::{authn_request_xml, AuthnRequestPlan};
use reference_sp::faults::Faults;
use reference_sp::level::{Comparison, Level};
use spid_harness_fuzz::{sp_metadata_xml, url_encode, BASE, SP_ACS, SP_ENTITY};
use std::path::Path;

fn put(dir: &Path, target: &str, name: &str, sel: Option<u8>, body: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("seed folder");
    let mut bytes = Vec::new();
    bytes.extend(sel);
    bytes.extend_from_slice(body);
    std::fs::write(d.join(name), bytes).expect("seed file");
}

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "seeds".into());
    let dir = Path::new(&out);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let faults = Faults::none();
    let dest = format!("{BASE}/idp/aruba/sso");
    let plan = AuthnRequestPlan {
        id: "_4d38c302617b5bf98951e65b4cf304711e2166df20",
        issue_instant: "2026-01-01T10:00:00.000Z",
        destination: &dest,
        sp_entity_id: SP_ENTITY,
        level: Level::L2,
        comparison: Comparison::Minimum,
        attribute_index: 0,
        acs_url: SP_ACS,
        faults: &faults,
        force_authn_always: false,
    };
    let authn = authn_request_xml(&plan, false);
    let query = encode_redirect(MessageKind::Request, &authn, Some("relay"), None);
    put(dir, "authn_redirect", "query", Some(0), query.as_bytes());
    put(dir, "authn_redirect", "xml", Some(1), authn.as_bytes());
    let b64 = base64_encode(authn.as_bytes());
    let form = format!("SAMLRequest={}&RelayState=relay", url_encode(&b64));
    put(dir, "authn_post", "form", Some(0), form.as_bytes());
    put(dir, "authn_post", "xml", Some(1), authn.as_bytes());

    put(dir, "sp_metadata", "reference-sp", None, sp_metadata_xml().as_bytes());

    let slo = format!("{BASE}/idp/aruba/slo");
    let req = logout_request_xml(&LogoutRequestPlan {
        id: "_a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        instant: "2026-01-01T10:00:00.000Z",
        destination: &slo,
        issuer: SP_ENTITY,
        name_id: "_nameid0123456789",
        name_qualifier: &format!("{BASE}/idp/aruba"),
        session_index: Some("_session0123"),
    });
    let resp = logout_response_xml(
        "_b1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        "_a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        "2026-01-01T10:00:00.000Z",
        &slo,
        SP_ENTITY,
        "urn:oasis:names:tc:SAML:2.0:status:Success",
    );
    for sel in 0..2u8 {
        put(dir, "logout", &format!("request-{sel}"), Some(sel), req.as_bytes());
        put(dir, "logout", &format!("response-{sel}"), Some(sel | 2), resp.as_bytes());
    }

    for snap in ["it__snapshots__poste_response_l1.snap", "it__cie__cie_response_l3.snap"] {
        let text = std::fs::read_to_string(root.join("mock-idps/tests/it/snapshots").join(snap))
            .expect("response snapshot");
        let xml = text.splitn(3, "---\n").nth(2).unwrap_or_default();
        put(dir, "acs", snap, Some(0), xml.as_bytes());
        put(dir, "acs", &format!("{snap}-lenient"), Some(1), xml.as_bytes());
    }

    for name in ["lockout.toml", "phone-pin.toml", "first-access.toml"] {
        let text = std::fs::read(root.join("scenarios").join(name)).expect("scenario");
        put(dir, "scenario", name, None, &text);
    }

    let tmp = std::env::temp_dir().join(format!("make-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let journal = tmp.join("pin.jsonl");
    {
        use mock_idps::clock::SimClock;
        use mock_idps::ids::IdGenerator;
        use mock_idps::pin::{FileStore, PinBackend};
        use std::sync::Arc;
        let clock = Arc::new(SimClock::new(time::macros::datetime!(2020-03-02 12:00 UTC)));
        let pin = PinBackend::with_fixtures(
            clock,
            IdGenerator::seeded(3),
            Box::new(FileStore::open(&journal).expect("journal")),
        )
        .expect("backend");
        let _ = pin.request("RSSMRA80A01H501U", mock_idps::pin::Channel::Online);
    }
    put(dir, "journal", "framed", None, &std::fs::read(&journal).expect("journal"));
    put(
        dir,
        "journal",
        "legacy",
        None,
        br#"{"seq":1,"records":[{"type":"message","id":"m1","fiscal_code":"RSSMRA80A01H501U","carrier":"sms","address":"+39333","text":"t","code":null,"sent_at":"2020-01-01T00:00:00Z","delivered_at":"2020-01-01T00:00:00Z"}]}
"#,
    );
    let _ = std::fs::remove_dir_all(&tmp);

    put(
        dir,
        "admin_json",
        "next-login",
        Some(0),
        br#"{"user": "mario.rossi", "provider": "aruba", "level": 2, "outcome": "success"}"#,
    );
    put(dir, "admin_json", "cie-read-failure", Some(1), br#"{"failure": "nfc-off"}"#);

    const MARIO: &str = "RSSMRA80A01H501U";
    let bodies: &[(u8, String)] = &[
        (0, format!(r#"{{"fiscal_code": "{MARIO}", "channel": "office"}}"#)),
        (1, format!(r#"{{"fiscal_code": "{MARIO}", "initial_pin": "ABCDEFGH12345678", "new_pin": "Mario001"}}"#)),
        (2, format!(r#"{{"fiscal_code": "{MARIO}", "pin": "Mario001"}}"#)),
        (3, format!(r#"{{"fiscal_code": "{MARIO}", "pin": "Mario001", "new_pin": "Mario002"}}"#)),
        (4, format!(r#"{{"fiscal_code": "{MARIO}", "mobile": "+393331234567", "email": "m@example.it", "pec": "m@pec.it"}}"#)),
        (5, format!(r#"{{"fiscal_code": "{MARIO}", "reason": "lost"}}"#)),
        (6, format!(r#"{{"fiscal_code": "{MARIO}", "method": "online", "document": true}}"#)),
        (7, r#"{"token": "t", "service": "cedolino-pensione"}"#.to_string()),
        (8, format!(r#"{{"fiscal_code": "{MARIO}", "method": "cie", "validity": "1-week"}}"#)),
        (9, format!(r#"{{"fiscal_code": "{MARIO}", "phone_pin": "123456"}}"#)),
        (10, format!(r#"{{"delegator": "{MARIO}", "delegate": "VRDGPP70A01F205X", "form": "AA08"}}"#)),
        (11, format!(r#"{{"delegate": "{MARIO}", "delegator": "VRDGPP70A01F205X", "method": "spid-l2", "service": "cedolino-pensione"}}"#)),
        (12, r#"{"token": "t"}"#.to_string()),
        (13, "{}".to_string()),
    ];
    for (sel, body) in bodies {
        put(dir, "pin_json", &format!("body-{sel}"), Some(*sel), body.as_bytes());
    }
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}
