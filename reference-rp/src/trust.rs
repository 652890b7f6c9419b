//! The RP's own trust-chain resolution of an OpenID Provider, written apart from the mocks'
//! resolver (`mock_idps::oidc::federation::chain`) so that a bug in one cannot hide the same bug
//! in the other; only the JWS signature maths comes from `mock_idps::oidc::jose`.
//!
//! What it does (OpenID Federation 1.0, "Trust Chain", "Resolving the Trust Chain and
//! Metadata", "Metadata Policy", "Constraints", "Trust Marks"; spid-cie-oidc-docs
//! entity_statement.rst and trust_marks.rst):
//!
//! 1. From the OP's entity configuration, follow `authority_hints` up: fetch each superior's
//!    entity configuration, then from its `federation_fetch_endpoint` the subordinate statement
//!    it issues about the entity below. Each statement has `typ: entity-statement+jwt`, the
//!    expected `iss` and `sub`, and is valid now (`iat`, `exp`).
//! 2. Signatures: the trust anchor's configuration with the anchor keys the RP was configured
//!    with (never with the keys it publishes); every subordinate statement with its issuer's
//!    keys; every entity configuration below with the keys its superior's statement lists.
//! 3. `max_path_length` of the anchor's configuration and of every subordinate statement.
//! 4. The policies of the subordinate statements, merged from the anchor down and applied to
//!    the OP's metadata (`value`, `add`, `default`, `one_of`, `subset_of`, `superset_of`,
//!    `essential`); a conflict or a violated operator refuses the chain.
//! 5. Trust marks (separately, [`verify_trust_marks`]): a mark of the required type whose `sub`
//!    is the OP, issued by an entity the anchor lists for that type in `trust_mark_issuers`,
//!    signed with the issuer's keys (its own chain resolved to the anchor), unexpired, and
//!    active at the issuer's `federation_trust_mark_status_endpoint` when it has one.

use crate::error::RpError;
use mock_idps::oidc::jose::{jws, Jwks, JwsAlg};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;

/// The fault switch of the chain checks.
pub const CHAIN: &str = "op-trust-chain";
/// The fault switch of the trust-mark checks.
pub const MARK: &str = "op-trust-mark";

/// Signature algorithms accepted on statements and marks (cryptographic_algos.rst).
const ALGS: [JwsAlg; 4] = [JwsAlg::RS256, JwsAlg::RS512, JwsAlg::PS256, JwsAlg::ES256];
/// Most superiors followed up from the OP (a loop or a long chain stops here).
const MAX_DEPTH: usize = 5;
/// Clock skew tolerated on `iat`, in seconds.
const SKEW: i64 = 60;
/// Largest statement read, in bytes.
const MAX_BODY: usize = 64 * 1024;
const STATEMENT_TYP: &str = "entity-statement+jwt";
const MARK_TYP: &str = "trust-mark+jwt";

/// The trust anchor the RP trusts, configured out of band: its entity id and its federation
/// keys, and the trust mark type an OP must hold.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    /// Its entity id.
    pub entity_id: String,
    /// Its federation public keys.
    pub jwks: Jwks,
    /// The trust mark type an OP must hold (`None`: any type the anchor lists issuers for).
    pub op_trust_mark_type: Option<String>,
}

/// A statement decoded, its signature not yet checked.
#[derive(Debug, Clone)]
struct Statement {
    url: String,
    unverified: jws::Unverified,
    claims: Map<String, Value>,
}

