//! Terraform configuration (`.tf`): the documents a configuration writes, read before any plan
//! exists.
//!
//! A resource's document attribute (`aws_sfn_state_machine.definition`, `aws_iam_policy.policy`,
//! `aws_iam_role.assume_role_policy` and `inline_policy`, resource policies) is read whatever
//! spells it: a quoted JSON string or a heredoc (mapped back through escapes and indentation),
//! `jsonencode({…})` (the HCL object read as the JSON it encodes, its spans on the HCL),
//! `file("x.json")` and `templatefile("x.tftpl", {…})` of a file inside the checked tree (the
//! findings then point into that file), a local value, a root module's variable default or
//! `*.tfvars` value. `data "aws_iam_policy_document"` blocks are policies of their own, their
//! statements written as blocks; the attributes that refer to them are not read twice.
//!
//! Values come from the module (the files of the folder): `locals`, and in a root module
//! (one with a `provider` or `terraform` block, or `*.tfvars`) variable defaults and
//! `terraform.tfvars`/`*.auto.tfvars`. A module's variables, other resources' attributes and
//! anything computed are placeholders (`${aws_lambda_function.x.arn}`), never errors. What
//! cannot be read at all (a `dynamic` block over a variable, a document from a module output)
//! is a note, so that a clean report is not read as a checked document.
//!
//! The file also becomes a [`ArtifactKind::Configuration`] whose resources `tf.resource` rules
//! read as `{address, type, values}`, as they read a plan's.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Artifact, ArtifactKind, Context, Extraction, PolicyKind, parse_embedded};
use crate::finding::{Finding, Severity};
use crate::parse::embedded::EmbeddedText;
use crate::parse::hcl::{self, Block, Body, Expression, Structure, span_of};
use crate::parse::{Entry, Node, Value};
use crate::rule::builtin;
use crate::source::{Source, Span};

use hcl_edit::expr::{ObjectKey, TraversalOperator};

/// How deep references are followed (`local.a` → `local.b` → …) before a value is a placeholder.
const MAX_REFERENCE_DEPTH: usize = 16;

/// The modules (folders) of one run, each read once however many of its files are checked
/// (within [`MAX_CACHED_BYTES`]).
#[derive(Default)]
pub struct Modules {
    /// Each folder's module (read once, by whichever file asks first), and the text they keep.
    scopes: Mutex<(HashMap<PathBuf, ModuleCell>, usize)>,
}

/// A folder's module, read by the first file of the folder that needs it.
type ModuleCell = Arc<OnceLock<Arc<Module>>>;

impl std::fmt::Debug for Modules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Modules")
    }
}

impl Modules {
    /// Reads the module of a `.tf` file's folder now, before the file itself is parsed, so
    /// that the two syntax trees are never in memory at once.
    pub fn prepare(&self, file: &Path, roots: &[PathBuf]) {
        if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("tf")) && std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
            self.get(file.parent().unwrap_or(Path::new("")), roots);
        }
    }

    /// The module of the folder `dir`, read on first use.
    fn get(&self, dir: &Path, roots: &[PathBuf]) -> Arc<Module> {
        let cell = {
            let mut scopes = self.scopes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            scopes.0.entry(dir.to_path_buf()).or_default().clone()
        };
        let mut fresh = false;
        let module = cell
            .get_or_init(|| {
                fresh = true;
                Arc::new(Module::read(dir, roots))
            })
            .clone();
        if fresh {
            let mut scopes = self.scopes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            scopes.1 += module.bytes;
            if scopes.1 > MAX_CACHED_BYTES {
                scopes.0.clear();
                scopes.1 = 0;
            }
        }
        module
    }
}

/// A named value of the module: the file it is written in and its expression.
struct Def {
    file: usize,
    expr: Expression,
}

/// What the files of one folder define.
#[derive(Default)]
pub struct Module {
    files: Vec<Arc<Source>>,
    locals: HashMap<String, Def>,
    /// Variable values: a `*.tfvars` value, else the default (root modules only).
    variables: HashMap<String, Def>,
    /// `data "aws_iam_policy_document"` names, with what the configuration attaches them as.
    documents: HashMap<String, PolicyKind>,
    /// `data "template_file"` blocks: their `template` and `vars`.
    templates: HashMap<String, (Def, Option<Expression>)>,
    /// Text it keeps: its files' and its values'.
    bytes: usize,
    /// The resources of every `.tf` file of the folder, read when a state machine's role is
    /// looked for (see [`Neighbours`]).
    neighbours: OnceLock<Neighbours>,
}

/// The resources of a module's files, for the model of a file with a state machine: its role
/// and the policies attached to it are often written in another file of the folder (`iam.tf`).
/// Resources whose text is large keep only what references find them by.
#[derive(Default)]
struct Neighbours {
    files: Vec<(Arc<Source>, Vec<Node>)>,
    /// Every file was read (none too large in sum, none that does not parse).
    complete: bool,
}

/// Text of a module's files read for [`Neighbours`] at most: past it, roles that other files
/// may name are marked as not fully seen.
const MAX_NEIGHBOUR_BYTES: usize = 8 * 1024 * 1024;
/// A resource of another file whose block is longer than this keeps only its name attributes.
const MAX_NEIGHBOUR_RESOURCE_BYTES: usize = 64 * 1024;

/// Values a module keeps at most: larger ones are no document's parts, and are placeholders.
const MAX_DEF_BYTES: usize = 128 * 1024;
/// Text of its definitions a module keeps at most, whatever the number of files.
const MAX_MODULE_BYTES: usize = 512 * 1024;
/// Text the modules of a run keep at most (their trees take up to 80 times as much): past it
/// the cache starts again (modules in use stay alive until their files are checked).
const MAX_CACHED_BYTES: usize = 2 * 1024 * 1024;
/// Attribute values of a resource longer than this are placeholders for `tf.resource` rules.
const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Words without which a file defines nothing a module keeps: it is not parsed for it.
const DEFINING_WORDS: [&str; 5] = ["locals", "variable", "provider", "terraform", "data"];

impl Module {
    /// The module of the folder `dir`: its `.tf` files, `terraform.tfvars` and `*.auto.tfvars`
    /// (those inside `roots` that parse; the others are reported where they are checked). Each
    /// file is parsed and dropped in turn: the module keeps only the values it defines (each at
    /// most [`MAX_DEF_BYTES`] of text, [`MAX_MODULE_BYTES`] in all) and the text of the files
    /// that define them.
    fn read(dir: &Path, roots: &[PathBuf]) -> Self {
        let mut module = Module::default();
        let mut reader = ModuleReader::default();
        let wanted = |name: &str| Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("tf")) || is_tfvars(name);
        for source in crate::load::folder_files(dir, roots, wanted) {
            let tfvars = source.path.file_name().and_then(|n| n.to_str()).is_some_and(is_tfvars);
            if !tfvars && !DEFINING_WORDS.iter().any(|w| source.text.contains(w)) {
                continue;
            }
            let Ok((body, _)) = hcl::parse_body(&source.text) else { continue };
            reader.add(&mut module, source, body);
        }
        reader.finish(&mut module);
        module
    }

    /// The resources of the folder's `.tf` files, read on first use.
    fn neighbours(&self, dir: &Path, roots: &[PathBuf]) -> &Neighbours {
        self.neighbours.get_or_init(|| {
            let mut found = Neighbours { files: Vec::new(), complete: true };
            let mut bytes = 0;
            let tf = |name: &str| Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("tf"));
            for source in crate::load::folder_files(dir, roots, tf) {
                bytes += source.text.len();
                if bytes > MAX_NEIGHBOUR_BYTES {
                    found.complete = false;
                    break;
                }
                let Ok((body, _)) = hcl::parse_body(&source.text) else {
                    found.complete = false;
                    continue;
                };
                let eval = Eval::new(self, &source);
                let mut resources = Vec::new();
                for block in body.blocks() {
                    if let ("resource", [kind, name]) = (block.ident.as_str(), labels(block).as_slice()) {
                        let node = resource_node(&eval, block, &format!("{kind}.{name}"), kind);
                        let large = span_of(block).len() > MAX_NEIGHBOUR_RESOURCE_BYTES;
                        resources.push(if large { names_only(node, kind) } else { node });
                    }
                }
                if !resources.is_empty() {
                    let here = Context::new(source.clone(), roots);
                    policies_as_documents(&eval, &body, &mut resources, &here);
                    found.files.push((source.clone(), resources));
                }
            }
            found
        })
    }

    /// The module of one file alone (one not on disk as it is here: standard input, a rule's
    /// example).
    fn of_file(source: Arc<Source>, body: Body) -> Self {
        let mut module = Module::default();
        let mut reader = ModuleReader::default();
        reader.add(&mut module, source, body);
        reader.finish(&mut module);
        module
    }
}

