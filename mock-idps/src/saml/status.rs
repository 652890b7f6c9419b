//! SPID error codes nr01–nr30 (SPID technical rules, "Tabella messaggi di anomalia") and how
//! each one is answered: an IdP error page with an HTTP status, or a SAML Response whose
//! status carries a top-level code, a nested sub-code and `StatusMessage` "ErrorCode nrNN".

use super::ns;

/// How an error reaches the service provider and the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The IdP shows its own error page with this HTTP status; nothing goes back to the SP.
    Page(u16),
    /// A SAML Response to the SP's ACS with this top-level status and nested sub-status.
    Response {
        /// Top-level `StatusCode` (Requester, Responder, VersionMismatch).
        top: &'static str,
        /// Nested `StatusCode`, if any.
        sub: Option<&'static str>,
    },
}

/// One row of the SPID error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The number after "nr".
    pub nr: u8,
    /// How it is answered.
    pub delivery: Delivery,
    /// The meaning, in Italian as the rules word it.
    pub meaning_it: &'static str,
    /// The meaning in English, for our reports.
    pub meaning_en: &'static str,
}

const fn sub(s: &'static str) -> Option<&'static str> {
    Some(s)
}

const AUTHN_FAILED: &str = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
const REQUEST_UNSUPPORTED: &str = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported";

/// The table (SPID technical rules, messaggi-errore; sub-codes as `…:2.0:status:…`, the rules'
/// `statuss` being a typo). Codes 24 (reserved) and 26–29 (undefined) are absent on purpose.
pub static ERROR_CODES: &[ErrorCode] = &[
    ErrorCode { nr: 2, delivery: Delivery::Page(503), meaning_it: "Sistema di autenticazione non disponibile", meaning_en: "authentication system unavailable" },
    ErrorCode { nr: 3, delivery: Delivery::Page(500), meaning_it: "Errore di sistema", meaning_en: "system error" },
    ErrorCode { nr: 4, delivery: Delivery::Page(403), meaning_it: "Formato binding non corretto", meaning_en: "binding format not correct (missing SAMLRequest, SigAlg or Signature)" },
    ErrorCode { nr: 5, delivery: Delivery::Page(403), meaning_it: "Verifica della firma fallita", meaning_en: "Redirect signature verification failed" },
    ErrorCode { nr: 6, delivery: Delivery::Page(403), meaning_it: "Binding su metodo HTTP errato", meaning_en: "binding used on the wrong HTTP method" },
    ErrorCode { nr: 7, delivery: Delivery::Page(403), meaning_it: "Errore sulla verifica della firma della richiesta", meaning_en: "POST request signature missing or invalid" },
    ErrorCode { nr: 8, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: None }, meaning_it: "Formato della richiesta non conforme alle specifiche SAML", meaning_en: "request not conforming to the SAML/SPID specifications" },
    ErrorCode { nr: 9, delivery: Delivery::Response { top: ns::STATUS_VERSION_MISMATCH, sub: None }, meaning_it: "Parametro version non presente, malformato o diverso da '2.0'", meaning_en: "Version missing, malformed or not 2.0" },
    ErrorCode { nr: 10, delivery: Delivery::Page(403), meaning_it: "Issuer non presente, malformato o non corrispondente all'entità che sottoscrive la richiesta", meaning_en: "Issuer missing, malformed or not the signer" },
    ErrorCode { nr: 11, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: None }, meaning_it: "Identificatore richiesta (ID) non presente, malformato o non conforme", meaning_en: "request ID missing or malformed" },
    ErrorCode { nr: 12, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub("urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext") }, meaning_it: "RequestAuthnContext non presente, malformato o non previsto da SPID", meaning_en: "RequestedAuthnContext missing, malformed or not a SPID level" },
    ErrorCode { nr: 13, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub("urn:oasis:names:tc:SAML:2.0:status:RequestDenied") }, meaning_it: "IssueInstant non presente, malformato o non coerente con l'orario di arrivo della richiesta", meaning_en: "IssueInstant missing, malformed or not coherent with the arrival time" },
    ErrorCode { nr: 14, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub(REQUEST_UNSUPPORTED) }, meaning_it: "Destination non presente, malformata o non coincidente con il Gestore delle identità ricevente la richiesta", meaning_en: "Destination missing or not this IdP" },
    ErrorCode { nr: 15, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub("urn:oasis:names:tc:SAML:2.0:status:NoPassive") }, meaning_it: "Attributo isPassive presente e attualizzato al valore true", meaning_en: "IsPassive present and true" },
    ErrorCode { nr: 16, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub(REQUEST_UNSUPPORTED) }, meaning_it: "AssertionConsumerService non correttamente valorizzato", meaning_en: "AssertionConsumerService index/URL wrong, both given, or neither" },
    ErrorCode { nr: 17, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub(REQUEST_UNSUPPORTED) }, meaning_it: "Attributo Format dell'elemento NameIDPolicy assente o non valorizzato secondo specifica", meaning_en: "NameIDPolicy Format missing or not transient" },
    ErrorCode { nr: 18, delivery: Delivery::Response { top: ns::STATUS_REQUESTER, sub: sub(REQUEST_UNSUPPORTED) }, meaning_it: "AttributeConsumingServiceIndex malformato o che riferisce a un valore non registrato nei metadati di SP", meaning_en: "AttributeConsumingServiceIndex malformed or unknown" },
    ErrorCode { nr: 19, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "Autenticazione fallita per ripetuta sottomissione di credenziali errate", meaning_en: "repeated wrong credentials: attempt limit reached" },
    ErrorCode { nr: 20, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "Utente privo di credenziali compatibili con il livello richiesto dal fornitore del servizio", meaning_en: "the user has no credential of the requested level" },
    ErrorCode { nr: 21, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "Timeout durante l'autenticazione utente", meaning_en: "timeout during authentication" },
    ErrorCode { nr: 22, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "Utente nega il consenso all'invio di dati al SP in caso di sessione vigente", meaning_en: "the user denied consent" },
    ErrorCode { nr: 23, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "Utente con identità sospesa/revocata o con credenziali bloccate", meaning_en: "identity suspended or revoked, or credentials blocked" },
    ErrorCode { nr: 25, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "Processo di autenticazione annullato dall'utente", meaning_en: "the user cancelled the authentication" },
    ErrorCode { nr: 30, delivery: Delivery::Response { top: ns::STATUS_RESPONDER, sub: sub(AUTHN_FAILED) }, meaning_it: "L'identità digitale utilizzata non è del tipo atteso (spid:Purpose, Avviso 18)", meaning_en: "identity type differs from the one requested (spid:Purpose)" },
];