impl Statement {
    fn decode(url: &str, jwt: &str, typ: &str, check: &'static str) -> Result<Self, RpError> {
        let bad = |d: String| RpError::refused(check, format!("{url}: {d}"));
        let unverified = jws::decode_unverified(jwt).map_err(|e| bad(format!("not a JWS: {e}")))?;
        if unverified.header.typ.as_deref() != Some(typ) {
            return Err(bad(format!(
                "typ is {}, not {typ}",
                crate::error::shown(unverified.header.typ.as_deref())
            )));
        }
        let claims: Map<String, Value> = unverified.claims().map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            url: url.to_string(),
            unverified,
            claims,
        })
    }

    fn bad(&self, check: &'static str, d: impl std::fmt::Display) -> RpError {
        RpError::refused(check, format!("{}: {d}", self.url))
    }

    fn text(&self, k: &str) -> Option<&str> {
        self.claims.get(k).and_then(Value::as_str)
    }

    fn int(&self, k: &str) -> Option<i64> {
        self.claims.get(k).and_then(Value::as_i64)
    }

    fn object(&self, k: &str) -> Option<&Map<String, Value>> {
        self.claims.get(k).and_then(Value::as_object)
    }

    /// The strings of the array claim `k` (none when it is absent or not an array).
    fn strings(&self, k: &str) -> Vec<String> {
        let items = self.claims.get(k).and_then(Value::as_array).into_iter();
        let texts = items.flatten().filter_map(Value::as_str);
        texts.map(str::to_string).collect()
    }

    /// The URL of the federation endpoint `name` in `metadata.federation_entity`.
    fn federation_endpoint(&self, name: &str) -> Option<&str> {
        self.claims
            .get("metadata")
            .and_then(|m| m.get("federation_entity"))
            .and_then(|f| f.get(name))
            .and_then(Value::as_str)
    }

    fn jwks(&self, check: &'static str) -> Result<Jwks, RpError> {
        let v = self
            .claims
            .get("jwks")
            .cloned()
            .ok_or_else(|| self.bad(check, "no jwks"))?;
        serde_json::from_value(v).map_err(|e| self.bad(check, format!("jwks: {e}")))
    }

    /// Verifies the signature with the keys configured for the trust anchor.
    fn verify_by_anchor(&self, anchor: &TrustAnchor, check: &'static str) -> Result<(), RpError> {
        self.verify(&anchor.jwks, "the configured trust anchor keys", check)
    }

    fn verify(&self, jwks: &Jwks, whose: &str, check: &'static str) -> Result<(), RpError> {
        jws::verify_decoded(self.unverified.clone(), jwks, &ALGS)
            .map(|_| ())
            .map_err(|e| {
                self.bad(
                    check,
                    format!("signature does not verify with {whose}: {e}"),
                )
            })
    }

    /// `iss` and `sub` as expected, `iat` not in the future, `exp` in the future.
    fn check_claims(
        &self,
        iss: &str,
        sub: &str,
        now: i64,
        check: &'static str,
    ) -> Result<(), RpError> {
        if self.text("iss") != Some(iss) || self.text("sub") != Some(sub) {
            return Err(self.bad(
                check,
                format!(
                    "iss {} and sub {}, expected {iss} and {sub}",
                    crate::error::shown(self.text("iss")),
                    crate::error::shown(self.text("sub"))
                ),
            ));
        }
        match (self.int("iat"), self.int("exp")) {
            (Some(iat), Some(exp)) if iat <= now + SKEW && exp > now => Ok(()),
            (iat, exp) => Err(self.bad(
                check,
                format!(
                    "valid from {} to {} (unix seconds), not now ({now}): expired or not yet valid",
                    crate::error::shown(iat),
                    crate::error::shown(exp)
                ),
            )),
        }
    }

    fn constraint_max_path_length(&self) -> Option<u64> {
        self.claims
            .get("constraints")
            .and_then(|c| c.get("max_path_length"))
            .and_then(Value::as_u64)
    }

    /// Refuses a `crit` naming a claim this RP does not understand (OpenID Federation 1.0,
    /// "crit").
    fn check_crit(&self, check: &'static str) -> Result<(), RpError> {
        match self.claims.get("crit").and_then(Value::as_array) {
            Some(names) if !names.is_empty() => Err(self.bad(
                check,
                format!("crit lists claims this RP does not understand: {names:?}"),
            )),
            _ => Ok(()),
        }
    }
}

/// One step up: the superior's entity configuration and its statement about the entity below.
#[derive(Debug, Clone)]
struct Link {
    superior: Statement,
    statement: Statement,
}

