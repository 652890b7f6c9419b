//! Providers are data down to their keys: a new row in a copy of `fixtures/providers.toml` plus
//! `spid-harness fixtures regenerate --only-missing` gives a provider whose metadata is served
//! and through which a login succeeds, with no other file edited and every existing key kept.

use harness::login::{run, Expectation, LoginPlan, MockAdmin};
use harness::oracle::OracleConfig;
use mock_idps::federation::{FederationConfig, MockFederation};
use mock_idps::fixtures::FixtureSource;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use std::path::Path;
use std::time::Duration;

const NEW_ROW: &str = r#"
[[provider]]
id = "prova"
name = "Prova ID"
organization = "Prova Identità S.p.A."
organization_url = "https://www.prova.example"
entity_id = "https://id.prova.example"
max_level = 2
spid_code = "PROV"
status = "active"
login_label = "Nome utente"
"#;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[tokio::test]
async fn a_new_provider_row_and_only_missing_keys_make_a_working_provider() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("fixtures");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures"),
        &dir,
    );
    let poste_key = std::fs::read(dir.join("keys/poste.key.pem")).expect("poste key");
    let mut table = std::fs::read_to_string(dir.join("providers.toml")).expect("providers");
    table.push_str(NEW_ROW);
    std::fs::write(dir.join("providers.toml"), table).expect("write providers");

    let out = crate::spid_harness([
        "fixtures".as_ref(),
        "regenerate".as_ref(),
        "--only-missing".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("wrote 1 key pairs"), "{stdout}");
    assert!(stdout.trim_end().ends_with(": prova"), "{stdout}");
    assert_eq!(
        std::fs::read(dir.join("keys/poste.key.pem")).expect("poste key"),
        poste_key,
        "an existing key was replaced"
    );

    let fed = MockFederation::start_with(FederationConfig {
        fixtures: FixtureSource::Dir(dir.clone()),
        ..FederationConfig::default()
    })
    .await
    .expect("federation with the new row");
    let urls = fed.urls();
    let prova = &urls.providers["prova"];
    let metadata = crate::get_text(&prova.metadata).await;
    assert!(
        metadata.contains(&format!("entityID=\"{}\"", prova.entity_id)),
        "{metadata}"
    );
    assert!(metadata.contains("<md:OrganizationDisplayName xml:lang=\"it\">Prova ID<"));

    let sp = harness::demo::reference_sp_on(&fed, reference_sp::faults::Faults::none())
        .await
        .expect("reference SP");
    let start_url = format!(
        "{}?idp={}&level=2&comparison=minimum&binding=redirect",
        sp.urls().login,
        mock_idps::saml::binding::url_encode(&prova.entity_id)
    );
    let plan = LoginPlan {
        id: "login/prova/2".into(),
        title: "the new provider at L2".into(),
        provider: "prova".into(),
        level: Level::L2,
        user: "mario.rossi".into(),
        outcome: Outcome::Success,
        start_url,
        expected: Expectation::Accept,
    };
    let oracle = OracleConfig {
        probe_url: Some(sp.urls().me.clone()),
        ..OracleConfig::default()
    };
    let entry = run(
        &plan,
        &MockAdmin::InProcess(fed.state().clone()),
        &fed.state().fixtures,
        &oracle,
        Duration::from_secs(10),
    )
    .await;
    assert!(entry.passed, "{:?} {:?}", entry.error, entry.verdict);
}
