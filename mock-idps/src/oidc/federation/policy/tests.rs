//! Tables for every operator, merging, combination rules, and the spec's worked example.

use rstest::rstest;
use serde_json::{json, Value};

use super::*;

fn param(v: Value) -> ParamPolicy {
    serde_json::from_value(v).unwrap()
}

fn one(policy: Value, metadata: Value) -> Result<Value, PolicyError> {
    let mut p = BTreeMap::new();
    p.insert("x".to_owned(), param(policy));
    apply("t", &p, metadata.as_object().unwrap()).map(Value::Object)
}

#[rstest]
#[case::value_sets(json!({"value": true}), json!({}), json!({"x": true}))]
#[case::value_overrides(json!({"value": "a"}), json!({"x": "b"}), json!({"x": "a"}))]
#[case::value_null_removes(json!({"value": null}), json!({"x": "b"}), json!({}))]
#[case::add_to_absent(json!({"add": ["a"]}), json!({}), json!({"x": ["a"]}))]
#[case::add_no_duplicates(json!({"add": ["a", "b"]}), json!({"x": ["b", "c"]}), json!({"x": ["b", "c", "a"]}))]
#[case::default_when_absent(json!({"default": ["a"]}), json!({}), json!({"x": ["a"]}))]
#[case::default_keeps_present(json!({"default": ["a"]}), json!({"x": ["b"]}), json!({"x": ["b"]}))]
#[case::one_of_present_ok(json!({"one_of": ["a", "b"]}), json!({"x": "b"}), json!({"x": "b"}))]
#[case::one_of_absent_ok(json!({"one_of": ["a"]}), json!({}), json!({}))]
#[case::subset_of_narrows(json!({"subset_of": ["a", "b", "c"]}), json!({"x": ["a", "e"]}), json!({"x": ["a"]}))]
#[case::subset_of_empty_removes(json!({"subset_of": ["a"]}), json!({"x": ["e"]}), json!({}))]
#[case::superset_of_ok(json!({"superset_of": ["a"]}), json!({"x": ["a", "b"]}), json!({"x": ["a", "b"]}))]
#[case::essential_present(json!({"essential": true}), json!({"x": 1}), json!({"x": 1}))]
#[case::essential_false_absent(json!({"essential": false}), json!({}), json!({}))]
#[case::default_then_essential(json!({"default": "d", "essential": true}), json!({}), json!({"x": "d"}))]
fn operator_applies(#[case] policy: Value, #[case] metadata: Value, #[case] expected: Value) {
    assert_eq!(one(policy, metadata).unwrap(), expected);
}

#[rstest]
#[case::one_of_violated(json!({"one_of": ["a"]}), json!({"x": "b"}), "is not one of")]
#[case::superset_violated(json!({"superset_of": ["a", "z"]}), json!({"x": ["a"]}), "does not contain")]
#[case::essential_absent(json!({"essential": true}), json!({}), "essential")]
#[case::subset_emptied_essential(json!({"subset_of": ["a"], "essential": true}), json!({"x": ["b"]}), "essential")]
#[case::add_to_scalar(json!({"add": ["a"]}), json!({"x": "s"}), "array")]
#[case::subset_of_scalar(json!({"subset_of": ["a"]}), json!({"x": "a"}), "array")]
fn operator_refuses(#[case] policy: Value, #[case] metadata: Value, #[case] needle: &str) {
    let err = one(policy, metadata).unwrap_err();
    assert!(matches!(err, PolicyError::Violation { .. }), "{err:?}");
    assert!(err.to_string().contains(needle), "{err}");
}

fn pol(v: Value) -> MetadataPolicy {
    serde_json::from_value(v).unwrap()
}

#[rstest]
#[case::value_equal(json!({"value": 1}), json!({"value": 1}), json!({"value": 1}))]
#[case::add_union(json!({"add": ["a"]}), json!({"add": ["b", "a"]}), json!({"add": ["a", "b"]}))]
#[case::one_of_intersection(json!({"one_of": ["a", "b"]}), json!({"one_of": ["b", "c"]}), json!({"one_of": ["b"]}))]
#[case::subset_of_intersection(json!({"subset_of": ["a", "b"]}), json!({"subset_of": ["b", "c"]}), json!({"subset_of": ["b"]}))]
#[case::superset_of_union(json!({"superset_of": ["a"]}), json!({"superset_of": ["b"]}), json!({"superset_of": ["a", "b"]}))]
#[case::essential_or(json!({"essential": false}), json!({"essential": true}), json!({"essential": true}))]
#[case::essential_superior_true_stays(json!({"essential": true}), json!({"essential": false}), json!({"essential": true}))]
#[case::disjoint_operators(json!({"default": "a"}), json!({"essential": true}), json!({"default": "a", "essential": true}))]
fn merge_table(#[case] sup: Value, #[case] sub: Value, #[case] expected: Value) {
    let merged = merge(
        &pol(json!({"t": {"x": sup}})),
        &pol(json!({"t": {"x": sub}})),
        &[],
    )
    .unwrap();
    assert_eq!(merged["t"]["x"], param(expected));
}

