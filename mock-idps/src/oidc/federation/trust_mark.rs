//! Trust marks (OpenID Federation 1.0, "Trust Marks") in both naming generations: the Italian 2023 profile
//! names the type `id` (spid-cie-oidc-docs, "Trust Marks"), the current drafts name it
//! `trust_mark_type`. Both are accepted; which one is emitted is [`TrustMarkNaming`].

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::oidc::jose::{jws, Header, JoseError, JwsAlg, PrivateKey};

/// `typ` of a trust mark JWT.
pub const TRUST_MARK_TYP: &str = "trust-mark+jwt";

/// Which member names the trust mark type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustMarkNaming {
    /// `id` (Italian SPID/CIE OIDC documentation, OpenID Federation drafts up to 30).
    #[default]
    Id,
    /// `trust_mark_type` (OpenID Federation drafts from 41).
    TrustMarkType,
}

impl TrustMarkNaming {
    /// The member name.
    pub fn member(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::TrustMarkType => "trust_mark_type",
        }
    }
}

/// Reads the type from `id` or `trust_mark_type` (both present: they must agree).
fn take_type(map: &mut Map<String, Value>) -> Result<(String, TrustMarkNaming), String> {
    let id = map.remove("id");
    let tmt = map.remove("trust_mark_type");
    let as_str = |v: Value, name: &str| match v {
        Value::String(s) => Ok(s),
        other => Err(format!("{name} must be a string, found {other}")),
    };
    match (id, tmt) {
        (Some(a), Some(b)) => {
            let (a, b) = (as_str(a, "id")?, as_str(b, "trust_mark_type")?);
            if a != b {
                return Err(format!(
                    "id {a:?} and trust_mark_type {b:?} name different trust mark types"
                ));
            }
            Ok((b, TrustMarkNaming::TrustMarkType))
        }
        (Some(a), None) => Ok((as_str(a, "id")?, TrustMarkNaming::Id)),
        (None, Some(b)) => Ok((
            as_str(b, "trust_mark_type")?,
            TrustMarkNaming::TrustMarkType,
        )),
        (None, None) => Err("neither id nor trust_mark_type names the trust mark type".into()),
    }
}

/// An entry of an entity configuration's `trust_marks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustMarkRef {
    /// The trust mark type (an URL such as
    /// `https://registry.agid.gov.it/openid_relying_party/public/`).
    pub trust_mark_type: String,
    /// The trust mark JWT.
    pub trust_mark: String,
    /// Which member names the type when serialised.
    pub naming: TrustMarkNaming,
}

impl Serialize for TrustMarkRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = Map::new();
        map.insert(
            self.naming.member().to_owned(),
            self.trust_mark_type.clone().into(),
        );
        map.insert("trust_mark".into(), self.trust_mark.clone().into());
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TrustMarkRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Map::deserialize(d)?;
        let (trust_mark_type, naming) = take_type(&mut map).map_err(D::Error::custom)?;
        let trust_mark = match map.remove("trust_mark") {
            Some(Value::String(s)) => s,
            _ => return Err(D::Error::custom("trust_mark must be a JWT string")),
        };
        Ok(Self {
            trust_mark_type,
            trust_mark,
            naming,
        })
    }
}

/// The claims of a trust mark JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustMarkClaims {
    /// The issuer's entity id.
    pub iss: String,
    /// The entity the mark is about.
    pub sub: String,
    /// The type.
    pub trust_mark_type: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry, if any.
    pub exp: Option<i64>,
    /// Which member names the type.
    pub naming: TrustMarkNaming,
    /// Other claims (`logo_uri`, `ref`, `delegation`, profile-specific ones).
    pub extra: Map<String, Value>,
}

impl Serialize for TrustMarkClaims {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = Map::new();
        map.insert("iss".into(), self.iss.clone().into());
        map.insert("sub".into(), self.sub.clone().into());
        map.insert(
            self.naming.member().into(),
            self.trust_mark_type.clone().into(),
        );
        map.insert("iat".into(), self.iat.into());
        if let Some(exp) = self.exp {
            map.insert("exp".into(), exp.into());
        }
        for (k, v) in &self.extra {
            map.insert(k.clone(), v.clone());
        }
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TrustMarkClaims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Map::deserialize(d)?;
        let (trust_mark_type, naming) = take_type(&mut map).map_err(D::Error::custom)?;
        let mut string = |name: &str| match map.remove(name) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(D::Error::custom(format!("{name} must be a string"))),
        };
        let iss = string("iss")?;
        let sub = string("sub")?;
        let iat = map
            .remove("iat")
            .and_then(|v| v.as_i64())
            .ok_or_else(|| D::Error::custom("iat must be a number of seconds"))?;
        let exp = match map.remove("exp") {
            None => None,
            Some(v) => Some(
                v.as_i64()
                    .ok_or_else(|| D::Error::custom("exp must be a number of seconds"))?,
            ),
        };
        Ok(Self {
            iss,
            sub,
            trust_mark_type,
            iat,
            exp,
            naming,
            extra: map,
        })
    }
}

impl TrustMarkClaims {
    /// Signs the mark as `typ: trust-mark+jwt` with RS256.
    pub fn sign(&self, key: &PrivateKey) -> Result<String, JoseError> {
        let mut header = Header::new(JwsAlg::RS256.name());
        header.typ = Some(TRUST_MARK_TYP.to_owned());
        let payload = serde_json::to_vec(self).map_err(JoseError::Serialize)?;
        jws::sign_with_header(key, JwsAlg::RS256, header, &payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_generations_read_and_each_is_emitted_on_request() {
        let old: TrustMarkRef =
            serde_json::from_value(json!({"id": "https://t/rp/public/", "trust_mark": "a.b.c"}))
                .unwrap();
        let new: TrustMarkRef = serde_json::from_value(
            json!({"trust_mark_type": "https://t/rp/public/", "trust_mark": "a.b.c"}),
        )
        .unwrap();
        assert_eq!(old.trust_mark_type, new.trust_mark_type);
        assert_eq!(old.naming, TrustMarkNaming::Id);
        assert_eq!(new.naming, TrustMarkNaming::TrustMarkType);
        assert_eq!(
            serde_json::to_value(&old).unwrap()["id"],
            "https://t/rp/public/"
        );
        let v = serde_json::to_value(&new).unwrap();
        assert_eq!(v["trust_mark_type"], "https://t/rp/public/");
        assert!(v.get("id").is_none());
        let clash = serde_json::from_value::<TrustMarkRef>(
            json!({"id": "a", "trust_mark_type": "b", "trust_mark": "x"}),
        );
        assert!(clash.unwrap_err().to_string().contains("different"));
        assert!(serde_json::from_value::<TrustMarkClaims>(
            json!({"iss": "a", "sub": "b", "iat": 1})
        )
        .is_err());
    }
}