/// A module being read, file by file.
#[derive(Default)]
struct ModuleReader {
    root: bool,
    defaults: Vec<(String, Def)>,
    tfvars: Vec<(String, Def)>,
    bytes: usize,
}

impl ModuleReader {
    /// Takes what a file defines; the file's text is kept only if it defines something.
    fn add(&mut self, module: &mut Module, source: Arc<Source>, body: Body) {
        let file = module.files.len();
        let kept = |reader: &mut Self, expr: &Expression| {
            let len = span_of(expr).len();
            let keep = len <= MAX_DEF_BYTES && reader.bytes + len <= MAX_MODULE_BYTES;
            if keep {
                reader.bytes += len;
            }
            keep
        };
        let mut defines = false;
        if source.path.file_name().and_then(|n| n.to_str()).is_some_and(is_tfvars) {
            self.root = true;
            for structure in body {
                if let Structure::Attribute(a) = structure
                    && kept(self, &a.value)
                {
                    self.tfvars.push((a.key.as_str().to_string(), Def { file, expr: a.value }));
                    defines = true;
                }
            }
            if defines {
                module.bytes += source.text.len();
                module.files.push(source);
            }
            return;
        }
        // A root module configures providers or a backend, or has variable values; a module
        // that others call does neither (its `terraform` block only names providers).
        let settings =
            |b: &Block| b.body.iter().any(|s| matches!(s, Structure::Block(inner) if matches!(inner.ident.as_str(), "backend" | "cloud")));
        self.root |= body.iter().any(
            |s| matches!(s, Structure::Block(b) if b.ident.as_str() == "provider" || (b.ident.as_str() == "terraform" && settings(b))),
        );
        let mut uses = Vec::new();
        for structure in &body {
            if let Structure::Block(block) = structure {
                collect_document_uses(block, &mut uses);
            }
        }
        for (name, kind) in uses {
            let known = module.documents.entry(name).or_insert(kind);
            if kind == PolicyKind::Trust || *known == PolicyKind::Unknown {
                *known = kind;
            }
        }
        for structure in body {
            let Structure::Block(block) = structure else { continue };
            match (block.ident.as_str(), labels(&block).as_slice()) {
                ("locals", []) => {
                    for s in block.body {
                        if let Structure::Attribute(a) = s
                            && kept(self, &a.value)
                        {
                            module.locals.insert(a.key.as_str().to_string(), Def { file, expr: a.value });
                            defines = true;
                        }
                    }
                }
                ("variable", [name]) => {
                    for s in block.body {
                        if let Structure::Attribute(a) = s
                            && a.key.as_str() == "default"
                            && kept(self, &a.value)
                        {
                            self.defaults.push((name.clone(), Def { file, expr: a.value }));
                            defines = true;
                        }
                    }
                }
                ("data", [kind, name]) if kind == "aws_iam_policy_document" => {
                    module.documents.entry(name.clone()).or_insert(PolicyKind::Unknown);
                }
                // The template provider's `data "template_file"`, as `templatefile()`.
                ("data", [kind, name]) if kind == "template_file" => {
                    let (mut template, mut vars) = (None, None);
                    for s in block.body {
                        if let Structure::Attribute(a) = s {
                            match a.key.as_str() {
                                "template" => template = Some(a.value),
                                "vars" => vars = Some(a.value),
                                _ => {}
                            }
                        }
                    }
                    if let Some(template) = template.filter(|t| kept(self, t)) {
                        module.templates.insert(name.clone(), (Def { file, expr: template }, vars));
                        defines = true;
                    }
                }
                _ => {}
            }
        }
        if defines {
            module.bytes += source.text.len();
            module.files.push(source);
        }
    }

    /// Variable values, once every file is read: only a root module's are known (a called
    /// module's come from its caller), `*.tfvars` over defaults.
    fn finish(self, module: &mut Module) {
        if !self.root {
            return;
        }
        for (name, def) in self.defaults {
            module.variables.entry(name).or_insert(def);
        }
        for (name, def) in self.tfvars {
            module.variables.insert(name, def);
        }
    }
}

fn is_tfvars(name: &str) -> bool {
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars")
}

/// The labels of a block, as text.
fn labels(block: &Block) -> Vec<String> {
    block.labels.iter().map(|l| l.as_str().to_string()).collect()
}

/// What each `data.aws_iam_policy_document.<name>` a block refers to is attached as: a trust
/// policy (`assume_role_policy`), an identity policy (`aws_iam_policy.policy`, inline
/// policies), a resource policy (any other resource's policy attribute).
fn collect_document_uses(block: &Block, out: &mut Vec<(String, PolicyKind)>) {
    let resource_type = labels(block).first().cloned().unwrap_or_default();
    let resource = block.ident.as_str() == "resource";
    let mut stack: Vec<(&Body, bool)> = vec![(&block.body, false)];
    while let Some((body, nested)) = stack.pop() {
        for structure in body {
            match structure {
                Structure::Attribute(a) => {
                    let kind = match a.key.as_str() {
                        "assume_role_policy" => PolicyKind::Trust,
                        "policy" if resource && (nested || identity_type(&resource_type)) => PolicyKind::Identity,
                        name if resource && super::tfplan::is_policy_attribute(name) => PolicyKind::Resource,
                        _ => PolicyKind::Unknown,
                    };
                    let mut refs = Vec::new();
                    references(&a.value, &mut refs);
                    for r in refs {
                        if let [data, doc, name, ..] = r.as_slice()
                            && data == "data"
                            && doc == "aws_iam_policy_document"
                        {
                            out.push((name.clone(), kind));
                        }
                    }
                }
                Structure::Block(b) => stack.push((&b.body, true)),
            }
        }
    }
}

fn identity_type(kind: &str) -> bool {
    matches!(kind, "aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy")
}

/// The references in an expression, as their attribute names (`["data",
/// "aws_iam_policy_document", "x", "json"]`), for the leading names of each traversal.
fn references(expr: &Expression, out: &mut Vec<Vec<String>>) {
    match expr {
        Expression::Variable(v) => out.push(vec![v.as_str().to_string()]),
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                let mut names = vec![v.as_str().to_string()];
                for op in &t.operators {
                    match &**op {
                        TraversalOperator::GetAttr(name) => names.push(name.as_str().to_string()),
                        _ => break,
                    }
                }
                out.push(names);
            } else {
                references(&t.expr, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(index) = &**op {
                    references(index, out);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|e| references(e, out)),
        Expression::Object(object) => {
            for (key, value) in object {
                if let ObjectKey::Expression(k) = key {
                    references(k, out);
                }
                references(value.expr(), out);
            }
        }
        Expression::StringTemplate(t) => template_references(t, out),
        Expression::HeredocTemplate(h) => template_references(&h.template, out),
        Expression::Parenthesis(p) => references(p.inner(), out),
        Expression::Conditional(c) => {
            references(&c.cond_expr, out);
            references(&c.true_expr, out);
            references(&c.false_expr, out);
        }
        Expression::FuncCall(f) => f.args.iter().for_each(|e| references(e, out)),
        Expression::UnaryOp(u) => references(&u.expr, out),
        Expression::BinaryOp(b) => {
            references(&b.lhs_expr, out);
            references(&b.rhs_expr, out);
        }
        Expression::ForExpr(f) => {
            references(&f.intro.collection_expr, out);
            if let Some(k) = &f.key_expr {
                references(k, out);
            }
            references(&f.value_expr, out);
        }
        Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {}
    }
}

fn template_references(template: &hcl::Template, out: &mut Vec<Vec<String>>) {
    for element in template {
        match element {
            hcl::Element::Interpolation(i) => references(&i.expr, out),
            hcl::Element::Directive(d) => match &**d {
                hcl::Directive::If(d) => {
                    references(&d.if_expr.cond_expr, out);
                    template_references(&d.if_expr.template, out);
                    if let Some(e) = &d.else_expr {
                        template_references(&e.template, out);
                    }
                }
                hcl::Directive::For(d) => {
                    references(&d.for_expr.collection_expr, out);
                    template_references(&d.for_expr.template, out);
                }
            },
            hcl::Element::Literal(_) => {}
        }
    }
}

/// A value known from the configuration alone.
#[derive(Clone, Debug)]
enum Lit {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Lit>),
    Map(Vec<(String, Lit)>),
}

