//! A state machine in its file's context: its type, its logging, the names its definition's
//! `${…}` placeholders stand for, and its execution role with every statement the role's
//! policies hold, resolved into symbolic values. Extraction builds it from the file's model
//! (`extract::template` for CloudFormation and SAM); the role analyzers and `deploylint
//! policy` read it, and [`Role::allows`] answers whether the role may call an action on a
//! resource.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::symbolic::{Symbolic, Tri, covers};
use crate::source::{Source, Span};

/// A place of the role's: in the state machine's file, or in another file of the same
/// configuration (a Terraform module's `iam.tf`).
#[derive(Clone, Debug, Default)]
pub struct At {
    pub span: Span,
    /// The file, when not the state machine's.
    pub file: Option<Arc<Source>>,
}

impl At {
    /// A place in `file`, or in the machine's file when `file` is `None`.
    #[must_use]
    pub fn new(span: Span, file: Option<Arc<Source>>) -> Self {
        Self { span, file }
    }

    /// The file it is in, given the machine's.
    #[must_use]
    pub fn in_file<'s>(&'s self, machine: &'s Arc<Source>) -> &'s Arc<Source> {
        self.file.as_ref().unwrap_or(machine)
    }

    /// The same place, in `file` if no file is named yet.
    fn or_in(&mut self, file: &Arc<Source>) {
        if self.file.is_none() {
            self.file = Some(file.clone());
        }
    }
}

impl From<Span> for At {
    fn from(span: Span) -> Self {
        Self { span, file: None }
    }
}

impl PartialEq for At {
    fn eq(&self, other: &Self) -> bool {
        self.span == other.span
            && match (&self.file, &other.file) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

/// Standard or Express (`Type`, `StateMachineType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineType {
    Standard,
    Express,
    /// Given by a value known only at deploy time.
    Unknown,
}

/// What the file says about one state machine beyond its definition.
#[derive(Debug)]
pub struct MachineContext {
    /// The resource that defines it: a logical id or a Terraform address.
    pub resource: String,
    /// The file that defines it (the template, for a definition read through `DefinitionUri`).
    pub file: Arc<Source>,
    /// The resource's name in that file.
    pub at: Span,
    pub machine_type: MachineType,
    /// Where logging is configured to a destination, when it is.
    pub logging: Option<Span>,
    /// The CloudWatch Logs log group the machine logs to, when logging is on and the file says
    /// which (`None` when it does not, or the value is known only at deploy time).
    pub log_group: Option<LogGroup>,
    /// Whether a CloudWatch alarm of the file watches the machine's failed executions.
    pub alarm: Alarm,
    /// What each `${Name}` of the definition stands for (from `DefinitionSubstitutions`, or a
    /// `Fn::Sub`'s variables); a name not here is known only at deploy time.
    pub names: BTreeMap<String, Symbolic>,
    /// The machine's own ARN (a Distributed Map starts executions of it).
    pub own_arn: Symbolic,
    /// How the file writes values: what generated policies and messages spell.
    pub dialect: super::symbolic::Dialect,
    pub role: RoleBinding,
    /// The file's functions and queues that may receive a task token, with the roles that
    /// would send it back (a callback task's sender).
    pub senders: Arc<Vec<Sender>>,
    /// The roles of the file that may call `states:SendTaskSuccess` (by name): when one of
    /// them is not a sender's, the token may well come back from there.
    pub answerers: Arc<Vec<String>>,
    /// The file's ECS task definitions (by ARN) with the roles they name (`TaskRoleArn`,
    /// `ExecutionRoleArn`): running one passes them (`iam:PassRole`).
    pub task_roles: Vec<(Symbolic, Vec<Symbolic>)>,
    /// The file's Lambda functions, with the limits the quota rules read.
    pub functions: Arc<Vec<Function>>,
}

/// A Lambda function of the file (or module) that a Task may invoke.
#[derive(Debug)]
pub struct Function {
    /// Its ARN, as a Task names it (`!GetAtt Ship.Arn`, `${aws_lambda_function.ship.arn}`).
    pub arn: Symbolic,
    /// How messages name it: `function `Ship``.
    pub name: String,
    /// Its name in the file.
    pub at: At,
    /// `ReservedConcurrentExecutions` (`reserved_concurrent_executions`), when the file gives
    /// a number, with its place.
    pub reserved: Option<(f64, At)>,
    /// Its timeout in seconds, when the file gives a number (SAM `Globals` included).
    pub timeout: Option<(f64, At)>,
}

/// A log group a state machine logs to.
#[derive(Clone, Debug, PartialEq)]
pub struct LogGroup {
    pub name: LogGroupName,
    /// Where the name is written (the log group's name property, the destination's ARN), or the
    /// log group resource when its name is generated.
    pub at: At,
    /// The resource that defines it (a logical id, a Terraform address), when the file does.
    pub resource: Option<String>,
}

/// A log group's name, as far as the file tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogGroupName {
    /// Its text up to the first part known only at deploy time (a parameter, the stack's name),
    /// and whether that is all of it.
    Known { start: String, complete: bool },
    /// None given: CloudFormation (`StackName-LogicalId-RANDOM`) or Terraform
    /// (`terraform-…`) chooses one.
    Generated,
}

