//! `iam/condition-key`: condition keys read against the IAM data: a key its service does not
//! have (`s3:prefixx`, which never matches: an `Allow` that never applies, a `Deny` that never
//! denies), and a key compared with an operator of another type (`StringEquals` on the Numeric
//! `s3:signatureAge`, `NumericEquals` on the String `s3:prefix`).
//!
//! Only keys of prefixes the data lists are checked: global `aws:` keys the data does not
//! name and identity providers' claims (`token.actions.githubusercontent.com:sub`) are left
//! alone.

use super::condition::{Kind, operator};
use super::deploy_time;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::data::condition_keys::{KeyType, Lookup, lookup};
use crate::extract::ArtifactKind;
use crate::extract::Intrinsics;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/condition-key", artifact: ArtifactKind::Policy, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    for statement in &policy.statements {
        if out.is_full() {
            return;
        }
        let Some(condition) = statement.condition else { continue };
        for block in condition.value.alternatives().into_iter().filter(|b| !deploy_time(b)) {
            for entry in block.as_object().unwrap_or(&[]) {
                let Ok(kind) = operator(&entry.key) else { continue };
                for key in entry.value.as_object().unwrap_or(&[]) {
                    if key.key.contains("${") {
                        continue;
                    }
                    let route = format!("{}.Condition.{}", statement.path, crate::finding::locator_part(&entry.key));
                    let shown = crate::finding::shortened(&key.key, 80);
                    match lookup(&key.key) {
                        Lookup::Unknown => {}
                        Lookup::Missing { prefix, names } => {
                            let (_, name) = key.key.split_once(':').unwrap_or_default();
                            let close = crate::finding::suggestion(name, names.iter().map(|k| k.name));
                            let hint = close.map(|c| format!("; did you mean `{prefix}:{c}`?")).unwrap_or_default();
                            let mut report = out.report(
                                Place::Key(key),
                                &route,
                                format!(
                                    "`{shown}` is no condition key of `{prefix}` (IAM data of {}): the condition never matches{hint}",
                                    crate::data::iam::DATE
                                ),
                            );
                            if let Some(close) = close {
                                report = report.help(format!("Write `{prefix}:{close}`."));
                            } else {
                                report = report.help("See the service's condition keys in the Service Authorization Reference.");
                            }
                            report.access_analyzer("INVALID_SERVICE_CONDITION_KEY").emit();
                        }
                        Lookup::Found(found) => {
                            if let Some(wanted) = mismatch(kind, found.key_type) {
                                let name = format!("{}:{}", key.key.split_once(':').map_or("", |(p, _)| p), found.name);
                                out.report(
                                    Place::Key(key),
                                    &route,
                                    format!(
                                        "`{}` is a {} key: `{}` compares it as another type, and the condition does not hold as meant",
                                        crate::finding::shortened(&name, 80),
                                        found.key_type.as_str(),
                                        entry.key
                                    ),
                                )
                                .help(format!("Use {wanted}."))
                                .access_analyzer("TYPE_MISMATCH")
                                .emit();
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The operators a key of this type wants, when `kind` is not one of them. String operators
/// compare ARNs too, and `Null` any key.
fn mismatch(kind: Kind, key: KeyType) -> Option<&'static str> {
    let fits = matches!(
        (kind, key),
        (Kind::Null, _)
            | (Kind::String, KeyType::String | KeyType::Arn)
            | (Kind::Binary, KeyType::String)
            | (Kind::Numeric, KeyType::Numeric)
            | (Kind::Date, KeyType::Date)
            | (Kind::Bool, KeyType::Bool)
            | (Kind::Ip, KeyType::Ip)
            | (Kind::Arn, KeyType::Arn)
    );
    (!fits).then_some(match key {
        KeyType::String => "a String operator (`StringEquals`, `StringLike`)",
        KeyType::Arn => "an ARN operator (`ArnEquals`, `ArnLike`) or a String operator",
        KeyType::Numeric => "a Numeric operator (`NumericEquals`, `NumericLessThan`)",
        KeyType::Date => "a Date operator (`DateGreaterThan`, `DateLessThan`)",
        KeyType::Bool => "`Bool`",
        KeyType::Ip => "`IpAddress` or `NotIpAddress`",
    })
}
