// The smallest SPID service provider built on @node-saml/node-saml, configured as a careful
// integrator would: signed AuthnRequests (RSA-SHA256, SHA-256) on HTTP-Redirect or HTTP-POST,
// signed Assertions required, InResponseTo always validated (and bound to the browser that
// started the login), the SPID level asked for with Comparison "minimum" and ForceAuthn above
// SpidL1, NameID transient without AllowCreate, the SPID attributes requested in the metadata,
// a replay cache of Assertion IDs, the level asserted checked against the level asked for (an
// upgrade is accepted), signed logout messages required, and signed SPID metadata with the
// public-sector ContactPerson extensions.
//
//   GET  /login?idp=ENTITYID&level=1|2|3&binding=redirect|post
//   POST /acs        Assertion Consumer Service
//   GET  /me         the protected page (200 when logged in, else 401)
//   GET  /logout     SP-initiated single logout; GET|POST /slo its endpoint
//   GET  /metadata   signed SP metadata
//
// Plain node:http: no web framework, so only the library under test and its XML helpers.
"use strict";

const http = require("node:http");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");
const { SAML, generateServiceProviderMetadata } = require("@node-saml/node-saml");
const { DOMParser, XMLSerializer } = require("@xmldom/xmldom");
const { SignedXml } = require("xml-crypto");

const LIB = "node-saml";
const ENTITY_ID = `https://${LIB}.interop.spid-harness.example`;
const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const SPID_NS = "https://spid.gov.it/saml-extensions";
const TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
const BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const ATTRIBUTES = ["spidCode", "name", "familyName", "fiscalNumber", "email", "dateOfBirth"];
const LEVEL = (n) => `https://www.spid.gov.it/SpidL${n}`;
const MAX_SESSIONS = 10000;

const keyDir = process.env.SP_KEY_DIR;
const KEY = fs.readFileSync(path.join(keyDir, `${LIB}.key.pem`), "utf8");
const CERT = fs.readFileSync(path.join(keyDir, `${LIB}.crt.pem`), "utf8");

// ---------------------------------------------------------------- trusted IdPs

function parseXml(text) {
  const errors = [];
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== "warning") errors.push(msg);
    },
  }).parseFromString(text, "text/xml");
  if (errors.length || /<!DOCTYPE/i.test(text)) throw new Error(`bad XML: ${errors.join("; ") || "DOCTYPE"}`);
  return doc;
}

function idpsFrom(text, into) {
  const doc = parseXml(text);
  const eds = doc.getElementsByTagNameNS(MD, "EntityDescriptor");
  for (let i = 0; i < eds.length; i++) {
    const ed = eds[i];
    const sso = ed.getElementsByTagNameNS(MD, "IDPSSODescriptor")[0];
    if (!sso) continue;
    const endpoint = (name, binding) => {
      const list = sso.getElementsByTagNameNS(MD, name);
      for (let j = 0; j < list.length; j++) {
        if (list[j].getAttribute("Binding") === binding) return list[j].getAttribute("Location");
      }
      return null;
    };
    const certs = [];
    const kds = sso.getElementsByTagNameNS(MD, "KeyDescriptor");
    for (let j = 0; j < kds.length; j++) {
      const use = kds[j].getAttribute("use");
      if (use && use !== "signing") continue;
      const x = kds[j].getElementsByTagNameNS(DS, "X509Certificate");
      for (let k = 0; k < x.length; k++) certs.push(x[k].textContent.replace(/\s+/g, ""));
    }
    into.set(ed.getAttribute("entityID"), {
      entityId: ed.getAttribute("entityID"),
      ssoRedirect: endpoint("SingleSignOnService", REDIRECT),
      ssoPost: endpoint("SingleSignOnService", POST),
      sloRedirect: endpoint("SingleLogoutService", REDIRECT),
      certs,
    });
  }
}

async function loadIdps() {
  const idps = new Map();
  if (process.env.SP_IDP_REGISTRY_URL) {
    const res = await fetch(process.env.SP_IDP_REGISTRY_URL);
    idpsFrom(await res.text(), idps);
  }
  for (const f of (process.env.SP_IDP_METADATA_FILES || "").split(path.delimiter).filter(Boolean)) {
    idpsFrom(fs.readFileSync(f, "utf8"), idps);
  }
  if (!idps.size) throw new Error("no IdP metadata: set SP_IDP_REGISTRY_URL or SP_IDP_METADATA_FILES");
  return idps;
}