impl Lit {
    /// The text a template interpolation of it gives, for a scalar.
    fn text(&self) -> Option<String> {
        match self {
            Lit::Str(s) => Some(s.clone()),
            Lit::Num(n) => Some(number_text(*n)),
            Lit::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Lit> {
        match self {
            Lit::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            Lit::List(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    /// The node for it, every part at `span` (where the configuration uses it).
    fn node(&self, span: Span) -> Node {
        let value = match self {
            Lit::Null => Value::Null,
            Lit::Bool(b) => Value::Bool(*b),
            Lit::Num(n) => Value::Number(*n),
            Lit::Str(s) => Value::String(s.as_str().into()),
            Lit::List(items) => Value::Array(items.iter().map(|i| i.node(span)).collect()),
            Lit::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| Entry { key: k.as_str().into(), key_span: span, value: v.node(span) }).collect())
            }
        };
        Node::new(value, span)
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

/// Reads expressions of one module: values, nodes and documents.
struct Eval<'m> {
    module: &'m Module,
    /// The file being checked, and its index among the module's files (if it is one).
    source: &'m Arc<Source>,
    here: Option<usize>,
    /// Names bound by a `dynamic` block's iterator or a template's variables, innermost last.
    bindings: Vec<(String, Lit)>,
    depth: std::cell::Cell<usize>,
}

/// Where an expression is written: the file's text, and whether it is the file being checked.
#[derive(Clone, Copy)]
struct At<'t> {
    text: &'t str,
    /// For an expression of another file: the span in the checked file that stands for it.
    instead: Option<Span>,
}

/// A document an attribute holds.
pub(super) enum Doc {
    /// Text to parse as JSON, mapped into `source`; `directives` are template directives met
    /// on the way; `raw` when nothing fills its `${…}` (`file()`).
    Text { source: Arc<Source>, text: EmbeddedText, directives: Vec<Span>, raw: bool },
    /// A tree already (`jsonencode`), its spans in `source`.
    Tree { source: Arc<Source>, root: Node },
    /// Checked where it is written (a policy document data source).
    Elsewhere,
    /// None at all (`null`): nothing is deployed.
    Absent,
    /// Not known from the configuration: why, and where.
    Unknown(String, Span),
    /// A file that cannot be read: the finding.
    Problem(Box<Finding>),
}

impl<'m> Eval<'m> {
    fn new(module: &'m Module, source: &'m Arc<Source>) -> Self {
        let name = source.path.file_name();
        let here = module.files.iter().position(|f| f.path.file_name() == name && f.text.len() == source.text.len());
        Self { module, source, here, bindings: Vec::new(), depth: std::cell::Cell::new(0) }
    }

    fn here(&self) -> At<'m> {
        At { text: &self.source.text, instead: None }
    }

    /// A named value of the module: its expression and where it is written, seen from `at`.
    fn def(&self, def: &'m Def, at: At<'_>, span: Span) -> (&'m Expression, At<'m>) {
        let text = &self.module.files[def.file].text;
        if Some(def.file) == self.here && at.instead.is_none() {
            (&def.expr, At { text, instead: None })
        } else {
            (&def.expr, At { text, instead: Some(at.instead.unwrap_or(span)) })
        }
    }

    /// Follows a reference one level deeper, or None past [`MAX_REFERENCE_DEPTH`].
    fn deeper<T>(&self, f: impl FnOnce() -> Option<T>) -> Option<T> {
        let depth = self.depth.get();
        if depth >= MAX_REFERENCE_DEPTH {
            return None;
        }
        self.depth.set(depth + 1);
        let out = f();
        self.depth.set(depth);
        out
    }

    /// The definition a reference names: (`local.x`, rest) or (`var.x`, rest), with the
    /// attribute and index steps after it.
    fn named<'e>(&self, expr: &'e Expression) -> Option<(&'m Def, &'e [hcl_edit::Decorated<TraversalOperator>])> {
        let Expression::Traversal(t) = expr else { return None };
        let Expression::Variable(root) = &t.expr else { return None };
        let (first, rest) = t.operators.split_first()?;
        let TraversalOperator::GetAttr(name) = &**first else { return None };
        let def = match root.as_str() {
            "local" => self.module.locals.get(name.as_str())?,
            "var" => self.module.variables.get(name.as_str())?,
            _ => return None,
        };
        Some((def, rest))
    }

