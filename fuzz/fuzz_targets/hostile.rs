//! Hostile but well-formed documents, built from a small structured description (`Case`,
//! derived with `arbitrary`) and rendered to JSON or YAML text of hundreds of KB to a few MB:
//! CloudFormation `Fn::Join` definitions, YAML anchors/aliases/merge keys, deep ASL, large IAM
//! policies, multi-document YAML streams with a broken last document, SAM templates and
//! Terraform plans with embedded documents. Sizes come from the input but are amplified
//! cheaply (`base << shift`), so a 30-byte input may render megabytes.
//!
//! Per case, `check_bytes` must stay within memory and time bounds per rendered byte, return
//! a capped number of findings and not panic; the human report of the findings is rendered
//! under the same bounds.
//!
//! `HOSTILE_DUMP=/tmp/doc` writes the rendered document of each run there (to look at a crash
//! input: `cargo fuzz run hostile fuzz/artifacts/hostile/crash-…` with it set).
//! `HOSTILE_VERBOSE=1` prints every case's sizes, peak memory and time; `HOSTILE_BUDGET=<bytes>`
//! changes the size documents grow to (4 MiB); `HOSTILE_TIME_SCALE=<factor>` the time bound;
//! `HOSTILE_RAW=<file>` checks that file instead (name by the case; bounds as for any case);
//! `HOSTILE_STATS=<file>` appends a line per case (flavour, file name, bytes, findings, notes,
//! peak heap bytes, check ns; then `report`, file name, bytes, report bytes, peak, ns), which
//! survives `-fork` mode, where the children's output is not shown.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use deploylint::finding::TOO_MANY_FINDINGS;
use deploylint::pipeline::{RunContext, check_bytes};
use deploylint::registry::Registry;
use libfuzzer_sys::fuzz_target;

// ---------------------------------------------------------------------------------------------
// Counting allocator: current and peak heap bytes.

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its result, the heap it took at its peak above what was allocated
/// before, and its wall time.
fn measured<R>(f: impl FnOnce() -> R) -> (R, usize, Duration) {
    let before = CURRENT.load(Relaxed);
    PEAK.store(before, Relaxed);
    let started = Instant::now();
    let result = f();
    let elapsed = started.elapsed();
    let peak = PEAK.load(Relaxed).saturating_sub(before);
    (result, peak, elapsed)
}

// ---------------------------------------------------------------------------------------------
// Bounds.

const BASE_BYTES: usize = 64 << 20;
const BYTES_PER_BYTE: usize = 40;
const BASE_TIME: Duration = Duration::from_secs(2);
const NANOS_PER_BYTE: u64 = 200;
/// Rendered documents stop growing around here (items already started are finished);
/// `HOSTILE_BUDGET=<bytes>` changes it (to see how a slow case scales).
fn render_budget() -> usize {
    static BUDGET: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *BUDGET.get_or_init(|| std::env::var("HOSTILE_BUDGET").ok().and_then(|v| v.parse().ok()).unwrap_or(4 << 20))
}
/// Findings kept per file (the library's default `Limits::per_file`).
const MAX_FINDINGS: usize = 10_000;

