//! Crafted answers for one login: a test (the relying-party conformance suite) asks the OP to
//! answer the login whose `state` it names with an ID token, a refreshed ID token or a userinfo
//! answer that is wrong on purpose. The claims are edited before the token is produced, and the
//! token is produced in the way the craft says (unsigned, HS256 keyed with the public key, wrong
//! `kid`, signed by a key outside the OP's jwks, bare JWS where a JWE is due, RSA1_5, ...).
//! Crafts live in a bounded table of [`super::state::OpState`] keyed by the login's `state`.

use super::seal::{encryption_key, SealError};
use crate::bounded::Weigh;
use crate::oidc::jose::{craft, jwe, jws, ContentEnc, Header, Jwks, JwsAlg, KeyAlg, PrivateKey};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// One edit of the claims the OP would send.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Sets a claim to a value.
    Set(String, Value),
    /// Removes a claim.
    Remove(String),
    /// Sets a claim to the OP's clock plus this many seconds (a NumericDate).
    SetTime(String, i64),
}

/// How the (edited) claims become the serialized answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Wrap {
    /// As the OP would: signed with its key, then encrypted when it encrypts that answer.
    #[default]
    Normal,
    /// `alg: none`, empty signature (header `kid` of the OP key); encrypted when due.
    Unsigned,
    /// HS256 keyed with the OP's RSA public key (algorithm confusion); encrypted when due.
    Hs256WithPublicKey,
    /// Signed by the OP key, but the header names a `kid` that is not in its jwks.
    WrongKid,
    /// Signed by the OP key, the header has no `kid`.
    NoKid,
    /// Signed by the OP key, one bit of the signature flipped; encrypted when due.
    CorruptSignature,
    /// Signed by a key outside the OP's OpenID jwks (its federation key) under the OP key's
    /// `kid`; encrypted when due.
    ForeignKey,
    /// Signed, never encrypted (even where a JWE is due).
    BareJws,
    /// The claims as plain JSON: no signature, no encryption.
    PlainJson,
    /// Signed, then encrypted with RSA1_5 (forbidden) to the RP's key.
    Rsa1_5,
    /// Signed, then encrypted to the RP's key although nothing asks for encryption.
    Encrypted,
    /// This exact text, whatever the claims.
    Verbatim(String),
}

/// What to do to one answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Craft {
    /// Claim edits, in order.
    pub edits: Vec<Edit>,
    /// How the answer is serialized.
    pub wrap: Wrap,
}

impl Craft {
    /// No edit, the given wrap.
    pub fn wrap(wrap: Wrap) -> Self {
        Self {
            edits: Vec::new(),
            wrap,
        }
    }

    /// These edits, the normal wrap.
    pub fn edits(edits: Vec<Edit>) -> Self {
        Self {
            edits,
            wrap: Wrap::Normal,
        }
    }
}

/// The crafts for one login; `None` answers normally.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnswerCraft {
    /// The ID token of the authorization-code grant.
    pub id_token: Option<Craft>,
    /// The ID token of a refresh-token grant.
    pub refreshed_id_token: Option<Craft>,
    /// The userinfo answer.
    pub userinfo: Option<Craft>,
}

fn craft_weight(c: &Option<Craft>) -> usize {
    c.as_ref().map_or(0, |c| {
        let edits: usize = c
            .edits
            .iter()
            .map(|e| match e {
                Edit::Set(k, v) => k.len() + v.to_string().len(),
                Edit::Remove(k) | Edit::SetTime(k, _) => k.len() + 8,
            })
            .sum();
        let wrap = match &c.wrap {
            Wrap::Verbatim(s) => s.len(),
            _ => 0,
        };
        edits + wrap + 32
    })
}

impl Weigh for AnswerCraft {
    fn weight(&self) -> usize {
        craft_weight(&self.id_token)
            + craft_weight(&self.refreshed_id_token)
            + craft_weight(&self.userinfo)
            + 16
    }
}

/// Where an answer is encrypted to, when the OP encrypts it.
#[derive(Debug, Clone, Copy)]
pub struct SealTo<'a> {
    /// The RP's jwks.
    pub jwks: &'a Jwks,
    /// Its `*_encrypted_response_alg`.
    pub alg: Option<&'a str>,
    /// Its `*_encrypted_response_enc`.
    pub enc: Option<&'a str>,
}