    /// The value of an expression, when the configuration alone says it.
    fn lit(&self, expr: &Expression) -> Option<Lit> {
        Some(match expr {
            Expression::Null(_) => Lit::Null,
            Expression::Bool(b) => Lit::Bool(*b.value()),
            Expression::Number(n) => Lit::Num(n.as_f64()?),
            Expression::String(s) => Lit::Str(s.value().clone()),
            Expression::StringTemplate(t) => Lit::Str(self.lit_template(t)?),
            Expression::HeredocTemplate(h) => Lit::Str(self.lit_template(&h.template)?),
            Expression::Array(items) => Lit::List(items.iter().map(|e| self.lit(e)).collect::<Option<_>>()?),
            Expression::Object(object) => {
                let mut entries = Vec::new();
                for (key, value) in object {
                    let key = match key {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => self.lit(e)?.text()?,
                    };
                    entries.push((key, self.lit(value.expr())?));
                }
                Lit::Map(entries)
            }
            Expression::Parenthesis(p) => self.lit(p.inner())?,
            Expression::Variable(v) => self.bindings.iter().rev().find(|(n, _)| n == v.as_str())?.1.clone(),
            Expression::Traversal(t) => {
                if let Some((def, rest)) = self.named(expr) {
                    let value = self.deeper(|| self.lit(&def.expr))?;
                    return self.steps(value, rest);
                }
                match &t.expr {
                    Expression::Variable(v) if v.as_str() == "path" => Lit::Str(".".into()),
                    _ => {
                        let value = self.lit(&t.expr)?;
                        return self.steps(value, &t.operators);
                    }
                }
            }
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                match (call.name.name.as_str(), args.as_slice()) {
                    ("tolist" | "toset" | "tostring" | "tomap", [one]) => self.lit(one)?,
                    ("lower", [one]) => Lit::Str(self.lit(one)?.text()?.to_lowercase()),
                    ("upper", [one]) => Lit::Str(self.lit(one)?.text()?.to_uppercase()),
                    ("concat", _) => {
                        let mut all = Vec::new();
                        for a in args {
                            let Lit::List(items) = self.lit(a)? else { return None };
                            all.extend(items);
                        }
                        Lit::List(all)
                    }
                    ("merge", _) => {
                        let mut all = Vec::new();
                        for a in args {
                            let Lit::Map(entries) = self.lit(a)? else { return None };
                            all.extend(entries);
                        }
                        Lit::Map(all)
                    }
                    ("join", [sep, list]) => {
                        let sep = self.lit(sep)?.text()?;
                        let Lit::List(items) = self.lit(list)? else { return None };
                        Lit::Str(items.iter().map(Lit::text).collect::<Option<Vec<_>>>()?.join(&sep))
                    }
                    _ => return None,
                }
            }
            Expression::Conditional(_) | Expression::UnaryOp(_) | Expression::BinaryOp(_) | Expression::ForExpr(_) => return None,
        })
    }

    fn steps(&self, mut value: Lit, steps: &[hcl_edit::Decorated<TraversalOperator>]) -> Option<Lit> {
        for step in steps {
            value = match &**step {
                TraversalOperator::GetAttr(name) => value.get(name.as_str())?.clone(),
                TraversalOperator::Index(index) => value.get(&self.lit(index)?.text()?)?.clone(),
                TraversalOperator::LegacyIndex(i) => value.get(&i.value().to_string())?.clone(),
                _ => return None,
            };
        }
        Some(value)
    }

    fn lit_template(&self, template: &hcl::Template) -> Option<String> {
        let mut out = String::new();
        for element in template {
            match element {
                hcl::Element::Literal(l) => out.push_str(l.value()),
                hcl::Element::Interpolation(i) => out.push_str(&self.lit(&i.expr)?.text()?),
                hcl::Element::Directive(_) => return None,
            }
        }
        Some(out)
    }

    /// A placeholder node for an expression whose value is not known here.
    fn placeholder(expr: &Expression, at: At<'_>) -> Node {
        let span = span_of(expr);
        Node::new(Value::String(hcl::placeholder(at.text, span).into()), at.instead.unwrap_or(span))
    }

    /// The JSON an expression encodes (`jsonencode`'s argument), as a tree with the spans of
    /// the HCL (or all at `at.instead` for an expression of another file).
    fn node(&self, expr: &Expression, at: At<'_>) -> Node {
        let span = at.instead.unwrap_or_else(|| span_of(expr));
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => n.as_f64().map_or(Value::Null, Value::Number),
            Expression::String(s) => Value::String(s.value().as_str().into()),
            Expression::StringTemplate(t) => Value::String(self.text_of(t, at).into()),
            Expression::HeredocTemplate(h) => Value::String(self.text_of(&h.template, at).into()),
            Expression::Array(items) => Value::Array(items.iter().map(|e| self.node(e, at)).collect()),
            Expression::Object(object) => {
                let mut entries = Vec::new();
                for (key, value) in object {
                    let (name, key_span) = match key {
                        ObjectKey::Ident(i) => (i.as_str().to_string(), span_of(i)),
                        ObjectKey::Expression(e) => {
                            // `(var.name) = …`: the expression in the parentheses names the key.
                            let e = if let Expression::Parenthesis(p) = e { p.inner() } else { e };
                            let span = span_of(e);
                            (self.lit(e).and_then(|l| l.text()).unwrap_or_else(|| hcl::placeholder(at.text, span)), span)
                        }
                    };
                    let key_span = at.instead.unwrap_or(key_span);
                    entries.push(Entry { key: name.into(), key_span, value: self.node(value.expr(), at) });
                }
                Value::Object(entries)
            }
            Expression::Parenthesis(p) => return self.node(p.inner(), at),
            Expression::Variable(_) => match self.lit(expr) {
                Some(lit) => return lit.node(span),
                None => return Self::placeholder(expr, at),
            },
            Expression::Traversal(_) => {
                if let Some((def, [])) = self.named(expr) {
                    let (inner, inner_at) = self.def(def, at, span);
                    if let Some(node) = self.deeper(|| Some(self.node(inner, inner_at))) {
                        return node;
                    }
                }
                match self.lit(expr) {
                    Some(lit) => return lit.node(span),
                    None => return Self::placeholder(expr, at),
                }
            }
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                match (call.name.name.as_str(), args.as_slice()) {
                    ("tolist" | "toset" | "tomap", [one]) => return self.node(one, at),
                    ("concat", _) => {
                        let parts: Vec<Node> = args.iter().map(|a| self.node(a, at)).collect();
                        if parts.iter().all(|p| p.as_array().is_some()) {
                            Value::Array(
                                parts
                                    .into_iter()
                                    .flat_map(|p| if let Value::Array(items) = p.value { items } else { Vec::new() })
                                    .collect(),
                            )
                        } else {
                            return Self::placeholder(expr, at);
                        }
                    }
                    ("merge", _) => {
                        let parts: Vec<Node> = args.iter().map(|a| self.node(a, at)).collect();
                        if parts.iter().all(|p| p.as_object().is_some()) {
                            Value::Object(
                                parts.into_iter().flat_map(|p| if let Value::Object(e) = p.value { e } else { Vec::new() }).collect(),
                            )
                        } else {
                            return Self::placeholder(expr, at);
                        }
                    }
                    _ => match self.lit(expr) {
                        Some(lit) => return lit.node(span),
                        None => return Self::placeholder(expr, at),
                    },
                }
            }
            Expression::Conditional(_) | Expression::UnaryOp(_) | Expression::BinaryOp(_) | Expression::ForExpr(_) => {
                return self.lit(expr).map_or_else(|| Self::placeholder(expr, at), |lit| lit.node(span));
            }
        };
        Node::new(value, span)
    }

    /// The text of a template as a value: literals as written, interpolations by their value
    /// or as placeholders, directives by their first branch.
    fn text_of(&self, template: &hcl::Template, at: At<'_>) -> String {
        let mut out = String::new();
        for element in template {
            match element {
                hcl::Element::Literal(l) => out.push_str(l.value()),
                hcl::Element::Interpolation(i) => match self.lit(&i.expr).and_then(|l| l.text()) {
                    Some(t) => out.push_str(&t),
                    None => out.push_str(&hcl::placeholder(at.text, span_of(i))),
                },
                hcl::Element::Directive(d) => {
                    let inner = match &**d {
                        hcl::Directive::If(d) => &d.if_expr.template,
                        hcl::Directive::For(d) => &d.for_expr.template,
                    };
                    out.push_str(&self.text_of(inner, at));
                }
            }
        }
        out
    }

    /// A template interpolation's text when its value is known and can stand anywhere in a
    /// JSON string (no quotes, backslashes or control characters).
    fn interpolated(&self, expr: &Expression) -> Option<String> {
        self.lit(expr).and_then(|l| l.text()).filter(|t| !t.contains(['"', '\\']) && !t.contains(char::is_control))
    }

    /// The document an attribute's expression holds.
    fn document(&self, expr: &Expression, at: At<'_>, ctx: &Context<'_>) -> Doc {
        let span = at.instead.unwrap_or_else(|| span_of(expr));
        let source_of = |at: At<'_>| {
            let checked = self.here.is_some_and(|h| std::ptr::eq(self.module.files[h].text.as_str(), at.text));
            if at.instead.is_some() && !checked {
                self.module.files.iter().find(|f| std::ptr::eq(f.text.as_str(), at.text)).cloned().unwrap_or_else(|| self.source.clone())
            } else {
                self.source.clone()
            }
        };
        match expr {
            // A document written in another file of the module is read there, spans and all.
            _ if at.instead.is_some() && !matches!(expr, Expression::Traversal(_)) => {
                let source = source_of(at);
                let own = At { text: at.text, instead: None };
                let inner =
                    Eval { module: self.module, source: &source, here: None, bindings: self.bindings.clone(), depth: self.depth.clone() };
                match inner.document(expr, own, ctx) {
                    Doc::Unknown(why, _) => Doc::Unknown(why, span),
                    other => other,
                }
            }
            Expression::Null(_) => Doc::Absent,
            Expression::String(s) if s.value().trim().is_empty() => Doc::Absent,
            Expression::String(s) => {
                let mut text = EmbeddedText::new(span);
                hcl::push_string(at.text, s.value(), span_of(expr), &mut text);
                Doc::Text { source: source_of(at), text, directives: Vec::new(), raw: false }
            }
            Expression::StringTemplate(t) => self.rendered(t, true, span, source_of(at)),
            Expression::HeredocTemplate(h) => self.rendered(&h.template, false, span, source_of(at)),
            Expression::Parenthesis(p) => self.document(p.inner(), at, ctx),
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                match (call.name.name.as_str(), args.as_slice()) {
                    ("jsonencode", [value]) => match decoded_file(value) {
                        Some(path) => self.decoded(path, span, ctx),
                        None => Doc::Tree { source: source_of(at), root: self.node(value, at) },
                    },
                    ("file", [path]) => self.file(path, Reading::Raw, span, ctx),
                    ("templatefile", [path, vars]) => self.file(path, Reading::Template(Some(vars)), span, ctx),
                    (name, _) => Doc::Unknown(format!("it is the result of `{name}()`"), span),
                }
            }
            Expression::Traversal(t) => {
                let mut refs = Vec::new();
                references(expr, &mut refs);
                if let Some([data, doc, name, ..]) = refs.first().map(Vec::as_slice)
                    && data == "data"
                    && doc == "aws_iam_policy_document"
                    && self.module.documents.contains_key(name)
                {
                    return Doc::Elsewhere;
                }
                if let Some([data, kind, name, rendered]) = refs.first().map(Vec::as_slice)
                    && (data.as_str(), kind.as_str(), rendered.as_str()) == ("data", "template_file", "rendered")
                    && let Some((def, vars)) = self.module.templates.get(name)
                {
                    let (template, template_at) = self.def(def, at, span);
                    let file = match template {
                        Expression::FuncCall(call) if call.name.name.as_str() == "file" && call.args.len() == 1 => call.args.iter().next(),
                        _ => None,
                    };
                    return match file {
                        Some(path) => self.file(path, Reading::Template(vars.as_ref()), span, ctx),
                        None => self.deeper(|| Some(self.document(template, template_at, ctx))).unwrap_or(Doc::Absent),
                    };
                }
                if let Some((def, [])) = self.named(expr) {
                    let (inner, inner_at) = self.def(def, at, span);
                    if let Some(doc) = self.deeper(|| Some(self.document(inner, inner_at, ctx))) {
                        return doc;
                    }
                }
                let what = match &t.expr {
                    Expression::Variable(v) if v.as_str() == "var" => "a variable this module is given",
                    Expression::Variable(v) if v.as_str() == "module" => "a module's output",
                    Expression::Variable(v) if v.as_str() == "data" => "a data source, read at plan time",
                    _ => "another resource's attribute",
                };
                let source = at.text.get(span_of(expr).start()..span_of(expr).end()).unwrap_or("");
                Doc::Unknown(format!("it is `{}`, {what}", crate::finding::shortened(source, 80)), span)
            }
            Expression::Variable(_) => Doc::Unknown("it is a value given at run time".into(), span),
            _ => Doc::Unknown("it is computed".into(), span),
        }
    }

    fn rendered(&self, template: &hcl::Template, quoted: bool, span: Span, source: Arc<Source>) -> Doc {
        let mut text = EmbeddedText::new(span);
        let mut directives = Vec::new();
        hcl::render(&source.text, template, quoted, &mut |e| self.interpolated(e), &mut text, &mut directives);
        Doc::Text { source, text, directives, raw: false }
    }

    /// `file(path)` or `templatefile(path, vars)`: the file inside the checked tree, its
    /// findings there. A template's variables with literal values are filled in; the others
    /// stay placeholders.
    fn file(&self, path: &Expression, reading: Reading<'_>, span: Span, ctx: &Context<'_>) -> Doc {
        let source = match self.read(path, span, ctx) {
            Ok(source) => source,
            Err(doc) => return doc,
        };
        let whole = Span::new(source.content_start(), source.text.len());
        let Reading::Template(vars) = reading else {
            let mut text = EmbeddedText::new(whole);
            text.push_source(&source.text, whole);
            return Doc::Text { source, text, directives: Vec::new(), raw: true };
        };
        let template = match hcl::parse_template(&source.text) {
            Ok(t) => t,
            Err(err) => {
                return Doc::Problem(Box::new(Finding::new(
                    builtin::PARSE_SYNTAX,
                    Severity::Error,
                    &source,
                    err.span,
                    format!("invalid template: {}", err.message),
                )));
            }
        };
        let bound: Vec<(String, Lit)> = match vars {
            None => Vec::new(),
            Some(Expression::Object(object)) => object
                .iter()
                .filter_map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => self.lit(e)?.text()?,
                    };
                    Some((key, self.lit(v.expr())?))
                })
                .collect(),
            Some(other) => match self.lit(other) {
                Some(Lit::Map(entries)) => entries,
                _ => Vec::new(),
            },
        };
        let scope = Eval { module: self.module, source: &source, here: None, bindings: bound, depth: self.depth.clone() };
        let mut text = EmbeddedText::new(whole);
        let mut directives = Vec::new();
        hcl::render(&source.text, &template, false, &mut |e| scope.template_value(e), &mut text, &mut directives);
        Doc::Text { source: source.clone(), text, directives, raw: false }
    }

    /// The file a path expression names, inside the checked tree, claimed for this run.
    fn read(&self, path: &Expression, span: Span, ctx: &Context<'_>) -> Result<Arc<Source>, Doc> {
        let Some(relative) = self.lit(path).and_then(|l| l.text()) else {
            return Err(Doc::Unknown("it reads a file whose path is computed".into(), span));
        };
        ctx.files.read_named(&relative, (self.source, span)).map_err(|unread| match unread {
            crate::load::Unread::Outside => {
                Doc::Unknown(format!("it reads `{}`, outside the checked tree", crate::finding::shortened(&relative, 200)), span)
            }
            crate::load::Unread::Problem(finding) => Doc::Problem(finding),
        })
    }

    /// `jsonencode(yamldecode(file(…)))`: the file's own tree, its findings there.
    fn decoded(&self, path: &Expression, span: Span, ctx: &Context<'_>) -> Doc {
        let source = match self.read(path, span, ctx) {
            Ok(source) => source,
            Err(doc) => return doc,
        };
        let mut parsed = crate::parse::parse_source(&source);
        if let Some(err) = &parsed.error {
            return Doc::Problem(Box::new(Finding::parse_error(&source, err)));
        }
        match parsed.documents.pop() {
            Some(root) if parsed.documents.is_empty() => Doc::Tree { source, root },
            _ => Doc::Absent,
        }
    }

    /// In a template file, `${name}` is a variable of the call; literal values fill in.
    fn template_value(&self, expr: &Expression) -> Option<String> {
        match expr {
            Expression::Variable(_) | Expression::Traversal(_) => self.interpolated(expr),
            _ => None,
        }
    }
}

