//! Delega dell'identità digitale (ID-08, docs/rules/inps-pin.md): a trusted person acts, with their own
//! SPID, CIE or CNS, for someone who cannot manage a digital identity.
//!
//! Rules: forms AA08 (the delegante at an office), AA09 (the delegato, with a doctor's certificate
//! when the delegante cannot attend), AA10 (tutori, curatori, amministratori di sostegno, parents:
//! legal representatives); at offices from the phase with `delega = "office"`, online from
//! `"office-and-online"` (2021-10-01); one delegato per delegante; at most `delegate_cap`
//! delegations per delegato (legal representatives unlimited); optional end date; revocable at any
//! time by either party, except by a delegante who is a minor or under tutela, curatela or AdS;
//! agreed limits (a list of services); both parties notified of filing and revocation, the
//! delegante of every operation.
//!
//! Decisions: the delegato must be an adult (they log in with their own SPID, ID-03); an online
//! filing needs the filer's own digital-identity login.

use super::backend::{PinBackend, ServiceAccess, State};
use super::error::PinError;
use super::model::{Carrier, LoginMethod, Person};
use super::services;
use super::store::Record;
use super::timeline::Delega;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The INPS form a delegation is filed with (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DelegationForm {
    /// Filed by the delegante, with a copy of their ID.
    Aa08,
    /// Filed by the delegato, with an SSN doctor's certificate when the delegante cannot attend.
    Aa09,
    /// Filed by a legal representative (tutore, curatore, AdS, parent): no cap applies.
    Aa10,
}

/// Where a delegation is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DelegationChannel {
    /// At an INPS office.
    Office,
    /// In MyINPS, "Deleghe identità digitali" (messaggio 3305/2021).
    Online,
}

/// A request to register a delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationRequest {
    /// Codice fiscale of the person represented.
    pub delegante: String,
    /// Codice fiscale of the trusted person.
    pub delegato: String,
    /// The form.
    pub form: DelegationForm,
    /// Office or online.
    pub channel: DelegationChannel,
    /// Last day, if any (else until revoked).
    #[serde(default)]
    pub until: Option<Date>,
    /// Service ids the delegato may use; empty means every service.
    #[serde(default)]
    pub limits: Vec<String>,
    /// With AA09: the doctor's certificate is attached.
    #[serde(default)]
    pub medical_certificate: bool,
    /// Online: how the filer logged in.
    #[serde(default)]
    pub via: Option<LoginMethod>,
}

/// A registered delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// Stable id.
    pub id: String,
    /// The person represented.
    pub delegante: String,
    /// The trusted person.
    pub delegato: String,
    /// The form.
    pub form: DelegationForm,
    /// Where it was filed.
    pub channel: DelegationChannel,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// Last day, if any.
    pub until: Option<Date>,
    /// Allowed services; empty means all.
    pub limits: Vec<String>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

impl Delegation {
    /// Whether it is in force on `date`.
    pub fn active_on(&self, date: Date) -> bool {
        self.revoked_at.is_none() && self.until.is_none_or(|u| date <= u)
    }
}

impl PinBackend {
    /// Registers a delegation (ID-08, §7.3).
    pub fn delegate(&self, req: &DelegationRequest) -> Result<Delegation, PinError> {
        let (now, date) = self.now();
        let delegante = self.person(&req.delegante)?;
        let delegato = self.person(&req.delegato)?;
        let refuse = |reason: String| Err(PinError::DelegationRefused { reason });
        if delegante.fiscal_code == delegato.fiscal_code {
            return refuse("a person cannot delegate themselves".into());
        }
        let phase = self.timeline.phase_at(date);
        match (phase.delega, req.channel) {
            (Delega::None, _) => {
                return refuse(format!(
                    "the delega dell'identità digitale does not exist yet on {date} (circolare 127/2021)"
                ))
            }
            (Delega::Office, DelegationChannel::Online) => {
                return refuse("online filing in MyINPS opens on 2021-10-01 (messaggio 3305/2021); file it at an INPS office".into())
            }
            _ => {}
        }
        if req.channel == DelegationChannel::Online
            && !req
                .via
                .is_some_and(|v| v.is_digital_identity(self.config.min_spid_level))
        {
            return refuse(
                "filing online needs a login with SPID (level 2 or 3), CIE or CNS".into(),
            );
        }
        if req.form == DelegationForm::Aa09 && !req.medical_certificate {
            return refuse(
                "form AA09 needs an SSN doctor's certificate stating the delegante cannot attend"
                    .into(),
            );
        }
        if delegato.is_minor_on(date) {
            return refuse("the delegato must be an adult with their own SPID, CIE or CNS".into());
        }
        if req.until.is_some_and(|u| u < date) {
            return refuse("the end date is in the past".into());
        }
        for s in &req.limits {
            services::find(s)?;
        }
        let mut state = self.lock();
        // §7.3: one delegato per delegante.
        if state
            .delegations
            .values()
            .any(|d| d.delegante == delegante.fiscal_code && d.active_on(date))
        {
            return refuse(
                "the delegante already has a delegato: revoke that delegation first".into(),
            );
        }
        // §7.3: a delegato holds at most `delegate_cap` delegations; legal representatives no limit.
        let held = state
            .delegations
            .values()
            .filter(|d| {
                d.delegato == delegato.fiscal_code
                    && d.active_on(date)
                    && d.form != DelegationForm::Aa10
            })
            .count();
        if req.form != DelegationForm::Aa10 && held >= self.config.delegate_cap as usize {
            return refuse(format!(
                "the delegato already holds {held} delegations, the most allowed ({})",
                self.config.delegate_cap
            ));
        }
        let d = Delegation {
            id: self.ids.token(),
            delegante: delegante.fiscal_code.clone(),
            delegato: delegato.fiscal_code.clone(),
            form: req.form,
            channel: req.channel,
            from: now,
            until: req.until,
            limits: req.limits.clone(),
            revoked_at: None,
            revoked_by: None,
        };
        let text = format!(
            "delega registrata: {} opera per {}",
            d.delegato, d.delegante
        );
        self.commit_notified(&mut state, &d, [delegante, delegato], &text, now)?;
        Ok(d)
    }