impl ErrorCode {
    /// The table row for `nr`, if SPID defines it.
    pub fn get(nr: u8) -> Option<&'static ErrorCode> {
        ERROR_CODES.iter().find(|c| c.nr == nr)
    }

    /// The `StatusMessage` text: "ErrorCode nrNN".
    pub fn status_message(&self) -> String {
        format!("ErrorCode nr{:02}", self.nr)
    }
}

/// A SPID error code of the table ([`ERROR_CODES`]): displayed `nrNN`, parsed from `nrNN`,
/// `NN` or the `StatusMessage` form `ErrorCode nrNN`, serialized as `"nrNN"`. Only the codes the
/// rules define can be made, so a value always has its row ([`SpidCode::row`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpidCode(u8);

/// A text that is not a SPID error code of the table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{given:?} is not a SPID error code: write nrNN with NN one of {}",
    known_list()
)]
pub struct UnknownSpidCode {
    /// What was given.
    pub given: String,
}

fn known_list() -> String {
    ERROR_CODES
        .iter()
        .map(|c| format!("{:02}", c.nr))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SpidCode {
    /// The code `nr`, if the rules define it (nr24 is reserved, nr26–nr29 undefined).
    pub fn new(nr: u8) -> Option<Self> {
        ErrorCode::get(nr).map(|c| Self(c.nr))
    }

    /// The number after "nr".
    pub fn nr(self) -> u8 {
        self.0
    }

    /// The row of the table: delivery and meaning.
    pub fn row(self) -> &'static ErrorCode {
        code(self.0)
    }

    /// Every code of the table, in order.
    pub fn all() -> impl Iterator<Item = SpidCode> {
        ERROR_CODES.iter().map(|c| Self(c.nr))
    }
}

impl std::fmt::Display for SpidCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "nr{:02}", self.0)
    }
}

impl std::str::FromStr for SpidCode {
    type Err = UnknownSpidCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t.strip_prefix("ErrorCode").map_or(t, str::trim_start);
        let digits = t.strip_prefix("nr").unwrap_or(t);
        digits
            .parse::<u8>()
            .ok()
            .filter(|_| {
                !digits.is_empty()
                    && digits.len() <= 2
                    && digits.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(Self::new)
            .ok_or_else(|| UnknownSpidCode {
                given: s.to_string(),
            })
    }
}

impl serde::Serialize for SpidCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SpidCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl ErrorCode {
    /// This row's code.
    pub fn code(&self) -> SpidCode {
        SpidCode(self.nr)
    }
}

/// Finds the table row for a code known to be in the table.
pub(crate) fn code(nr: u8) -> &'static ErrorCode {
    // Invariant: callers pass only the numbers listed in ERROR_CODES (checked by a unit test).
    ErrorCode::get(nr).expect("SPID error code in the table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        let nrs: Vec<u8> = ERROR_CODES.iter().map(|c| c.nr).collect();
        let mut expected: Vec<u8> = (2..=23).collect();
        expected.extend([25, 30]);
        assert_eq!(nrs, expected);
        assert_eq!(code(19).status_message(), "ErrorCode nr19");
        assert_eq!(code(4).delivery, Delivery::Page(403));
    }

    #[test]
    fn spid_code_parses_either_form_and_displays_nr_nn() {
        for text in ["nr19", "19", "ErrorCode nr19", " nr19 "] {
            let c: SpidCode = text.parse().unwrap();
            assert_eq!(c.nr(), 19, "{text}");
            assert_eq!(c.to_string(), "nr19");
        }
        assert_eq!("nr04".parse::<SpidCode>().unwrap().to_string(), "nr04");
        assert_eq!(
            "4".parse::<SpidCode>().unwrap().row().delivery,
            Delivery::Page(403)
        );
        for bad in [
            "nr24", "nr26", "nr1", "nr", "", "nr+19", "nr190", "x19", "nr31",
        ] {
            let e = bad.parse::<SpidCode>().unwrap_err();
            assert!(
                e.to_string().contains("is not a SPID error code"),
                "{bad}: {e}"
            );
        }
        assert_eq!(SpidCode::new(24), None);
        assert_eq!(SpidCode::all().count(), ERROR_CODES.len());
        let json = serde_json::to_string(&SpidCode::new(22).unwrap()).unwrap();
        assert_eq!(json, "\"nr22\"");
        assert_eq!(serde_json::from_str::<SpidCode>(&json).unwrap().nr(), 22);
        assert!(serde_json::from_str::<SpidCode>("\"nr27\"").is_err());
    }
}