/// The document a `.tf.json` string holds when it is `"${jsonencode({…})}"`: the HCL object
/// read as the JSON it encodes, its spans through the string's escapes into the file.
pub(super) fn encoded_in_string(text: &EmbeddedText, source: &Arc<Source>) -> Option<Node> {
    let template = hcl::parse_template(&text.text).ok()?;
    let mut elements = template.iter().filter(|e| !matches!(e, hcl::Element::Literal(l) if l.value().trim().is_empty()));
    let (Some(hcl::Element::Interpolation(interpolation)), None) = (elements.next(), elements.next()) else { return None };
    let Expression::FuncCall(call) = &interpolation.expr else { return None };
    let args: Vec<&Expression> = call.args.iter().collect();
    let ("jsonencode", [value]) = (call.name.name.as_str(), args.as_slice()) else { return None };
    let module = Module::default();
    let eval = Eval::new(&module, source);
    let mut root = eval.node(value, At { text: &text.text, instead: None });
    text.remap(&mut root);
    Some(root)
}

/// How `file()`-like calls read their file: as it is, or as a template with these variables.
#[derive(Clone, Copy)]
enum Reading<'e> {
    Raw,
    Template(Option<&'e Expression>),
}

/// The path of `yamldecode(file(path))` or `jsondecode(file(path))`.
fn decoded_file(expr: &Expression) -> Option<&Expression> {
    let Expression::FuncCall(call) = expr else { return None };
    if !matches!(call.name.name.as_str(), "yamldecode" | "jsondecode") || call.args.len() != 1 {
        return None;
    }
    match call.args.iter().next()? {
        Expression::FuncCall(inner) if inner.name.name.as_str() == "file" && inner.args.len() == 1 => inner.args.iter().next(),
        _ => None,
    }
}

/// The attributes of a resource block that hold documents: (path, kind, policy kind).
/// A path to an attribute: names, with the index of the block for a nested block.
type AttributePath = Vec<(String, Option<usize>)>;

fn document_attributes(kind: &str, body: &Body) -> Vec<(AttributePath, ArtifactKind, PolicyKind)> {
    let mut out = Vec::new();
    for s in body {
        if let Structure::Attribute(a) = s
            && let Some((artifact_kind, policy_kind)) = super::tfplan::document_attribute(kind, a.key.as_str())
        {
            out.push((vec![(a.key.as_str().to_string(), None)], artifact_kind, policy_kind));
        }
    }
    if let Some(block) = super::tfplan::inline_policy_block(kind) {
        let blocks = body.get_blocks(block).count();
        for i in 0..blocks {
            out.push((vec![(block.to_string(), Some(i)), ("policy".to_string(), None)], ArtifactKind::Policy, PolicyKind::Identity));
        }
    }
    out
}

/// The attribute at `path` in a block body (`inline_policy[1].policy`).
fn lookup<'b>(body: &'b Body, path: &'b [(String, Option<usize>)]) -> Option<&'b Expression> {
    let ((name, index), rest) = path.split_first()?;
    match index {
        None if rest.is_empty() => body.get_attribute(name).map(|a| &a.value),
        Some(i) => {
            let block = body.get_blocks(name).nth(*i)?;
            lookup(&block.body, rest)
        }
        None => None,
    }
}