/// `HOSTILE_TIME_SCALE=<factor>` multiplies the time bound: AddressSanitizer (`cargo fuzz`'s
/// default) makes the library four to five times slower, so a bound meant for `-s none` builds
/// fails under it on inputs that are merely large.
fn time_scale() -> f64 {
    static SCALE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *SCALE.get_or_init(|| std::env::var("HOSTILE_TIME_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0))
}

// Worst ratios seen in this process, as f64 bits (documents of at least 64 KiB only: below
// that the constant allowance dominates and the ratio says nothing).
static WORST_BYTES_RATIO: AtomicU64 = AtomicU64::new(0);
static WORST_NANOS_RATIO: AtomicU64 = AtomicU64::new(0);
static WORST_REPORT_NANOS_RATIO: AtomicU64 = AtomicU64::new(0);
static RUNS: AtomicU64 = AtomicU64::new(0);

fn record_worst(slot: &AtomicU64, ratio: f64, what: &str, summary: &str) {
    let old = f64::from_bits(slot.load(Relaxed));
    if ratio > old {
        slot.store(ratio.to_bits(), Relaxed);
        eprintln!("hostile: new worst {what}: {ratio:.2} ({summary})");
    }
}

// ---------------------------------------------------------------------------------------------
// The structure the fuzzer fills in.

/// A size: `base << shift`, clamped by the caller.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Amount {
    base: u8,
    shift: u8,
}

impl Amount {
    fn get(self, max: usize) -> usize {
        (usize::from(self.base) << (self.shift % 16)).min(max)
    }
}

/// Characters strings are made of.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Alphabet {
    Lower,
    Digits,
    Spaces,
    Utf8,
    Escapes,
    Controls,
    Bidi,
    Brackets,
    Dollars,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Text {
    alphabet: Alphabet,
    seed: u8,
    len: Amount,
}

#[derive(Arbitrary, Debug)]
struct Case {
    yaml: bool,
    /// `t.json`/`t.yaml` by flavour, or `t.template` (sniffed).
    sniffed: bool,
    doc: Doc,
}

#[derive(Arbitrary, Debug)]
enum Doc {
    Join(JoinCase),
    Anchors(AnchorCase),
    Asl(AslCase),
    Iam(IamCase),
    Stream(StreamCase),
    Sam(SamCase),
    Plan(PlanCase),
}

/// A CloudFormation template whose state machines' `DefinitionString` is a `Fn::Join`.
#[derive(Arbitrary, Debug)]
struct JoinCase {
    definition: AslCase,
    /// Whitespace (the definition stays valid JSON) or anything (it does not).
    delimiter: Text,
    garbage_delimiter: bool,
    /// JSON tokens per piece (0 → 1).
    tokens_per_piece: u8,
    /// Piece kinds, cycled.
    kinds: Vec<PieceKind>,
    /// Numbers become `{"Ref": …}` pieces (placeholders where a value goes).
    ref_numbers: bool,
    /// YAML: the delimiter is `&d`, later `*d`; repeated pieces are aliases of the first.
    alias_delimiter: bool,
    alias_pieces: bool,
    machines: u8,
    /// YAML: later machines' DefinitionString is `*def` (the whole join again).
    alias_whole: bool,
    /// Also a `Fn::Join` policy of many wildcard statements.
    policy_join: Option<IamCase>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum PieceKind {
    Plain,
    Sub,
    If,
    /// A binary tree of joins this deep around the piece's tokens.
    Nested(u8),
}

/// A YAML document full of anchors, aliases and merge keys (JSON: expanded).
#[derive(Arbitrary, Debug)]
struct AnchorCase {
    /// ASL states or IAM statements.
    asl: bool,
    style: AnchorStyle,
    count: Amount,
    /// Filler anchored beside the units, used or not.
    filler: Text,
    unused: Amount,
    fanout: u8,
    levels: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum AnchorStyle {
    /// `count` aliases of one anchored unit.
    Repeat,
    /// Each unit merges the anchored base: `<<: *base`.
    Merge,
    /// A chain of merges: `&m{i} {<<: *m{i-1}, …}`, units merge the last.
    MergeChain,
    /// `<<: [*a, *b, …]` lists.
    MergeList,
    /// Anchors nested inside anchored nodes, aliased from deep inside.
    Nested,
    /// Exponential: `&l{i} [*l{i-1}, …fanout]`.
    Laughs,
}

/// A state machine: long container names above nested Parallel/Map states, many Tasks.
#[derive(Arbitrary, Debug, Clone)]
struct AslCase {
    name: Text,
    depth: u8,
    /// Parallel (false) or Map (true) per level, cycled.
    maps: Vec<bool>,
    branches: u8,
    tasks: Amount,
    tasks_every_level: bool,
    long_task_names: bool,
    timeouts: bool,
    retry: bool,
    chain: bool,
    /// Map states use the old `Iterator` field.
    iterator: bool,
}

/// An IAM policy with many statements.
#[derive(Arbitrary, Debug, Clone)]
struct IamCase {
    statements: Amount,
    /// Action: a list of this many (0 → the string `"*"`).
    actions: u8,
    action: Text,
    /// Every n-th statement is a wildcard (0 → all).
    wildcard_every: u8,
    sid: Option<Text>,
    resource: Text,
    /// Wrapped in a CloudFormation `AWS::IAM::Policy`.
    in_template: bool,
    deny: bool,
}

/// A multi-document YAML stream with a broken last document.
#[derive(Arbitrary, Debug)]
struct StreamCase {
    documents: Amount,
    kinds: Vec<u8>,
    name: Text,
    broken: Broken,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Broken {
    UnclosedFlow,
    BadIndent,
    Tab,
    UnclosedQuote,
    UndefinedAlias,
    BadEscape,
    DuplicateKeys,
    Deep(u8),
}

/// A SAM template with many resources.
#[derive(Arbitrary, Debug)]
struct SamCase {
    resources: Amount,
    kinds: Vec<u8>,
    definition: AslCase,
    policy: IamCase,
    uri: Text,
    globals: bool,
}

/// A Terraform JSON plan with embedded policies and definitions.
#[derive(Arbitrary, Debug)]
struct PlanCase {
    resources: Amount,
    kinds: Vec<u8>,
    address: Text,
    policy: IamCase,
    definition: AslCase,
    child_depth: u8,
    resource_changes: bool,
    prior_state: bool,
    unknown: bool,
}

// ---------------------------------------------------------------------------------------------
// The tree documents are rendered from.

#[derive(Clone, Debug)]
enum T {
    Null,
    B(bool),
    N(i64),
    S(String),
    A(Vec<T>),
    O(Vec<(String, T)>),
    /// `!Name x` in YAML; `{"Fn::Name": x}` (`{"Ref": x}`) in JSON.
    Tag(&'static str, Box<T>),
    /// `&name x` in YAML; `x` in JSON.
    Anchor(String, Box<T>),
    /// `*name` in YAML; the anchored value, expanded, in JSON.
    Alias(String),
    /// YAML: in flow style.
    Flow(Box<T>),
}

fn s(text: impl Into<String>) -> T {
    T::S(text.into())
}

fn o(entries: Vec<(&str, T)>) -> T {
    T::O(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Generation under a byte budget: loops stop once it is spent.
struct Gen {
    left: usize,
}

impl Gen {
    fn ok(&self) -> bool {
        self.left > 0
    }

    fn spend(&mut self, bytes: usize) {
        self.left = self.left.saturating_sub(bytes + 4);
    }

    fn text(&mut self, text: Text, max: usize) -> String {
        let len = text.len.get(max.min(self.left));
        self.spend(len);
        filler(text.alphabet, text.seed, len)
    }
}

fn filler(alphabet: Alphabet, seed: u8, len: usize) -> String {
    let set: &[&str] = match alphabet {
        Alphabet::Lower => &["a", "b", "c", "d", "e", "f", "g", "h", "x", "y", "z"],
        Alphabet::Digits => &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        Alphabet::Spaces => &[" ", " ", " ", "\t", "\n", "\r\n"],
        Alphabet::Utf8 => &["é", "漢", "🦀", "ß", "a", "\u{10FFFD}"],
        Alphabet::Escapes => &["\"", "\\", "/", "a", "\\u0041", "'"],
        Alphabet::Controls => &["\u{1}", "\t", "\n", "\r", "x", "\u{1b}[31m", "\u{8}"],
        Alphabet::Bidi => &["\u{202e}", "\u{200b}", "\u{2066}", "a", "\u{2028}"],
        Alphabet::Brackets => &["{", "}", "[", "]", ":", ",", "a"],
        Alphabet::Dollars => &["${", "}", "$", "${AWS::Region}", "${!x}", "a"],
    };
    let mut out = String::with_capacity(len + 8);
    let mut i = usize::from(seed);
    while out.len() < len {
        out.push_str(set[i % set.len()]);
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out
}

/// Spaces, tabs and line ends only (valid between JSON tokens).
fn whitespace(seed: u8, len: usize) -> String {
    filler(Alphabet::Spaces, seed, len)
}

// ---------------------------------------------------------------------------------------------
// Rendering: JSON (with aliases expanded) and YAML (block style, flow where asked).

struct Render<'t> {
    out: String,
    limit: usize,
    anchors: HashMap<&'t str, &'t T>,
    pretty: bool,
}

fn json_str(out: &mut String, text: &str) {
    // serde_json's escaping is also valid in a YAML double-quoted scalar.
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string()));
}

impl<'t> Render<'t> {
    fn new(limit: usize, pretty: bool) -> Self {
        Self { out: String::new(), limit, anchors: HashMap::new(), pretty }
    }

    fn full(&self) -> bool {
        self.out.len() > self.limit
    }

    fn newline(&mut self, indent: usize) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..indent {
                self.out.push(' ');
            }
        }
    }

    fn json(&mut self, t: &'t T, indent: usize, depth: usize) {
        if self.full() || depth > 2_000 {
            self.out.push_str("null");
            return;
        }
        match t {
            T::Null => self.out.push_str("null"),
            T::B(b) => self.out.push_str(if *b { "true" } else { "false" }),
            T::N(n) => {
                let _ = write!(self.out, "{n}");
            }
            T::S(text) => json_str(&mut self.out, text),
            T::A(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    if self.full() {
                        self.out.push_str("null");
                        break;
                    }
                    self.newline(indent + 2);
                    self.json(item, indent + 2, depth + 1);
                }
                if !items.is_empty() {
                    self.newline(indent);
                }
                self.out.push(']');
            }
            T::O(entries) => {
                self.out.push('{');
                let mut first = true;
                for (key, value) in entries {
                    if self.full() {
                        break;
                    }
                    if !first {
                        self.out.push(',');
                    }
                    first = false;
                    self.newline(indent + 2);
                    json_str(&mut self.out, key);
                    self.out.push(':');
                    if self.pretty {
                        self.out.push(' ');
                    }
                    self.json(value, indent + 2, depth + 1);
                }
                if !entries.is_empty() {
                    self.newline(indent);
                }
                self.out.push('}');
            }
            T::Tag(name, inner) => {
                self.out.push('{');
                let key = if *name == "Ref" { "Ref".to_string() } else { format!("Fn::{name}") };
                json_str(&mut self.out, &key);
                self.out.push(':');
                self.json(inner, indent + 2, depth + 1);
                self.out.push('}');
            }
            T::Anchor(name, inner) => {
                self.anchors.insert(name, inner);
                self.json(inner, indent, depth + 1);
            }
            T::Alias(name) => match self.anchors.get(name.as_str()) {
                Some(target) => {
                    let target = *target;
                    self.json(target, indent, depth + 1);
                }
                None => self.out.push_str("null"),
            },
            T::Flow(inner) => self.json(inner, indent, depth + 1),
        }
    }

    /// A YAML scalar or flow collection, on the current line.
    fn flow(&mut self, t: &'t T, depth: usize) {
        if self.full() || depth > 2_000 {
            self.out.push_str("null");
            return;
        }
        match t {
            T::Null => self.out.push_str("null"),
            T::B(b) => self.out.push_str(if *b { "true" } else { "false" }),
            T::N(n) => {
                let _ = write!(self.out, "{n}");
            }
            T::S(text) => json_str(&mut self.out, text),
            T::A(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    if self.full() {
                        self.out.push_str("null");
                        break;
                    }
                    self.flow(item, depth + 1);
                }
                self.out.push(']');
            }
            T::O(entries) => {
                self.out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if self.full() {
                        break;
                    }
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.key(key);
                    self.out.push(' ');
                    self.flow(value, depth + 1);
                }
                self.out.push('}');
            }
            T::Tag(name, inner) => {
                let _ = write!(self.out, "!{name} ");
                self.flow(inner, depth + 1);
            }
            T::Anchor(name, inner) => {
                let _ = write!(self.out, "&{name} ");
                self.flow(inner, depth + 1);
            }
            // The space keeps a following `,` or `]` out of the name.
            T::Alias(name) => {
                let _ = write!(self.out, "*{name} ");
            }
            T::Flow(inner) => self.flow(inner, depth + 1),
        }
    }

    fn key(&mut self, key: &str) {
        if key == "<<" {
            self.out.push_str("<<:");
        } else {
            json_str(&mut self.out, key);
            self.out.push(':');
        }
    }

    /// A YAML value after `key:` or `-`: scalars on the line, collections on the next lines.
    fn block(&mut self, t: &'t T, indent: usize, depth: usize) {
        if self.full() || depth > 2_000 {
            self.out.push_str(" null\n");
            return;
        }
        match t {
            T::A(items) if !items.is_empty() => {
                self.out.push('\n');
                for item in items {
                    if self.full() {
                        break;
                    }
                    self.spaces(indent);
                    self.out.push('-');
                    self.block(item, indent + 2, depth + 1);
                }
            }
            T::O(entries) if !entries.is_empty() => {
                self.out.push('\n');
                self.entries(entries, indent, depth);
            }
            T::Tag(name, inner) if is_collection(inner) => {
                let _ = write!(self.out, " !{name}");
                self.block(inner, indent, depth + 1);
            }
            T::Anchor(name, inner) if is_collection(inner) => {
                let _ = write!(self.out, " &{name}");
                self.block(inner, indent, depth + 1);
            }
            T::S(text) if literal_ok(text) => {
                // A literal block scalar, one indentation deeper.
                self.out.push_str(if text.ends_with('\n') { " |\n" } else { " |-\n" });
                for line in text.lines() {
                    if self.full() {
                        break;
                    }
                    if !line.is_empty() {
                        self.spaces(indent);
                        self.out.push_str(line);
                    }
                    self.out.push('\n');
                }
            }
            T::Flow(inner) => {
                self.out.push(' ');
                self.flow(inner, depth + 1);
                self.out.push('\n');
            }
            other => {
                self.out.push(' ');
                self.flow(other, depth + 1);
                self.out.push('\n');
            }
        }
    }

    fn entries(&mut self, entries: &'t [(String, T)], indent: usize, depth: usize) {
        for (key, value) in entries {
            if self.full() {
                break;
            }
            self.spaces(indent);
            self.key(key);
            self.block(value, indent + 2, depth + 1);
        }
    }

    fn spaces(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }
}