#[rstest]
#[case::value_conflict(json!({"value": 1}), json!({"value": 2}), "conflicts")]
#[case::default_conflict(json!({"default": "a"}), json!({"default": "b"}), "conflicts")]
#[case::one_of_disjoint(json!({"one_of": ["a"]}), json!({"one_of": ["b"]}), "conflicts")]
#[case::value_not_in_one_of(json!({"value": "c"}), json!({"one_of": ["a"]}), "is not one of")]
#[case::value_not_subset(json!({"subset_of": ["a"]}), json!({"value": ["a", "b"]}), "not a subset")]
#[case::value_not_superset(json!({"superset_of": ["a", "b"]}), json!({"value": ["a"]}), "not a superset")]
#[case::add_outside_subset(json!({"subset_of": ["a"]}), json!({"add": ["b"]}), "not within subset_of")]
#[case::superset_outside_subset(json!({"subset_of": ["a"]}), json!({"superset_of": ["b"]}), "not within subset_of")]
#[case::one_of_with_subset(json!({"one_of": ["a"]}), json!({"subset_of": ["a"]}), "cannot be combined")]
#[case::remove_but_essential(json!({"value": null}), json!({"essential": true}), "essential")]
#[case::default_outside_one_of(json!({"one_of": ["a"]}), json!({"default": "b"}), "default")]
fn merge_refuses(#[case] sup: Value, #[case] sub: Value, #[case] needle: &str) {
    let err = merge(
        &pol(json!({"t": {"x": sup}})),
        &pol(json!({"t": {"x": sub}})),
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains(needle), "{err}");
}

#[test]
fn unknown_operator_ignored_unless_critical() {
    let p = pol(json!({"t": {"x": {"regexp": "^a"}}}));
    merge(&p, &MetadataPolicy::new(), &[]).unwrap();
    assert_eq!(
        merge(&p, &MetadataPolicy::new(), &["regexp".into()]).unwrap_err(),
        PolicyError::CriticalOperator("regexp".into())
    );
}

#[test]
fn value_null_survives_serde() {
    let p = param(json!({"value": null}));
    assert_eq!(p.value, Some(Value::Null));
    assert_eq!(serde_json::to_value(&p).unwrap(), json!({"value": null}));
    assert_eq!(param(json!({})).value, None);
}

/// Modelled on the worked example of OpenID Federation 1.0's "Metadata Policy" section: a trust anchor's policy, an
/// intermediate's narrower one, the merge, and the leaf's resulting metadata.
#[test]
fn spec_style_worked_example() {
    let ta = pol(json!({"openid_relying_party": {
        "grant_types": {"default": ["authorization_code"], "subset_of": ["authorization_code", "refresh_token"], "superset_of": ["authorization_code"]},
        "token_endpoint_auth_method": {"one_of": ["private_key_jwt", "self_signed_tls_client_auth"], "essential": true},
        "token_endpoint_auth_signing_alg": {"one_of": ["PS256", "ES256"]},
        "subject_type": {"value": "pairwise"},
        "contacts": {"add": ["helpdesk@federation.example.org"]}
    }}));
    let intermediate = pol(json!({"openid_relying_party": {
        "grant_types": {"subset_of": ["authorization_code"]},
        "token_endpoint_auth_method": {"one_of": ["self_signed_tls_client_auth"]},
        "token_endpoint_auth_signing_alg": {"one_of": ["ES256"]},
        "contacts": {"add": ["helpdesk@org.example.org"]}
    }}));
    let merged = merge(&ta, &intermediate, &[]).unwrap();
    assert_eq!(
        serde_json::to_value(&merged["openid_relying_party"]).unwrap(),
        json!({
            "contacts": {"add": ["helpdesk@federation.example.org", "helpdesk@org.example.org"]},
            "grant_types": {"default": ["authorization_code"], "subset_of": ["authorization_code"], "superset_of": ["authorization_code"]},
            "subject_type": {"value": "pairwise"},
            "token_endpoint_auth_method": {"one_of": ["self_signed_tls_client_auth"], "essential": true},
            "token_endpoint_auth_signing_alg": {"one_of": ["ES256"]}
        })
    );
    let leaf = json!({"openid_relying_party": {
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "self_signed_tls_client_auth",
        "token_endpoint_auth_signing_alg": "ES256",
        "subject_type": "public",
        "contacts": ["rp_admins@cs.example.com"]
    }});
    let out = apply_all(&merged, leaf.as_object().unwrap()).unwrap();
    assert_eq!(
        Value::Object(out)["openid_relying_party"],
        json!({
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "self_signed_tls_client_auth",
            "token_endpoint_auth_signing_alg": "ES256",
            "subject_type": "pairwise",
            "contacts": ["rp_admins@cs.example.com", "helpdesk@federation.example.org", "helpdesk@org.example.org"]
        })
    );
    // The same leaf asking for PS256 is refused by the merged policy.
    let bad = json!({"openid_relying_party": {"token_endpoint_auth_method": "self_signed_tls_client_auth", "token_endpoint_auth_signing_alg": "PS256"}});
    assert!(apply_all(&merged, bad.as_object().unwrap()).is_err());
}