fn path_text(path: &[(String, Option<usize>)]) -> String {
    path.iter().map(|(name, index)| index.map_or_else(|| name.clone(), |i| format!("{name}[{i}]"))).collect::<Vec<_>>().join(".")
}

/// Finds the artifacts of a configuration file's body and hands each to `emit`.
pub(super) fn extract(body: &Body, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let dir = ctx.source.path.parent().unwrap_or(Path::new("")).to_path_buf();
    let on_disk = std::fs::metadata(&ctx.source.path).is_ok_and(|m| m.is_file());
    let module = match ctx.modules {
        _ if !on_disk => Arc::new(Module::of_file(ctx.source.clone(), body.clone())),
        Some(modules) => modules.get(&dir, ctx.files.roots),
        None => Arc::new(Module::read(&dir, ctx.files.roots)),
    };
    let eval = Eval::new(&module, &ctx.source);
    let mut resources = Vec::new();
    for structure in body {
        let Structure::Block(block) = structure else { continue };
        if let ("resource", [kind, name]) = (block.ident.as_str(), labels(block).as_slice()) {
            resources.push(resource_node(&eval, block, &format!("{kind}.{name}"), kind));
        }
    }
    // The file's model, for the context of its state machines (built only when it has one),
    // with the policies of its resources read as documents.
    let machines = resources.iter().any(|r| r.get_str("type") == Some("aws_sfn_state_machine"));
    if machines {
        policies_as_documents(&eval, body, &mut resources, ctx);
    }
    let neighbours = (machines && on_disk).then(|| module.neighbours(&dir, ctx.files.roots));
    let model = machines.then(|| {
        // This file's resources, then those of the other files of the module.
        let others = neighbours.iter().flat_map(|n| &n.files).filter(|(source, _)| source.path != ctx.source.path);
        let instances = resources
            .iter()
            .filter_map(|r| instance(r, None))
            .chain(others.flat_map(|(source, nodes)| nodes.iter().filter_map(move |r| instance(r, Some(source)))));
        let mut model = super::tfmodel::Terraform::new(instances, None);
        if neighbours.is_none_or(|n| !n.complete) {
            model.mark_partial_roles(&ctx.source.path, ctx.files.roots);
        }
        model
    });
    let mut index = 0;
    for structure in body {
        let Structure::Block(block) = structure else { continue };
        let names = labels(block);
        match (block.ident.as_str(), names.as_slice()) {
            ("resource", [kind, name]) => {
                let address = format!("{kind}.{name}");
                let values = resources.get(index).and_then(|r| r.get("values"));
                index += 1;
                let machine = model.as_ref().zip(values).filter(|_| kind == "aws_sfn_state_machine");
                resource_documents(&eval, block, (&address, kind), machine, ctx, out);
            }
            ("data", [kind, name]) if kind == "aws_iam_policy_document" => {
                let policy_kind = module.documents.get(name).copied().unwrap_or(PolicyKind::Unknown);
                policy_document(&eval, block, &format!("data.{kind}.{name}"), policy_kind, ctx, out);
            }
            ("module", [name]) => module_documents(&eval, block, name, ctx, out),
            _ => {}
        }
    }
    out.recognised = true;
    let root = super::tfplan::plan_shaped(resources, Span::new(0, 0));
    out.push(super::whole_file(ArtifactKind::Configuration, &root, ctx));
}

/// Puts into the resource nodes the policy documents their attributes hold (a `jsonencode`, a
/// `templatefile`, a heredoc), read as the documents checked on their own are, for the model.
fn policies_as_documents(eval: &Eval<'_>, body: &Body, resources: &mut [Node], ctx: &Context<'_>) {
    let mut index = 0;
    for structure in body {
        let Structure::Block(block) = structure else { continue };
        let names = labels(block);
        let ("resource", [kind, _]) = (block.ident.as_str(), names.as_slice()) else { continue };
        let Some(values) = resources.get_mut(index).and_then(|r| r.entry_mut("values")).map(|e| &mut e.value) else { break };
        index += 1;
        if !kind.starts_with("aws_iam_") {
            continue;
        }
        for (path, artifact_kind, _) in document_attributes(kind, &block.body) {
            if artifact_kind != ArtifactKind::Policy || path.last().is_some_and(|(name, _)| name == "assume_role_policy") {
                continue;
            }
            let Some(expr) = lookup(&block.body, &path) else { continue };
            // What reading the document claims is claimed again where it is checked.
            let claimed = ctx.files.mark();
            let document = match eval.document(expr, eval.here(), ctx) {
                Doc::Tree { root, .. } => Some(root),
                Doc::Text { text, .. } => text.parse_json(crate::parse::json::Options { placeholders: true }).ok().map(|(root, _)| root),
                Doc::Elsewhere => data_document(eval, body, expr, ctx),
                _ => None,
            };
            ctx.files.unclaim_after(claimed);
            let Some(mut document) = document else { continue };
            let mut target = Some(&mut *values);
            for (name, item) in &path {
                target = target.and_then(|t| t.entry_mut(name)).map(|e| &mut e.value);
                if let Some(i) = item {
                    target = target.and_then(|t| match &mut t.value {
                        Value::Array(items) => items.get_mut(*i),
                        _ => None,
                    });
                }
            }
            if let Some(target) = target {
                // Statements are placed at the attribute's value.
                document.span = target.span;
                *target = document;
            }
        }
    }
}

/// The policy a `data.aws_iam_policy_document.<name>.json` reference renders, when the data
/// source is in the same file: read as it is checked there (its findings are reported there).
fn data_document(eval: &Eval<'_>, body: &Body, expr: &Expression, ctx: &Context<'_>) -> Option<Node> {
    let mut refs = Vec::new();
    references(expr, &mut refs);
    let name = refs.first().and_then(|r| r.get(2))?.clone();
    let block = body.get_blocks("data").find(|b| {
        let names = labels(b);
        names.len() == 2 && names[0] == "aws_iam_policy_document" && names[1] == name
    })?;
    let address = format!("data.aws_iam_policy_document.{name}");
    let mut found = None;
    let mut keep = |artifact: Artifact<'_>| {
        if artifact.location == address {
            found = Some(artifact.root.into_owned());
        }
    };
    let mut scratch = Extraction::new(&mut keep);
    policy_document(eval, block, &address, PolicyKind::Identity, ctx, &mut scratch);
    drop(scratch);
    found
}

/// A resource as `tf.resource` rules see it: `{address, mode, type, values}`, its attributes
/// as values and its nested blocks as lists of objects, as a plan writes them.
/// A resource node as the model reads it.
fn instance<'a>(r: &'a Node, file: Option<&'a Arc<Source>>) -> Option<super::tfmodel::Instance<'a>> {
    let address = r.entry("address")?;
    Some((address.value.as_str()?, r.get_str("type")?, r.get("values")?, address.value.span, file))
}

/// A resource node with only the attributes references find it by (its name, `arn`, `id`).
fn names_only(mut node: Node, kind: &str) -> Node {
    let name = crate::data::cfn::terraform_type(kind).and_then(|t| t.name.clone()).unwrap_or_else(|| "name".into());
    if let Some(Node { value: Value::Object(entries), .. }) = node.entry_mut("values").map(|e| &mut e.value) {
        entries.retain(|e| *e.key == *name || matches!(&*e.key, "name" | "arn" | "id"));
    }
    node
}

fn resource_node(eval: &Eval<'_>, block: &Block, address: &str, kind: &str) -> Node {
    let span = span_of(block);
    let header = Span::new(span_of(&block.ident).start(), block.labels.last().map_or(span_of(&block.ident), span_of).end());
    let text = |t: &str, at: Span| Node::new(Value::String(t.into()), at);
    let entries = vec![
        Entry { key: "address".into(), key_span: header, value: text(address, header) },
        Entry { key: "mode".into(), key_span: header, value: text("managed", header) },
        Entry { key: "type".into(), key_span: header, value: text(kind, header) },
        Entry { key: "values".into(), key_span: header, value: body_node(eval, &block.body, span) },
    ];
    Node::new(Value::Object(entries), span)
}

