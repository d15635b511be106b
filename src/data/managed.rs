//! AWS managed policies commonly attached to execution roles (`data/iam/managed-policies.yaml`,
//! written from the AWS Managed Policy Reference Guide; the file names its date), read as the
//! statements they grant. Parsed on first use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::role::Grant;
use crate::model::symbolic::Symbolic;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    policies: BTreeMap<String, Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    complete: bool,
    statements: Vec<Statement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Statement {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    not_actions: Vec<String>,
    resources: Vec<String>,
}

/// A managed policy: its name, statements, and whether they are the whole policy.
#[derive(Debug)]
pub struct Managed {
    pub name: String,
    pub complete: bool,
    pub grants: Vec<Grant>,
}

fn table() -> &'static [Managed] {
    static DATA: OnceLock<Vec<Managed>> = OnceLock::new();
    DATA.get_or_init(|| {
        let Some(table) = super::json("iam/managed-policies.yaml").and_then(|t| serde_json::from_str::<Table>(t).ok()) else {
            return Vec::new();
        };
        table
            .policies
            .into_iter()
            .map(|(name, entry)| Managed {
                name,
                complete: entry.complete,
                grants: entry
                    .statements
                    .into_iter()
                    .map(|s| Grant {
                        allow: true,
                        not_action: s.actions.is_empty(),
                        actions: if s.actions.is_empty() { s.not_actions } else { s.actions }.into_iter().map(Some).collect(),
                        resources: s.resources.into_iter().map(Symbolic::text).collect(),
                        not_resource: false,
                        conditional: false,
                        uncertain: false,
                        at: crate::source::Span::default().into(),
                        // Named where it is attached (the table is static: see `grants_of`).
                        origin: crate::model::role::Origin::Managed(""),
                    })
                    .collect(),
            })
            .collect()
    })
}

impl Managed {
    /// Its statements, each marked as this policy's.
    pub fn grants_of(&'static self) -> impl Iterator<Item = Grant> {
        self.grants.iter().cloned().map(|mut grant| {
            grant.origin = crate::model::role::Origin::Managed(&self.name);
            grant
        })
    }
}

/// The managed policy an ARN names (`arn:aws:iam::aws:policy/service-role/AWSLambdaRole`), when
/// the data has it.
#[must_use]
pub fn policy(arn: &str) -> Option<&'static Managed> {
    let rest = arn.strip_prefix("arn:")?;
    let (_, rest) = rest.split_once(":iam::aws:policy/")?;
    let name = rest.rsplit('/').next()?;
    table().iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn policies_load_and_are_found_by_arn() {
        assert!(super::table().len() >= 20);
        let role = super::policy("arn:aws:iam::aws:policy/service-role/AWSLambdaRole").expect("known");
        assert!(role.complete);
        assert!(super::policy("arn:aws-cn:iam::aws:policy/AmazonSQSFullAccess").is_some());
        assert!(super::policy("arn:aws:iam::123456789012:policy/AmazonSQSFullAccess").is_none(), "a customer policy of the same name");
    }
}
