//! `deploylint policy FILE[#Id]`: the least-privilege policy of each state machine of a file,
//! from the same needs as `sfn/role-missing-permission` (load → model, then the needs instead
//! of the rules), so the two cannot disagree.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analyzers::sfn::spelling;
use crate::extract::{ArtifactKind, Context};
use crate::model::Model;
use crate::model::needs::{PolicyDocument, needs, policy};
use crate::model::role::{MachineContext, MachineType, RoleBinding};
use crate::model::symbolic::Symbolic;
use crate::source::{Source, Span};
use crate::{EXIT_OK, EXIT_USAGE, Outcome};

/// How the policy is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyFormat {
    /// An IAM policy document.
    Json,
    /// The same, as YAML for a CloudFormation template (intrinsics in their short form).
    Yaml,
}

/// Runs the command on `target` (`FILE` or `FILE#LogicalIdOrAddress`).
#[must_use]
pub fn run(target: &str, format: PolicyFormat) -> Outcome {
    let (path, wanted) = split_target(target);
    let error = |message: String| Outcome { stdout: String::new(), stderr: format!("error: {message}\n"), code: EXIT_USAGE };
    let loaded = match crate::load::file(&path) {
        Ok(loaded) => loaded,
        Err(failure) => return error(format!("cannot read `{}`: {}", path.display(), failure.message())),
    };
    let source = loaded.source.clone();
    if let Some(err) = &loaded.parsed.error {
        let finding = crate::finding::Finding::parse_error(&source, err);
        let at = source.position(finding.span.start());
        return error(format!("{}:{}:{}: {}", source.path.display(), at.line, at.column, finding.message));
    }
    let roots = roots(&path);
    let ctx = Context::new(source.clone(), &roots);
    let mut machines: Vec<(String, PolicyDocument)> = Vec::new();
    let mut emit = |artifact: crate::extract::Artifact<'_>| {
        if artifact.kind != ArtifactKind::StateMachine {
            return;
        }
        let id = artifact.resource.clone().unwrap_or_else(|| source.path.display().to_string());
        if machines.iter().any(|(m, _)| *m == id) {
            return;
        }
        let standalone = standalone(&source);
        let model = Model::new(&artifact);
        let Some(machine) = model.state_machine() else { return };
        let context = artifact.machine.as_deref().unwrap_or(&standalone);
        let needs = needs(machine, context);
        let needs: Vec<_> = needs.iter().collect();
        machines.push((id, policy(&needs, &|arn| spelling(arn, context.dialect))));
    };
    let _ = crate::extract::file(&loaded, &ctx, &mut emit);
    if let Some(wanted) = &wanted {
        machines.retain(|(id, _)| id == wanted);
        if machines.is_empty() {
            return error(format!("`{}` holds no state machine `{wanted}`", source.path.display()));
        }
    }
    if machines.is_empty() {
        return error(format!("`{}` holds no state machine", source.path.display()));
    }
    let stdout = match format {
        PolicyFormat::Json if machines.len() == 1 => pretty(&machines[0].1),
        PolicyFormat::Json => {
            let labelled: serde_json::Map<String, serde_json::Value> =
                machines.iter().map(|(id, doc)| (id.clone(), serde_json::to_value(doc).unwrap_or_default())).collect();
            pretty(&labelled)
        }
        PolicyFormat::Yaml => {
            let mut out = String::new();
            for (i, (id, doc)) in machines.iter().enumerate() {
                if i > 0 {
                    out.push_str("---\n");
                }
                out.push_str(&format!("# The execution role policy of `{id}`\n"));
                yaml(doc, &mut out);
            }
            out
        }
    };
    Outcome { stdout, stderr: String::new(), code: EXIT_OK }
}

/// `FILE#Id` → the file and the id, unless the whole text names a file.
fn split_target(target: &str) -> (PathBuf, Option<String>) {
    if !Path::new(target).exists()
        && let Some((file, id)) = target.rsplit_once('#')
    {
        return (PathBuf::from(file), Some(id.to_string()));
    }
    (PathBuf::from(target), None)
}

/// Where files the target names may be read from: its folder and the working directory.
fn roots(path: &Path) -> Vec<PathBuf> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    [folder, Path::new(".")].iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect()
}

/// The context of a definition file on its own: no substitutions, no role.
fn standalone(source: &Arc<Source>) -> MachineContext {
    MachineContext {
        resource: source.path.display().to_string(),
        file: source.clone(),
        at: Span::default(),
        machine_type: MachineType::Unknown,
        logging: None,
        log_group: None,
        alarm: crate::model::role::Alarm::Unchecked,
        names: std::collections::BTreeMap::new(),
        own_arn: Symbolic::opaque("StateMachineArn"),
        dialect: crate::model::symbolic::Dialect::CloudFormation,
        senders: Arc::default(),
        answerers: Arc::default(),
        task_roles: Vec::new(),
        functions: Arc::default(),
        role: RoleBinding::Unseen { at: Span::default(), what: "not given".into() },
    }
}

fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// A policy as YAML: strings quoted as JSON strings (valid YAML), CloudFormation intrinsics
/// (`{"Fn::GetAtt": [...]}`) in their short form.
fn yaml(doc: &PolicyDocument, out: &mut String) {
    use crate::model::needs::OneOrMany;
    out.push_str(&format!("Version: \"{}\"\nStatement:\n", doc.version));
    for statement in &doc.statement {
        out.push_str(&format!("  - Effect: {}\n", statement.effect));
        let actions: Vec<serde_json::Value> = match &statement.action {
            OneOrMany::One(a) => vec![a.clone().into()],
            OneOrMany::Many(list) => list.iter().cloned().map(Into::into).collect(),
        };
        let resources = match &statement.resource {
            OneOrMany::One(r) => vec![r.clone()],
            OneOrMany::Many(list) => list.clone(),
        };
        for (key, values) in [("Action", actions), ("Resource", resources)] {
            out.push_str(&format!("    {key}:\n"));
            for value in &values {
                let text = inline(value).unwrap_or_else(|| value.to_string());
                out.push_str(&format!("      - {text}\n"));
            }
        }
    }
}

/// A value written on one line: a scalar, or an intrinsic in its short form.
fn inline(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(_) | serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null => {
            Some(value.to_string())
        }
        serde_json::Value::Object(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next()?;
            match (key.as_str(), argument) {
                ("Fn::GetAtt", serde_json::Value::Array(parts)) if parts.len() == 2 => {
                    Some(format!("!GetAtt {}.{}", parts[0].as_str()?, parts[1].as_str()?))
                }
                ("Ref", serde_json::Value::String(name)) => Some(format!("!Ref {name}")),
                ("Fn::Sub", serde_json::Value::String(text)) => Some(format!("!Sub {}", serde_json::Value::String(text.clone()))),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::extract::template::{Template, grants};
    use crate::model::Model;
    use crate::model::needs::{needs, policy};
    use crate::model::role::{Role, Verdict};
    use crate::source::Source;

    /// Every state machine of a template: the policy `deploylint policy` prints for it, read back
    /// as its role's only policy, allows everything its states need.
    fn round_trip(path: &Path) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
        let source = Arc::new(Source::new(path.to_path_buf(), text));
        let parsed = crate::parse::parse_source(&source);
        let Some(doc) = parsed.documents.first() else { return Vec::new() };
        let roots: Vec<std::path::PathBuf> = path.parent().and_then(|p| std::fs::canonicalize(p).ok()).into_iter().collect();
        let ctx = crate::extract::Context::new(source.clone(), &roots);
        let model = Template::new(doc);
        let mut failures = Vec::new();
        let mut check = |artifact: crate::extract::Artifact<'_>| {
            let Some(context) = artifact.machine.as_deref() else { return };
            let view = Model::new(&artifact);
            let Some(machine) = view.state_machine() else { return };
            let needs = needs(machine, context);
            let printed = policy(&needs.iter().collect::<Vec<_>>(), &|arn| super::spelling(arn, context.dialect));
            let text = serde_json::to_string(&printed).unwrap_or_default();
            let Ok((node, _)) = crate::parse::json::parse(&text, 0, crate::parse::json::Options::default()) else {
                failures.push(format!("{}: the policy does not parse", path.display()));
                return;
            };
            let mut role = Role {
                name: "printed".into(),
                at: crate::model::role::At::default(),
                grants: Vec::new(),
                unseen: Vec::new(),
                boundary: None,
                shared: None,
            };
            grants(&node, false, &|n| model.resolve(n), &mut role.grants);
            for need in &needs {
                let verdict = role.allows(&need.action, &need.target);
                if matches!(verdict, Verdict::Missing | Verdict::Denied(_)) {
                    failures.push(format!(
                        "{} {}: {} on {:?} is {verdict:?} under {text}",
                        path.display(),
                        context.resource,
                        need.action,
                        need.target
                    ));
                }
            }
        };
        let _ = crate::extract::extract(doc, &ctx, &mut check);
        failures
    }

    #[test]
    fn printed_policies_cover_the_fixtures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/role");
        for fixture in ["cfn-families/template.yaml", "sam-definition-uri/template.yaml"] {
            let failures = round_trip(&root.join(fixture));
            assert!(failures.is_empty(), "{failures:#?}");
        }
    }

    /// Over the shared corpus's SAM and CloudFormation samples, when it is there.
    #[test]
    fn printed_policies_cover_the_bench_samples() {
        let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bench/sfn-workflows");
        let Ok(projects) = std::fs::read_dir(&bench) else {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("note: {} is not there; the round trip over it is skipped", bench.display());
            }
            return;
        };
        let mut checked = 0;
        let mut failures = Vec::new();
        for project in projects.flatten() {
            for name in ["template.yaml", "template.yml", "template.json"] {
                let path = project.path().join(name);
                if path.is_file() {
                    checked += 1;
                    failures.extend(round_trip(&path));
                }
            }
        }
        assert!(checked > 50, "{checked} templates");
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