fn is_collection(t: &T) -> bool {
    matches!(t, T::A(items) if !items.is_empty()) || matches!(t, T::O(entries) if !entries.is_empty())
}

/// Multi-line text that reads the same as a literal block scalar.
fn literal_ok(text: &str) -> bool {
    text.contains('\n')
        && !text.starts_with([' ', '\n'])
        && !text.ends_with("\n\n")
        && text.chars().all(|c| c == '\n' || (!c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{feff}')))
        && !text.lines().any(|l| l.trim().is_empty() && !l.is_empty())
}

fn render_json(t: &T, pretty: bool, limit: usize) -> String {
    let mut r = Render::new(limit, pretty);
    r.json(t, 0, 0);
    r.out.push('\n');
    r.out
}

fn render_yaml(t: &T, limit: usize) -> String {
    let mut r = Render::new(limit, true);
    render_yaml_into(&mut r, t);
    r.out
}

fn render_yaml_into<'t>(r: &mut Render<'t>, t: &'t T) {
    match t {
        T::O(entries) if !entries.is_empty() => r.entries(entries, 0, 0),
        other => {
            r.out.push_str("---");
            r.block(other, 2, 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generators.

fn asl(case: &AslCase, g: &mut Gen) -> T {
    let depth = usize::from(case.depth % 64);
    let name = g.text(case.name, (1 << 20).min(g.left / 8));
    let mut counter = 0usize;
    let cost = embedded_len(&name);
    states_at(case, g, &name, cost, depth, 0, &mut counter)
}

/// What a name costs once escaped for JSON and escaped again inside a JSON or YAML string (a
/// control character becomes `\\u0001`): budgets count this, not the name's own length.
fn embedded_len(text: &str) -> usize {
    serde_json::to_string(&serde_json::to_string(text).unwrap_or_default()).map_or(text.len(), |s| s.len())
}

/// A `{"StartAt", "States"}` block at `level` with `left` levels below it.
fn states_at(case: &AslCase, g: &mut Gen, name: &str, cost: usize, left: usize, level: usize, counter: &mut usize) -> T {
    let mut states: Vec<(String, T)> = Vec::new();
    if left > 0 && g.ok() {
        let map = if case.maps.is_empty() { level % 2 == 1 } else { case.maps[level % case.maps.len()] };
        let container = format!("{name}{level}");
        // The name is the key and the `StartAt`.
        g.spend(2 * cost);
        let mut state = vec![("Type".to_string(), s(if map { "Map" } else { "Parallel" }))];
        if map {
            let inner = states_at(case, g, name, cost, left - 1, level + 1, counter);
            state.push((if case.iterator { "Iterator" } else { "ItemProcessor" }.to_string(), inner));
        } else {
            let branches = usize::from(case.branches % 4) + 1;
            let mut list = Vec::new();
            for _ in 0..branches {
                if !g.ok() {
                    break;
                }
                list.push(states_at(case, g, name, cost, left - 1, level + 1, counter));
            }
            if list.is_empty() {
                list.push(task_block(counter));
            }
            state.push(("Branches".to_string(), T::A(list)));
        }
        state.push(("End".to_string(), T::B(true)));
        states.push((container, T::O(state)));
    }
    if left == 0 || case.tasks_every_level {
        let tasks = case.tasks.get(1 << 20).max(1);
        let first = states.len();
        for i in 0..tasks {
            if !g.ok() && i > 0 {
                break;
            }
            *counter += 1;
            let task_name = if case.long_task_names { format!("{name}T{}", *counter) } else { format!("T{}", *counter) };
            let mut state = vec![("Type".to_string(), s("Task")), ("Resource".to_string(), s("arn:aws:states:::lambda:invoke"))];
            if case.timeouts {
                state.push(("TimeoutSeconds".to_string(), T::N(30)));
            }
            if case.retry {
                state.push((
                    "Retry".to_string(),
                    T::A(vec![o(vec![("ErrorEquals", T::A(vec![s("Lambda.ServiceException")])), ("MaxAttempts", T::N(0))])]),
                ));
            }
            state.push(("End".to_string(), T::B(true)));
            // The key, a `StartAt` or a `Next`.
            g.spend(if case.long_task_names { 3 * cost } else { 3 * task_name.len() } + 80);
            states.push((task_name, T::O(state)));
        }
        if case.chain {
            // Each Task leads to the next; the last ends.
            for i in first..states.len().saturating_sub(1) {
                let next = states[i + 1].0.clone();
                if let T::O(state) = &mut states[i].1 {
                    state.retain(|(k, _)| k != "End");
                    state.push(("Next".to_string(), s(next)));
                }
            }
        }
    }
    if states.is_empty() {
        return task_block(counter);
    }
    let start = states[0].0.clone();
    T::O(vec![("StartAt".to_string(), s(start)), ("States".to_string(), T::O(states))])
}

fn task_block(counter: &mut usize) -> T {
    *counter += 1;
    let name = format!("T{}", *counter);
    o(vec![
        ("StartAt", s(name.clone())),
        (
            "States",
            T::O(vec![(name, o(vec![("Type", s("Task")), ("Resource", s("arn:aws:states:::sqs:sendMessage")), ("End", T::B(true))]))]),
        ),
    ])
}

fn statement(case: &IamCase, g: &mut Gen, i: usize, action: &str, resource: &str) -> T {
    let every = usize::from(case.wildcard_every).max(1);
    let wildcard = i % every == 0;
    let actions = usize::from(case.actions);
    let action_value = if actions == 0 {
        s(if wildcard { "*" } else { "states:StartExecution" })
    } else {
        let mut list = Vec::with_capacity(actions);
        for j in 0..actions {
            list.push(match j % 4 {
                0 if wildcard => s("*"),
                1 if wildcard => s("s3:*"),
                2 => s(format!("svc{j}:{action}")),
                _ => s("lambda:InvokeFunction"),
            });
        }
        g.spend(actions * (action.len() + 12));
        T::A(list)
    };
    let mut entries = Vec::new();
    if let Some(sid) = case.sid {
        let text = g.text(sid, 4096);
        entries.push(("Sid".to_string(), s(format!("{text}{i}"))));
    }
    entries.push(("Effect".to_string(), s(if case.deny && i % 2 == 1 { "Deny" } else { "Allow" })));
    entries.push(("Action".to_string(), action_value));
    entries.push(("Resource".to_string(), s(resource)));
    g.spend(resource.len() + 48);
    T::O(entries)
}

fn policy(case: &IamCase, g: &mut Gen) -> T {
    let action = g.text(case.action, 1 << 16);
    let resource = g.text(case.resource, 1 << 16);
    let count = case.statements.get(1 << 20).max(1);
    let mut statements = Vec::new();
    for i in 0..count {
        if !g.ok() && i > 0 {
            break;
        }
        statements.push(statement(case, g, i, &action, &resource));
    }
    o(vec![("Version", s("2012-10-17")), ("Statement", T::A(statements))])
}

fn iam_doc(case: &IamCase, g: &mut Gen) -> T {
    let doc = policy(case, g);
    if case.in_template {
        template(vec![(
            "Policy".to_string(),
            o(vec![("Type", s("AWS::IAM::Policy")), ("Properties", o(vec![("PolicyName", s("p")), ("PolicyDocument", doc)]))]),
        )])
    } else {
        doc
    }
}

fn template(resources: Vec<(String, T)>) -> T {
    o(vec![
        ("AWSTemplateFormatVersion", s("2010-09-09")),
        ("Conditions", o(vec![("C", T::Tag("Equals", Box::new(T::A(vec![s("a"), s("a")]))))])),
        ("Resources", T::O(resources)),
    ])
}

/// JSON tokens of a compact rendering (numbers marked, for `Ref` pieces).
fn tokens(t: &T, out: &mut Vec<(String, bool)>) {
    match t {
        T::Null => out.push(("null".into(), false)),
        T::B(b) => out.push((b.to_string(), false)),
        T::N(n) => out.push((n.to_string(), true)),
        T::S(text) => out.push((serde_json::to_string(text).unwrap_or_default(), false)),
        T::A(items) => {
            out.push(("[".into(), false));
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push((",".into(), false));
                }
                tokens(item, out);
            }
            out.push(("]".into(), false));
        }
        T::O(entries) => {
            out.push(("{".into(), false));
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push((",".into(), false));
                }
                out.push((serde_json::to_string(key).unwrap_or_default(), false));
                out.push((":".into(), false));
                tokens(value, out);
            }
            out.push(("}".into(), false));
        }
        T::Tag(_, inner) | T::Anchor(_, inner) | T::Flow(inner) => tokens(inner, out),
        T::Alias(_) => out.push(("null".into(), false)),
    }
}

struct JoinBuilder<'c> {
    case: &'c JoinCase,
    yaml: bool,
    delimiter: String,
    delimiter_anchored: bool,
    anchors: HashMap<String, String>,
    next_anchor: usize,
    /// Bytes of delimiters left to write (each join, nested ones too, holds one).
    left: usize,
}