/// A resolved chain.
#[derive(Debug, Clone)]
pub struct ResolvedChain {
    /// The subject (the OP's entity id).
    pub subject: String,
    /// The subject's metadata with the superiors' policies applied.
    pub metadata: Map<String, Value>,
    /// When the chain expires (the earliest `exp` in it).
    pub exp: i64,
    /// How many intermediates stand between the subject and the anchor.
    pub intermediates: usize,
}

/// Resolves chains over HTTP with a configured anchor.
#[derive(Debug)]
pub struct Resolver<'a> {
    /// The client (no redirects, timeouts).
    pub http: &'a reqwest::Client,
    /// The anchor.
    pub anchor: &'a TrustAnchor,
    /// Now, in unix seconds.
    pub now: i64,
}

/// The well-known URL of an entity's configuration (OpenID Federation 1.0, "Obtaining
/// Federation Entity Configuration Information").
fn well_known(id: &str) -> String {
    format!("{}/.well-known/openid-federation", id.trim_end_matches('/'))
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Resolver<'_> {
    async fn get(&self, url: &str, check: &'static str) -> Result<String, RpError> {
        let bad = |d: String| RpError::refused(check, format!("{url}: {d}"));
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| bad(format!("unreachable: {e}")))?;
        if r.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(bad(format!("announces more than {MAX_BODY} bytes")));
        }
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.bytes().await.map_err(|e| bad(e.to_string()))?;
        if status != 200 {
            return Err(bad(format!("HTTP {status}")));
        }
        if body.len() > MAX_BODY {
            return Err(bad(format!("{} bytes, more than {MAX_BODY}", body.len())));
        }
        if !ctype.starts_with("application/entity-statement+jwt") {
            return Err(bad(format!(
                "Content-Type {ctype:?}, not application/entity-statement+jwt"
            )));
        }
        String::from_utf8(body.to_vec()).map_err(|e| bad(e.to_string()))
    }

    async fn configuration(&self, id: &str, check: &'static str) -> Result<Statement, RpError> {
        let url = well_known(id);
        let jwt = self.get(&url, check).await?;
        let st = Statement::decode(&url, &jwt, STATEMENT_TYP, check)?;
        st.check_claims(id, id, self.now, check)?;
        st.check_crit(check)?;
        Ok(st)
    }

    /// The links from `current` (an entity configuration, already decoded and time-checked)
    /// up to the anchor.
    fn up<'s>(
        &'s self,
        current: Statement,
        depth: usize,
        check: &'static str,
    ) -> BoxFut<'s, Result<Vec<Link>, RpError>> {
        Box::pin(async move {
            if depth >= MAX_DEPTH {
                return Err(current.bad(
                    check,
                    format!("more than {MAX_DEPTH} superiors without reaching the trust anchor"),
                ));
            }
            let sub = current.text("sub").unwrap_or_default().to_string();
            let hints = current.strings("authority_hints");
            if hints.is_empty() {
                return Err(current.bad(
                    check,
                    format!(
                        "no authority_hints: {sub} does not lead to the trust anchor {}",
                        self.anchor.entity_id
                    ),
                ));
            }
            // The anchor first when it is a direct superior; then the others in order.
            let mut ordered = hints.clone();
            ordered.sort_by_key(|h| *h != self.anchor.entity_id);
            let mut last = None;
            for hint in ordered {
                match self.link(&current, &sub, &hint, depth, check).await {
                    Ok(links) => return Ok(links),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| current.bad(check, "no superior")))
        })
    }

    async fn link(
        &self,
        current: &Statement,
        sub: &str,
        superior_id: &str,
        depth: usize,
        check: &'static str,
    ) -> Result<Vec<Link>, RpError> {
        let is_anchor = superior_id == self.anchor.entity_id;
        let superior = self.configuration(superior_id, check).await?;
        if is_anchor {
            superior.verify_by_anchor(self.anchor, check)?;
        } else {
            superior.verify(&superior.jwks(check)?, "its own jwks", check)?;
        }
        let fetch = superior
            .federation_endpoint("federation_fetch_endpoint")
            .ok_or_else(|| superior.bad(check, "no federation_entity.federation_fetch_endpoint"))?;
        let mut url = url::Url::parse(fetch)
            .map_err(|e| superior.bad(check, format!("fetch endpoint {fetch}: {e}")))?;
        url.query_pairs_mut().append_pair("sub", sub);
        let jwt = self.get(url.as_str(), check).await?;
        let statement = Statement::decode(url.as_str(), &jwt, STATEMENT_TYP, check)?;
        statement.check_claims(superior_id, sub, self.now, check)?;
        statement.check_crit(check)?;
        statement.verify(
            &superior.jwks(check)?,
            &format!("the keys of its issuer {superior_id}"),
            check,
        )?;
        current.verify(
            &statement.jwks(check)?,
            &format!("the keys {superior_id} lists for {sub}"),
            check,
        )?;
        let mut links = vec![Link {
            superior: superior.clone(),
            statement,
        }];
        if !is_anchor {
            links.extend(self.up(superior, depth + 1, check).await?);
        }
        Ok(links)
    }

    /// Resolves the chain of the entity whose configuration is `jwt` (fetched from
    /// `subject`'s well-known URL) and applies the policies to its metadata.
    pub async fn resolve(&self, subject: &str, jwt: &str) -> Result<ResolvedChain, RpError> {
        let url = well_known(subject);
        let leaf = Statement::decode(&url, jwt, STATEMENT_TYP, CHAIN)?;
        leaf.check_claims(subject, subject, self.now, CHAIN)?;
        leaf.check_crit(CHAIN)?;
        let links = self.up(leaf.clone(), 0, CHAIN).await?;
        let intermediates = links.len() - 1;
        // max_path_length: the intermediates between the constraint's issuer and the subject.
        let anchor_ec = &links[intermediates].superior;
        let mut limits: Vec<(usize, Option<u64>, &Statement)> = links
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.statement.constraint_max_path_length(), &l.statement))
            .collect();
        limits.push((
            intermediates,
            anchor_ec.constraint_max_path_length(),
            anchor_ec,
        ));
        for (below, max, st) in limits {
            if let Some(max) = max {
                if below as u64 > max {
                    return Err(st.bad(
                        CHAIN,
                        format!("max_path_length {max}, but {below} intermediates stand between it and {subject}"),
                    ));
                }
            }
        }
        let exp = std::iter::once(&leaf)
            .chain(links.iter().flat_map(|l| [&l.superior, &l.statement]))
            .filter_map(|s| s.int("exp"))
            .min()
            .unwrap_or(self.now);
        let mut metadata = leaf
            .object("metadata")
            .cloned()
            .ok_or_else(|| leaf.bad(CHAIN, "no metadata"))?;
        // The immediate superior may set metadata values for the subject (they win).
        if let Some(over) = links[0].statement.object("metadata") {
            for (kind, members) in over {
                if let (Some(dst), Some(src)) = (
                    metadata.get_mut(kind).and_then(Value::as_object_mut),
                    members.as_object(),
                ) {
                    for (k, v) in src {
                        dst.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        // The policies from the anchor's statement down.
        let mut merged: Map<String, Value> = Map::new();
        for l in links.iter().rev() {
            if let Some(p) = l.statement.object("metadata_policy") {
                let crit = l.statement.strings("metadata_policy_crit");
                policy::merge_into(&mut merged, p, &crit)
                    .map_err(|e| l.statement.bad(CHAIN, format!("metadata_policy: {e}")))?;
            }
        }
        for (kind, p) in &merged {
            if let (Some(md), Some(p)) = (
                metadata.get_mut(kind).and_then(Value::as_object_mut),
                p.as_object(),
            ) {
                policy::apply(md, p).map_err(|e| {
                    RpError::refused(
                        CHAIN,
                        format!("{subject}: its {kind} metadata breaks the federation policy: {e}"),
                    )
                })?;
            }
        }
        Ok(ResolvedChain {
            subject: subject.to_string(),
            metadata,
            exp,
            intermediates,
        })
    }

    /// Checks the trust marks in `jwt` (the subject's entity configuration): at least one of
    /// the required type is valid (see the module documentation). Returns the valid types.
    pub async fn verify_trust_marks(
        &self,
        subject: &str,
        jwt: &str,
    ) -> Result<Vec<String>, RpError> {
        let url = well_known(subject);
        let ec = Statement::decode(&url, jwt, STATEMENT_TYP, MARK)?;
        let anchor = self.configuration(&self.anchor.entity_id, MARK).await?;
        anchor.verify_by_anchor(self.anchor, MARK)?;
        let issuers = anchor
            .object("trust_mark_issuers")
            .cloned()
            .unwrap_or_default();
        let marks = ec
            .claims
            .get("trust_marks")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if marks.is_empty() {
            return Err(ec.bad(MARK, "no trust_marks"));
        }
        let mut valid = Vec::new();
        let mut problems = Vec::new();
        for m in &marks {
            match self.one_mark(subject, m, &issuers).await {
                Ok(t) => valid.push(t),
                Err(e) => problems.push(e),
            }
        }
        let wanted = |t: &String| {
            self.anchor
                .op_trust_mark_type
                .as_ref()
                .is_none_or(|w| w == t)
        };
        if valid.iter().any(wanted) {
            return Ok(valid);
        }
        Err(ec.bad(
            MARK,
            format!(
                "no valid trust mark{}: {}",
                self.anchor
                    .op_trust_mark_type
                    .as_ref()
                    .map(|t| format!(" of type {t}"))
                    .unwrap_or_default(),
                if problems.is_empty() {
                    "none of the required type".to_string()
                } else {
                    problems.join("; ")
                }
            ),
        ))
    }

    /// One entry of `trust_marks`: its type if valid, else why not.
    async fn one_mark(
        &self,
        subject: &str,
        entry: &Value,
        issuers: &Map<String, Value>,
    ) -> Result<String, String> {
        let naming = |v: &Value| {
            v.get("trust_mark_type")
                .or_else(|| v.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let listed_type = naming(entry).ok_or("an entry names no type (id or trust_mark_type)")?;
        let jwt = entry
            .get("trust_mark")
            .and_then(Value::as_str)
            .ok_or("an entry has no trust_mark JWT")?;
        let mark =
            Statement::decode("trust mark", jwt, MARK_TYP, MARK).map_err(|e| e.to_string())?;
        let t = naming(&Value::Object(mark.claims.clone()))
            .ok_or("the mark names no type (id or trust_mark_type)")?;
        if t != listed_type {
            return Err(format!("the entry says {listed_type}, the mark {t}"));
        }
        if mark.text("sub") != Some(subject) {
            return Err(format!(
                "{t}: sub is {}, not {subject}",
                crate::error::shown(mark.text("sub"))
            ));
        }
        let iss = mark
            .text("iss")
            .ok_or_else(|| format!("{t}: no iss"))?
            .to_string();
        let allowed = issuers
            .get(&t)
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(iss.as_str())));
        if !allowed {
            return Err(format!(
                "{t}: issuer {iss} is not listed by the trust anchor's trust_mark_issuers for this type"
            ));
        }
        if let Some(exp) = mark.int("exp") {
            if exp <= self.now {
                return Err(format!("{t}: expired at {exp} (now {})", self.now));
            }
        }
        if mark.int("iat").is_none_or(|i| i > self.now + SKEW) {
            return Err(format!("{t}: iat missing or in the future"));
        }
        // The issuer's keys come from its own chain to the anchor.
        let issuer_ec = self
            .configuration(&iss, MARK)
            .await
            .map_err(|e| e.to_string())?;
        let issuer_jwks = if iss == self.anchor.entity_id {
            issuer_ec
                .verify_by_anchor(self.anchor, MARK)
                .map_err(|e| e.to_string())?;
            self.anchor.jwks.clone()
        } else {
            self.up(issuer_ec.clone(), 0, MARK)
                .await
                .map_err(|e| format!("the issuer's chain: {e}"))?;
            issuer_ec.jwks(MARK).map_err(|e| e.to_string())?
        };
        mark.verify(&issuer_jwks, &format!("the issuer {iss}'s keys"), MARK)
            .map_err(|e| format!("{t}: {e}"))?;
        let status = issuer_ec.federation_endpoint("federation_trust_mark_status_endpoint");
        if let Some(status) = status {
            let r = self
                .http
                .post(status)
                .form(&[("trust_mark", jwt)])
                .send()
                .await
                .map_err(|e| format!("{t}: status endpoint {status}: {e}"))?;
            let body: Value = r
                .json()
                .await
                .map_err(|e| format!("{t}: status endpoint {status}: {e}"))?;
            if body.get("active") != Some(&Value::Bool(true)) {
                return Err(format!("{t}: the issuer's status endpoint says {body}"));
            }
        }
        Ok(t)
    }
}

/// Metadata policy: merging the statements' policies and applying the result (OpenID
/// Federation 1.0, "Metadata Policy": operators, their merge rules and their order).
pub(crate) mod policy {
    use serde_json::{Map, Value};

    /// The standard operators, in the order they are applied.
    pub const OPERATORS: [&str; 7] = [
        "value",
        "add",
        "default",
        "one_of",
        "subset_of",
        "superset_of",
        "essential",
    ];

    fn array(v: &Value, op: &str, param: &str) -> Result<Vec<Value>, String> {
        v.as_array()
            .cloned()
            .ok_or_else(|| format!("{param}.{op} is not an array"))
    }

    fn intersect(a: &[Value], b: &[Value]) -> Vec<Value> {
        a.iter().filter(|x| b.contains(x)).cloned().collect()
    }

    fn union(a: &[Value], b: &[Value]) -> Vec<Value> {
        let mut out = a.to_vec();
        for x in b {
            if !out.contains(x) {
                out.push(x.clone());
            }
        }
        out
    }

    /// The object under `key` in `map`, inserted empty when absent.
    fn object_entry<'m>(
        map: &'m mut Map<String, Value>,
        key: &str,
    ) -> Result<&'m mut Map<String, Value>, String> {
        map.entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| format!("{key} is not an object"))
    }

    /// Merges `lower` (a statement's `metadata_policy`, entity type → parameter → operators)
    /// into `merged` (the policies above it). `crit` are operators that must be understood.
    pub fn merge_into(
        merged: &mut Map<String, Value>,
        lower: &Map<String, Value>,
        crit: &[String],
    ) -> Result<(), String> {
        for (kind, params) in lower {
            let params = params
                .as_object()
                .ok_or_else(|| format!("{kind} is not an object"))?;
            let into = object_entry(merged, kind)?;
            for (param, ops) in params {
                let ops = ops
                    .as_object()
                    .ok_or_else(|| format!("{param} is not an object of operators"))?;
                let cur = object_entry(into, param)?;
                for (op, v) in ops {
                    let merged_v = match (op.as_str(), cur.get(op)) {
                        (_, None) => v.clone(),
                        ("value" | "default", Some(old)) if old == v => v.clone(),
                        ("value" | "default", Some(old)) => {
                            return Err(format!("{param}.{op}: {old} above, {v} below"))
                        }
                        ("add" | "superset_of", Some(old)) => {
                            Value::Array(union(&array(old, op, param)?, &array(v, op, param)?))
                        }
                        ("one_of" | "subset_of", Some(old)) => {
                            let both = intersect(&array(old, op, param)?, &array(v, op, param)?);
                            if op == "one_of" && both.is_empty() {
                                return Err(format!("{param}.one_of: no value allowed by both"));
                            }
                            Value::Array(both)
                        }
                        ("essential", Some(old)) => {
                            Value::Bool(old.as_bool() == Some(true) || v.as_bool() == Some(true))
                        }
                        (other, Some(_)) if crit.iter().any(|c| c == other) => {
                            return Err(format!(
                                "{param}: critical operator {other} not understood"
                            ))
                        }
                        (_, Some(old)) => old.clone(),
                    };
                    if !OPERATORS.contains(&op.as_str()) && crit.iter().any(|c| c == op) {
                        return Err(format!("{param}: critical operator {op} not understood"));
                    }
                    cur.insert(op.clone(), merged_v);
                }
            }
        }
        Ok(())
    }

    /// Applies one entity type's merged policy to its metadata.
    pub fn apply(md: &mut Map<String, Value>, policy: &Map<String, Value>) -> Result<(), String> {
        for (param, ops) in policy {
            let Some(ops) = ops.as_object() else {
                continue;
            };
            if let Some(v) = ops.get("value") {
                if v.is_null() {
                    md.remove(param);
                } else {
                    md.insert(param.clone(), v.clone());
                }
            }
            if let Some(add) = ops.get("add") {
                let add = array(add, "add", param)?;
                let cur = match md.get(param) {
                    None => Vec::new(),
                    Some(v) => array(v, "(the value)", param)?,
                };
                md.insert(param.clone(), Value::Array(union(&cur, &add)));
            }
            if let Some(d) = ops.get("default") {
                md.entry(param.clone()).or_insert_with(|| d.clone());
            }
            if let (Some(allowed), Some(v)) = (ops.get("one_of"), md.get(param)) {
                if !array(allowed, "one_of", param)?.contains(v) {
                    return Err(format!("{param} is {v}, not one of {allowed}"));
                }
            }
            if let (Some(allowed), Some(v)) = (ops.get("subset_of"), md.get(param).cloned()) {
                let kept = intersect(
                    &array(&v, "(the value)", param)?,
                    &array(allowed, "subset_of", param)?,
                );
                if kept.is_empty() {
                    md.remove(param);
                } else {
                    md.insert(param.clone(), Value::Array(kept));
                }
            }
            if let (Some(needed), Some(v)) = (ops.get("superset_of"), md.get(param)) {
                let have = array(v, "(the value)", param)?;
                let missing: Vec<Value> = array(needed, "superset_of", param)?
                    .into_iter()
                    .filter(|x| !have.contains(x))
                    .collect();
                if !missing.is_empty() {
                    return Err(format!("{param} lacks {missing:?} (superset_of)"));
                }
            }
            if ops.get("essential") == Some(&Value::Bool(true)) && !md.contains_key(param) {
                return Err(format!("{param} is essential and absent"));
            }
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        fn obj(v: Value) -> Map<String, Value> {
            v.as_object().cloned().unwrap_or_default()
        }

        #[test]
        fn operators_apply_in_order_and_violations_refuse() {
            let mut md = obj(json!({"a": ["x", "y", "z"], "b": "p", "g": ["s"]}));
            let p = obj(json!({
                "a": {"subset_of": ["x", "z", "w"], "superset_of": ["x"]},
                "b": {"one_of": ["p", "q"], "essential": true},
                "c": {"default": 5},
                "d": {"value": "fixed"},
                "g": {"add": ["t"]},
            }));
            apply(&mut md, &p).unwrap();
            assert_eq!(
                Value::Object(md),
                json!({"a": ["x", "z"], "b": "p", "c": 5, "d": "fixed", "g": ["s", "t"]})
            );
            let mut md = obj(json!({"b": "r"}));
            assert!(apply(&mut md, &obj(json!({"b": {"one_of": ["p"]}}))).is_err());
            let mut md = obj(json!({}));
            assert!(apply(&mut md, &obj(json!({"b": {"essential": true}}))).is_err());
            let mut md = obj(json!({"a": ["y"]}));
            assert!(apply(&mut md, &obj(json!({"a": {"superset_of": ["x"]}}))).is_err());
        }

        #[test]
        fn merging_intersects_unions_and_refuses_conflicts() {
            let mut m = Map::new();
            merge_into(
                &mut m,
                &obj(json!({"op": {"a": {"subset_of": ["x", "y"], "value": 1}}})),
                &[],
            )
            .unwrap();
            merge_into(
                &mut m,
                &obj(json!({"op": {"a": {"subset_of": ["y", "z"], "essential": true}}})),
                &[],
            )
            .unwrap();
            assert_eq!(
                m["op"]["a"],
                json!({"subset_of": ["y"], "value": 1, "essential": true})
            );
            assert!(merge_into(&mut m, &obj(json!({"op": {"a": {"value": 2}}})), &[]).is_err());
            assert!(merge_into(
                &mut Map::new(),
                &obj(json!({"op": {"a": {"regexp": "x"}}})),
                &["regexp".to_string()]
            )
            .is_err());
        }
    }
}