impl LogGroupName {
    /// The name a symbolic value spells: its text up to the first piece that is not text.
    #[must_use]
    pub fn of(value: &Symbolic) -> Self {
        let mut start = String::new();
        for piece in &value.pieces {
            match piece {
                super::symbolic::Piece::Text(text) => start.push_str(text),
                _ => return Self::Known { start, complete: false },
            }
        }
        Self::Known { start, complete: true }
    }

    /// The name of the log group an ARN names (`arn:aws:logs:us-east-1:1:log-group:NAME:*`),
    /// when it is a log group's ARN whose `log-group:` part is written as text.
    #[must_use]
    pub fn of_arn(arn: &Symbolic) -> Option<Self> {
        use super::symbolic::Piece;
        let mut rest = Symbolic { pieces: Vec::new(), shown: None };
        let mut found = false;
        for piece in &arn.pieces {
            match piece {
                Piece::Text(text) if !found => {
                    if let Some((_, after)) = text.split_once(":log-group:") {
                        found = true;
                        rest.push_text(after);
                    }
                }
                _ if !found => {}
                other => rest.push(other.clone()),
            }
        }
        if !found {
            return None;
        }
        // The name ends at the next `:` (`:*`, `:log-stream:…`).
        let mut start = String::new();
        for piece in &rest.pieces {
            match piece {
                Piece::Text(text) => match text.split_once(':') {
                    Some((name, _)) => {
                        start.push_str(name);
                        return Some(Self::Known { start, complete: true });
                    }
                    None => start.push_str(text),
                },
                _ => return Some(Self::Known { start, complete: false }),
            }
        }
        Some(Self::Known { start, complete: true })
    }
}

/// The `AWS/States` metrics that count executions ending without success (failed, timed out,
/// aborted) or not starting (throttled). An alarm on one of them for a state machine watches
/// its failures (`ExecutionsSucceeded` does not).
pub const FAILURE_METRICS: [&str; 4] = ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"];

/// Whether an alarm of the file watches a state machine's failed executions.
#[derive(Clone, Debug, PartialEq)]
pub enum Alarm {
    /// The alarm at this place does (its logical id or address).
    Watched(At),
    /// An alarm on the metric names a state machine the run cannot tell (a parameter, an
    /// import, a search expression): it may be this one.
    Maybe(At),
    /// No alarm of the file does.
    None,
    /// Not looked for: the context does not come from a file's resources.
    Unchecked,
}

/// A function, or a queue's consumer, that may receive a task token.
#[derive(Debug)]
pub struct Sender {
    /// What a Task names to reach it: the function's or the queue's ARN.
    pub target: Symbolic,
    /// How messages name it: `function `Ship``, `function `Worker` (consumer of queue `Jobs`)`.
    pub name: String,
    /// Its place in the file (the function's name).
    pub at: Span,
    pub role: RoleBinding,
}

/// Which role the state machine runs with.
#[derive(Debug)]
pub enum RoleBinding {
    /// A role whose policies the run sees (defined in the file, or generated by SAM from the
    /// machine's `Policies`).
    Known(Role),
    /// A role the run cannot see: an ARN of another stack, a parameter, an import.
    Unseen { at: Span, what: String },
    /// A role a tool writes from the definition itself (the Serverless Framework's Step
    /// Functions plugin when a machine names no `role`): nothing to cross-check.
    Generated,
}

#[derive(Debug)]
pub struct Role {
    /// How messages name it: `role `StatesRole``, `the role SAM generates from `Policies``.
    pub name: String,
    /// Its place: the role resource's name, or the machine's `Policies`.
    pub at: At,
    pub grants: Vec<Grant>,
    /// Policies attached that the run cannot read (a customer managed policy of another stack, a
    /// parameter): the role may allow more than its grants say.
    pub unseen: Vec<(At, String)>,
    pub boundary: Option<Boundary>,
    /// Why the role serves more than this state machine (another machine, a function, a
    /// service its trust policy names), when it does: what the states use is then not all it
    /// is for.
    pub shared: Option<String>,
}

/// A permissions boundary.
#[derive(Debug)]
pub enum Boundary {
    Known(Vec<Grant>),
    Unseen { at: At, what: String },
}