impl JoinBuilder<'_> {
    fn delimiter(&mut self) -> T {
        if self.yaml && self.case.alias_delimiter {
            if self.delimiter_anchored {
                return T::Alias("d".into());
            }
            self.delimiter_anchored = true;
            return T::Anchor("d".into(), Box::new(s(self.delimiter.clone())));
        }
        s(self.delimiter.clone())
    }

    fn plain(&mut self, text: String) -> T {
        if self.yaml && self.case.alias_pieces && text.len() <= 64 {
            if let Some(name) = self.anchors.get(&text) {
                return T::Alias(name.clone());
            }
            if self.anchors.len() < 10_000 {
                let name = format!("p{}", self.next_anchor);
                self.next_anchor += 1;
                self.anchors.insert(text.clone(), name.clone());
                return T::Anchor(name, Box::new(s(text)));
            }
        }
        s(text)
    }

    fn join(&mut self, pieces: Vec<T>) -> T {
        self.left = self.left.saturating_sub(self.delimiter.len() + 16);
        let delimiter = self.delimiter();
        T::Tag("Join", Box::new(T::A(vec![delimiter, T::A(pieces)])))
    }

    /// A binary tree of joins `depth` deep over `toks`.
    fn nested(&mut self, toks: &[(String, bool)], depth: usize) -> T {
        if depth == 0 || toks.len() < 2 || self.left == 0 {
            let text: String = toks.iter().map(|(t, _)| t.as_str()).collect();
            return self.plain(text);
        }
        let (left, right) = toks.split_at(toks.len() / 2);
        let pieces = vec![self.nested(left, depth - 1), self.nested(right, depth - 1)];
        self.join(pieces)
    }

    fn definition(&mut self, doc: &T) -> T {
        let mut toks = Vec::new();
        tokens(doc, &mut toks);
        let per = usize::from(self.case.tokens_per_piece).max(1);
        let mut pieces = Vec::new();
        let mut k = 0usize;
        let mut i = 0usize;
        while i < toks.len() {
            // A number stands alone, as a `Ref`, when asked.
            if self.case.ref_numbers && toks[i].1 {
                pieces.push(T::Tag("Ref", Box::new(s("Timeout"))));
                i += 1;
                continue;
            }
            let mut end = (i + per).min(toks.len());
            if self.case.ref_numbers {
                if let Some(n) = toks[i..end].iter().position(|t| t.1) {
                    end = i + n;
                }
            }
            let chunk = &toks[i..end];
            i = end;
            let kind = if self.case.kinds.is_empty() { PieceKind::Plain } else { self.case.kinds[k % self.case.kinds.len()] };
            k += 1;
            let text: String = chunk.iter().map(|(t, _)| t.as_str()).collect();
            pieces.push(match kind {
                PieceKind::Plain => self.plain(text),
                PieceKind::Sub => T::Tag("Sub", Box::new(s(text))),
                PieceKind::If => T::Tag("If", Box::new(T::A(vec![s("C"), s(text), s("")]))),
                PieceKind::Nested(depth) => self.nested(chunk, usize::from(depth % 24)),
            });
        }
        self.join(pieces)
    }
}

