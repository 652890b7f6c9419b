//! The scenario file as written (TOML), every value with its byte span so errors can name the line
//! and column. Unknown keys are errors (`deny_unknown_fields`); what each step kind needs is
//! checked in [`super::load`].
//!
//! ```toml
//! title = "Lockout after 10 failures"
//! start = 2019-03-01T09:00:00Z          # the simulated clock starts here
//! seed = 7                               # optional: ids and codes (default 1)
//!
//! [actors]                               # alias = fixture username or codice fiscale
//! mario = "mario.rossi"
//!
//! [[step]]
//! do = "request-pin"                     # the step kind
//! actor = "mario"
//! channel = "online"
//! expect = "ok"                          # or an error code, e.g. "PIN_LOCKED", "nr19"
//! covers = ["PIN-02", "PIN-06"]          # rule ids
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// One line for reports.
    pub title: Spanned<String>,
    /// A longer note.
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    /// Where the simulated clock starts (a TOML date-time with offset, or a date: midnight UTC).
    pub start: Spanned<toml::value::Datetime>,
    /// Seed of the ids and codes.
    #[serde(default)]
    pub seed: Option<Spanned<u64>>,
    /// Aliases of fixture identities.
    #[serde(default)]
    pub actors: BTreeMap<String, Spanned<String>>,
    /// The steps, in order.
    #[serde(default, rename = "step")]
    pub steps: Vec<Spanned<StepSpec>>,
}

/// One step as written: `do` names the kind; which other keys it takes depends on the kind.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// The step kind.
    #[serde(rename = "do")]
    pub action: Option<Spanned<String>>,
    /// One line for reports.
    pub title: Option<Spanned<String>>,
    /// `ok` or an error code.
    pub expect: Option<Spanned<String>>,
    /// Rule ids the step covers.
    pub covers: Option<Vec<Spanned<String>>>,
    /// Run the step this many times, each with the same expectation.
    pub times: Option<Spanned<u32>>,
    /// Who acts.
    pub actor: Option<Spanned<String>>,
    /// advance: a duration (`"7d"`, `"5m"`, `"6mo"`, `"1y 2d"`).
    pub by: Option<Spanned<String>>,
    /// advance: an instant or a day to move to.
    pub to: Option<Spanned<toml::value::Datetime>>,
    /// request-pin: online | contact-center | office; delegate: office | online.
    pub channel: Option<Spanned<String>>,
    /// Expected PIN kind on success: ordinario | dispositivo.
    pub kind: Option<Spanned<String>>,
    /// Expected PIN scope on success: full | dedicated.
    pub scope: Option<Spanned<String>>,
    /// Which PIN the actor types: right | wrong | initial | first-half.
    pub pin: Option<Spanned<String>>,
    /// A service id of the catalogue.
    pub service: Option<Spanned<String>>,
    /// Expected claim status on success: frozen | processing.
    pub claim: Option<Spanned<String>>,
    /// convert: online-mv35 | fax | office.
    pub method: Option<Spanned<String>>,
    /// convert: an identity document is supplied.
    pub document: Option<Spanned<bool>>,
    /// convert online: the form MV35 is signed.
    pub mv35_signed: Option<Spanned<bool>>,
    /// recover: the contacts given match those on record.
    pub contacts: Option<Spanned<String>>,
    /// Phone PIN validity: 1-day | 1-week | 1-month | 3-months.
    pub validity: Option<Spanned<String>>,
    /// The login method used before the step: pin | spid-l1 | spid-l2 | spid-l3 | cie | cns.
    pub via: Option<Spanned<String>>,
    /// Delegation: the person represented (an actor).
    pub delegante: Option<Spanned<String>>,
    /// Delegation: the trusted person (an actor).
    pub delegato: Option<Spanned<String>>,
    /// Delegation form: AA08 | AA09 | AA10.
    pub form: Option<Spanned<String>>,
    /// Delegation: last day.
    pub until: Option<Spanned<toml::value::Datetime>>,
    /// Delegation: the services allowed.
    pub limits: Option<Vec<Spanned<String>>>,
    /// Delegation AA09: a doctor's certificate is attached.
    pub certificate: Option<Spanned<bool>>,
    /// spid-login, oidc-login: provider id.
    pub provider: Option<Spanned<String>>,
    /// spid-login, oidc-login: level 1, 2 or 3.
    pub level: Option<Spanned<u8>>,
    /// spid-login, oidc-login: how the login ends at the provider.
    pub outcome: Option<Spanned<String>>,
    /// pin-status: the expected state.
    pub state: Option<Spanned<String>>,
    /// deliver-mail: the delivery must fall within this many days of the request, e.g. [7, 15].
    pub within_days: Option<Spanned<Vec<u32>>>,
    /// timeline: the expected phase id.
    pub phase: Option<Spanned<String>>,
    /// timeline: whether the actor may be issued a new PIN (on any channel).
    pub may_request: Option<Spanned<bool>>,
    /// timeline: whether the actor's PIN opens citizen services.
    pub pin_valid: Option<Spanned<bool>>,
    /// timeline: whether the actor's PIN opens company and intermediary services.
    pub pin_valid_company: Option<Spanned<bool>>,
    /// timeline: login methods a service must accept (all listed must be accepted).
    pub must_accept: Option<Vec<Spanned<String>>>,
    /// timeline: login methods a service need not accept (none listed may be required).
    pub not_accept: Option<Vec<Spanned<String>>>,
    /// timeline: where a delega may be filed: none | office | office-and-online.
    pub delega: Option<Spanned<String>>,
    /// load: how long logins start (`"10s"`, `"2m"`).
    pub duration: Option<Spanned<String>>,
    /// load: the arrival rate of the open model (`"50/s"`).
    pub rate: Option<Spanned<String>>,
    /// load: users logging in back to back (the closed model).
    pub concurrency: Option<Spanned<u32>>,
    /// load: no more logins than this.
    pub max_logins: Option<Spanned<u64>>,
    /// load: redirect | post | both.
    pub binding: Option<Spanned<String>>,
    /// load: the mocks' auto-login mix (`"mario.rossi*9+mario.rossi:consent-denied*1"`).
    pub auto_login: Option<Spanned<String>>,
    /// load: logins in flight at the end get this long (`"5s"`).
    pub graceful_stop: Option<Spanned<String>>,
    /// load threshold: end-to-end p99 at most this (`"80ms"`).
    pub max_p99: Option<Spanned<String>>,
    /// load threshold: failed logins at most this share (`"0.1%"`).
    pub max_error_rate: Option<Spanned<String>>,
    /// load threshold: accepted logins per second at least this (`"20/s"`).
    pub min_rate: Option<Spanned<String>>,
}