/// One statement of one of the role's policies, resolved (its flags are the statement's own).
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug)]
pub struct Grant {
    pub allow: bool,
    /// Action patterns; `None` for a value the run cannot read (an intrinsic function).
    pub actions: Vec<Option<String>>,
    pub not_action: bool,
    pub resources: Vec<Symbolic>,
    pub not_resource: bool,
    /// The statement has a `Condition`: it may not apply.
    pub conditional: bool,
    /// The statement is one branch of an `Fn::If`, or otherwise may not be in the policy deployed.
    pub uncertain: bool,
    /// The statement's place.
    pub at: At,
    /// Where the statement comes from: written in the file, or a SAM policy template or an AWS
    /// managed policy the file names.
    pub origin: Origin,
}

/// Who wrote a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The file (an inline policy, a managed policy of the file).
    Written,
    /// A SAM policy template: SAM writes its statements.
    SamTemplate,
    /// An AWS managed policy, by name: AWS writes it.
    Managed(&'static str),
}

/// What a Task needs its role to allow it on.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Arn(Symbolic),
    /// A resource named only at run time (a `.$` parameter, a JSONata expression, an AWS SDK
    /// call): only a grant on every resource certainly covers it.
    RunTime,
}

/// The answer for one action on one target.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Allowed by a statement with a `Condition`.
    Conditional,
    /// Certainly not allowed: no statement grants it, and every policy is seen.
    Missing,
    /// Denied by the statement at this place.
    Denied(At),
    /// The run cannot tell, and why.
    Unknown(String),
}

impl Role {
    /// The role with its places that name no file placed in `file` (a role read from another
    /// file than its state machine's).
    #[must_use]
    pub fn in_file(mut self, file: &Arc<Source>) -> Self {
        self.at.or_in(file);
        for grant in &mut self.grants {
            grant.at.or_in(file);
        }
        for (at, _) in &mut self.unseen {
            at.or_in(file);
        }
        match &mut self.boundary {
            Some(Boundary::Known(grants)) => grants.iter_mut().for_each(|g| g.at.or_in(file)),
            Some(Boundary::Unseen { at, .. }) => at.or_in(file),
            None => {}
        }
        self
    }

    /// Whether the role allows `action` on `target`. An explicit Deny wins; a statement with a
    /// condition may not apply; a policy or boundary the run cannot see makes a "no" unknown,
    /// never a "missing".
    #[must_use]
    pub fn allows(&self, action: &str, target: &Target) -> Verdict {
        let verdict = evaluate(&self.grants, action, target);
        let verdict = match verdict {
            Verdict::Missing if !self.unseen.is_empty() => Verdict::Unknown(format!("the run cannot read {}", self.unseen[0].1)),
            other => other,
        };
        match (&self.boundary, verdict) {
            (Some(Boundary::Known(grants)), verdict @ (Verdict::Allowed | Verdict::Conditional)) => {
                match evaluate(grants, action, target) {
                    Verdict::Missing => Verdict::Missing,
                    Verdict::Denied(at) => Verdict::Denied(at),
                    Verdict::Unknown(why) => Verdict::Unknown(why),
                    Verdict::Conditional => Verdict::Conditional,
                    Verdict::Allowed => verdict,
                }
            }
            (Some(Boundary::Unseen { what, .. }), Verdict::Allowed | Verdict::Conditional) => {
                Verdict::Unknown(format!("the permissions boundary {what} is outside what the run sees"))
            }
            (_, verdict) => verdict,
        }
    }
}

fn evaluate(grants: &[Grant], action: &str, target: &Target) -> Verdict {
    let mut allowed = false;
    let mut conditional = false;
    let mut maybe = false;
    let mut deny_maybe = false;
    for grant in grants {
        // Resources are compared only for a statement whose actions may apply.
        let actions = grant.action_matches(action);
        let mut applies = if actions == Tri::No { Tri::No } else { actions.and(grant.resource_matches(target)) };
        if grant.uncertain {
            applies = applies.and(Tri::Maybe);
        }
        match (grant.allow, applies) {
            (_, Tri::No) => {}
            (false, Tri::Yes) if !grant.conditional => return Verdict::Denied(grant.at.clone()),
            (false, _) => deny_maybe = true,
            (true, Tri::Yes) if grant.conditional => conditional = true,
            (true, Tri::Yes) => allowed = true,
            (true, Tri::Maybe) => maybe = true,
        }
    }
    if deny_maybe && (allowed || conditional) {
        return Verdict::Unknown("a Deny statement may apply".into());
    }
    if allowed {
        Verdict::Allowed
    } else if conditional {
        Verdict::Conditional
    } else if maybe {
        Verdict::Unknown(match target {
            Target::RunTime => "the resource is named only at run time".into(),
            Target::Arn(_) => "a statement may cover it, depending on values known only at deploy time".into(),
        })
    } else {
        Verdict::Missing
    }
}

