//! A minimal service provider for driving the mock providers: metadata, AuthnRequests on both
//! bindings, and reading what comes back (an IdP page or an auto-posted Response).

use base64::Engine;
use mock_idps::federation::{FederationConfig, MockFederation};
use mock_idps::fixtures::{load_key, FixtureSource, Fixtures};
use mock_idps::saml::binding::{encode_redirect, MessageKind};
use mock_idps::saml::dsig::sign_enveloped;
use mock_idps::saml::keys::SigningKey;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::Node;
use mock_idps::saml::xml_writer::XmlWriter;
use mock_idps::spid::level::Level;

pub const SP_ENTITY: &str = "https://sp.example.it";
pub const ACS0: &str = "https://sp.example.it/acs";
pub const ACS1: &str = "https://sp.example.it/acs-alt";
pub const SLO: &str = "https://sp.example.it/slo";

/// Attributes of AttributeConsumingService index 0.
pub const ATTRS0: &[&str] = &[
    "name",
    "familyName",
    "fiscalNumber",
    "email",
    "address",
    "dateOfBirth",
];

pub fn sp_key() -> SigningKey {
    load_key(&FixtureSource::Embedded, "keys/test-sp").unwrap()
}

pub fn metadata(key: &SigningKey) -> String {
    let mut w = XmlWriter::new();
    w.open(
        "md:EntityDescriptor",
        &[
            ("xmlns:md", ns::METADATA),
            ("xmlns:ds", ns::DSIG),
            ("entityID", SP_ENTITY),
            ("ID", "_sp_md"),
        ],
    );
    w.open(
        "md:SPSSODescriptor",
        &[
            ("AuthnRequestsSigned", "true"),
            ("WantAssertionsSigned", "true"),
            ("protocolSupportEnumeration", ns::PROTOCOL),
        ],
    );
    w.open("md:KeyDescriptor", &[("use", "signing")])
        .open("ds:KeyInfo", &[])
        .open("ds:X509Data", &[])
        .leaf("ds:X509Certificate", &[], key.cert_base64())
        .close("ds:X509Data")
        .close("ds:KeyInfo")
        .close("md:KeyDescriptor");
    w.empty(
        "md:SingleLogoutService",
        &[("Binding", ns::BINDING_POST), ("Location", SLO)],
    );
    w.empty(
        "md:SingleLogoutService",
        &[("Binding", ns::BINDING_REDIRECT), ("Location", SLO)],
    );
    w.leaf("md:NameIDFormat", &[], ns::NAMEID_TRANSIENT);
    w.empty(
        "md:AssertionConsumerService",
        &[
            ("Binding", ns::BINDING_POST),
            ("Location", ACS0),
            ("index", "0"),
            ("isDefault", "true"),
        ],
    );
    w.empty(
        "md:AssertionConsumerService",
        &[
            ("Binding", ns::BINDING_POST),
            ("Location", ACS1),
            ("index", "1"),
        ],
    );
    w.empty(
        "md:AssertionConsumerService",
        &[
            ("Binding", ns::BINDING_REDIRECT),
            ("Location", ACS1),
            ("index", "2"),
        ],
    );
    w.open("md:AttributeConsumingService", &[("index", "0")]);
    w.leaf("md:ServiceName", &[("xml:lang", "it")], "Servizi online");
    for a in ATTRS0 {
        w.empty("md:RequestedAttribute", &[("Name", a)]);
    }
    w.close("md:AttributeConsumingService");
    w.open("md:AttributeConsumingService", &[("index", "1")]);
    w.leaf(
        "md:ServiceName",
        &[("xml:lang", "it")],
        "Solo codice fiscale",
    );
    w.empty("md:RequestedAttribute", &[("Name", "fiscalNumber")]);
    w.close("md:AttributeConsumingService");
    w.close("md:SPSSODescriptor");
    w.open("md:Organization", &[])
        .leaf(
            "md:OrganizationName",
            &[("xml:lang", "it")],
            "Comune di Prova",
        )
        .leaf(
            "md:OrganizationDisplayName",
            &[("xml:lang", "it")],
            "Comune di Prova",
        )
        .leaf(
            "md:OrganizationURL",
            &[("xml:lang", "it")],
            "https://sp.example.it",
        )
        .close("md:Organization");
    w.close("md:EntityDescriptor");
    w.finish()
}

/// Every field of an AuthnRequest, so that a test can break exactly one.
#[derive(Debug, Clone)]
pub struct Req {
    pub id: Option<String>,
    pub version: Option<String>,
    pub issue_instant: Option<String>,
    pub destination: Option<String>,
    pub force_authn: Option<String>,
    pub is_passive: Option<String>,
    pub acs_index: Option<String>,
    pub acs_url: Option<String>,
    pub protocol_binding: Option<String>,
    pub attr_index: Option<String>,
    pub issuer: Option<String>,
    pub issuer_format: Option<String>,
    pub name_id_policy: Option<Option<String>>,
    pub comparison: Option<String>,
    pub class_refs: Vec<String>,
    pub rac_count: usize,
    pub purpose: Option<String>,
}

