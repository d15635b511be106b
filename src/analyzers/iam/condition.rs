//! `iam/condition`: the `Condition` element's grammar: an object of condition operators
//! (the IAM User Guide's list, each with an optional `IfExists` suffix except `Null`, and the
//! `ForAllValues:`/`ForAnyValue:` set prefixes), each an object of condition keys whose values
//! have the operator's type (`Bool` takes `true`/`false`, `Numeric*` numbers, `Date*` dates,
//! `IpAddress` addresses or CIDR ranges, `Null` `true`/`false`).

use super::{a, deploy_time};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::extract::Intrinsics;
use crate::model::Model;
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "iam/condition", artifact: ArtifactKind::Policy, run };

/// The value type an operator compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// The condition operators of the IAM User Guide ("IAM JSON policy elements: Condition
/// operators").
const OPERATORS: [(&str, Kind); 27] = [
    ("StringEquals", Kind::String),
    ("StringNotEquals", Kind::String),
    ("StringEqualsIgnoreCase", Kind::String),
    ("StringNotEqualsIgnoreCase", Kind::String),
    ("StringLike", Kind::String),
    ("StringNotLike", Kind::String),
    ("NumericEquals", Kind::Numeric),
    ("NumericNotEquals", Kind::Numeric),
    ("NumericLessThan", Kind::Numeric),
    ("NumericLessThanEquals", Kind::Numeric),
    ("NumericGreaterThan", Kind::Numeric),
    ("NumericGreaterThanEquals", Kind::Numeric),
    ("DateEquals", Kind::Date),
    ("DateNotEquals", Kind::Date),
    ("DateLessThan", Kind::Date),
    ("DateLessThanEquals", Kind::Date),
    ("DateGreaterThan", Kind::Date),
    ("DateGreaterThanEquals", Kind::Date),
    ("Bool", Kind::Bool),
    ("BinaryEquals", Kind::Binary),
    ("IpAddress", Kind::Ip),
    ("NotIpAddress", Kind::Ip),
    ("ArnEquals", Kind::Arn),
    ("ArnLike", Kind::Arn),
    ("ArnNotEquals", Kind::Arn),
    ("ArnNotLike", Kind::Arn),
    ("Null", Kind::Null),
];

/// The reason given for an operator spelt in another letter case (a warning: the spelling of
/// the IAM User Guide is the one every tool and reader knows).
const CASE_ONLY: &str = "case";

/// An operator's name read: its kind, or why it is none.
pub(super) fn operator(name: &str) -> Result<Kind, String> {
    let base = name.strip_prefix("ForAllValues:").or_else(|| name.strip_prefix("ForAnyValue:")).unwrap_or(name);
    let (base, if_exists) = match base.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (base, false),
    };
    match OPERATORS.iter().find(|(n, _)| *n == base) {
        Some((_, Kind::Null)) if if_exists => Err("`Null` has no `IfExists` form: it already tests whether the key exists".into()),
        Some((_, kind)) => Ok(*kind),
        None if OPERATORS.iter().any(|(n, _)| n.eq_ignore_ascii_case(base)) => Err(CASE_ONLY.into()),
        None => {
            let close = crate::finding::suggestion(base, OPERATORS.iter().map(|(n, _)| *n));
            let hint = close.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
            Err(format!("`{}` is no condition operator{hint}", crate::finding::shortened(name, 80)))
        }
    }
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    for statement in &policy.statements {
        if out.is_full() {
            return;
        }
        let Some(condition) = statement.condition else { continue };
        let route = format!("{}.Condition", statement.path);
        for block in condition.value.alternatives() {
            if deploy_time(block) {
                continue;
            }
            let Some(operators) = block.as_object() else {
                out.report(
                    Place::Value(block),
                    &route,
                    format!("`Condition` is {}: it is an object of condition operators such as `StringEquals`", a(block)),
                )
                .emit();
                continue;
            };
            for entry in operators {
                if deploy_time(&entry.value) {
                    continue;
                }
                let kind = match operator(&entry.key) {
                    Ok(kind) => kind,
                    Err(why) if why == CASE_ONLY => {
                        let base = entry.key.rsplit(':').next().unwrap_or(&entry.key).trim_end_matches("IfExists");
                        let known = OPERATORS.iter().find(|(n, _)| n.eq_ignore_ascii_case(base)).map_or("", |(n, _)| *n);
                        out.report(
                            Place::Key(entry),
                            &route,
                            format!("`{}` is spelt `{known}` in the IAM User Guide", crate::finding::shortened(&entry.key, 80)),
                        )
                        .severity(crate::finding::Severity::Warning)
                        .emit();
                        continue;
                    }
                    Err(why) => {
                        let code = if why.starts_with("`Null`") { "NULL_WITH_IF_EXISTS" } else { "INVALID_CONDITION_OPERATOR" };
                        out.report(Place::Key(entry), &route, why)
                            .help("Condition operators are case-sensitive; see the IAM User Guide's list of condition operators.")
                            .access_analyzer(code)
                            .emit();
                        continue;
                    }
                };
                let Some(keys) = entry.value.as_object() else {
                    out.report(
                        Place::Value(&entry.value),
                        &route,
                        format!(
                            "`{}` is {}: it maps condition keys to values (`{{\"aws:SourceAccount\": \"123456789012\"}}`)",
                            entry.key,
                            a(&entry.value)
                        ),
                    )
                    .emit();
                    continue;
                };
                if keys.is_empty() {
                    out.report(Place::Value(&entry.value), &route, format!("`{}` names no condition key", entry.key))
                        .access_analyzer("EMPTY_OBJECT_CONDITION")
                        .emit();
                }
                for key in keys {
                    for value in values(&key.value) {
                        if let Some(why) = mismatch(kind, value) {
                            let code = match kind {
                                _ if !matches!(value.value, Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
                                    "INVALID_CONDITION_DATA_TYPE"
                                }
                                Kind::Bool | Kind::Null => "TYPE_MISMATCH_BOOLEAN",
                                Kind::Numeric => "TYPE_MISMATCH_NUMBER",
                                Kind::Date => "TYPE_MISMATCH_DATE",
                                Kind::Ip => "TYPE_MISMATCH_IP_RANGE",
                                _ => "TYPE_MISMATCH",
                            };
                            out.report(
                                Place::Value(value),
                                &format!("{route}.{}", crate::finding::locator_part(&entry.key)),
                                format!("`{}` of `{}`: {why}", crate::finding::shortened(&key.key, 80), entry.key),
                            )
                            .access_analyzer(code)
                            .emit();
                        }
                    }
                    if matches!(&key.value.value, Value::Array(items) if items.is_empty()) {
                        out.report(
                            Place::Value(&key.value),
                            &route,
                            format!(
                                "`{}` of `{}` is an empty list: it matches nothing",
                                crate::finding::shortened(&key.key, 80),
                                entry.key
                            ),
                        )
                        .access_analyzer("EMPTY_ARRAY_CONDITION")
                        .emit();
                    }
                }
            }
        }
    }
}

