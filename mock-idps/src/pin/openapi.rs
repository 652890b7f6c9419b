//! The PIN API described as an OpenAPI 3 document (openapi.json beside this file), served at
//! `/pin/openapi.json`. A test keeps it and the router in step, both ways.

use axum::http::header;
use axum::response::IntoResponse;

/// The OpenAPI 3 document of the PIN service (paths relative to its mount).
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `GET /openapi.json`.
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;
    use crate::clock::SimClock;
    use crate::ids::IdGenerator;
    use crate::pin::PinBackend;
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use tower::ServiceExt;

    const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

    fn documented() -> BTreeSet<(String, String)> {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let paths = doc["paths"].as_object().unwrap();
        paths
            .iter()
            .flat_map(|(p, ops)| {
                let ops = ops.as_object().unwrap();
                METHODS
                    .iter()
                    .filter(|m| ops.contains_key(**m))
                    .map(|m| (m.to_string(), p.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Every `.route(path, get(..).post(..))` written in service.rs, with the `/api` prefix for
    /// those in `api_routes`.
    fn routed_in_source() -> BTreeSet<(String, String)> {
        let source = include_str!("service.rs");
        let mut prefix = "";
        let mut out = BTreeSet::new();
        for line in source.lines() {
            if line.starts_with("fn api_routes") {
                prefix = "/api";
            } else if line.starts_with('}') {
                prefix = "";
            }
            let Some(rest) = line.trim().strip_prefix(".route(\"") else {
                continue;
            };
            let Some((path, handlers)) = rest.split_once('"') else {
                continue;
            };
            for m in METHODS {
                if names_method(handlers, m) {
                    out.insert((m.to_string(), format!("{prefix}{path}")));
                }
            }
        }
        out
    }

    /// Whether a route's handlers name the HTTP method `m`: `m(..)` (axum's `get(..)`, also
    /// chained as `.post(..)`) or one of service.rs's helpers named after it (`post_json(..)`,
    /// `get_person(..)`), not a name that only ends with it.
    fn names_method(handlers: &str, m: &str) -> bool {
        handlers.match_indices(m).any(|(at, _)| {
            let before = handlers[..at].chars().next_back();
            let after = handlers[at + m.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && matches!(after, Some('(' | '_'))
        })
    }

    #[test]
    fn every_route_is_documented_and_every_documented_route_exists_in_the_source() {
        let routed = routed_in_source();
        assert!(routed.len() > 20, "{routed:?}");
        let doc = documented();
        let missing: Vec<_> = routed.difference(&doc).collect();
        assert!(
            missing.is_empty(),
            "routes not in openapi.json: {missing:?}"
        );
        let extra: Vec<_> = doc.difference(&routed).collect();
        assert!(extra.is_empty(), "documented but not routed: {extra:?}");
    }

    #[tokio::test]
    async fn every_documented_operation_is_served() {
        let clock = Arc::new(SimClock::new(time::macros::datetime!(2020-09-01 09:00 UTC)));
        let backend = PinBackend::in_memory(clock, IdGenerator::seeded(1)).unwrap();
        let app = crate::pin::router(Arc::new(backend));
        for (method, path) in documented() {
            let uri = path.replace("{cf}", "X").replace("{id}", "X");
            let uri = if uri == "/api/timeline" {
                "/api/timeline?fiscal_code=X".to_string()
            } else {
                uri
            };
            let req = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(&uri)
                .header("content-type", "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap();
            // An unrouted path is a bare 404; a wrong method is 405.
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            assert!(
                !(status == StatusCode::NOT_FOUND && body.is_empty()),
                "{method} {uri} is not routed"
            );
        }
    }

    /// Defect 12 of issue 11: the OpenAPI document lists every error code the API can send (the
    /// PIN rules' codes and the HTTP layer's), and every phone-PIN validity the API accepts.
    #[test]
    fn defect12_the_document_lists_every_error_code_and_every_phone_pin_validity() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let listed = |v: &serde_json::Value| -> BTreeSet<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect()
        };
        let codes = listed(&doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]);
        let mut sent: BTreeSet<String> = include_str!("error.rs")
            .split("=> \"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|c| c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'))
            .map(str::to_string)
            .collect();
        sent.extend(
            crate::pin::service::HTTP_ERROR_CODES
                .iter()
                .map(|c| c.to_string()),
        );
        assert!(sent.len() > 25, "{sent:?}");
        assert_eq!(codes, sent);
        let validity = listed(
            &doc["paths"]["/api/phone-pin"]["post"]["requestBody"]["content"]["application/json"]
                ["schema"]["properties"]["validity"]["enum"],
        );
        for v in &validity {
            assert!(crate::pin::PhoneValidity::parse(v).is_ok(), "{v}");
            let refused = crate::pin::PhoneValidity::parse("2-weeks")
                .unwrap_err()
                .to_string();
            assert!(refused.contains(&format!("{v:?}")), "{refused}");
        }
        assert_eq!(validity.len(), 4);
    }
}