/// The top-level keys of a scenario file.
pub const FILE_KEYS: &[&str] = &["title", "description", "start", "seed", "actors", "step"];

impl StepSpec {
    /// The keys present in this step, with their spans, in the order of the fields of [`StepSpec`].
    pub fn present(&self) -> Vec<(&'static str, std::ops::Range<usize>)> {
        fn s<T>(v: &Option<Spanned<T>>) -> Option<std::ops::Range<usize>> {
            v.as_ref().map(Spanned::span)
        }
        fn l<T>(v: &Option<Vec<Spanned<T>>>) -> Option<std::ops::Range<usize>> {
            v.as_ref()
                .map(|v| v.first().map(Spanned::span).unwrap_or_default())
        }
        let all = [
            ("do", s(&self.action)),
            ("title", s(&self.title)),
            ("expect", s(&self.expect)),
            ("covers", l(&self.covers)),
            ("times", s(&self.times)),
            ("actor", s(&self.actor)),
            ("by", s(&self.by)),
            ("to", s(&self.to)),
            ("channel", s(&self.channel)),
            ("kind", s(&self.kind)),
            ("scope", s(&self.scope)),
            ("pin", s(&self.pin)),
            ("service", s(&self.service)),
            ("claim", s(&self.claim)),
            ("method", s(&self.method)),
            ("document", s(&self.document)),
            ("mv35_signed", s(&self.mv35_signed)),
            ("contacts", s(&self.contacts)),
            ("validity", s(&self.validity)),
            ("via", s(&self.via)),
            ("delegante", s(&self.delegante)),
            ("delegato", s(&self.delegato)),
            ("form", s(&self.form)),
            ("until", s(&self.until)),
            ("limits", l(&self.limits)),
            ("certificate", s(&self.certificate)),
            ("provider", s(&self.provider)),
            ("level", s(&self.level)),
            ("outcome", s(&self.outcome)),
            ("state", s(&self.state)),
            ("within_days", s(&self.within_days)),
            ("phase", s(&self.phase)),
            ("may_request", s(&self.may_request)),
            ("pin_valid", s(&self.pin_valid)),
            ("pin_valid_company", s(&self.pin_valid_company)),
            ("must_accept", l(&self.must_accept)),
            ("not_accept", l(&self.not_accept)),
            ("delega", s(&self.delega)),
            ("duration", s(&self.duration)),
            ("rate", s(&self.rate)),
            ("concurrency", s(&self.concurrency)),
            ("max_logins", s(&self.max_logins)),
            ("binding", s(&self.binding)),
            ("auto_login", s(&self.auto_login)),
            ("graceful_stop", s(&self.graceful_stop)),
            ("max_p99", s(&self.max_p99)),
            ("max_error_rate", s(&self.max_error_rate)),
            ("min_rate", s(&self.min_rate)),
        ];
        all.into_iter()
            .filter_map(|(k, span)| span.map(|s| (k, s)))
            .collect()
    }
}
