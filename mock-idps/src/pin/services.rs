//! A small catalogue of INPS online services from the seeds (PIN-01, PIN-11, ID-10, SW-03), each with
//! who may use it, and the check that a PIN holder may open one.

use super::error::PinError;
use super::model::{Gestione, Occupation, Person, Pin, PinKind, PinScope};
use super::timeline::{Audience, Exemption};
use serde::Serialize;
use time::Date;

/// The MyINPS area a service sits in (ID-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// Claims: send, status.
    Claims,
    /// Company and intermediary services.
    Company,
    /// Fascicolo previdenziale: contribution position.
    Fascicolo,
    /// Notifications.
    Notifications,
    /// Pensions and payments: cedolini, certificates.
    PensionsPayments,
    /// Personal data: contacts, consents.
    PersonalData,
}

/// What using a service does (PIN-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Submits a claim: under an ordinario PIN it is accepted but frozen (PIN-03).
    Claim,
    /// Reads one's own data: any PIN kind.
    Consult,
    /// Changes payments or data with effects: a PIN dispositivo only (PIN-01, PIN-02).
    Dispose,
}

/// One service of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Stable id used by the API and scenarios.
    pub id: &'static str,
    /// Italian title as on the portal.
    pub title: &'static str,
    /// The MyINPS area (ID-10).
    pub area: Area,
    /// What it does.
    pub action: Action,
    /// Citizen or company/intermediary service.
    pub audience: Audience,
    /// The occupation it is for, if restricted (PIN-11).
    pub occupation: Option<Occupation>,
    /// The gestione it is for, if restricted (PIN-11).
    pub gestione: Option<Gestione>,
    /// When not empty, it is dedicated to these exempt categories (SW-03) and only they may use it.
    pub dedicated_to: &'static [Exemption],
}

const fn service(id: &'static str, title: &'static str, area: Area, action: Action) -> Service {
    Service {
        id,
        title,
        area,
        action,
        audience: Audience::Citizen,
        occupation: None,
        gestione: None,
        dedicated_to: &[],
    }
}

/// The catalogue, sorted by id.
pub static SERVICES: &[Service] = &[
    Service {
        audience: Audience::Company,
        ..service(
            "cassetto-previdenziale-aziende",
            "Cassetto previdenziale aziende",
            Area::Company,
            Action::Consult,
        )
    },
    Service {
        occupation: Some(Occupation::Pensioner),
        ..service(
            "cedolino-pensione",
            "Cedolino della pensione",
            Area::PensionsPayments,
            Action::Consult,
        )
    },
    Service {
        occupation: Some(Occupation::Pensioner),
        ..service(
            "certificazione-unica",
            "Certificazione Unica per i pensionati",
            Area::PensionsPayments,
            Action::Consult,
        )
    },
    service(
        "dati-personali",
        "Anagrafica e contatti",
        Area::PersonalData,
        Action::Consult,
    ),
    Service {
        occupation: Some(Occupation::Worker),
        gestione: Some(Gestione::Privata),
        ..service(
            "domanda-naspi",
            "Domanda NASpI",
            Area::Claims,
            Action::Claim,
        )
    },
    Service {
        occupation: Some(Occupation::Worker),
        ..service(
            "domanda-pensione",
            "Domanda di pensione",
            Area::Claims,
            Action::Claim,
        )
    },
    Service {
        dedicated_to: &[Exemption::ResidentAbroadWithoutItalianId],
        occupation: Some(Occupation::Pensioner),
        ..service(
            "esistenza-in-vita",
            "Accertamento dell'esistenza in vita dei pensionati all'estero",
            Area::PensionsPayments,
            Action::Claim,
        )
    },
    Service {
        occupation: Some(Occupation::Worker),
        gestione: Some(Gestione::Privata),
        ..service(
            "estratto-conto-contributivo",
            "Estratto conto contributivo",
            Area::Fascicolo,
            Action::Consult,
        )
    },
    Service {
        occupation: Some(Occupation::Worker),
        gestione: Some(Gestione::Pubblica),
        ..service(
            "estratto-conto-gdp",
            "Estratto conto Gestione Dipendenti Pubblici",
            Area::Fascicolo,
            Action::Consult,
        )
    },
    service(
        "fascicolo-previdenziale",
        "Fascicolo previdenziale del cittadino",
        Area::Fascicolo,
        Action::Consult,
    ),
    Service {
        occupation: Some(Occupation::Pensioner),
        ..service(
            "modalita-pagamento",
            "Variazione delle modalità di pagamento della pensione",
            Area::PensionsPayments,
            Action::Dispose,
        )
    },
    service(
        "notifiche",
        "Notifiche MyINPS",
        Area::Notifications,
        Action::Consult,
    ),
    Service {
        dedicated_to: &[Exemption::Minor],
        ..service(
            "pensione-superstiti-minori",
            "Pensione ai superstiti per i figli minori",
            Area::Claims,
            Action::Claim,
        )
    },
    Service {
        dedicated_to: &[Exemption::Protected],
        ..service(
            "prestazioni-tutelati",
            "Prestazioni per persone in tutela, curatela o amministrazione di sostegno",
            Area::Claims,
            Action::Claim,
        )
    },
    Service {
        dedicated_to: &[Exemption::NonEu, Exemption::NoItalianId],
        ..service(
            "rimborso-contributi-extracomunitari",
            "Rimborso contributi lavoratori extracomunitari",
            Area::Claims,
            Action::Claim,
        )
    },
    service(
        "stato-domande",
        "Stato delle domande",
        Area::Claims,
        Action::Consult,
    ),
    Service {
        audience: Audience::Company,
        ..service(
            "uniemens",
            "Denunce contributive UniEmens",
            Area::Company,
            Action::Dispose,
        )
    },
];