fn join_doc(case: &JoinCase, yaml: bool, g: &mut Gen) -> T {
    let len = case.delimiter.len.get(1 << 20);
    let delimiter = if case.garbage_delimiter {
        filler(case.delimiter.alphabet, case.delimiter.seed, len)
    } else {
        whitespace(case.delimiter.seed, len)
    };
    g.spend(len);
    let machines = usize::from(case.machines % 16).max(1);
    let left = g.left;
    let mut b = JoinBuilder { case, yaml, delimiter, delimiter_anchored: false, anchors: HashMap::new(), next_anchor: 0, left };
    let mut resources = Vec::new();
    for m in 0..machines {
        if !g.ok() && m > 0 {
            break;
        }
        let definition = if m > 0 && yaml && case.alias_whole {
            T::Alias("def".into())
        } else {
            let doc = asl(&case.definition, g);
            let join = b.definition(&doc);
            if m == 0 && yaml && case.alias_whole { T::Anchor("def".into(), Box::new(join)) } else { join }
        };
        resources.push((
            format!("Machine{m}"),
            o(vec![
                ("Type", s("AWS::StepFunctions::StateMachine")),
                ("Properties", o(vec![("RoleArn", T::Tag("GetAtt", Box::new(s("Role.Arn")))), ("DefinitionString", definition)])),
            ]),
        ));
    }
    if let Some(policy_case) = &case.policy_join {
        let doc = policy(policy_case, g);
        let join = b.definition(&doc);
        resources.push((
            "Policy".to_string(),
            o(vec![("Type", s("AWS::IAM::ManagedPolicy")), ("Properties", o(vec![("PolicyDocument", join)]))]),
        ));
    }
    template(resources)
}