impl Req {
    pub fn new(destination: &str, level: Level, now: &str) -> Self {
        let s = |v: &str| Some(v.to_string());
        Req {
            id: s("_req0123456789abcdef"),
            version: s("2.0"),
            issue_instant: s(now),
            destination: s(destination),
            force_authn: (level > Level::L1).then(|| "true".to_string()),
            is_passive: None,
            acs_index: s("0"),
            acs_url: None,
            protocol_binding: None,
            attr_index: s("0"),
            issuer: s(SP_ENTITY),
            issuer_format: s(ns::NAMEID_ENTITY),
            name_id_policy: Some(s(ns::NAMEID_TRANSIENT)),
            comparison: s("minimum"),
            class_refs: vec![level.uri().to_string()],
            rac_count: 1,
            purpose: None,
        }
    }

    pub fn xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open_opt(
            "samlp:AuthnRequest",
            &[
                ("xmlns:samlp", Some(ns::PROTOCOL)),
                ("xmlns:saml", Some(ns::ASSERTION)),
                ("xmlns:spid", Some(ns::SPID)),
                ("AssertionConsumerServiceIndex", self.acs_index.as_deref()),
                ("AssertionConsumerServiceURL", self.acs_url.as_deref()),
                ("AttributeConsumingServiceIndex", self.attr_index.as_deref()),
                ("Destination", self.destination.as_deref()),
                ("ForceAuthn", self.force_authn.as_deref()),
                ("ID", self.id.as_deref()),
                ("IsPassive", self.is_passive.as_deref()),
                ("IssueInstant", self.issue_instant.as_deref()),
                ("ProtocolBinding", self.protocol_binding.as_deref()),
                ("Version", self.version.as_deref()),
            ],
        );
        if let Some(issuer) = &self.issuer {
            w.open_opt(
                "saml:Issuer",
                &[
                    ("Format", self.issuer_format.as_deref()),
                    ("NameQualifier", Some(SP_ENTITY)),
                ],
            )
            .text(issuer)
            .close("saml:Issuer");
        }
        if let Some(p) = &self.purpose {
            w.open("samlp:Extensions", &[])
                .leaf("spid:Purpose", &[], p)
                .close("samlp:Extensions");
        }
        if let Some(policy) = &self.name_id_policy {
            w.open_opt("samlp:NameIDPolicy", &[("Format", policy.as_deref())])
                .close("samlp:NameIDPolicy");
        }
        for _ in 0..self.rac_count {
            w.open_opt(
                "samlp:RequestedAuthnContext",
                &[("Comparison", self.comparison.as_deref())],
            );
            for c in &self.class_refs {
                w.leaf("saml:AuthnContextClassRef", &[], c);
            }
            w.close("samlp:RequestedAuthnContext");
        }
        w.close("samlp:AuthnRequest");
        w.finish()
    }
}

/// How a request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Redirect,
    Post,
}

/// What the IdP answered.
#[derive(Debug)]
pub enum Reply {
    /// An IdP page (login step or error page).
    Page { status: u16, body: String },
    /// An auto-posted SAMLResponse.
    Response {
        acs: String,
        xml: String,
        relay: Option<String>,
    },
}

impl Reply {
    pub fn response(self) -> String {
        match self {
            Reply::Response { xml, .. } => xml,
            Reply::Page { status, body } => {
                panic!("expected a Response, got a page ({status}): {body}")
            }
        }
    }
}

/// The XML a page auto-posts in its hidden input `name` (`SAMLRequest` or `SAMLResponse`),
/// base64-decoded.
pub fn posted_xml(body: &str, name: &str) -> Option<String> {
    let value = field(body, name)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .expect("the posted message is base64");
    Some(String::from_utf8(bytes).expect("the posted message is UTF-8"))
}

/// Reads an IdP answer body.
pub fn read_reply(status: u16, body: String) -> Reply {
    match posted_xml(&body, "SAMLResponse") {
        Some(xml) => {
            let acs = between(&body, "action=\"", "\"").unwrap_or_default();
            Reply::Response {
                acs,
                xml,
                relay: field(&body, "RelayState"),
            }
        }
        None => Reply::Page { status, body },
    }
}

/// The element below `node` reached through the children named `path`, all in namespace `ns`.
pub fn descend<'d, 'a>(node: Node<'d, 'a>, ns: &'d str, path: &[&'d str]) -> Node<'d, 'a> {
    path.iter().fold(node, |n, name| {
        n.child(ns, name)
            .unwrap_or_else(|| panic!("no {name} in {}", n.local_name()))
    })
}

pub use test_support::between;
/// The `value` of the hidden input named `name`.
pub use test_support::form_value as field;

/// The mock providers configured as `config` says, with this test SP (signing with `driver`'s
/// key) registered.
pub async fn federation(driver: &Driver, config: FederationConfig) -> MockFederation {
    MockFederation::start_with(FederationConfig {
        sp_metadata: vec![metadata(&driver.key)],
        ..config
    })
    .await
    .unwrap()
}

/// The status and text of the answer to `req`.
pub async fn answer(req: reqwest::RequestBuilder) -> (u16, String) {
    let resp = req.send().await.expect("an answer");
    (resp.status().as_u16(), resp.text().await.expect("text"))
}