/// The OP's keys and what it would do with this answer.
#[derive(Debug, Clone, Copy)]
pub struct Producer<'a> {
    /// The OP's OpenID signing key.
    pub key: &'a PrivateKey,
    /// A key of the OP that is not in its OpenID jwks (the federation key).
    pub foreign: &'a PrivateKey,
    /// The signing algorithm the RP asked for.
    pub alg: JwsAlg,
    /// `typ` of the JWS.
    pub typ: &'a str,
    /// Encrypts to the RP (`None`: the OP would send a bare JWS).
    pub seal: Option<SealTo<'a>>,
    /// The RP's jwks, for crafts that encrypt where the OP would not.
    pub rp_jwks: Option<&'a Jwks>,
}

/// Applies the edits to `claims` at `now`.
pub fn edit(claims: &mut Value, edits: &[Edit], now: OffsetDateTime) {
    let Some(obj) = claims.as_object_mut() else {
        return;
    };
    for e in edits {
        match e {
            Edit::Set(k, v) => {
                obj.insert(k.clone(), v.clone());
            }
            Edit::Remove(k) => {
                obj.remove(k);
            }
            Edit::SetTime(k, secs) => {
                obj.insert(k.clone(), Value::from(now.unix_timestamp() + secs));
            }
        }
    }
}

fn header(p: &Producer<'_>, kid: Option<&str>) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("typ".into(), p.typ.into());
    if let Some(kid) = kid {
        h.insert("kid".into(), kid.into());
    }
    h
}

fn enc_alg(name: Option<&str>) -> KeyAlg {
    match name {
        Some("RSA-OAEP") => KeyAlg::RsaOaep,
        _ => KeyAlg::RsaOaep256,
    }
}

fn content_enc(name: Option<&str>) -> ContentEnc {
    match name {
        Some("A128CBC-HS256") => ContentEnc::A128CbcHs256,
        _ => ContentEnc::A256CbcHs512,
    }
}

fn seal_with(to: &SealTo<'_>, inner: &str) -> Result<String, SealError> {
    let key = encryption_key(to.jwks)?;
    Ok(jwe::encrypt(
        key,
        enc_alg(to.alg),
        content_enc(to.enc),
        Some("JWT"),
        inner.as_bytes(),
    )?)
}