// ---------------------------------------------------------------- node-saml, one instance per IdP × level × binding

const cacheProvider = (() => {
  // node-saml's default cache lives in each SAML instance; one shared, bounded store instead.
  const items = new Map();
  const ttl = 5 * 60 * 1000;
  const prune = () => {
    const now = Date.now();
    for (const [k, v] of items) if (now - v.at > ttl || items.size > MAX_SESSIONS) items.delete(k);
  };
  return {
    async saveAsync(key, value) {
      prune();
      if (items.has(key)) return null;
      items.set(key, { value, at: Date.now() });
      return { value, createdAt: Date.now() };
    },
    async getAsync(key) {
      const v = items.get(key);
      return v && Date.now() - v.at <= ttl ? v.value : null;
    },
    async removeAsync(key) {
      const v = items.get(key);
      items.delete(key);
      return v ? key : null;
    },
  };
})();

const instances = new Map();
function samlFor(state, idp, level, binding) {
  const key = `${idp.entityId} ${level} ${binding}`;
  if (!instances.has(key)) {
    instances.set(
      key,
      new SAML({
        callbackUrl: `${state.base}/acs`,
        entryPoint: binding === "post" ? idp.ssoPost : idp.ssoRedirect,
        authnRequestBinding: binding === "post" ? "HTTP-POST" : "HTTP-Redirect",
        // SAML Bindings §3.5.4: no DEFLATE on HTTP-POST (node-saml deflates unless told).
        skipRequestCompression: binding === "post",
        issuer: ENTITY_ID,
        idpIssuer: idp.entityId,
        audience: ENTITY_ID,
        idpCert: idp.certs,
        privateKey: KEY,
        publicCert: CERT,
        signatureAlgorithm: "sha256",
        digestAlgorithm: "sha256",
        identifierFormat: TRANSIENT,
        allowCreate: false,
        authnContext: [LEVEL(level)],
        racComparison: "minimum",
        forceAuthn: level > 1,
        attributeConsumingServiceIndex: "0",
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: false,
        validateInResponseTo: "always",
        requestIdExpirationPeriodMs: 5 * 60 * 1000,
        cacheProvider,
        acceptedClockSkewMs: 120 * 1000,
        logoutUrl: idp.sloRedirect || idp.ssoRedirect,
        logoutCallbackUrl: `${state.base}/slo`,
      }),
    );
  }
  return instances.get(key);
}

// ---------------------------------------------------------------- sessions, replay cache

const sessions = new Map(); // cookie -> { pending, user, logout }
const liveNameIds = new Map(); // NameID -> count of sessions (ended by an IdP LogoutRequest)
const usedAssertions = new Map(); // Assertion ID -> expiry (ms)

function bounded(map) {
  while (map.size > MAX_SESSIONS) map.delete(map.keys().next().value);
}

function sessionOf(req, res) {
  const m = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie || "");
  if (m && sessions.has(m[1])) return sessions.get(m[1]);
  const id = crypto.randomBytes(18).toString("base64url");
  const s = {};
  sessions.set(id, s);
  bounded(sessions);
  res.setHeader("set-cookie", `sid=${id}; Path=/; HttpOnly; SameSite=Lax`);
  return s;
}

function firstUse(assertionId) {
  const now = Date.now();
  for (const [k, exp] of usedAssertions) if (exp < now) usedAssertions.delete(k);
  if (usedAssertions.has(assertionId)) return false;
  usedAssertions.set(assertionId, now + 10 * 60 * 1000);
  bounded(usedAssertions);
  return true;
}

// ---------------------------------------------------------------- metadata