/// A condition value or the items of a list of them (both branches of an `Fn::If`).
fn values(node: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    for alternative in node.alternatives() {
        match &alternative.value {
            Value::Array(items) => out.extend(items.iter().flat_map(Intrinsics::alternatives)),
            _ => out.push(alternative),
        }
    }
    out
}

/// Why a value does not fit the operator's type, if it does not.
fn mismatch(kind: Kind, value: &Node) -> Option<String> {
    if deploy_time(value) {
        return None;
    }
    let text = match &value.value {
        Value::String(s) => s.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => return Some("a condition value cannot be null".into()),
        _ => return Some(format!("a condition value is text, a number or a boolean, not {}", a(value))),
    };
    let shown = crate::finding::shortened(&text, 60);
    match kind {
        Kind::Bool | Kind::Null if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") => {
            Some(format!("`{shown}` is not `true` or `false`"))
        }
        Kind::Numeric if text.parse::<f64>().is_err() => Some(format!("`{shown}` is not a number")),
        Kind::Date if !is_date(&text) => {
            Some(format!("`{shown}` is not a date (ISO 8601, such as `2026-12-31T23:59:59Z`, or seconds since 1970)"))
        }
        Kind::Ip if !is_ip_or_cidr(&text) => Some(format!("`{shown}` is not an IP address or CIDR range")),
        _ => None,
    }
}

fn is_date(text: &str) -> bool {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    // YYYY-MM-DD, then an optional time: ISO 8601 as IAM reads it.
    let b = text.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || b[10] == b'T' || b[10] == b't' || b[10] == b' ')
}

fn is_ip_or_cidr(text: &str) -> bool {
    let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
    let max = match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators() {
        assert!(operator("StringEquals").is_ok());
        assert!(operator("ForAnyValue:StringLikeIfExists").is_ok());
        assert!(operator("ForAllValues:ArnLike").is_ok());
        assert!(operator("NullIfExists").is_err());
        assert!(operator("StringEqual").unwrap_err().contains("did you mean `StringEquals`"));
        assert!(is_date("2026-12-31T23:59:59Z") && is_date("2026-12-31") && is_date("1700000000") && !is_date("yesterday"));
        assert!(
            is_ip_or_cidr("203.0.113.0/24")
                && is_ip_or_cidr("2001:db8::/32")
                && !is_ip_or_cidr("203.0.113.0/33")
                && !is_ip_or_cidr("office")
        );
    }
}