fn anchors_doc(case: &AnchorCase, yaml: bool, g: &mut Gen) -> T {
    let count = case.count.get(1 << 20).max(1);
    // Filler and unused anchors take at most a quarter of the budget each: the units that
    // come after them must be rendered too.
    let quarter = g.left / 4;
    let filler_text = g.text(case.filler, quarter);
    let unit = |i: usize| -> T {
        if case.asl {
            o(vec![("Type", s("Task")), ("Resource", s(format!("arn:aws:states:::lambda:invoke{}", i % 7))), ("End", T::B(true))])
        } else {
            o(vec![("Effect", s("Allow")), ("Action", s("*")), ("Resource", s("*"))])
        }
    };
    // Anchored definitions, under a key nothing reads.
    let mut defs: Vec<T> = Vec::new();
    let unused = case.unused.get(quarter / 100);
    for i in 0..unused {
        if !g.ok() {
            break;
        }
        g.spend(filler_text.len().min(64) + 16);
        defs.push(T::Anchor(format!("u{i}"), Box::new(o(vec![("x", s(filler_text.chars().take(64).collect::<String>()))]))));
    }
    defs.push(T::Anchor("f".into(), Box::new(s(filler_text.clone()))));
    let mut units: Vec<T> = Vec::new();
    let fanout = usize::from(case.fanout % 16).max(2);
    let levels = usize::from(case.levels % 64);
    match case.style {
        AnchorStyle::Repeat => {
            let mut first = unit(0);
            if let T::O(entries) = &mut first
                && yaml
            {
                entries.push(("Comment".into(), T::Alias("f".into())));
            }
            units.push(T::Anchor("unit".into(), Box::new(first)));
            for _ in 1..count {
                if !g.ok() {
                    break;
                }
                g.spend(8);
                units.push(T::Alias("unit".into()));
            }
        }
        AnchorStyle::Merge => {
            defs.push(T::Anchor("base".into(), Box::new(unit(0))));
            for i in 0..count {
                if !g.ok() && i > 0 {
                    break;
                }
                g.spend(40);
                let mut entries = vec![("<<".to_string(), T::Alias("base".into()))];
                entries.push((if case.asl { "Comment" } else { "Sid" }.to_string(), s(format!("S{i}"))));
                if i % 3 == 0 && yaml {
                    entries.push(("Comment2".to_string(), T::Alias("f".into())));
                }
                units.push(T::O(entries));
            }
        }
        AnchorStyle::MergeChain | AnchorStyle::MergeList => {
            let chain = levels.max(1);
            defs.push(T::Anchor("m0".into(), Box::new(unit(0))));
            for l in 1..chain {
                let merge = if matches!(case.style, AnchorStyle::MergeList) {
                    T::Flow(Box::new(T::A((0..l.min(fanout)).map(|j| T::Alias(format!("m{}", l - 1 - j))).collect())))
                } else {
                    T::Alias(format!("m{}", l - 1))
                };
                defs.push(T::Anchor(format!("m{l}"), Box::new(T::O(vec![("<<".into(), merge), (format!("k{l}"), s(format!("v{l}")))]))));
            }
            for i in 0..count {
                if !g.ok() && i > 0 {
                    break;
                }
                g.spend(40);
                units.push(T::O(vec![("<<".into(), T::Alias(format!("m{}", chain - 1))), ("Comment".into(), s(format!("S{i}")))]));
            }
        }
        AnchorStyle::Nested => {
            // n{l} holds n{l+1} inside: `&n0 {inner: &n1 {inner: …}}`.
            let mut inner = T::Anchor(format!("n{levels}"), Box::new(unit(0)));
            for l in (0..levels).rev() {
                let f = if yaml { T::Alias("f".into()) } else { s("f") };
                inner = T::Anchor(format!("n{l}"), Box::new(T::O(vec![("inner".into(), inner), ("f".into(), f)])));
            }
            defs.push(inner);
            for i in 0..count {
                if !g.ok() && i > 0 {
                    break;
                }
                g.spend(12);
                units.push(T::Alias(format!("n{levels}")));
                if i % 5 == 0 && levels > 0 {
                    // An alias of an outer node inside a unit: nested data, no finding.
                    let mut u = unit(i);
                    if let T::O(entries) = &mut u {
                        entries.push(("Comment".into(), T::Alias(format!("n{}", i % levels))));
                    }
                    units.push(u);
                }
            }
        }
        AnchorStyle::Laughs => {
            defs.push(T::Anchor("l0".into(), Box::new(T::A(vec![unit(0); fanout]))));
            for l in 1..=levels {
                defs.push(T::Anchor(format!("l{l}"), Box::new(T::Flow(Box::new(T::A(vec![T::Alias(format!("l{}", l - 1)); fanout]))))));
            }
            for i in 0..count.min(1 << 12) {
                g.spend(8);
                units.push(T::Alias(format!("l{}", levels - i.min(levels))));
            }
        }
    }
    let mut entries = vec![("Definitions".to_string(), T::A(defs))];
    if case.asl {
        let states: Vec<(String, T)> = units.into_iter().enumerate().map(|(i, u)| (format!("T{i}"), u)).collect();
        entries.push(("StartAt".to_string(), s("T0")));
        entries.push(("States".to_string(), T::O(states)));
    } else {
        entries.push(("Version".to_string(), s("2012-10-17")));
        entries.push(("Statement".to_string(), T::A(units)));
    }
    T::O(entries)
}

fn stream_doc(case: &StreamCase, g: &mut Gen) -> String {
    let count = case.documents.get(1 << 20).max(1);
    let name = g.text(case.name, 1 << 16);
    let mut out = String::new();
    let mut counter = 0usize;
    for i in 0..count {
        if !g.ok() && i > 0 {
            break;
        }
        let kind = if case.kinds.is_empty() { i as u8 } else { case.kinds[i % case.kinds.len()] };
        let doc = match kind % 6 {
            0 => o(vec![("Statement", T::A(vec![o(vec![("Effect", s("Allow")), ("Action", s("*")), ("Resource", s(name.clone()))])]))]),
            1 => {
                counter += 1;
                let mut block = task_block(&mut counter);
                if let T::O(entries) = &mut block {
                    entries.push(("Comment".into(), s(name.clone())));
                }
                block
            }
            2 => template(vec![(
                format!("Q{i}"),
                o(vec![
                    ("Type", s("AWS::SQS::QueuePolicy")),
                    (
                        "Properties",
                        o(vec![(
                            "PolicyDocument",
                            o(vec![(
                                "Statement",
                                T::A(vec![o(vec![("Effect", s("Allow")), ("Action", s("sqs:*")), ("Resource", s("*"))])]),
                            )]),
                        )]),
                    ),
                ]),
            )]),
            3 => s(name.clone()),
            4 => T::Null,
            _ => o(vec![("k", T::Anchor(format!("a{i}"), Box::new(s("v")))), ("k2", T::Alias(format!("a{i}")))]),
        };
        g.spend(name.len() + 60);
        out.push_str("---\n");
        let rendered = render_yaml(&doc, render_budget());
        out.push_str(&rendered);
        if !rendered.ends_with('\n') {
            out.push('\n');
        }
    }
    out.push_str("---\n");
    match case.broken {
        Broken::UnclosedFlow => out.push_str("Statement: [{Effect: Allow, Action: \"*\"\n"),
        Broken::BadIndent => out.push_str("StartAt: A\nStates:\n  A:\n    Type: Task\n   End: true\n"),
        Broken::Tab => out.push_str("Statement:\n\t- Effect: Allow\n"),
        Broken::UnclosedQuote => out.push_str("StartAt: \"A\nStates: {}\n"),
        Broken::UndefinedAlias => out.push_str("Statement: *nowhere\n"),
        Broken::BadEscape => out.push_str("Statement: \"\\q\"\n"),
        Broken::DuplicateKeys => out.push_str("StartAt: A\nStartAt: B\nStates: {A: {Type: Task, End: true}}\n: : :\n"),
        Broken::Deep(n) => {
            let n = usize::from(n) * 4 + 300;
            out.push_str("States: ");
            out.push_str(&"[".repeat(n));
            out.push_str(&"]".repeat(n - 1));
            out.push('\n');
        }
    }
    out
}

