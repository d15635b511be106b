//! What a state machine's execution role needs for each Task integration, from
//! `data/sfn/permissions.yaml` (written from AWS's "IAM policies for integrated services" pages;
//! the file names them and the date). Parsed on first use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    pub kinds: BTreeMap<String, Kind>,
    pub integrations: BTreeMap<String, Integration>,
    pub distributed_map: Vec<Need>,
    pub item_reader: BTreeMap<String, Vec<String>>,
    pub result_writer: BTreeMap<String, Vec<String>>,
    pub logging: Vec<String>,
    pub aws_sdk: AwsSdk,
}

/// How a parameter's value becomes an ARN.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// The ARN of a resource named `${Name}`.
    pub format: String,
    /// The value is a queue URL.
    #[serde(default)]
    pub url: bool,
    /// The service lowercases the name in the ARN (SageMaker jobs).
    #[serde(default)]
    pub lowercase: bool,
    /// The value may be a partial ARN from this text on (`function:name` for Lambda).
    #[serde(default)]
    pub partial: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    pub needs: Vec<Need>,
    /// Added for `.sync` and `.sync:2`.
    #[serde(default)]
    pub sync: Vec<Need>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub actions: Vec<String>,
    pub resource: Resource,
    #[serde(default)]
    pub when: Option<When>,
    /// What else decides whether the need is real (the API's authorization).
    #[serde(default)]
    pub depends_on: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The parameter naming the target (a dotted path; `Entries[]` for every item of a list).
    #[serde(default)]
    pub parameter: Option<String>,
    /// The kind of the parameter's value.
    #[serde(default, rename = "as")]
    pub kind: Option<String>,
    /// Another parameter that may name the target instead.
    #[serde(default)]
    pub or: Option<String>,
    /// The value when the parameter is absent.
    #[serde(default)]
    pub default: Option<String>,
    /// A fixed ARN (`*` for any).
    #[serde(default)]
    pub arn: Option<String>,
    /// The executions of the state machine this parameter names.
    #[serde(default)]
    pub executions_of: Option<String>,
    /// The state machine itself.
    #[serde(default, rename = "self")]
    pub itself: bool,
    /// Known only at run time (the call names no resource the definition gives).
    #[serde(default)]
    pub run_time: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub parameter: String,
    pub equals: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSdk {
    /// SDK service name → IAM prefix, where they differ.
    pub services: BTreeMap<String, String>,
    /// `service:apiAction` → IAM action, where it is not the API name.
    pub actions: BTreeMap<String, String>,
}

/// The table, or `None` when it does not load (a build error the tests catch).
#[must_use]
pub fn permissions() -> Option<&'static Permissions> {
    static DATA: OnceLock<Option<Permissions>> = OnceLock::new();
    DATA.get_or_init(|| serde_json::from_str(super::json("sfn/permissions.yaml")?).ok()).as_ref()
}

impl AwsSdk {
    /// The IAM action of `arn:aws:states:::aws-sdk:<service>:<api>` (`s3`, `listObjectsV2` →
    /// `s3:ListBucket`), when the IAM data knows it.
    #[must_use]
    pub fn action(&self, service: &str, api: &str) -> Option<String> {
        if let Some(action) = self.actions.get(&format!("{service}:{api}")) {
            return Some(action.clone());
        }
        let prefix = self.services.get(service).map_or(service, String::as_str);
        let mut name = String::with_capacity(api.len());
        let mut chars = api.chars();
        name.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        name.extend(chars);
        let action = format!("{prefix}:{name}");
        crate::data::iam::actions().action(&action).map(|_| action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action the table names is an IAM action, every kind it uses is defined, and the
    /// integrations users run most are there.
    #[test]
    fn the_table_loads_and_names_real_actions() {
        let data = permissions().expect("data/sfn/permissions.yaml loads");
        let iam = crate::data::iam::actions();
        let needs = data.integrations.values().flat_map(|i| i.needs.iter().chain(&i.sync)).chain(&data.distributed_map);
        for need in needs {
            for action in &need.actions {
                assert!(iam.action(action).is_some(), "{action} is not in the IAM data");
            }
            if let Some(kind) = &need.resource.kind {
                assert!(data.kinds.contains_key(kind), "kind {kind}");
            }
        }
        for action in data.logging.iter().chain(data.item_reader.values().flatten()).chain(data.result_writer.values().flatten()) {
            assert!(iam.action(action).is_some(), "{action}");
        }
        for key in ["lambda:invoke", "sns:publish", "sqs:sendMessage", "states:startExecution", "ecs:runTask", "http:invoke"] {
            assert!(data.integrations.contains_key(key), "{key}");
        }
        assert_eq!(data.aws_sdk.action("s3", "listObjectsV2").as_deref(), Some("s3:ListBucket"));
        assert_eq!(data.aws_sdk.action("sfn", "startExecution").as_deref(), Some("states:StartExecution"));
        assert_eq!(data.aws_sdk.action("dynamodb", "query").as_deref(), Some("dynamodb:Query"));
        assert_eq!(data.aws_sdk.action("s3", "notAnApi"), None);
    }
}
