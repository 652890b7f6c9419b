use mock_idps::federation::MockFederation;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

/// Defect 12 of issue 11: `reference-sp` installed no tracing subscriber, so `RUST_LOG` showed
/// nothing and a refusal's reason was only in the HTML page.
#[tokio::test]
async fn defect12_the_binary_logs_each_refusal_with_its_check_at_info() {
    let fed = MockFederation::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("reference-sp-logging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let registry = dir.join("idps.xml");
    std::fs::write(&registry, &fed.state().registry_xml).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference-sp"))
        .args(["--bind", "127.0.0.1:0", "--idp-metadata"])
        .arg(&registry)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .strip_prefix("reference SP on ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no start line: {first:?}"))
        .to_string();
    let http = reqwest::Client::new();
    for body in ["SAMLResponse=bm90IFhNTA%3D%3D", "RelayState=x"] {
        let r = http
            .post(format!("{base}/acs"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    let r = http
        .get(format!("{base}/slo?SAMLRequest=%%%"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    child.kill().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    child.wait().unwrap();
    let refusals: Vec<&str> = log.lines().filter(|l| l.contains(" INFO ")).collect();
    assert!(
        refusals
            .iter()
            .filter(|l| l.contains("Response refused") && l.contains("malformed"))
            .count()
            >= 2,
        "{log}"
    );
    assert!(
        refusals
            .iter()
            .any(|l| l.contains("logout message refused") && l.contains("check=")),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
