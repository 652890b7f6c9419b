//! Round trips, published vectors, tampering, and never-panic properties of the JOSE layer.

use std::sync::OnceLock;

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{json, Map, Value};

use super::*;

fn rsa() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate_rsa(2048).expect("RSA keygen"))
}

fn other_rsa() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate_rsa(2048).expect("RSA keygen"))
}

fn key_for(alg: JwsAlg) -> PrivateKey {
    match alg.curve() {
        Some(curve) => PrivateKey::generate_ec(curve).expect("EC keygen"),
        None => rsa().clone(),
    }
}

fn jwks_of(key: &PrivateKey) -> Jwks {
    Jwks::new(vec![key.public_jwk().clone()])
}

// RFC 7515 Appendix A.2 (RS256) and A.3 (ES256): the published tokens and public keys.
const A_PAYLOAD: &str =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const A2_SIG: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const A3_SIG: &str =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

fn rfc7515_rsa_jwk() -> Jwk {
    serde_json::from_value(json!({"kty": "RSA", "n": A2_N, "e": "AQAB"})).unwrap()
}

fn rfc7515_ec_jwk() -> Jwk {
    serde_json::from_value(json!({
        "kty": "EC", "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
    }))
    .unwrap()
}

#[test]
fn rfc7515_a2_rs256_vector_verifies_and_tampering_fails() {
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{A_PAYLOAD}.{A2_SIG}");
    let jwks = Jwks::new(vec![rfc7515_rsa_jwk()]);
    let v = jws::verify(&token, &jwks, &[JwsAlg::RS256]).unwrap();
    let claims: Value = v.claims().unwrap();
    assert_eq!(claims["iss"], "joe");
    assert!(matches!(
        jws::verify(
            &craft::corrupt_signature(&token).unwrap(),
            &jwks,
            &[JwsAlg::RS256]
        ),
        Err(JoseError::BadSignature)
    ));
    assert!(matches!(
        jws::verify(&token, &jwks, &[JwsAlg::PS256]),
        Err(JoseError::NotAllowed { .. })
    ));
}

#[test]
fn rfc7515_a3_es256_vector_verifies() {
    let token = format!("eyJhbGciOiJFUzI1NiJ9.{A_PAYLOAD}.{A3_SIG}");
    let jwks = Jwks::new(vec![rfc7515_ec_jwk()]);
    jws::verify(&token, &jwks, &[JwsAlg::ES256]).unwrap();
    let forged = craft::replace_payload(&token, b"{\"iss\":\"eve\"}").unwrap();
    assert!(matches!(
        jws::verify(&forged, &jwks, &[JwsAlg::ES256]),
        Err(JoseError::BadSignature)
    ));
}

#[test]
fn rfc7638_thumbprint_example() {
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"
    }))
    .unwrap();
    assert_eq!(
        jwk.thumbprint(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

const B_CEK: [u8; 32] = [
    4, 211, 31, 197, 84, 157, 252, 254, 11, 100, 157, 250, 63, 170, 106, 206, 107, 124, 212, 45,
    111, 107, 9, 219, 200, 177, 0, 240, 143, 156, 44, 207,
];
const B_IV: [u8; 16] = [
    3, 22, 60, 12, 43, 67, 104, 105, 108, 108, 105, 99, 111, 116, 104, 101,
];
const B_CT: [u8; 32] = [
    40, 57, 83, 181, 119, 33, 133, 148, 198, 185, 243, 24, 152, 230, 6, 75, 129, 223, 127, 19, 210,
    82, 183, 230, 168, 33, 215, 104, 143, 112, 56, 102,
];

/// RFC 7516 Appendix B (with the A.3 header, A128KW) and A.2 (RSA1_5 header): same CEK, IV and
/// plaintext, the tag differs because the AAD (the header) differs.
#[rstest]
#[case::appendix_b_a3(
    "eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0",
    [83, 73, 191, 98, 104, 205, 211, 128, 201, 189, 199, 133, 32, 38, 194, 85]
)]
#[case::a2(
    "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0",
    [246, 17, 244, 190, 4, 95, 98, 3, 231, 0, 115, 157, 242, 203, 100, 191]
)]
fn rfc7516_a128cbc_hs256_vector(#[case] aad: &str, #[case] tag: [u8; 16]) {
    let pt = b"Live long and prosper.";
    let (ct, got_tag) =
        jwe::encrypt_content(ContentEnc::A128CbcHs256, &B_CEK, &B_IV, aad.as_bytes(), pt).unwrap();
    assert_eq!(ct, B_CT);
    assert_eq!(got_tag, tag);
    let back = jwe::decrypt_content(
        ContentEnc::A128CbcHs256,
        &B_CEK,
        &B_IV,
        aad.as_bytes(),
        &B_CT,
        &tag,
    )
    .unwrap();
    assert_eq!(back, pt);
    let mut bad = tag;
    bad[15] ^= 0x80;
    assert!(matches!(
        jwe::decrypt_content(
            ContentEnc::A128CbcHs256,
            &B_CEK,
            &B_IV,
            aad.as_bytes(),
            &B_CT,
            &bad
        ),
        Err(JoseError::Decryption)
    ));
    // A truncated tag is refused too (no prefix comparison).
    assert!(jwe::decrypt_content(
        ContentEnc::A128CbcHs256,
        &B_CEK,
        &B_IV,
        aad.as_bytes(),
        &B_CT,
        &tag[..8]
    )
    .is_err());
}

