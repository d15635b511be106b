//! What `Ref` and `Fn::GetAtt` return for the resource types state machines and their roles
//! name, from `data/cfn/resources.yaml` (written from the CloudFormation template reference;
//! the file names its pages and date), and what the Terraform AWS provider's attributes return,
//! from `data/terraform/resources.yaml` (same shape, `ref` for `id`). Parsed on first use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    types: BTreeMap<String, ResourceType>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceType {
    /// The ARN, `${Name}` the physical name.
    pub arn: String,
    /// The property that names the resource.
    #[serde(default)]
    pub name: Option<String>,
    /// What `Ref` returns.
    #[serde(rename = "ref")]
    pub reference: Returns,
    /// `Fn::GetAtt` attributes that return the ARN, the name or the URL.
    pub attributes: BTreeMap<String, Returns>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Returns {
    Name,
    Arn,
    Url,
}

/// The CloudFormation type's entry, when the table has it.
#[must_use]
pub fn resource_type(name: &str) -> Option<&'static ResourceType> {
    static DATA: OnceLock<Option<Table>> = OnceLock::new();
    DATA.get_or_init(|| serde_json::from_str(super::json("cfn/resources.yaml")?).ok()).as_ref()?.types.get(name)
}

/// The Terraform resource type's entry, when the table has it.
#[must_use]
pub fn terraform_type(name: &str) -> Option<&'static ResourceType> {
    static DATA: OnceLock<Option<Table>> = OnceLock::new();
    DATA.get_or_init(|| serde_json::from_str(super::json("terraform/resources.yaml")?).ok()).as_ref()?.types.get(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_loads() {
        let lambda = super::resource_type("AWS::Lambda::Function").expect("loads");
        assert_eq!(lambda.reference, super::Returns::Name);
        assert!(super::resource_type("AWS::SQS::Queue").is_some_and(|q| q.reference == super::Returns::Url));
        assert!(super::terraform_type("aws_sqs_queue").is_some_and(|q| q.attributes["url"] == super::Returns::Url));
    }
}