impl Grant {
    fn action_matches(&self, action: &str) -> Tri {
        let mut found = Tri::No;
        for pattern in &self.actions {
            found = found.or(match pattern {
                Some(p) if crate::data::iam::glob_match(p, action) => Tri::Yes,
                Some(_) => Tri::No,
                None => Tri::Maybe,
            });
        }
        if self.not_action { invert(found) } else { found }
    }

    fn resource_matches(&self, target: &Target) -> Tri {
        let mut found = Tri::No;
        for resource in &self.resources {
            found = found.or(match target {
                Target::Arn(need) => covers(resource, need),
                Target::RunTime if resource.as_text().as_deref() == Some("*") => Tri::Yes,
                Target::RunTime => Tri::Maybe,
            });
        }
        if self.not_resource { invert(found) } else { found }
    }
}

fn invert(tri: Tri) -> Tri {
    match tri {
        Tri::Yes => Tri::No,
        Tri::No => Tri::Yes,
        Tri::Maybe => Tri::Maybe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(allow: bool, actions: &[&str], resources: &[&str]) -> Grant {
        Grant {
            allow,
            actions: actions.iter().map(|a| Some((*a).to_string())).collect(),
            not_action: false,
            resources: resources.iter().map(|r| Symbolic::text(*r)).collect(),
            not_resource: false,
            conditional: false,
            uncertain: false,
            at: At::default(),
            origin: Origin::Written,
        }
    }

    fn role(grants: Vec<Grant>) -> Role {
        Role { name: "r".into(), at: At::default(), grants, unseen: Vec::new(), boundary: None, shared: None }
    }

    const FN: &str = "arn:aws:lambda:us-east-1:1:function:Ship";

    #[test]
    fn allow_deny_and_missing() {
        let target = Target::Arn(Symbolic::text(FN));
        let r = role(vec![grant(true, &["LAMBDA:invokefunction"], &["arn:aws:lambda:*:*:function:*"])]);
        assert_eq!(r.allows("lambda:InvokeFunction", &target), Verdict::Allowed, "actions match in any case");
        let r = role(vec![grant(true, &["lambda:InvokeFunction"], &["arn:aws:lambda:us-east-1:1:function:Bill"])]);
        assert_eq!(r.allows("lambda:InvokeFunction", &target), Verdict::Missing);
        let r = role(vec![grant(true, &["lambda:*"], &["*"]), grant(false, &["lambda:Invoke*"], &["*"])]);
        assert!(matches!(r.allows("lambda:InvokeFunction", &target), Verdict::Denied(_)));
        let mut not_action = grant(true, &["iam:*"], &["*"]);
        not_action.not_action = true;
        assert_eq!(role(vec![not_action]).allows("lambda:InvokeFunction", &target), Verdict::Allowed);
    }

    #[test]
    fn conditions_unseen_policies_and_boundaries() {
        let target = Target::Arn(Symbolic::text(FN));
        let mut conditional = grant(true, &["lambda:InvokeFunction"], &["*"]);
        conditional.conditional = true;
        assert_eq!(role(vec![conditional]).allows("lambda:InvokeFunction", &target), Verdict::Conditional);
        let mut r = role(Vec::new());
        r.unseen.push((At::default(), "`Shared`".into()));
        assert!(matches!(r.allows("lambda:InvokeFunction", &target), Verdict::Unknown(_)));
        let mut r = role(vec![grant(true, &["*"], &["*"])]);
        r.boundary = Some(Boundary::Known(vec![grant(true, &["s3:*"], &["*"])]));
        assert_eq!(r.allows("lambda:InvokeFunction", &target), Verdict::Missing, "the boundary does not allow it");
        r.boundary = Some(Boundary::Unseen { at: At::default(), what: "x".into() });
        assert!(matches!(r.allows("lambda:InvokeFunction", &target), Verdict::Unknown(_)));
    }

    #[test]
    fn run_time_targets() {
        let r = role(vec![grant(true, &["lambda:InvokeFunction"], &["arn:aws:lambda:*:*:function:A"])]);
        assert!(matches!(r.allows("lambda:InvokeFunction", &Target::RunTime), Verdict::Unknown(_)));
        assert_eq!(r.allows("sqs:SendMessage", &Target::RunTime), Verdict::Missing, "no statement grants the action at all");
        let r = role(vec![grant(true, &["lambda:InvokeFunction"], &["*"])]);
        assert_eq!(r.allows("lambda:InvokeFunction", &Target::RunTime), Verdict::Allowed);
    }
}
