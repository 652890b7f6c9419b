//! The `spid:Purpose` extension (Avvisi SPID 15 and 18 v2): which kinds of identity may answer
//! which purpose. A mismatch is SPID ErrorCode nr30.

use serde::{Deserialize, Serialize};

/// The kind of a SPID identity (user types of Avviso 18 v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// A natural person (type 1).
    Natural,
    /// A legal person (type 2).
    Legal,
    /// A professional natural person (type 3).
    Professional,
    /// A professional acting for a legal person (type 4).
    ProfessionalLegal,
}

/// A `spid:Purpose` value that is none of P, LP, PG, PF, PX (SPID Avviso 18 v2); refused as nr30.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown spid:Purpose {0:?} (known: P, LP, PG, PF, PX)")]
pub struct UnknownPurpose(pub String);

/// Whether an identity of `kind` may answer a request with `purpose` (`None` = no Purpose).
pub fn purpose_allows(purpose: Option<&str>, kind: IdentityKind) -> Result<bool, UnknownPurpose> {
    use IdentityKind::*;
    let allowed: &[IdentityKind] = match purpose {
        None => &[Natural, Professional],
        Some("P") => &[Professional, ProfessionalLegal],
        Some("LP") => &[Legal, ProfessionalLegal],
        Some("PG") => &[ProfessionalLegal],
        Some("PF") => &[Professional],
        Some("PX") => &[Legal, Professional, ProfessionalLegal],
        Some(other) => return Err(UnknownPurpose(other.to_string())),
    };
    Ok(allowed.contains(&kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix() {
        assert_eq!(purpose_allows(None, IdentityKind::Natural), Ok(true));
        assert_eq!(purpose_allows(None, IdentityKind::Legal), Ok(false));
        assert_eq!(
            purpose_allows(Some("PG"), IdentityKind::ProfessionalLegal),
            Ok(true)
        );
        assert_eq!(purpose_allows(Some("PF"), IdentityKind::Natural), Ok(false));
        assert!(purpose_allows(Some("ZZ"), IdentityKind::Natural).is_err());
    }
}
