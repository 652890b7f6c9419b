//! JWE compact serialization (RFC 7516 §7.1) with RSA-OAEP / RSA-OAEP-256 key encryption and
//! AES-CBC-HMAC-SHA2 (RFC 7518 §5.2) or AES-GCM (§5.3) content encryption; nested
//! signed-then-encrypted JWTs (`cty: JWT`, RFC 7519 §5.2).

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey, AES_128, AES_256,
};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{
    OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, OAEP_SHA1_MGF1SHA1,
    OAEP_SHA256_MGF1SHA256,
};
use aws_lc_rs::{constant_time, hmac};
use serde::Serialize;

use super::alg::list;
use super::jws::{self, Verified};
use super::{b64d, b64e, random, split, ContentEnc, Header, JoseError, Jwk, Jwks, JwsAlg};
use super::{KeyAlg, KeyUse, Part, PrivateKey};

/// A decrypted token.
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// The protected header.
    pub header: Header,
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The kid of the private key that decrypted it.
    pub kid: String,
}

/// Encrypts `plaintext` for `recipient` (an RSA public key): header `alg`, `enc`, `kid` (the
/// recipient's), and `cty` when given.
pub fn encrypt(
    recipient: &Jwk,
    alg: KeyAlg,
    enc: ContentEnc,
    cty: Option<&str>,
    plaintext: &[u8],
) -> Result<String, JoseError> {
    let mut header = Header::new(alg.name());
    header.cty = cty.map(str::to_owned);
    encrypt_with_header(recipient, alg, enc, header, plaintext)
}

/// Encrypts with a caller-built header; `alg` and `enc` are set, `kid` to the recipient's
/// unless the header has one.
pub fn encrypt_with_header(
    recipient: &Jwk,
    alg: KeyAlg,
    enc: ContentEnc,
    mut header: Header,
    plaintext: &[u8],
) -> Result<String, JoseError> {
    if recipient.key_use == Some(KeyUse::Sig) {
        return Err(recipient.mismatch("published for signatures (use: sig)"));
    }
    header.alg = alg.name().to_owned();
    header.enc = Some(enc.name().to_owned());
    if header.kid.is_none() {
        header.kid = recipient.kid.clone();
    }
    let cek = random(enc.cek_len())?;
    let encrypted_key = wrap_key(recipient, alg, &cek)?;
    let header_b64 = b64e(&serde_json::to_vec(&header).map_err(JoseError::Serialize)?);
    assemble(&header_b64, &encrypted_key, enc, &cek, plaintext)
}

/// Joins the five parts after encrypting the content with `cek` (a fresh IV each time).
pub(crate) fn assemble(
    header_b64: &str,
    encrypted_key: &[u8],
    enc: ContentEnc,
    cek: &[u8],
    plaintext: &[u8],
) -> Result<String, JoseError> {
    let iv = random(enc.iv_len())?;
    let (ciphertext, tag) = encrypt_content(enc, cek, &iv, header_b64.as_bytes(), plaintext)?;
    Ok(format!(
        "{header_b64}.{}.{}.{}.{}",
        b64e(encrypted_key),
        b64e(&iv),
        b64e(&ciphertext),
        b64e(&tag)
    ))
}

fn oaep(alg: KeyAlg) -> &'static OaepAlgorithm {
    match alg {
        KeyAlg::RsaOaep => &OAEP_SHA1_MGF1SHA1,
        KeyAlg::RsaOaep256 => &OAEP_SHA256_MGF1SHA256,
    }
}

fn wrap_key(recipient: &Jwk, alg: KeyAlg, cek: &[u8]) -> Result<Vec<u8>, JoseError> {
    let key = OaepPublicEncryptingKey::new(recipient.rsa_encrypting_key()?)
        .map_err(|_| JoseError::KeyRejected("not an RSA encryption key".into()))?;
    let mut out = vec![0u8; key.ciphertext_size()];
    let written = key
        .encrypt(oaep(alg), cek, &mut out, None)
        .map_err(|_| JoseError::Crypto("RSA-OAEP encryption"))?
        .len();
    out.truncate(written);
    Ok(out)
}