/// The mock providers with this test SP registered, and the SP's driver: what every test
/// environment (`it`, `interop`) starts with.
pub struct Site {
    pub fed: MockFederation,
    pub driver: Driver,
}

impl Site {
    /// The providers configured as `config` says, with a new driver's SP registered.
    pub async fn start(config: FederationConfig) -> Site {
        let driver = Driver::new();
        let fed = federation(&driver, config).await;
        Site { fed, driver }
    }

    pub fn sso(&self, provider: &str) -> String {
        self.fed.urls().providers[provider].sso.clone()
    }

    pub fn root(&self, provider: &str) -> String {
        self.sso(provider).trim_end_matches("/sso").to_string()
    }

    pub async fn send(&self, provider: &str, req: &Req, binding: Binding) -> Reply {
        self.driver
            .send(&self.sso(provider), req, binding, Some("rs-opaque-1"))
            .await
    }

    /// Logs `user` in at `provider` through every page; returns the final answer.
    pub async fn login_via_pages(
        &self,
        provider: &str,
        req: &Req,
        binding: Binding,
        user: &str,
    ) -> Reply {
        let fixtures = &self.fed.state().fixtures;
        self.driver
            .login_via_pages(&self.sso(provider), fixtures, req, binding, user)
            .await
    }
}

pub struct Driver {
    pub client: reqwest::Client,
    pub key: SigningKey,
}

impl Driver {
    pub fn new() -> Self {
        Driver {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            key: sp_key(),
        }
    }

    /// Sends a request signed as the binding wants.
    pub async fn send(&self, sso: &str, req: &Req, binding: Binding, relay: Option<&str>) -> Reply {
        let xml = req.xml();
        match binding {
            Binding::Redirect => {
                let q = encode_redirect(MessageKind::Request, &xml, relay, Some(&self.key));
                self.get(&format!("{sso}?{q}")).await
            }
            Binding::Post => {
                let signed = sign_enveloped(&xml, req.id.as_deref().unwrap_or("_x"), &self.key)
                    .unwrap_or(xml);
                self.post_request(sso, &signed, relay).await
            }
        }
    }

    pub async fn post_request(&self, sso: &str, xml: &str, relay: Option<&str>) -> Reply {
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
        let mut form = vec![("SAMLRequest", b64)];
        if let Some(r) = relay {
            form.push(("RelayState", r.to_string()));
        }
        let resp = self.client.post(sso).form(&form).send().await.unwrap();
        let status = resp.status().as_u16();
        read_reply(status, resp.text().await.unwrap())
    }

    pub async fn get(&self, url: &str) -> Reply {
        let resp = self.client.get(url).send().await.unwrap();
        let status = resp.status().as_u16();
        read_reply(status, resp.text().await.unwrap())
    }

    /// Logs `user` (of `fixtures`) in at the provider whose SSO endpoint is `sso` through
    /// every page: username and password, then the OTP, device PIN or consent page as they come;
    /// returns the final answer.
    pub async fn login_via_pages(
        &self,
        sso: &str,
        fixtures: &Fixtures,
        req: &Req,
        binding: Binding,
        user: &str,
    ) -> Reply {
        let fixture_user = fixtures.user(user);
        let password = fixture_user.map(|u| u.password.clone()).unwrap_or_default();
        let reply = self.send(sso, req, binding, Some("rs-opaque-1")).await;
        let Reply::Page { body, .. } = reply else {
            return reply;
        };
        let token = field(&body, "token").expect("login page has a token");
        let root = sso.trim_end_matches("/sso");
        let mut reply = self
            .step(
                root,
                &[
                    ("token", &token),
                    ("username", user),
                    ("password", &password),
                    ("action", "continue"),
                ],
            )
            .await;
        for _ in 0..3 {
            let Reply::Page { body, .. } = &reply else {
                return reply;
            };
            reply = if body.contains("id=\"otp-form\"") {
                let otp = between(body, "<output id=\"simulated-otp\">", "<").unwrap();
                self.step(root, &[("token", &token), ("otp", &otp)]).await
            } else if body.contains("id=\"device-form\"") {
                let pin = fixture_user.and_then(|u| u.device_pin.clone()).unwrap();
                self.step(root, &[("token", &token), ("pin", &pin)]).await
            } else if body.contains("id=\"consent-form\"") {
                self.step(root, &[("token", &token), ("action", "continue")])
                    .await
            } else {
                return reply;
            };
        }
        reply
    }

    /// Types `user` and `password` on the login page of `token` at the provider `idp_root`.
    pub async fn credentials(
        &self,
        idp_root: &str,
        token: &str,
        user: &str,
        password: &str,
    ) -> Reply {
        self.step(
            idp_root,
            &[("token", token), ("username", user), ("password", password)],
        )
        .await
    }

    /// Posts a login-step form.
    pub async fn step(&self, idp_root: &str, fields: &[(&str, &str)]) -> Reply {
        let resp = self
            .client
            .post(format!("{idp_root}/login"))
            .form(fields)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        read_reply(status, resp.text().await.unwrap())
    }
}
