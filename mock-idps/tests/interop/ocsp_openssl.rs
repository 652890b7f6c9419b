//! The `openssl ocsp` client as an independent OCSP oracle: it sends its own request (SHA-1
//! CertID and a nonce) to the mock's responder, verifies the signature against the test PKI's
//! CAs and reads good / revoked (with reason and time) / unknown, and a runtime revocation.

use crate::TempDir;
use mock_idps::cns::CnsPki;
use mock_idps::federation::MockFederation;

/// `openssl ocsp` for `cert_pem` issued by `issuer_pem`, trusting `trust_pem`: (ok, stdout+stderr).
async fn openssl_ocsp(
    dir: &TempDir,
    url: &str,
    issuer_pem: &str,
    cert_pem: &str,
    trust_pem: &str,
) -> (bool, String) {
    let issuer = dir.write("issuer.pem", issuer_pem);
    let cert = dir.write("cert.pem", cert_pem);
    let trust = dir.write("trust.pem", trust_pem);
    let out = tokio::process::Command::new("openssl")
        .arg("ocsp")
        .arg("-issuer")
        .arg(&issuer)
        .arg("-cert")
        .arg(&cert)
        .arg("-url")
        .arg(url)
        .arg("-CAfile")
        .arg(&trust)
        .output()
        .await
        .expect("openssl (Debian: openssl) is on PATH");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_verifies_good_revoked_and_unknown_answers() {
    let fed = MockFederation::start().await.expect("federation");
    let pki = CnsPki::embedded().expect("pki");
    let urls = fed.urls().cns.expect("cns urls");
    let dir = TempDir::new("ocsp");
    let regione = pki.ca("regione").expect("ca");
    let trust = pki.trusted_ca_pem();
    let card = |variant: &str| {
        pki.card("mario.rossi", variant)
            .expect("card")
            .cert_pem
            .clone()
    };

    let (ok, out) = openssl_ocsp(&dir, &urls.ocsp, &regione.cert_pem, &card("valid"), &trust).await;
    assert!(ok, "{out}");
    assert!(out.contains("Response verify OK"), "{out}");
    assert!(out.contains(": good"), "{out}");
    assert!(out.contains("Next Update"), "{out}");
    assert!(
        !out.contains("WARNING: no nonce"),
        "the nonce is echoed: {out}"
    );

    let (ok, out) = openssl_ocsp(
        &dir,
        &urls.ocsp,
        &regione.cert_pem,
        &card("revoked"),
        &trust,
    )
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("Response verify OK"), "{out}");
    assert!(out.contains(": revoked"), "{out}");
    assert!(out.contains("Reason: keyCompromise"), "{out}");
    assert!(out.contains("Revocation Time"), "{out}");

    // Revoked at runtime through the admin API: openssl sees it on its next request.
    let resp = reqwest::Client::new()
        .post(&urls.revoke)
        .json(&serde_json::json!({ "certificate": card("valid") }))
        .send()
        .await
        .expect("revoke");
    assert!(resp.status().is_success());
    let (ok, out) = openssl_ocsp(&dir, &urls.ocsp, &regione.cert_pem, &card("valid"), &trust).await;
    assert!(ok, "{out}");
    assert!(out.contains(": revoked"), "{out}");

    // A certificate the CA never issued (minted now, not in the card table): unknown.
    let holder = mock_idps::cns::mint::Holder {
        fiscal_code: "RSSMRA80A01H501U".into(),
        given_name: "MARIO".into(),
        surname: "ROSSI".into(),
    };
    let variant = pki.table.variant("valid").expect("variant").clone();
    let minted = mock_idps::cns::mint::mint_card(&pki.cas, &holder, &variant).expect("mint");
    let (ok, out) = openssl_ocsp(
        &dir,
        &urls.ocsp,
        &regione.cert_pem,
        &minted.credential.cert_pem,
        &trust,
    )
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("Response verify OK"), "{out}");
    assert!(out.contains(": unknown"), "{out}");

    // Asked with the wrong issuer: openssl hashes the card's issuer name with the other CA's
    // key, a pair that names no CA of the PKI: the responder is not authoritative.
    let camera = pki.ca("camera").expect("ca");
    let (_, out) = openssl_ocsp(&dir, &urls.ocsp, &camera.cert_pem, &card("valid"), &trust).await;
    assert!(out.contains("Responder Error: unauthorized (6)"), "{out}");
}