function spidMetadata(state) {
  const unsigned = generateServiceProviderMetadata({
    issuer: ENTITY_ID,
    callbackUrl: `${state.base}/acs`,
    logoutCallbackUrl: `${state.base}/slo`,
    identifierFormat: TRANSIENT,
    wantAssertionsSigned: true,
    privateKey: KEY,
    publicCerts: [CERT],
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
    signMetadata: false,
    metadataOrganization: {
      OrganizationName: [{ "@xml:lang": "it", "#text": "Comune di Prova" }],
      OrganizationDisplayName: [{ "@xml:lang": "it", "#text": "Comune di Prova" }],
      OrganizationURL: [{ "@xml:lang": "it", "#text": "https://comune-di-prova.example" }],
    },
  });
  // What node-saml's generator cannot express: ACS index 0, the AttributeConsumingService and
  // the SPID ContactPerson extensions. Added to the DOM, then the whole document is signed.
  const doc = parseXml(unsigned);
  const root = doc.documentElement;
  const sp = doc.getElementsByTagNameNS(MD, "SPSSODescriptor")[0];
  const acs = sp.getElementsByTagNameNS(MD, "AssertionConsumerService")[0];
  acs.setAttribute("index", "0");
  const attrService = doc.createElementNS(MD, "md:AttributeConsumingService");
  attrService.setAttribute("index", "0");
  const name = doc.createElementNS(MD, "md:ServiceName");
  name.setAttribute("xml:lang", "it");
  name.appendChild(doc.createTextNode("Servizi online del Comune di Prova"));
  attrService.appendChild(name);
  for (const a of ATTRIBUTES) {
    const ra = doc.createElementNS(MD, "md:RequestedAttribute");
    ra.setAttribute("Name", a);
    ra.setAttribute("NameFormat", BASIC);
    attrService.appendChild(ra);
  }
  sp.appendChild(attrService);
  const contact = doc.createElementNS(MD, "md:ContactPerson");
  contact.setAttribute("contactType", "other");
  const ext = doc.createElementNS(MD, "md:Extensions");
  ext.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:spid", SPID_NS);
  const ipa = doc.createElementNS(SPID_NS, "spid:IPACode");
  ipa.appendChild(doc.createTextNode("c_h501"));
  ext.appendChild(ipa);
  ext.appendChild(doc.createElementNS(SPID_NS, "spid:Public"));
  contact.appendChild(ext);
  const email = doc.createElementNS(MD, "md:EmailAddress");
  email.appendChild(doc.createTextNode("spid-tech@comune-di-prova.example"));
  contact.appendChild(email);
  root.appendChild(contact);
  const xml = new XMLSerializer().serializeToString(doc);
  const sig = new SignedXml({
    privateKey: KEY,
    publicCert: CERT,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  sig.addReference({
    xpath: "/*[local-name(.)='EntityDescriptor']",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
  });
  sig.computeSignature(xml, {
    prefix: "ds",
    location: { reference: "/*[local-name(.)='EntityDescriptor']", action: "prepend" },
  });
  return sig.getSignedXml();
}

// ---------------------------------------------------------------- handlers

function page(res, status, text) {
  if (status >= 400) process.stderr.write(`refused (${status}): ${text}\n`);
  const esc = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><title>${status >= 400 ? "Accesso non riuscito" : "Comune di Prova"}</title><p>${esc}`);
}

function redirectTo(res, location) {
  res.writeHead(302, { location });
  res.end();
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on("data", (c) => {
      size += c.length;
      if (size > 1 << 20) {
        reject(new Error("body over 1 MiB"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

function assertionFacts(xml) {
  const doc = parseXml(xml);
  const text = (ns, name) => {
    const n = doc.getElementsByTagNameNS(ns, name)[0];
    return n ? n.textContent.trim() : null;
  };
  const assertion = doc.getElementsByTagNameNS(SAML_NS, "Assertion")[0];
  return { classRef: text(SAML_NS, "AuthnContextClassRef"), id: assertion && assertion.getAttribute("ID") };
}

// The ID of the request node-saml just built, read back from the message it produced (a
// redirect URL or an auto-posting form): node-saml does not return it.
function requestIdOf(produced) {
  try {
    let xml;
    if (/^https?:/.test(produced)) {
      const b64 = new URL(produced).searchParams.get("SAMLRequest");
      xml = zlib.inflateRawSync(Buffer.from(b64, "base64")).toString("utf8");
    } else {
      const m = /name="SAMLRequest"\s+value="([^"]+)"/.exec(produced) || /value="([^"]+)"\s+name="SAMLRequest"/.exec(produced);
      xml = Buffer.from(m[1], "base64").toString("utf8");
    }
    return parseXml(xml).documentElement.getAttribute("ID");
  } catch {
    return null;
  }
}

function inResponseTo(samlResponseB64) {
  try {
    const doc = parseXml(Buffer.from(samlResponseB64, "base64").toString("utf8"));
    return doc.documentElement.getAttribute("InResponseTo");
  } catch {
    return null;
  }
}

async function handle(state, req, res) {
  state.requests += 1;
  const url = new URL(req.url, state.base);
  const s = sessionOf(req, res);
  const route = `${req.method} ${url.pathname}`;
  if (route === "GET /login") {
    const idp = state.idps.get(url.searchParams.get("idp") || "");
    const level = Number(url.searchParams.get("level") || "2");
    const binding = url.searchParams.get("binding") || "redirect";
    if (!idp || ![1, 2, 3].includes(level) || !["redirect", "post"].includes(binding)) {
      return page(res, 400, "idp must be a trusted IdP entityID, level 1, 2 or 3, binding redirect or post");
    }
    const saml = samlFor(state, idp, level, binding);
    const relay = crypto.randomBytes(16).toString("base64url");
    if (binding === "post") {
      const form = await saml.getAuthorizeFormAsync(relay, undefined, {});
      s.pending = { id: requestIdOf(form), idp: idp.entityId, level, binding };
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(form);
    }
    const location = await saml.getAuthorizeUrlAsync(relay, undefined, {});
    s.pending = { id: requestIdOf(location), idp: idp.entityId, level, binding };
    return redirectTo(res, location);
  }
  if (route === "POST /acs") {
    const body = await readBody(req);
    const pending = s.pending;
    delete s.pending;
    if (!pending) return page(res, 403, "no login in progress in this browser");
    const samlResponse = body.get("SAMLResponse") || "";
    if (!pending.id || inResponseTo(samlResponse) !== pending.id) {
      return page(res, 403, "la risposta non risponde alla richiesta di questo browser");
    }
    const saml = samlFor(state, state.idps.get(pending.idp), pending.level, pending.binding);
    let profile;
    try {
      ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (e) {
      return page(res, 403, `risposta non valida: ${e.message}`);
    }
    if (!profile) return page(res, 403, "risposta non valida");
    if (profile.issuer !== pending.idp) return page(res, 403, "la risposta non viene dall'IdP a cui è stata chiesta");
    const facts = assertionFacts(profile.getAssertionXml());
    const level = [1, 2, 3].find((n) => facts.classRef === LEVEL(n));
    if (!level || level < pending.level) return page(res, 403, `livello SPID insufficiente: chiesto ${pending.level}`);
    const missing = ATTRIBUTES.filter((a) => !profile[a]);
    if (missing.length) return page(res, 403, `attributi mancanti: ${missing.join(", ")}`);
    if (!facts.id || !firstUse(facts.id)) return page(res, 403, "asserzione già usata");
    s.user = {
      fiscalNumber: profile.fiscalNumber,
      name: profile.name,
      familyName: profile.familyName,
      level,
      idp: pending.idp,
      binding: pending.binding,
      profile: {
        issuer: profile.issuer,
        nameID: profile.nameID,
        nameIDFormat: profile.nameIDFormat,
        nameQualifier: profile.nameQualifier,
        spNameQualifier: profile.spNameQualifier,
        sessionIndex: profile.sessionIndex,
      },
    };
    liveNameIds.set(profile.nameID, (liveNameIds.get(profile.nameID) || 0) + 1);
    bounded(liveNameIds);
    process.stderr.write(`login: NameID=${JSON.stringify(profile.nameID)} fiscalNumber=${JSON.stringify(profile.fiscalNumber)} SpidL${level}\n`);
    return redirectTo(res, "/me");
  }
  if (route === "GET /me") {
    if (!s.user || !liveNameIds.has(s.user.profile.nameID)) {
      delete s.user;
      return page(res, 401, "non autenticato");
    }
    return page(res, 200, `Benvenuto ${s.user.name} ${s.user.familyName} (${s.user.fiscalNumber}), SpidL${s.user.level}`);
  }
  if (route === "GET /logout") {
    const user = s.user;
    delete s.user;
    if (!user || !liveNameIds.has(user.profile.nameID)) return redirectTo(res, "/");
    liveNameIds.delete(user.profile.nameID);
    const saml = samlFor(state, state.idps.get(user.idp), user.level, "redirect");
    const location = await saml.getLogoutUrlAsync(user.profile, crypto.randomBytes(16).toString("base64url"), {});
    s.logout = { id: requestIdOf(location), idp: user.idp, level: user.level };
    return redirectTo(res, location);
  }
  if (url.pathname === "/slo" && (req.method === "GET" || req.method === "POST")) {
    const params = req.method === "GET" ? url.searchParams : await readBody(req);
    const container = Object.fromEntries(params.entries());
    const isResponse = "SAMLResponse" in container;
    if (req.method === "GET" && !(container.Signature && container.SigAlg)) {
      // node-saml checks a query signature when there is one, and accepts none (SPID RT
      // single-logout: logout messages are signed).
      return page(res, 400, "messaggio di logout non firmato");
    }
    const pending = s.logout;
    const idpId = isResponse ? pending && pending.idp : null;
    let saml;
    if (isResponse) {
      if (!pending) return page(res, 400, "nessun logout in corso");
      saml = samlFor(state, state.idps.get(idpId), pending.level, "redirect");
    } else {
      // A LogoutRequest: the IdP that signed it must be a trusted one; try the IdP named as
      // its Issuer.
      let xml = "";
      try {
        xml = req.method === "GET"
          ? zlib.inflateRawSync(Buffer.from(container.SAMLRequest, "base64")).toString("utf8")
          : Buffer.from(container.SAMLRequest, "base64").toString("utf8");
      } catch {
        return page(res, 400, "LogoutRequest illeggibile");
      }
      const issuer = (/<(?:\w+:)?Issuer[^>]*>([^<]+)</.exec(xml) || [])[1];
      const idp = state.idps.get((issuer || "").trim());
      if (!idp) return page(res, 400, "LogoutRequest da un IdP sconosciuto");
      saml = samlFor(state, idp, 2, "redirect");
    }
    try {
      let result;
      if (req.method === "GET") result = await saml.validateRedirectAsync(container, url.search.slice(1));
      else if (isResponse) result = await saml.validatePostResponseAsync(container);
      else result = await saml.validatePostRequestAsync(container);
      if (isResponse) {
        delete s.logout;
        if (!result.loggedOut) return page(res, 400, "LogoutResponse non valida");
        return page(res, 200, "Sei uscito.");
      }
      const nameId = result.profile && result.profile.nameID;
      const known = liveNameIds.has(nameId);
      liveNameIds.delete(nameId);
      const location = await saml.getLogoutResponseUrlAsync(result.profile, container.RelayState, {}, known);
      return redirectTo(res, location);
    } catch (e) {
      return page(res, 400, `messaggio di logout non valido: ${e.message}`);
    }
  }
  if (route === "GET /metadata") {
    res.writeHead(200, { "content-type": "application/samlmetadata+xml" });
    return res.end(state.metadata);
  }
  if (route === "GET /stats") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ requests: state.requests }));
  }
  if (route === "GET /") return page(res, 200, "Entra con SPID: /login");
  return page(res, 404, "pagina inesistente");
}

async function main() {
  const [host, port] = (process.env.SP_BIND || "127.0.0.1:0").split(/:(?=\d+$)/);
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`SP_BIND ${host}: loopback only`);
  const state = { idps: await loadIdps(), requests: 0, base: "" };
  const server = http.createServer((req, res) => {
    handle(state, req, res).catch((e) => {
      if (!res.headersSent) page(res, 500, `errore interno: ${e.message}`);
      else res.end();
    });
  });
  server.listen(Number(port), host, () => {
    state.base = `http://${host}:${server.address().port}`;
    state.metadata = spidMetadata(state);
    process.stdout.write(`listening on ${state.base}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  process.stderr.write(`node-saml app: ${e.stack || e}\n`);
  process.exit(2);
});