#[test]
fn jws_round_trip_every_alg() {
    for alg in JwsAlg::ALL {
        let key = key_for(alg);
        let claims = json!({"iss": "https://op.example", "n": 1});
        let token = jws::sign_claims(&key, alg, Some("JWT"), &claims).unwrap();
        let v = jws::verify(&token, &jwks_of(&key), &[alg]).unwrap();
        assert_eq!(v.claims::<Value>().unwrap(), claims);
        assert_eq!(v.header.kid.as_deref(), Some(key.kid()));
        assert!(v.header.typ_is("jwt"));
        assert_eq!(v.alg, alg);
        // Tampered payload or signature: refused.
        let tampered = craft::replace_payload(&token, br#"{"iss":"https://evil"}"#).unwrap();
        assert!(matches!(
            jws::verify(&tampered, &jwks_of(&key), &[alg]),
            Err(JoseError::BadSignature)
        ));
        assert!(jws::verify(
            &craft::corrupt_signature(&token).unwrap(),
            &jwks_of(&key),
            &[alg]
        )
        .is_err());
    }
}

#[rstest]
fn jwe_round_trip_every_alg_enc(
    #[values(KeyAlg::RsaOaep, KeyAlg::RsaOaep256)] alg: KeyAlg,
    #[values(
        ContentEnc::A128CbcHs256,
        ContentEnc::A256CbcHs512,
        ContentEnc::A128Gcm,
        ContentEnc::A256Gcm
    )]
    enc: ContentEnc,
) {
    let key = rsa().with_use(KeyUse::Enc);
    let token = jwe::encrypt(key.public_jwk(), alg, enc, None, b"secret claims").unwrap();
    let header = Header::decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(header.alg, alg.name());
    assert_eq!(header.enc.as_deref(), Some(enc.name()));
    let out = jwe::decrypt(&token, std::slice::from_ref(&key), &[alg], &[enc]).unwrap();
    assert_eq!(out.plaintext, b"secret claims");
    // Every segment tampered with: one error, no oracle.
    let parts: Vec<&str> = token.split('.').collect();
    for i in 1..5 {
        let mut bytes = b64d(parts[i], Part::Tag).unwrap();
        if bytes.is_empty() {
            continue;
        }
        bytes[0] ^= 1;
        let mut changed: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
        changed[i] = b64e(&bytes);
        let r = jwe::decrypt(
            &changed.join("."),
            std::slice::from_ref(&key),
            &[alg],
            &[enc],
        );
        assert!(
            matches!(r, Err(JoseError::Decryption)),
            "segment {i}: {r:?}"
        );
    }
    // The wrong private key cannot open it.
    let other = other_rsa().with_kid(key.kid());
    assert!(matches!(
        jwe::decrypt(&token, &[other], &[alg], &[enc]),
        Err(JoseError::Decryption)
    ));
    // Not in the allow-list: refused before any decryption.
    let other_enc = ContentEnc::ALL.into_iter().find(|e| *e != enc).unwrap();
    assert!(matches!(
        jwe::decrypt(&token, std::slice::from_ref(&key), &[alg], &[other_enc]),
        Err(JoseError::NotAllowed { what: "enc", .. })
    ));
}