/// Decrypts a compact JWE with one of `keys`, accepting only the listed algorithms.
pub fn decrypt(
    token: &str,
    keys: &[PrivateKey],
    allowed_alg: &[KeyAlg],
    allowed_enc: &[ContentEnc],
) -> Result<Decrypted, JoseError> {
    let parts = split(token, 5, "JWE")?;
    let header = Header::decode(parts[0])?;
    let alg = match header.alg.parse::<KeyAlg>() {
        Ok(alg) if allowed_alg.contains(&alg) => alg,
        Ok(_) => return Err(not_allowed("alg", &header.alg, &list(allowed_alg))),
        Err(_) if header.alg == "RSA1_5" || header.alg == "dir" => {
            return Err(not_allowed("alg", &header.alg, &list(allowed_alg)))
        }
        Err(e) => return Err(e),
    };
    let enc_name = header.enc.as_deref().ok_or(JoseError::Unsupported {
        what: "enc",
        value: String::new(),
    })?;
    let enc = match enc_name.parse::<ContentEnc>() {
        Ok(enc) if allowed_enc.contains(&enc) => enc,
        Ok(_) => return Err(not_allowed("enc", enc_name, &list(allowed_enc))),
        Err(e) => return Err(e),
    };
    header.refuse_extensions()?;
    let encrypted_key = b64d(parts[1], Part::EncryptedKey)?;
    let iv = b64d(parts[2], Part::Iv)?;
    let ciphertext = b64d(parts[3], Part::Ciphertext)?;
    let tag = b64d(parts[4], Part::Tag)?;

    let candidates: Vec<&PrivateKey> = match &header.kid {
        Some(kid) => vec![keys
            .iter()
            .find(|k| k.kid() == kid)
            .ok_or_else(|| JoseError::UnknownKid(kid.clone()))?],
        None => keys
            .iter()
            .filter(|k| k.rsa_decrypter().is_some())
            .collect(),
    };
    if candidates.is_empty() {
        return Err(JoseError::NoKey("RSA"));
    }
    for key in candidates {
        let Some(cek) = unwrap_key(key, alg, &encrypted_key) else {
            continue;
        };
        if cek.len() != enc.cek_len() {
            continue;
        }
        if let Ok(plaintext) =
            decrypt_content(enc, &cek, &iv, parts[0].as_bytes(), &ciphertext, &tag)
        {
            return Ok(Decrypted {
                header,
                plaintext,
                kid: key.kid().to_owned(),
            });
        }
    }
    Err(JoseError::Decryption)
}

fn not_allowed(what: &'static str, value: &str, allowed: &str) -> JoseError {
    JoseError::NotAllowed {
        what,
        value: value.to_owned(),
        allowed: allowed.to_owned(),
    }
}

fn unwrap_key(key: &PrivateKey, alg: KeyAlg, encrypted_key: &[u8]) -> Option<Vec<u8>> {
    let key = OaepPrivateDecryptingKey::new(key.rsa_decrypter()?.clone()).ok()?;
    let mut out = vec![0u8; key.min_output_size()];
    let len = key
        .decrypt(oaep(alg), encrypted_key, &mut out, None)
        .ok()?
        .len();
    out.truncate(len);
    Some(out)
}

/// Content encryption of RFC 7518 §5: returns (ciphertext, tag). `aad` is the ASCII of the
/// base64url protected header.
pub fn encrypt_content(
    enc: ContentEnc,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), JoseError> {
    check_lengths(enc, cek, iv)?;
    match enc {
        ContentEnc::A128CbcHs256 | ContentEnc::A256CbcHs512 => {
            let half = cek.len() / 2;
            let (mac_key, enc_key) = cek.split_at(half);
            let cipher = if half == 16 { &AES_128 } else { &AES_256 };
            let key = UnboundCipherKey::new(cipher, enc_key)
                .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
                .map_err(|_| JoseError::Crypto("AES-CBC key"))?;
            let mut buf = plaintext.to_vec();
            let iv16: [u8; 16] = iv.try_into().map_err(|_| JoseError::Crypto("IV length"))?;
            key.less_safe_encrypt(&mut buf, EncryptionContext::Iv128(FixedLength::from(iv16)))
                .map_err(|_| JoseError::Crypto("AES-CBC encryption"))?;
            let tag = cbc_hmac_tag(enc, mac_key, aad, iv, &buf);
            Ok((buf, tag))
        }
        ContentEnc::A128Gcm | ContentEnc::A256Gcm => {
            let key = gcm_key(enc, cek)?;
            let nonce =
                Nonce::try_assume_unique_for_key(iv).map_err(|_| JoseError::Crypto("GCM nonce"))?;
            let mut buf = plaintext.to_vec();
            let tag = key
                .seal_in_place_separate_tag(nonce, Aad::from(aad), &mut buf)
                .map_err(|_| JoseError::Crypto("AES-GCM encryption"))?;
            Ok((buf, tag.as_ref().to_vec()))
        }
    }
}

