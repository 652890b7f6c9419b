//! Metadata policy (OpenID Federation 1.0, "Metadata Policy"): the standard operators `value`,
//! `add`, `default`, `one_of`, `subset_of`, `superset_of`, `essential`; merging a superior's
//! policy with a subordinate's; checking that the operators of one parameter can be combined;
//! applying the result to a leaf's metadata in the order value, add, default, one_of,
//! subset_of, superset_of, essential.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Policy by entity type, then by metadata parameter.
pub type MetadataPolicy = BTreeMap<String, BTreeMap<String, ParamPolicy>>;

/// The operators of one metadata parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamPolicy {
    /// Sets the parameter; `null` removes it. (`Some(Value::Null)` is `value: null`.)
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "present"
    )]
    pub value: Option<Value>,
    /// Values added to an array parameter.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub add: Option<Vec<Value>>,
    /// Value used when the parameter is absent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub default: Option<Value>,
    /// The parameter, when present, must be one of these.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub one_of: Option<Vec<Value>>,
    /// The parameter, when present, is narrowed to its intersection with these (removed if
    /// the intersection is empty).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subset_of: Option<Vec<Value>>,
    /// The parameter, when present, must contain all of these.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub superset_of: Option<Vec<Value>>,
    /// The parameter must be present.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub essential: Option<bool>,
    /// Operators this implementation does not define.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Why a policy could not be merged, combined or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Two policies set different values for the same operator where they must agree.
    #[error("{entity_type}.{param}: the superior's {operator} {superior} conflicts with the subordinate's {subordinate}")]
    Conflict {
        /// Entity type.
        entity_type: String,
        /// Parameter.
        param: String,
        /// `value`, `default` or `one_of`.
        operator: &'static str,
        /// The superior's operand.
        superior: String,
        /// The subordinate's operand.
        subordinate: String,
    },
    /// Operators of one parameter that cannot hold together.
    #[error("{entity_type}.{param}: {reason}")]
    Combination {
        /// Entity type.
        entity_type: String,
        /// Parameter.
        param: String,
        /// Why.
        reason: String,
    },
    /// An operator listed in `metadata_policy_crit` that is not understood.
    #[error("critical policy operator {0:?} is not understood")]
    CriticalOperator(String),
    /// The metadata violates the policy.
    #[error("{entity_type}.{param}: {reason}")]
    Violation {
        /// Entity type.
        entity_type: String,
        /// Parameter.
        param: String,
        /// Why.
        reason: String,
    },
}

fn contains_all(haystack: &[Value], needles: &[Value]) -> bool {
    needles.iter().all(|n| haystack.contains(n))
}

fn intersection(a: &[Value], b: &[Value]) -> Vec<Value> {
    a.iter().filter(|v| b.contains(v)).cloned().collect()
}