fn body_node(eval: &Eval<'_>, body: &Body, span: Span) -> Node {
    let mut entries: Vec<Entry> = Vec::new();
    for structure in body {
        match structure {
            Structure::Attribute(a) => {
                // A huge value is no rule's business, and its tree would be as large.
                let value = if span_of(&a.value).len() > MAX_VALUE_BYTES {
                    Eval::placeholder(&a.value, eval.here())
                } else {
                    eval.node(&a.value, eval.here())
                };
                entries.push(Entry { key: a.key.as_str().into(), key_span: span_of(&a.key), value });
            }
            // A `dynamic` block's blocks are known only to Terraform: the name holds a
            // placeholder for its `for_each` (whatever blocks of the name are written beside it).
            Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                let Some(name) = labels(b).into_iter().next() else { continue };
                let for_each = b.body.get_attribute("for_each").map_or_else(|| span_of(b), |a| span_of(&a.value));
                let value = Node::new(Value::String(hcl::placeholder(eval.here().text, for_each).into()), span_of(b));
                match entries.iter_mut().find(|e| *e.key == *name) {
                    Some(entry) => entry.value = value,
                    None => entries.push(Entry { key: name.as_str().into(), key_span: span_of(&b.ident), value }),
                }
            }
            Structure::Block(b) => {
                let node = body_node(eval, &b.body, span_of(b));
                match entries.iter_mut().find(|e| &*e.key == b.ident.as_str()) {
                    Some(Entry { value: Node { value: Value::Array(items), .. }, .. }) => items.push(node),
                    Some(Entry { value: Node { value: Value::String(_), .. }, .. }) => {}
                    _ => entries.push(Entry {
                        key: b.ident.as_str().into(),
                        key_span: span_of(&b.ident),
                        value: Node::new(Value::Array(vec![node]), span_of(b)),
                    }),
                }
            }
        }
    }
    Node::new(Value::Object(entries), span)
}

/// A module call's arguments that hold a state machine or a policy written here (a heredoc,
/// a JSON string, `jsonencode`, `templatefile`, `file`): only the module knows what it does
/// with an argument, so each is checked as what it holds, a definition or a policy.
fn module_documents(eval: &Eval<'_>, block: &Block, name: &str, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let address = format!("module.{name}");
    for structure in &block.body {
        let Structure::Attribute(a) = structure else { continue };
        let written = match &a.value {
            Expression::HeredocTemplate(_) | Expression::StringTemplate(_) => true,
            Expression::String(s) => s.value().trim_start().starts_with('{'),
            Expression::FuncCall(call) => matches!(call.name.name.as_str(), "jsonencode" | "templatefile" | "file"),
            // A local value: written in this module too.
            Expression::Traversal(t) => matches!(&t.expr, Expression::Variable(v) if v.as_str() == "local"),
            _ => false,
        };
        if !written || matches!(a.key.as_str(), "source" | "version" | "count" | "for_each" | "providers" | "depends_on") {
            continue;
        }
        let claimed = ctx.files.mark();
        let doc = eval.document(&a.value, eval.here(), ctx);
        let root = match &doc {
            Doc::Text { text, .. } => text.parse_json(crate::parse::json::Options { placeholders: true }).ok().map(|(root, _)| root),
            Doc::Tree { root, .. } => Some(root.clone()),
            _ => None,
        };
        let kind = root.as_ref().and_then(|root| {
            if super::is_state_machine(root) {
                Some(ArtifactKind::StateMachine)
            } else if super::is_policy(root) {
                Some(ArtifactKind::Policy)
            } else {
                None
            }
        });
        // A text that does not parse is reported when the argument's name says what it holds
        // (`definition`, `…policy…`); otherwise it may be anything the module takes.
        let name = a.key.as_str();
        let named = if name.contains("definition") {
            Some(ArtifactKind::StateMachine)
        } else {
            name.contains("policy").then_some(ArtifactKind::Policy)
        };
        let Some(kind) = kind.or(named.filter(|_| root.is_none() && matches!(doc, Doc::Text { .. }))) else {
            ctx.files.unclaim_after(claimed);
            continue;
        };
        let policy_kind = if a.key.as_str().contains("assume_role") || a.key.as_str().contains("trust") {
            PolicyKind::Trust
        } else {
            PolicyKind::Unknown
        };
        let key = format!("{address}.{}", a.key.as_str());
        emit(doc, &key, (&address, "module"), (kind, policy_kind), &ctx.source, out);
    }
}

/// The documents of a resource block.
fn resource_documents(
    eval: &Eval<'_>,
    block: &Block,
    (address, kind): (&str, &str),
    machine: Option<(&super::tfmodel::Terraform<'_>, &Node)>,
    ctx: &Context<'_>,
    out: &mut Extraction<'_, '_>,
) {
    if kind == "aws_lambda_permission" {
        let values = body_node(eval, &block.body, span_of(block));
        let given = |key: &str| values.entry(key).filter(|e| !matches!(e.value.value, Value::Null));
        if given("principal").is_none() {
            return;
        }
        let conditions = super::tfplan::PERMISSION_CONDITIONS;
        let permission = super::Permission {
            at: span_of(block),
            action: given("action"),
            principal: given("principal"),
            function: given("function_name"),
            conditions: conditions.iter().filter_map(|(op, key, attribute)| Some((*op, *key, given(attribute)?))).collect(),
        };
        permission.push((address, kind), address.to_string(), ctx, out);
        return;
    }
    for (path, artifact_kind, policy_kind) in document_attributes(kind, &block.body) {
        let Some(expr) = lookup(&block.body, &path) else { continue };
        let key = format!("{address}.{}", path_text(&path));
        let doc = eval.document(expr, eval.here(), ctx);
        let context = machine.filter(|_| artifact_kind == ArtifactKind::StateMachine);
        emit_with(doc, &key, (address, kind), (artifact_kind, policy_kind), context, &ctx.source, out);
    }
}

/// Hands on a document read from the configuration, or says why it is not checked.
pub(super) fn emit(
    doc: Doc,
    key: &str,
    resource: (&str, &str),
    kinds: (ArtifactKind, PolicyKind),
    checked: &Arc<Source>,
    out: &mut Extraction<'_, '_>,
) {
    emit_with(doc, key, resource, kinds, None, checked, out);
}

/// [`emit`], a state machine with its context drawn from the file's model (its resource's
/// values given).
fn emit_with(
    doc: Doc,
    key: &str,
    (address, kind): (&str, &str),
    (artifact_kind, policy_kind): (ArtifactKind, PolicyKind),
    machine: Option<(&super::tfmodel::Terraform<'_>, &Node)>,
    checked: &Arc<Source>,
    out: &mut Extraction<'_, '_>,
) {
    let what = format!("`{key}`");
    let context = |root: &Node| {
        machine.map(|(model, values)| {
            let names = super::cfn::placeholder_names(root);
            Arc::new(model.machine(address, values.span, values, names.iter().map(String::as_str), checked))
        })
    };
    let artifact = |root: Node, source: Arc<Source>, embedded: Option<Box<EmbeddedText>>| {
        let machine = context(&root);
        Artifact::new(artifact_kind, Cow::Owned(root), source)
            .held_by(address.to_string(), kind.to_string(), key.to_string())
            .policy_kind(policy_kind)
            .embedded(embedded)
            .machine(machine)
    };
    match doc {
        Doc::Text { source, text, directives, raw } => {
            if text.text.trim().is_empty() {
                return;
            }
            if raw {
                super::tfplan::unfilled_placeholders(&text, key, &source, out);
            }
            if let Some(&first) = directives.first()
                && text.parse_json(crate::parse::json::Options { placeholders: true }).is_err()
            {
                let mut note = Finding::new(
                    builtin::TF_UNCHECKED_TEMPLATE,
                    Severity::Note,
                    &source,
                    first,
                    format!(
                        "{what} is not checked: this template directive changes the document's shape, so what it renders depends on values known only to Terraform"
                    ),
                );
                key.clone_into(&mut note.locator);
                out.findings.push(note);
                return;
            }
            if let Some(root) = parse_embedded(&text, true, (&what, key), &source, out) {
                out.push(artifact(root, source, Some(Box::new(text))));
            }
        }
        Doc::Tree { source, root } => out.push(artifact(root, source, None)),
        Doc::Elsewhere | Doc::Absent => {}
        Doc::Unknown(why, span) => unknown(checked, (&what, key), &why, span, out),
        Doc::Problem(finding) => {
            let mut finding = *finding;
            key.clone_into(&mut finding.locator);
            out.findings.push(finding);
        }
    }
}

/// The note for a document the configuration does not say.
pub(super) fn unknown(source: &Arc<Source>, (what, key): (&str, &str), why: &str, span: Span, out: &mut Extraction<'_, '_>) {
    let mut note = Finding::new(
        builtin::TF_UNKNOWN_IN_CONFIGURATION,
        Severity::Note,
        source,
        span,
        format!("{what} is not checked: {why}, not known from the configuration"),
    );
    key.clone_into(&mut note.locator);
    out.findings.push(note);
}

/// A `data "aws_iam_policy_document"` block: the policy it renders, from its `statement`
/// blocks (and `dynamic "statement"` blocks over literal lists), with `principals` and
/// `condition` blocks as the JSON writes them. Documents it merges (`source_policy_documents`,
/// `override_policy_documents`) are checked as policies of their own where they are written.
fn policy_document(
    eval: &Eval<'_>,
    block: &Block,
    address: &str,
    policy_kind: PolicyKind,
    ctx: &Context<'_>,
    out: &mut Extraction<'_, '_>,
) {
    let kind = "aws_iam_policy_document";
    let body = &block.body;
    let header = Span::new(span_of(&block.ident).start(), block.labels.last().map_or(span_of(&block.ident), span_of).end());
    let mut top: Vec<Entry> = Vec::new();
    let attribute = |name: &str| body.get_attribute(name);
    match attribute("version") {
        Some(a) => top.push(Entry { key: "Version".into(), key_span: span_of(&a.key), value: eval.node(&a.value, eval.here()) }),
        None => top.push(Entry { key: "Version".into(), key_span: header, value: Node::new(Value::String("2012-10-17".into()), header) }),
    }
    if let Some(a) = attribute("policy_id") {
        top.push(Entry { key: "Id".into(), key_span: span_of(&a.key), value: eval.node(&a.value, eval.here()) });
    }
    let mut statements = Vec::new();
    for (b, scope, span) in blocks(eval, body, "statement", address, out) {
        let node = statement(&scope, b, span, address, out);
        statements.push(node);
    }
    for name in ["source_policy_documents", "override_policy_documents"] {
        let Some(a) = attribute(name) else { continue };
        match &a.value {
            Expression::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let key = format!("{address}.{name}[{i}]");
                    let doc = eval.document(item, eval.here(), ctx);
                    emit(doc, &key, (address, kind), (ArtifactKind::Policy, policy_kind), &ctx.source, out);
                }
            }
            other => {
                let key = format!("{address}.{name}");
                let source = &eval.source.text;
                let shown = source.get(span_of(other).start()..span_of(other).end()).unwrap_or("");
                let why = format!("its documents are `{}`", crate::finding::shortened(shown, 80));
                unknown(&ctx.source, (&format!("`{key}`"), &key), &why, span_of(other), out);
            }
        }
    }
    if statements.is_empty() {
        return;
    }
    let statement_span = statements.first().map_or(header, |s: &Node| s.span).cover(statements.last().map_or(header, |s| s.span));
    top.push(Entry { key: "Statement".into(), key_span: header, value: Node::new(Value::Array(statements), statement_span) });
    out.push(
        Artifact::new(ArtifactKind::Policy, Cow::Owned(Node::new(Value::Object(top), span_of(block))), ctx.source.clone())
            .held_by(address.to_string(), kind.to_string(), address.to_string())
            .policy_kind(policy_kind),
    );
}