#[test]
fn nested_sign_then_encrypt_round_trip() {
    let signer = PrivateKey::generate_ec(EcCurve::P256).unwrap();
    let recipient = rsa();
    let claims = json!({"sub": "abc", "aud": "https://rp.example"});
    let token = jwe::sign_then_encrypt(
        &signer,
        JwsAlg::ES256,
        None,
        &claims,
        recipient.public_jwk(),
        KeyAlg::RsaOaep,
        ContentEnc::A256CbcHs512,
    )
    .unwrap();
    let (outer, inner) = jwe::decrypt_then_verify(
        &token,
        std::slice::from_ref(recipient),
        &KeyAlg::ALL,
        &ContentEnc::ALL,
        &jwks_of(&signer),
        &JwsAlg::SPID_CIE,
    )
    .unwrap();
    assert_eq!(outer.header.cty.as_deref(), Some("JWT"));
    assert_eq!(inner.claims::<Value>().unwrap(), claims);
    // Inner signed by a key the verifier does not trust.
    let stranger = PrivateKey::generate_ec(EcCurve::P256).unwrap();
    assert!(jwe::decrypt_then_verify(
        &token,
        std::slice::from_ref(recipient),
        &KeyAlg::ALL,
        &ContentEnc::ALL,
        &jwks_of(&stranger),
        &JwsAlg::SPID_CIE,
    )
    .is_err());
}

#[test]
fn refused_algorithms_from_craft() {
    let key = rsa();
    let jwks = jwks_of(key);
    let payload = br#"{"sub":"x"}"#;
    let none = craft::unsigned(payload, &Map::new()).unwrap();
    assert!(matches!(
        jws::verify(&none, &jwks, &JwsAlg::ALL),
        Err(JoseError::NotAllowed { what: "alg", .. })
    ));
    let confused = craft::hs256_with_public_key(key.public_jwk(), &Map::new(), payload).unwrap();
    assert!(matches!(
        jws::verify(&confused, &jwks, &JwsAlg::ALL),
        Err(JoseError::NotAllowed { what: "alg", .. })
    ));
    let wrong = craft::wrong_kid(key, JwsAlg::RS256, "not-a-kid", payload).unwrap();
    assert!(matches!(
        jws::verify(&wrong, &jwks, &JwsAlg::ALL),
        Err(JoseError::UnknownKid(k)) if k == "not-a-kid"
    ));
    // A signature by a key outside the set, claiming a kid inside it.
    let impostor = craft::wrong_kid(other_rsa(), JwsAlg::RS256, key.kid(), payload).unwrap();
    assert!(matches!(
        jws::verify(&impostor, &jwks, &JwsAlg::ALL),
        Err(JoseError::BadSignature)
    ));
    // Decryption below allows every algorithm we implement.
    let decrypt = |token: &str| {
        jwe::decrypt(
            token,
            std::slice::from_ref(key),
            &KeyAlg::ALL,
            &ContentEnc::ALL,
        )
    };
    // A JWE really encrypted with RSA1_5: refused as not allowed, never decrypted.
    let legacy =
        craft::jwe_rsa1_5(key.public_jwk(), ContentEnc::A128CbcHs256, None, payload).unwrap();
    assert!(matches!(
        decrypt(&legacy),
        Err(JoseError::NotAllowed { what: "alg", .. })
    ));
    // The header forged after encryption: the tag no longer matches.
    let mut forged = Map::new();
    forged.insert("alg".into(), "RSA-OAEP-256".into());
    forged.insert("enc".into(), "A128CBC-HS256".into());
    forged.insert("kid".into(), key.kid().into());
    forged.insert("typ".into(), "JWT".into());
    let forged =
        craft::jwe_with_forged_header(key.public_jwk(), ContentEnc::A128CbcHs256, &forged, payload)
            .unwrap();
    assert!(matches!(decrypt(&forged), Err(JoseError::Decryption)));
}

#[test]
fn crit_and_key_restrictions_are_enforced() {
    let key = rsa();
    let mut header = Header::new("RS256");
    header.crit = Some(vec!["exp".into()]);
    let token = jws::sign_with_header(key, JwsAlg::RS256, header, b"{}").unwrap();
    assert!(matches!(
        jws::verify(&token, &jwks_of(key), &[JwsAlg::RS256]),
        Err(JoseError::Critical(_))
    ));
    // A key published for encryption does not verify signatures.
    let enc_only = Jwks::new(vec![key.with_use(KeyUse::Enc).public_jwk().clone()]);
    let token = jws::sign(key, JwsAlg::RS256, None, b"{}").unwrap();
    assert!(matches!(
        jws::verify(&token, &enc_only, &[JwsAlg::RS256]),
        Err(JoseError::KeyMismatch { .. })
    ));
    // An EC key cannot sign RS256 and a P-256 key cannot sign ES384.
    let ec = PrivateKey::generate_ec(EcCurve::P256).unwrap();
    assert!(jws::sign(&ec, JwsAlg::RS256, None, b"{}").is_err());
    assert!(jws::sign(&ec, JwsAlg::ES384, None, b"{}").is_err());
}