fn union(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = a.to_vec();
    for v in b {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

/// Merges `superior`'s policy with `subordinate`'s (the merging rules), checking every parameter's
/// operator combination. `crit` lists operators that must be understood.
pub fn merge(
    superior: &MetadataPolicy,
    subordinate: &MetadataPolicy,
    crit: &[String],
) -> Result<MetadataPolicy, PolicyError> {
    let mut out = superior.clone();
    for (entity_type, params) in subordinate {
        let slot = out.entry(entity_type.clone()).or_default();
        for (param, sub) in params {
            let merged = match slot.get(param) {
                Some(sup) => merge_param(entity_type, param, sup, sub)?,
                None => sub.clone(),
            };
            slot.insert(param.clone(), merged);
        }
    }
    for (entity_type, params) in &out {
        for (param, p) in params {
            check_combination(entity_type, param, p)?;
            if let Some(op) = p.other.keys().find(|k| crit.contains(k)) {
                return Err(PolicyError::CriticalOperator(op.clone()));
            }
        }
    }
    Ok(out)
}

fn merge_param(
    entity_type: &str,
    param: &str,
    sup: &ParamPolicy,
    sub: &ParamPolicy,
) -> Result<ParamPolicy, PolicyError> {
    let conflict = |operator: &'static str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
        PolicyError::Conflict {
            entity_type: entity_type.to_owned(),
            param: param.to_owned(),
            operator,
            superior: format!("{a:?}"),
            subordinate: format!("{b:?}"),
        }
    };
    let equal = |operator: &'static str, a: &Option<Value>, b: &Option<Value>| match (a, b) {
        (Some(x), Some(y)) if x != y => Err(conflict(operator, x, y)),
        (Some(x), _) | (None, Some(x)) => Ok(Some(x.clone())),
        (None, None) => Ok(None),
    };
    let one_of = match (&sup.one_of, &sub.one_of) {
        (Some(a), Some(b)) => {
            let i = intersection(a, b);
            if i.is_empty() {
                return Err(conflict("one_of", a, b));
            }
            Some(i)
        }
        (a, b) => a.clone().or_else(|| b.clone()),
    };
    let mut other = sup.other.clone();
    for (k, v) in &sub.other {
        other.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Ok(ParamPolicy {
        value: equal("value", &sup.value, &sub.value)?,
        add: match (&sup.add, &sub.add) {
            (Some(a), Some(b)) => Some(union(a, b)),
            (a, b) => a.clone().or_else(|| b.clone()),
        },
        default: equal("default", &sup.default, &sub.default)?,
        one_of,
        subset_of: match (&sup.subset_of, &sub.subset_of) {
            (Some(a), Some(b)) => Some(intersection(a, b)),
            (a, b) => a.clone().or_else(|| b.clone()),
        },
        superset_of: match (&sup.superset_of, &sub.superset_of) {
            (Some(a), Some(b)) => Some(union(a, b)),
            (a, b) => a.clone().or_else(|| b.clone()),
        },
        essential: match (sup.essential, sub.essential) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
        },
        other,
    })
}

/// The operator combination rules of "Metadata Policy" for the operators of one parameter.
pub fn check_combination(
    entity_type: &str,
    param: &str,
    p: &ParamPolicy,
) -> Result<(), PolicyError> {
    let bad = |reason: String| PolicyError::Combination {
        entity_type: entity_type.to_owned(),
        param: param.to_owned(),
        reason,
    };
    if p.one_of.as_ref().is_some_and(Vec::is_empty) {
        return Err(bad("one_of must not be empty".into()));
    }
    if p.one_of.is_some() && (p.add.is_some() || p.subset_of.is_some() || p.superset_of.is_some()) {
        return Err(bad(
            "one_of cannot be combined with add, subset_of or superset_of".into(),
        ));
    }
    if let Some(value) = &p.value {
        if value.is_null() {
            if p.essential == Some(true) {
                return Err(bad("value null (remove) with essential true".into()));
            }
        } else {
            let list = as_list(value);
            if let Some(add) = &p.add {
                if !contains_all(&list, add) {
                    return Err(bad(format!("add {add:?} is not within value {value}")));
                }
            }
            if let Some(one_of) = &p.one_of {
                if !one_of.contains(value) {
                    return Err(bad(format!("value {value} is not one of {one_of:?}")));
                }
            }
            if let Some(subset) = &p.subset_of {
                if !contains_all(subset, &list) {
                    return Err(bad(format!("value {value} is not a subset of {subset:?}")));
                }
            }
            if let Some(superset) = &p.superset_of {
                if !contains_all(&list, superset) {
                    return Err(bad(format!(
                        "value {value} is not a superset of {superset:?}"
                    )));
                }
            }
        }
    }
    if let (Some(add), Some(subset)) = (&p.add, &p.subset_of) {
        if !contains_all(subset, add) {
            return Err(bad(format!(
                "add {add:?} is not within subset_of {subset:?}"
            )));
        }
    }
    if let (Some(subset), Some(superset)) = (&p.subset_of, &p.superset_of) {
        if !contains_all(subset, superset) {
            return Err(bad(format!(
                "superset_of {superset:?} is not within subset_of {subset:?}"
            )));
        }
    }
    if let Some(default) = p.default.as_ref().filter(|d| !d.is_null()) {
        let list = as_list(default);
        if let Some(one_of) = &p.one_of {
            if !one_of.contains(default) {
                return Err(bad(format!("default {default} is not one of {one_of:?}")));
            }
        }
        if let Some(subset) = &p.subset_of {
            if !contains_all(subset, &list) {
                return Err(bad(format!(
                    "default {default} is not a subset of {subset:?}"
                )));
            }
        }
        if let Some(superset) = &p.superset_of {
            if !contains_all(&list, superset) {
                return Err(bad(format!(
                    "default {default} is not a superset of {superset:?}"
                )));
            }
        }
    }
    Ok(())
}