/// Produces the answer for `claims` (already edited) as `wrap` says.
pub fn produce(wrap: &Wrap, claims: &Value, p: &Producer<'_>) -> Result<String, SealError> {
    let payload = serde_json::to_vec(claims).map_err(crate::oidc::jose::JoseError::Serialize)?;
    let kid = p.key.kid();
    let normal_jws = || -> Result<String, SealError> {
        let mut h = Header::new(p.alg.name());
        h.typ = Some(p.typ.to_string());
        Ok(jws::sign_with_header(p.key, p.alg, h, &payload)?)
    };
    let inner = match wrap {
        Wrap::Verbatim(text) => return Ok(text.clone()),
        Wrap::PlainJson => {
            return Ok(String::from_utf8_lossy(&payload).into_owned());
        }
        Wrap::BareJws => return normal_jws(),
        Wrap::Rsa1_5 | Wrap::Encrypted => {
            let jwks = p
                .seal
                .map(|s| s.jwks)
                .or(p.rp_jwks)
                .ok_or(SealError::NoEncryptionKey)?;
            let to = encryption_key(jwks)?;
            let inner = normal_jws()?;
            return Ok(if *wrap == Wrap::Rsa1_5 {
                craft::jwe_rsa1_5(
                    to,
                    content_enc(p.seal.and_then(|s| s.enc)),
                    Some("JWT"),
                    inner.as_bytes(),
                )?
            } else {
                seal_with(
                    &SealTo {
                        jwks,
                        alg: None,
                        enc: None,
                    },
                    &inner,
                )?
            });
        }
        Wrap::Normal => normal_jws()?,
        Wrap::Unsigned => craft::unsigned(&payload, &header(p, Some(kid)))?,
        Wrap::Hs256WithPublicKey => {
            craft::hs256_with_public_key(p.key.public_jwk(), &header(p, None), &payload)?
        }
        Wrap::WrongKid => craft::signed_with_header(
            p.key,
            p.alg,
            &header(p, Some("not-a-key-of-this-op")),
            &payload,
        )?,
        Wrap::NoKid => craft::signed_with_header(p.key, p.alg, &header(p, None), &payload)?,
        Wrap::CorruptSignature => craft::corrupt_signature(&normal_jws()?)?,
        Wrap::ForeignKey => {
            craft::signed_with_header(p.foreign, p.alg, &header(p, Some(kid)), &payload)?
        }
    };
    match &p.seal {
        Some(to) => seal_with(to, &inner),
        None => Ok(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::jose::{JoseError, Part};
    use serde_json::json;

    fn keys() -> (PrivateKey, PrivateKey, PrivateKey) {
        let k =
            |r| crate::oidc::keys::load(&crate::FixtureSource::Embedded, "poste", r).expect("key");
        let rp = crate::oidc::keys::load(
            &crate::FixtureSource::Embedded,
            "reference-rp",
            crate::oidc::keys::KeyRole::Encryption,
        )
        .expect("rp key");
        (
            k(crate::oidc::keys::KeyRole::Signing),
            k(crate::oidc::keys::KeyRole::Federation),
            rp,
        )
    }

    #[test]
    fn edits_set_remove_and_time() {
        let mut c = json!({"a": 1, "b": 2});
        let now = OffsetDateTime::from_unix_timestamp(1000).expect("t");
        edit(
            &mut c,
            &[
                Edit::Set("a".into(), json!("x")),
                Edit::Remove("b".into()),
                Edit::SetTime("exp".into(), -60),
            ],
            now,
        );
        assert_eq!(c, json!({"a": "x", "exp": 940}));
    }

    #[test]
    fn each_wrap_gives_what_it_says() -> Result<(), SealError> {
        let (key, foreign, rp) = keys();
        let rp_jwks = Jwks::new(vec![rp.public_jwk().clone()]);
        let op_jwks = Jwks::new(vec![key.public_jwk().clone()]);
        let claims = json!({"sub": "s"});
        let p = Producer {
            key: &key,
            foreign: &foreign,
            alg: JwsAlg::RS256,
            typ: "JWT",
            seal: None,
            rp_jwks: Some(&rp_jwks),
        };
        let normal = produce(&Wrap::Normal, &claims, &p)?;
        jws::verify(&normal, &op_jwks, &[JwsAlg::RS256])?;
        for bad in [
            Wrap::Unsigned,
            Wrap::Hs256WithPublicKey,
            Wrap::WrongKid,
            Wrap::CorruptSignature,
            Wrap::ForeignKey,
        ] {
            let t = produce(&bad, &claims, &p)?;
            assert!(
                jws::verify(&t, &op_jwks, &[JwsAlg::RS256]).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(produce(&Wrap::PlainJson, &claims, &p)?, r#"{"sub":"s"}"#);
        let sealed = Producer {
            seal: Some(SealTo {
                jwks: &rp_jwks,
                alg: None,
                enc: None,
            }),
            ..p
        };
        let t = produce(&Wrap::CorruptSignature, &claims, &sealed)?;
        assert_eq!(t.split('.').count(), 5, "a JWE around the bad JWS");
        let inner = jwe::decrypt(
            &t,
            std::slice::from_ref(&rp),
            &[KeyAlg::RsaOaep256],
            &[ContentEnc::A256CbcHs512],
        )?;
        assert!(jws::verify(
            &String::from_utf8_lossy(&inner.plaintext),
            &op_jwks,
            &[JwsAlg::RS256]
        )
        .is_err());
        assert_eq!(
            produce(&Wrap::BareJws, &claims, &sealed)?
                .split('.')
                .count(),
            3
        );
        let r = produce(&Wrap::Rsa1_5, &claims, &sealed)?;
        let h = r.split('.').next().unwrap_or_default();
        let h: Value = serde_json::from_slice(&crate::oidc::jose::b64d(h, Part::Header)?)
            .map_err(JoseError::Serialize)?;
        assert_eq!(h["alg"], "RSA1_5");
        Ok(())
    }
}