#[test]
fn without_kid_every_fitting_key_is_tried() {
    let key = rsa();
    let mut header = Map::new();
    header.insert("typ".into(), "JWT".into());
    let token = craft::signed_with_header(key, JwsAlg::RS256, &header, b"{}").unwrap();
    let set = Jwks::new(vec![
        other_rsa().public_jwk().clone(),
        PrivateKey::generate_ec(EcCurve::P256)
            .unwrap()
            .public_jwk()
            .clone(),
        key.public_jwk().clone(),
    ]);
    let v = jws::verify(&token, &set, &[JwsAlg::RS256]).unwrap();
    assert_eq!(v.kid, key.kid());
}

#[test]
fn pkcs8_pem_round_trip_and_spki() {
    let key = rsa();
    let back = PrivateKey::from_pkcs8_pem(&key.pkcs8_pem()).unwrap();
    assert_eq!(back.public_jwk(), key.public_jwk());
    // Our SPKI encoding is what aws-lc itself produces for the key.
    let ours = key.public_jwk().rsa_spki_der().unwrap();
    let parsed = aws_lc_rs::rsa::PublicEncryptingKey::from_der(&ours).unwrap();
    use aws_lc_rs::encoding::AsDer;
    assert_eq!(parsed.as_der().unwrap().as_ref(), ours.as_slice());
    let ec = PrivateKey::generate_ec(EcCurve::P521).unwrap();
    let back = PrivateKey::from_pkcs8_der(ec.pkcs8_der()).unwrap();
    assert_eq!(back.public_jwk(), ec.public_jwk());
    assert!(matches!(
        PrivateKey::from_pkcs8_der(b"not a key"),
        Err(JoseError::KeyRejected(_))
    ));
    assert!(PrivateKey::generate_rsa(1024).is_err());
}

#[test]
fn short_rsa_keys_are_refused_for_verification() {
    // A 1024-bit modulus (RFC 7515 A.2's key is 2048; halve it).
    let jwk: Jwk =
        serde_json::from_value(json!({"kty": "RSA", "n": &A2_N[..172], "e": "AQAB"})).unwrap();
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{A_PAYLOAD}.{A2_SIG}");
    assert!(matches!(
        jws::verify(&token, &Jwks::new(vec![jwk]), &[JwsAlg::RS256]),
        Err(JoseError::KeyRejected(_))
    ));
}

#[test]
#[ignore = "figure: RSA-2048 key generation cost (cargo test -p mock-idps --lib keygen_cost -- --ignored --nocapture)"]
fn keygen_cost() {
    let start = std::time::Instant::now();
    for _ in 0..5 {
        PrivateKey::generate_rsa(2048).unwrap();
    }
    println!("RSA-2048 keygen: {:?} each", start.elapsed() / 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoding_random_input_never_panics(s in ".{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let jwks = jwks_of(rsa());
        let keys = [rsa().clone()];
        let _ = jws::verify(&s, &jwks, &JwsAlg::ALL);
        let _ = jwe::decrypt(&s, &keys, &KeyAlg::ALL, &ContentEnc::ALL);
        let dotted: String = bytes.iter().map(|b| if b % 7 == 0 { '.' } else { (b'A' + b % 26) as char }).collect();
        let _ = jws::verify(&dotted, &jwks, &JwsAlg::ALL);
        let _ = jwe::decrypt(&dotted, &keys, &KeyAlg::ALL, &ContentEnc::ALL);
        let _ = serde_json::from_slice::<Jwks>(&bytes);
    }

    #[test]
    fn segments_of_random_json_never_panic(header in proptest::collection::vec(any::<u8>(), 0..80), body in proptest::collection::vec(any::<u8>(), 0..80)) {
        let keys = [rsa().clone()];
        let token = format!("{}.{}.{}", b64e(&header), b64e(&body), b64e(&body));
        let _ = jws::verify(&token, &jwks_of(rsa()), &JwsAlg::ALL);
        let jwe = format!("{}.{}.{}.{}.{}", b64e(br#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#), b64e(&header), b64e(&body), b64e(&header), b64e(&body));
        let _ = jwe::decrypt(&jwe, &keys, &KeyAlg::ALL, &ContentEnc::ALL);
    }
}