/// Applies a (merged) policy to the metadata of one entity type, in the order "Metadata Policy" gives.
pub fn apply(
    entity_type: &str,
    policy: &BTreeMap<String, ParamPolicy>,
    metadata: &Map<String, Value>,
) -> Result<Map<String, Value>, PolicyError> {
    let mut out = metadata.clone();
    for (param, p) in policy {
        let violation = |reason: String| PolicyError::Violation {
            entity_type: entity_type.to_owned(),
            param: param.clone(),
            reason,
        };
        if let Some(value) = &p.value {
            if value.is_null() {
                out.remove(param);
            } else {
                out.insert(param.clone(), value.clone());
            }
        }
        if let Some(add) = &p.add {
            match out.get_mut(param) {
                None => {
                    out.insert(param.clone(), Value::Array(add.clone()));
                }
                Some(Value::Array(items)) => {
                    for v in add {
                        if !items.contains(v) {
                            items.push(v.clone());
                        }
                    }
                }
                Some(other) => {
                    return Err(violation(format!(
                        "add needs an array parameter, found {other}"
                    )))
                }
            }
        }
        if let Some(default) = p.default.as_ref().filter(|d| !d.is_null()) {
            out.entry(param.clone()).or_insert_with(|| default.clone());
        }
        if let (Some(one_of), Some(current)) = (&p.one_of, out.get(param)) {
            if !one_of.contains(current) {
                return Err(violation(format!("{current} is not one of {one_of:?}")));
            }
        }
        if let Some(subset) = &p.subset_of {
            match out.get(param) {
                None => {}
                Some(Value::Array(items)) => {
                    let kept = intersection(items, subset);
                    if kept.is_empty() {
                        out.remove(param);
                    } else {
                        out.insert(param.clone(), Value::Array(kept));
                    }
                }
                Some(other) => {
                    return Err(violation(format!(
                        "subset_of needs an array parameter, found {other}"
                    )))
                }
            }
        }
        if let Some(superset) = &p.superset_of {
            match out.get(param) {
                None => {}
                Some(Value::Array(items)) if !contains_all(items, superset) => {
                    return Err(violation(format!(
                        "{items:?} does not contain all of {superset:?}"
                    )));
                }
                Some(Value::Array(_)) => {}
                Some(other) => {
                    return Err(violation(format!(
                        "superset_of needs an array parameter, found {other}"
                    )))
                }
            }
        }
        if p.essential == Some(true) && !out.contains_key(param) {
            return Err(violation("essential, but absent".into()));
        }
    }
    Ok(out)
}

/// Applies the policy for every entity type of `metadata` (types without policy pass through).
pub fn apply_all(
    policy: &MetadataPolicy,
    metadata: &Map<String, Value>,
) -> Result<Map<String, Value>, PolicyError> {
    let mut out = Map::new();
    for (entity_type, value) in metadata {
        let Some(params) = value.as_object() else {
            out.insert(entity_type.clone(), value.clone());
            continue;
        };
        match policy.get(entity_type) {
            Some(p) => out.insert(
                entity_type.clone(),
                Value::Object(apply(entity_type, p, params)?),
            ),
            None => out.insert(entity_type.clone(), value.clone()),
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