/// Content decryption of RFC 7518 §5; the tag is compared in constant time before any
/// decryption (CBC) or by the AEAD itself (GCM).
pub fn decrypt_content(
    enc: ContentEnc,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, JoseError> {
    check_lengths(enc, cek, iv).map_err(|_| JoseError::Decryption)?;
    match enc {
        ContentEnc::A128CbcHs256 | ContentEnc::A256CbcHs512 => {
            let half = cek.len() / 2;
            let (mac_key, enc_key) = cek.split_at(half);
            let expected = cbc_hmac_tag(enc, mac_key, aad, iv, ciphertext);
            constant_time::verify_slices_are_equal(&expected, tag)
                .map_err(|_| JoseError::Decryption)?;
            let cipher = if half == 16 { &AES_128 } else { &AES_256 };
            let key = UnboundCipherKey::new(cipher, enc_key)
                .and_then(PaddedBlockDecryptingKey::cbc_pkcs7)
                .map_err(|_| JoseError::Decryption)?;
            let iv16: [u8; 16] = iv.try_into().map_err(|_| JoseError::Decryption)?;
            let mut buf = ciphertext.to_vec();
            let len = key
                .decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv16)))
                .map_err(|_| JoseError::Decryption)?
                .len();
            buf.truncate(len);
            Ok(buf)
        }
        ContentEnc::A128Gcm | ContentEnc::A256Gcm => {
            if tag.len() != 16 {
                return Err(JoseError::Decryption);
            }
            let key = gcm_key(enc, cek).map_err(|_| JoseError::Decryption)?;
            let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| JoseError::Decryption)?;
            let mut buf = [ciphertext, tag].concat();
            let len = key
                .open_in_place(nonce, Aad::from(aad), &mut buf)
                .map_err(|_| JoseError::Decryption)?
                .len();
            buf.truncate(len);
            Ok(buf)
        }
    }
}

fn check_lengths(enc: ContentEnc, cek: &[u8], iv: &[u8]) -> Result<(), JoseError> {
    if cek.len() != enc.cek_len() {
        return Err(JoseError::KeyRejected(format!(
            "{enc} needs a {}-byte key, got {}",
            enc.cek_len(),
            cek.len()
        )));
    }
    if iv.len() != enc.iv_len() {
        return Err(JoseError::KeyRejected(format!(
            "{enc} needs a {}-byte IV, got {}",
            enc.iv_len(),
            iv.len()
        )));
    }
    Ok(())
}

fn gcm_key(enc: ContentEnc, cek: &[u8]) -> Result<LessSafeKey, JoseError> {
    let alg = if enc == ContentEnc::A128Gcm {
        &aead::AES_128_GCM
    } else {
        &aead::AES_256_GCM
    };
    UnboundKey::new(alg, cek)
        .map(LessSafeKey::new)
        .map_err(|_| JoseError::Crypto("AES-GCM key"))
}

/// RFC 7518 §5.2.2.1 steps 5–6: HMAC over AAD || IV || ciphertext || AL, first half kept,
/// AL = bit length of AAD as a 64-bit big-endian integer.
fn cbc_hmac_tag(enc: ContentEnc, mac_key: &[u8], aad: &[u8], iv: &[u8], ct: &[u8]) -> Vec<u8> {
    let alg = if enc == ContentEnc::A128CbcHs256 {
        hmac::HMAC_SHA256
    } else {
        hmac::HMAC_SHA512
    };
    let key = hmac::Key::new(alg, mac_key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(aad);
    ctx.update(iv);
    ctx.update(ct);
    ctx.update(&((aad.len() as u64) * 8).to_be_bytes());
    let full = ctx.sign();
    full.as_ref()[..mac_key.len()].to_vec()
}

/// Signs `claims` with `signer` then encrypts the JWS for `recipient` with `cty: JWT`
/// (RFC 7519 §5.2): what CIE ID tokens and SPID/CIE userinfo responses are.
#[allow(clippy::too_many_arguments)]
pub fn sign_then_encrypt<T: Serialize>(
    signer: &PrivateKey,
    sig_alg: JwsAlg,
    typ: Option<&str>,
    claims: &T,
    recipient: &Jwk,
    alg: KeyAlg,
    enc: ContentEnc,
) -> Result<String, JoseError> {
    let jws = jws::sign_claims(signer, sig_alg, typ, claims)?;
    encrypt(recipient, alg, enc, Some("JWT"), jws.as_bytes())
}

/// Decrypts a nested token (its `cty` must be `JWT`) and verifies the inner JWS against `jwks`.
pub fn decrypt_then_verify(
    token: &str,
    keys: &[PrivateKey],
    allowed_alg: &[KeyAlg],
    allowed_enc: &[ContentEnc],
    jwks: &Jwks,
    allowed_sig: &[JwsAlg],
) -> Result<(Decrypted, Verified), JoseError> {
    let outer = decrypt(token, keys, allowed_alg, allowed_enc)?;
    if !outer.header.cty_is("JWT") {
        return Err(JoseError::Unsupported {
            what: "cty",
            value: outer.header.cty.clone().unwrap_or_default(),
        });
    }
    let inner_text =
        std::str::from_utf8(&outer.plaintext).map_err(|_| JoseError::Base64(Part::Payload))?;
    let inner = jws::verify(inner_text, jwks, allowed_sig)?;
    Ok((outer, inner))
}
