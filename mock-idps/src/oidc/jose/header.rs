//! The JOSE header shared by JWS and JWE.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{b64d, JoseError, Part};

/// A JOSE protected header (RFC 7515 §4, RFC 7516 §4). Members the layer does not model stay in
/// `extra`, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The signature or key-management algorithm.
    pub alg: String,
    /// The content encryption (JWE only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub enc: Option<String>,
    /// The key id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kid: Option<String>,
    /// The media type of the whole token (`JWT`, `entity-statement+jwt`, …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub typ: Option<String>,
    /// The media type of the payload (`JWT` for nested tokens).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cty: Option<String>,
    /// Critical extensions; any value makes verification fail (none is understood).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crit: Option<Vec<String>>,
    /// Compression (JWE); refused.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub zip: Option<String>,
    /// Every other member.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Header {
    /// A header with only `alg`.
    pub fn new(alg: impl Into<String>) -> Self {
        Self {
            alg: alg.into(),
            ..Self::default()
        }
    }

    /// Parses the base64url first segment.
    pub(crate) fn decode(segment: &str) -> Result<Self, JoseError> {
        let bytes = b64d(segment, Part::Header)?;
        serde_json::from_slice(&bytes).map_err(|source| JoseError::Json {
            part: Part::Header,
            source,
        })
    }

    /// Refuses `crit` and `zip`, which this layer never understands.
    pub(crate) fn refuse_extensions(&self) -> Result<(), JoseError> {
        if let Some(crit) = &self.crit {
            return Err(JoseError::Critical(crit.clone()));
        }
        if let Some(zip) = &self.zip {
            return Err(JoseError::Compression(zip.clone()));
        }
        Ok(())
    }

    /// Whether `typ` equals `want`, ignoring case and an `application/` prefix (RFC 7515 §4.1.9).
    pub fn typ_is(&self, want: &str) -> bool {
        media_type_is(self.typ.as_deref(), want)
    }

    /// Whether `cty` equals `want`, the same way.
    pub fn cty_is(&self, want: &str) -> bool {
        media_type_is(self.cty.as_deref(), want)
    }
}

fn media_type_is(value: Option<&str>, want: &str) -> bool {
    value.is_some_and(|v| {
        let v = v.strip_prefix("application/").unwrap_or(v);
        v.eq_ignore_ascii_case(want)
    })
}