    /// Revokes a delegation on behalf of `by` (the delegante or the delegato).
    pub fn revoke_delegation(&self, id: &str, by: &str) -> Result<Delegation, PinError> {
        let (now, date) = self.now();
        let by = self.person(by)?;
        let mut state = self.lock();
        let refuse = |reason: &str| {
            Err(PinError::DelegationRefused {
                reason: reason.to_string(),
            })
        };
        let Some(d) = state.delegations.get(id).cloned() else {
            return refuse("no such delegation");
        };
        if d.revoked_at.is_some() {
            return refuse("the delegation is already revoked");
        }
        let delegante = self.person(&d.delegante)?;
        if by.fiscal_code == d.delegante {
            // §7.3: not revocable by minors or people under tutela, curatela or AdS.
            if delegante.is_minor_on(date) || delegante.protection.is_some() {
                return refuse("a minor or a person under tutela, curatela or amministrazione di sostegno cannot revoke; the legal representative can");
            }
        } else if by.fiscal_code != d.delegato {
            return refuse("only the delegante or the delegato can revoke a delegation");
        }
        let delegato = self.person(&d.delegato)?;
        let mut revoked = d;
        revoked.revoked_at = Some(now);
        revoked.revoked_by = Some(by.fiscal_code.clone());
        let text = format!("delega revocata da {}", by.fiscal_code);
        self.commit_notified(&mut state, &revoked, [delegante, delegato], &text, now)?;
        Ok(revoked)
    }

    /// Writes `d` together with a notification of `text` to each of its two parties (§7.3: both
    /// are notified of the filing and of the revocation).
    fn commit_notified(
        &self,
        state: &mut State,
        d: &Delegation,
        parties: [&Person; 2],
        text: &str,
        now: OffsetDateTime,
    ) -> Result<(), PinError> {
        let mut batch = vec![Record::Delegation(d.clone())];
        batch.extend(parties.map(|p| self.message(p, Carrier::Notification, text, "", now, now)));
        self.commit(state, batch)
    }

    /// The delegato, logged in with their own digital identity, opens a service for the delegante
    /// (ID-08); the delegante is notified.
    pub fn act_for(
        &self,
        delegato: &str,
        delegante: &str,
        via: LoginMethod,
        service: &str,
    ) -> Result<ServiceAccess, PinError> {
        let (now, date) = self.now();
        let delegato = self.person(delegato)?;
        let delegante = self.person(delegante)?;
        let refuse = |reason: String| Err(PinError::DelegationRefused { reason });
        // ID-08: the delegato uses their own identity; sharing credentials is not allowed.
        if !via.is_digital_identity(self.config.min_spid_level) {
            return refuse(
                "the delegato logs in with their own SPID (level 2 or 3), CIE or CNS".into(),
            );
        }
        let svc = services::find(service)?;
        let mut state = self.lock();
        let Some(d) = state
            .delegations
            .values()
            .find(|d| {
                d.delegante == delegante.fiscal_code
                    && d.delegato == delegato.fiscal_code
                    && d.active_on(date)
            })
            .cloned()
        else {
            return refuse("no delegation in force between these people".into());
        };
        // ID-08: agreed limits.
        if !d.limits.is_empty() && !d.limits.iter().any(|l| l == svc.id) {
            return refuse(format!("the agreed limits do not include {:?}", svc.id));
        }
        svc.fits(delegante, date)?;
        let text = format!("{} ha usato {} per conto tuo", delegato.fiscal_code, svc.id);
        // ID-08: the delegante is notified of the delegato's operations.
        let note = self.message(delegante, Carrier::Notification, &text, "", now, now);
        self.commit(&mut state, vec![note])?;
        Ok(ServiceAccess {
            service: svc.id.to_string(),
            title: svc.title.to_string(),
            area: svc.area,
            fiscal_code: delegante.fiscal_code.clone(),
        })
    }

    /// Every delegation where the person is delegante or delegato.
    pub fn delegations(&self, cf: &str) -> Vec<Delegation> {
        let cf = cf.trim().to_ascii_uppercase();
        let state = self.lock();
        state
            .delegations
            .values()
            .filter(|d| d.delegante == cf || d.delegato == cf)
            .cloned()
            .collect()
    }
}