/// A service by id. ID-11: NoiPA is a separate platform, so it is in no catalogue of INPS services.
pub fn find(id: &str) -> Result<&'static Service, PinError> {
    SERVICES
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| PinError::UnknownService {
            service: id.to_string(),
        })
}

impl Service {
    /// Whether `person`'s registry data fit this service on `date` (PIN-11), else why not.
    pub fn fits(&self, person: &Person, date: Date) -> Result<(), PinError> {
        let refuse = |reason: &str| PinError::NotForProfile {
            service: self.id.to_string(),
            reason: reason.to_string(),
        };
        // PIN-11: a pensioner cannot use services for workers, and the other way round.
        match self.occupation {
            Some(Occupation::Worker) if person.occupation != Occupation::Worker => {
                return Err(refuse("it is for workers"))
            }
            Some(Occupation::Pensioner) if person.occupation != Occupation::Pensioner => {
                return Err(refuse("it is for pensioners"))
            }
            _ => {}
        }
        // PIN-11: Gestione Privata members cannot use Gestione Dipendenti Pubblici services.
        if let Some(g) = self.gestione {
            if person.gestione != Some(g) {
                return Err(refuse(match g {
                    Gestione::Privata => "it is for members of the Gestione Privata",
                    Gestione::Pubblica => "it is for members of the Gestione Dipendenti Pubblici",
                }));
            }
        }
        if self.audience == Audience::Company && !person.has_company_profile() {
            return Err(refuse("it is for companies and intermediaries"));
        }
        if !self.dedicated_to.is_empty() && !self.dedicated_to.iter().any(|e| e.fits(person, date))
        {
            return Err(refuse("it is dedicated to another category of people"));
        }
        Ok(())
    }

    /// Whether `pin` (of `person`) opens this service on `date`: registry (PIN-11), exemption
    /// scope (SW-03) and kind (PIN-01). Claims under an ordinario PIN pass: they are frozen (PIN-03).
    pub fn admits(&self, pin: &Pin, person: &Person, date: Date) -> Result<(), PinError> {
        self.fits(person, date)?;
        // SW-03: an exemption PIN opens only the services dedicated to its holder.
        if pin.scope == PinScope::Dedicated && self.dedicated_to.is_empty() {
            return Err(PinError::NotDedicated {
                service: self.id.to_string(),
            });
        }
        // PIN-01, PIN-02: dispositive operations need a PIN dispositivo.
        if self.action == Action::Dispose && pin.kind == PinKind::Ordinario {
            return Err(PinError::ConversionRequired {
                service: self.id.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_sorted_and_unique() {
        for pair in SERVICES.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].id,
                pair[1].id
            );
        }
        assert!(find("fascicolo-previdenziale").is_ok());
        assert_eq!(find("noipa").unwrap_err().code(), "PIN_UNKNOWN_SERVICE");
    }
}