fn sam_doc(case: &SamCase, g: &mut Gen) -> T {
    let count = case.resources.get(1 << 20).max(1);
    let uri = g.text(case.uri, 1 << 12);
    // One definition and one policy, repeated by value in every resource.
    let mut inner = Gen { left: g.left / 4 };
    let definition = asl(&case.definition, &mut inner);
    let policy_doc = policy(&case.policy, &mut inner);
    let unit = render_budget() / 4 - inner.left.min(render_budget() / 4) + 64;
    let mut resources = Vec::new();
    for i in 0..count {
        if !g.ok() && i > 0 {
            break;
        }
        let kind = if case.kinds.is_empty() { i as u8 } else { case.kinds[i % case.kinds.len()] };
        let (ty, props, cost) = match kind % 5 {
            0 => (
                "AWS::Serverless::StateMachine",
                o(vec![("Definition", definition.clone()), ("Policies", T::A(vec![policy_doc.clone()]))]),
                unit,
            ),
            1 => (
                "AWS::Serverless::Function",
                o(vec![
                    ("Handler", s("index.handler")),
                    ("Runtime", s("python3.12")),
                    (
                        "Policies",
                        T::A(vec![
                            s("AWSLambdaBasicExecutionRole"),
                            o(vec![("S3ReadPolicy", o(vec![("BucketName", s("b"))]))]),
                            o(vec![("Statement", T::A(vec![o(vec![("Effect", s("Allow")), ("Action", s("*")), ("Resource", s("*"))])]))]),
                        ]),
                    ),
                ]),
                200,
            ),
            2 => (
                "AWS::Serverless::StateMachine",
                o(vec![("DefinitionUri", s(format!("{uri}{i}.asl.json"))), ("DefinitionSubstitutions", o(vec![("X", s("y"))]))]),
                uri.len() + 100,
            ),
            3 => (
                "AWS::Serverless::StateMachine",
                o(vec![("Definition", T::Tag("If", Box::new(T::A(vec![s("C"), definition.clone(), o(vec![("StartAt", s("A"))])]))))]),
                unit,
            ),
            _ => ("AWS::SNS::Topic", o(vec![]), 40),
        };
        g.spend(cost);
        resources.push((format!("R{i}"), o(vec![("Type", s(ty)), ("Properties", props)])));
    }
    let mut doc = vec![
        ("AWSTemplateFormatVersion".to_string(), s("2010-09-09")),
        ("Transform".to_string(), s("AWS::Serverless-2016-10-31")),
        ("Conditions".to_string(), o(vec![("C", T::Tag("Equals", Box::new(T::A(vec![s("a"), s("b")]))))])),
    ];
    if case.globals {
        doc.push(("Globals".to_string(), o(vec![("Function", o(vec![("Timeout", T::N(3))]))])));
    }
    doc.push(("Resources".to_string(), T::O(resources)));
    T::O(doc)
}

fn plan_doc(case: &PlanCase, g: &mut Gen) -> T {
    let count = case.resources.get(1 << 20).max(1);
    let address = g.text(case.address, 1 << 12);
    let mut inner = Gen { left: g.left / 4 };
    let policy_text = render_json(&policy(&case.policy, &mut inner), false, render_budget());
    let definition_text = render_json(&asl(&case.definition, &mut inner), true, render_budget());
    let mut resources = Vec::new();
    let mut changes = Vec::new();
    for i in 0..count {
        if !g.ok() && i > 0 {
            break;
        }
        let kind = if case.kinds.is_empty() { i as u8 } else { case.kinds[i % case.kinds.len()] };
        let (ty, values, cost) = match kind % 5 {
            0 => ("aws_iam_policy", o(vec![("name", s("p")), ("policy", s(policy_text.clone()))]), policy_text.len()),
            1 => ("aws_sfn_state_machine", o(vec![("name", s("m")), ("definition", s(definition_text.clone()))]), definition_text.len()),
            2 => (
                "aws_iam_role",
                o(vec![
                    ("assume_role_policy", s(policy_text.clone())),
                    ("inline_policy", T::A(vec![o(vec![("name", s("i")), ("policy", s(policy_text.clone()))])])),
                ]),
                policy_text.len() * 2,
            ),
            3 => ("aws_s3_bucket_policy", o(vec![("bucket", s("b")), ("policy", s(policy_text.clone()))]), policy_text.len()),
            // Unknown at plan time.
            _ => ("aws_iam_role_policy", o(vec![("name", s("u"))]), 40),
        };
        g.spend(cost + address.len() + 80);
        let addr = format!("{ty}.{address}{i}");
        resources.push(o(vec![
            ("address", s(addr.clone())),
            ("mode", s("managed")),
            ("type", s(ty)),
            ("name", s(format!("{address}{i}"))),
            ("values", values.clone()),
        ]));
        if case.resource_changes {
            let mut change = vec![("actions", T::A(vec![s("create")])), ("before", T::Null), ("after", values)];
            if case.unknown {
                change.push(("after_unknown", o(vec![("policy", T::B(true)), ("definition", T::B(true))])));
            }
            changes.push(o(vec![("address", s(addr)), ("mode", s("managed")), ("type", s(ty)), ("change", o(change))]));
        }
    }
    // Resources spread over nested child modules.
    let depth = usize::from(case.child_depth % 40);
    let mut module = o(vec![("address", s(format!("module.m{depth}"))), ("resources", T::A(Vec::new()))]);
    let chunk = resources.len() / (depth + 1);
    for d in (0..depth).rev() {
        let mine: Vec<T> = resources.drain(resources.len().saturating_sub(chunk)..).collect();
        module = o(vec![("address", s(format!("module.m{d}"))), ("resources", T::A(mine)), ("child_modules", T::A(vec![module]))]);
    }
    let root = o(vec![("resources", T::A(resources)), ("child_modules", T::A(vec![module]))]);
    let mut doc = vec![
        ("format_version".to_string(), s("1.2")),
        ("terraform_version".to_string(), s("1.9.0")),
        ("planned_values".to_string(), o(vec![("root_module", root.clone())])),
    ];
    if case.resource_changes {
        doc.push(("resource_changes".to_string(), T::A(changes)));
    }
    if case.prior_state {
        doc.push(("prior_state".to_string(), o(vec![("values", o(vec![("root_module", root)]))])));
    }
    T::O(doc)
}