/// The blocks named `name` of a body, with the evaluation each is read in: a plain block as
/// it is, a `dynamic` block once per element of a literal `for_each` (its iterator bound). A
/// `dynamic` block over anything else is a note.
fn blocks<'b, 'm>(
    eval: &Eval<'m>,
    body: &'b Body,
    name: &str,
    address: &str,
    out: &mut Extraction<'_, '_>,
) -> Vec<(&'b Body, Eval<'m>, Span)> {
    let mut found = Vec::new();
    for structure in body {
        let Structure::Block(b) = structure else { continue };
        if b.ident.as_str() == name {
            found.push((&b.body, eval.child(Vec::new()), span_of(b)));
            continue;
        }
        if b.ident.as_str() != "dynamic" || labels(b).first().map(String::as_str) != Some(name) {
            continue;
        }
        let attribute = |key: &str| b.body.get_attribute(key).map(|a| &a.value);
        let Some((content, content_span)) = b.body.get_blocks("content").next().map(|c| (&c.body, span_of(c))) else {
            continue;
        };
        let iterator = match attribute("iterator") {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            _ => name.to_string(),
        };
        let items = match attribute("for_each").and_then(|e| eval.lit(e)) {
            Some(Lit::List(items)) => items.into_iter().enumerate().map(|(i, v)| (Lit::Num(i as f64), v)).collect(),
            Some(Lit::Map(entries)) => entries.into_iter().map(|(k, v)| (Lit::Str(k), v)).collect::<Vec<_>>(),
            _ => {
                let for_each = attribute("for_each").map_or(span_of(b), span_of);
                let shown = eval.source.text.get(for_each.start()..for_each.end()).unwrap_or("");
                let key = format!("{address}.dynamic.{name}");
                let why = format!("its `{name}` blocks come from `{}`", crate::finding::shortened(shown, 80));
                unknown(eval.source, (&format!("`dynamic \"{name}\"` of `{address}`"), &key), &why, span_of(&b.ident), out);
                continue;
            }
        };
        for (key, value) in items {
            let bound = Lit::Map(vec![("key".into(), key), ("value".into(), value)]);
            found.push((content, eval.child(vec![(iterator.clone(), bound)]), content_span));
        }
    }
    found
}

impl<'m> Eval<'m> {
    /// The same evaluation with more names bound.
    fn child(&self, more: Vec<(String, Lit)>) -> Eval<'m> {
        let mut bindings = self.bindings.clone();
        bindings.extend(more);
        Eval { module: self.module, source: self.source, here: self.here, bindings, depth: self.depth.clone() }
    }
}

/// One `statement` block as the JSON statement it renders.
fn statement(eval: &Eval<'_>, body: &Body, span: Span, address: &str, out: &mut Extraction<'_, '_>) -> Node {
    let mut entries = Vec::new();
    let at = eval.here();
    let mut effect = false;
    for structure in body {
        let Structure::Attribute(a) = structure else { continue };
        let key = match a.key.as_str() {
            "sid" => "Sid",
            "effect" => {
                effect = true;
                "Effect"
            }
            "actions" => "Action",
            "not_actions" => "NotAction",
            "resources" => "Resource",
            "not_resources" => "NotResource",
            _ => continue,
        };
        entries.push(Entry { key: key.into(), key_span: span_of(&a.key), value: eval.node(&a.value, at) });
    }
    if !effect {
        let at = Span::new(span.start(), span.start());
        entries.insert(0, Entry { key: "Effect".into(), key_span: at, value: Node::new(Value::String("Allow".into()), at) });
    }
    for (name, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
        let mut key_span = None;
        let mut pairs = Vec::new();
        for (b, scope, _) in blocks(eval, body, name, address, out) {
            let (Some(kind), Some(ids)) = (b.get_attribute("type"), b.get_attribute("identifiers")) else { continue };
            key_span.get_or_insert(span_of(&kind.key));
            pairs.push((scope.node(&kind.value, scope.here()), scope.node(&ids.value, scope.here())));
        }
        let Some(key_span) = key_span else { continue };
        entries.push(Entry { key: key.into(), key_span, value: super::policy_document::principal(pairs, key_span) });
    }
    let mut triples = Vec::new();
    for (b, scope, _) in blocks(eval, body, "condition", address, out) {
        let (Some(test), Some(variable), Some(values)) = (b.get_attribute("test"), b.get_attribute("variable"), b.get_attribute("values"))
        else {
            continue;
        };
        let node = |a: &hcl_edit::structure::Attribute| scope.node(&a.value, scope.here());
        triples.push((node(test), node(variable), node(values)));
    }
    if let Some(span) = triples.first().map(|(test, _, _)| test.span) {
        entries.push(Entry { key: "Condition".into(), key_span: span, value: super::policy_document::condition(triples, span) });
    }
    Node::new(Value::Object(entries), span)
}