// ---------------------------------------------------------------------------------------------
// The target.

fn render_case(case: &Case) -> (String, &'static str) {
    let mut g = Gen { left: render_budget() };
    let yaml = case.yaml;
    let (tree, what) = match &case.doc {
        Doc::Join(c) => (join_doc(c, yaml, &mut g), "join"),
        Doc::Anchors(c) => (anchors_doc(c, yaml, &mut g), "anchors"),
        Doc::Asl(c) => (asl(c, &mut g), "asl"),
        Doc::Iam(c) => (iam_doc(c, &mut g), "iam"),
        Doc::Stream(c) => return (stream_doc(c, &mut g), "stream"),
        Doc::Sam(c) => (sam_doc(c, &mut g), "sam"),
        Doc::Plan(c) => (plan_doc(c, &mut g), "plan"),
    };
    let text = if yaml { render_yaml(&tree, render_budget()) } else { render_json(&tree, case.sniffed, render_budget()) };
    (text, what)
}

fuzz_target!(|case: Case| {
    thread_local! {
        static REGISTRY: Registry = Registry::load(&[] as &[PathBuf]).expect("bundled rules load");
    }
    // `HOSTILE_RAW=<file>`: that file's text instead of the generated one, under the same
    // bounds (to check a document made by hand; run with any input).
    let (text, what) = match std::env::var_os("HOSTILE_RAW") {
        Some(path) => (std::fs::read_to_string(path).expect("HOSTILE_RAW names a readable text file"), "raw"),
        None => render_case(&case),
    };
    let yaml = case.yaml || matches!(case.doc, Doc::Stream(_));
    let name = if case.sniffed {
        "t.template"
    } else if yaml {
        "t.yaml"
    } else {
        "t.json"
    };
    if let Some(path) = std::env::var_os("HOSTILE_DUMP") {
        let _ = std::fs::write(path, &text);
    }
    let len = text.len();
    REGISTRY.with(|registry| {
        let active: HashMap<String, _> = registry.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect();
        let roots = vec![PathBuf::from("/nonexistent-fuzz-root")];
        let ctx = RunContext::new(registry, &active, &roots);

        let bytes = text.into_bytes();
        let (outcome, peak, elapsed) = measured(|| check_bytes(PathBuf::from(name), bytes, true, &ctx));

        let notes = outcome.findings.iter().filter(|f| &*f.rule == TOO_MANY_FINDINGS).count();
        let kept = outcome.findings.len() - notes;
        let summary = format!(
            "{what} {name}, {len} bytes, {} findings ({notes} notes), peak {} KiB, {:?}",
            outcome.findings.len(),
            peak >> 10,
            elapsed
        );
        if std::env::var_os("HOSTILE_VERBOSE").is_some() {
            let mut described = format!("{case:?}");
            described.truncate(2_000);
            eprintln!("hostile: {summary}\nhostile: case {described}");
        }

        if let Some(path) = std::env::var_os("HOSTILE_STATS") {
            // One line per case, before the assertions (a failing case is logged too).
            use std::io::Write as _;
            if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                let _ = writeln!(file, "{what}\t{name}\t{len}\t{}\t{notes}\t{peak}\t{}", outcome.findings.len(), elapsed.as_nanos());
            }
        }
        let byte_bound = BASE_BYTES + BYTES_PER_BYTE * len;
        assert!(peak <= byte_bound, "check_bytes took {peak} bytes at its peak, over {byte_bound}: {summary}");
        let time_bound = (BASE_TIME + Duration::from_nanos(NANOS_PER_BYTE * len as u64)).mul_f64(time_scale());
        assert!(elapsed <= time_bound, "check_bytes took {elapsed:?}, over {time_bound:?}: {summary}");
        assert!(kept <= MAX_FINDINGS && notes <= registry.rules.len(), "too many findings: {summary}");
        for finding in &outcome.findings {
            // A large file's findings keep an excerpt of it (`text` is then empty).
            assert!(finding.span.end() <= finding.source.len(), "{} {:?} {:?}", finding.rule, finding.span, finding.locator);
        }

        // The human report of these findings, under the same bounds.
        let mut findings = outcome.findings;
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let artifacts = outcome.artifacts;
        let files = [PathBuf::from(name)];
        let mut rules: Vec<_> = registry.rules.iter().map(|r| &r.meta).collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let report = deploylint::report::Report { findings: &findings, rules, files: &files, color: false, elapsed_ms: 0, artifacts };
        let mut written = Counter(0);
        let (result, report_peak, report_elapsed) = measured(|| report.render_to(deploylint::report::Format::Human, &mut written));
        assert!(result.is_ok());
        assert!(written.0 > 0);
        if let Some(path) = std::env::var_os("HOSTILE_STATS") {
            use std::io::Write as _;
            if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                let _ = writeln!(file, "report\t{name}\t{len}\t{}\t{report_peak}\t{}", written.0, report_elapsed.as_nanos());
            }
        }
        let summary = format!("{summary}; report {} bytes, peak {} KiB, {report_elapsed:?}", written.0, report_peak >> 10);
        assert!(report_peak <= byte_bound, "the human report took {report_peak} bytes at its peak, over {byte_bound}: {summary}");
        assert!(report_elapsed <= time_bound, "the human report took {report_elapsed:?}, over {time_bound:?}: {summary}");

        if len >= 64 << 10 {
            record_worst(&WORST_BYTES_RATIO, peak as f64 / len as f64, "peak bytes per input byte", &summary);
            record_worst(&WORST_NANOS_RATIO, elapsed.as_nanos() as f64 / len as f64, "check ns per input byte", &summary);
            record_worst(&WORST_REPORT_NANOS_RATIO, report_elapsed.as_nanos() as f64 / len as f64, "report ns per input byte", &summary);
        }
        let runs = RUNS.fetch_add(1, Relaxed) + 1;
        if runs.is_power_of_two() && runs >= 1024 {
            eprintln!("hostile: {runs} runs in this process");
        }
    });
});

/// Counts the report's bytes without keeping them.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
