//! What a state's `Retry` does, for the resilience rules (`asl/task-retry`,
//! `asl/retry-backoff`, `asl/retry-order`, the Map and Express rules): each retrier's errors and
//! numbers with the States Language defaults, which errors the list retries, and how long a
//! retrier may wait in all.

use crate::model::asl::State;
use crate::parse::{Node, Value};

/// One entry of `Retry`.
pub struct Retrier<'n> {
    pub index: usize,
    pub node: &'n Node,
    /// The `ErrorEquals` names (strings only).
    pub errors: Vec<&'n str>,
    pub max_attempts: f64,
    pub interval: f64,
    pub backoff: f64,
    pub max_delay: Option<f64>,
    pub jitter: bool,
    /// A field is given by a value this check cannot read (a JSONata expression, a
    /// placeholder): what the retrier does is not judged.
    pub unknown: bool,
}

fn number(node: &Node, key: &str, default: f64) -> (f64, bool) {
    match node.get(key).map(|n| &n.value) {
        None => (default, false),
        Some(Value::Number(n)) => (*n, false),
        Some(_) => (default, true),
    }
}

/// The entries of a state's `Retry` (none when it has none or it is not a list).
#[must_use]
pub fn of<'n>(state: &State<'n>) -> Vec<Retrier<'n>> {
    let Some(list) = state.node.get("Retry").and_then(Node::as_array) else { return Vec::new() };
    list.iter().enumerate().filter(|(_, r)| r.as_object().is_some()).map(|(index, node)| Retrier::read(index, node)).collect()
}

impl<'n> Retrier<'n> {
    /// The retrier at `index` of a `Retry` list.
    #[must_use]
    pub fn read(index: usize, node: &'n Node) -> Self {
        let names = node.get("ErrorEquals").and_then(Node::as_array).unwrap_or(&[]);
        let errors: Vec<&str> = names.iter().filter_map(Node::as_str).collect();
        let (max_attempts, a) = number(node, "MaxAttempts", 3.0);
        let (interval, b) = number(node, "IntervalSeconds", 1.0);
        let (backoff, c) = number(node, "BackoffRate", 2.0);
        let max_delay = node.get("MaxDelaySeconds").and_then(Node::as_f64);
        let jitter = node.get_str("JitterStrategy") == Some("FULL");
        let unreadable_names = errors.len() != names.len() || errors.iter().any(|e| super::is_placeholder(e));
        Retrier { index, node, errors, max_attempts, interval, backoff, max_delay, jitter, unknown: a || b || c || unreadable_names }
    }
}

impl Retrier<'_> {
    /// Whether it retries at all (`MaxAttempts: 0` never does).
    #[must_use]
    pub fn retries(&self) -> bool {
        self.max_attempts > 0.0
    }

    /// Whether it matches `error` (by name, or through `States.ALL`; `States.TaskFailed`
    /// matches every error but `States.Timeout`).
    #[must_use]
    pub fn matches(&self, error: &str) -> bool {
        self.errors.iter().any(|e| *e == error || *e == "States.ALL" || (*e == "States.TaskFailed" && error != "States.Timeout"))
    }

    /// The longest it may wait between attempts in all: `IntervalSeconds × BackoffRate^k`
    /// for each retry, each capped by `MaxDelaySeconds`.
    #[must_use]
    pub fn worst_wait(&self) -> f64 {
        let mut total = 0.0;
        let mut delay = self.interval;
        // `MaxAttempts` is at most 99,999,999: past a few thousand retries the sum is far
        // beyond any limit checked, so stop counting there.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let attempts = self.max_attempts.clamp(0.0, 10_000.0) as u32;
        for _ in 0..attempts {
            total += self.max_delay.map_or(delay, |m| delay.min(m));
            delay *= self.backoff;
            if !total.is_finite() || total > 1e12 {
                return f64::INFINITY;
            }
        }
        total
    }
}

/// The retriers that may match at all: those up to the first for `States.TaskFailed` (the
/// ones after it never match what it matches, `asl/retry-order`'s finding).
pub fn reachable<'r, 'n>(retriers: &'r [Retrier<'n>]) -> impl Iterator<Item = &'r Retrier<'n>> {
    let last = retriers.iter().position(|r| r.errors.contains(&"States.TaskFailed")).unwrap_or(usize::MAX);
    retriers.iter().take(last.saturating_add(1))
}

/// Whether some retrier that retries matches `error`.
#[must_use]
pub fn retried(retriers: &[Retrier<'_>], error: &str) -> bool {
    retriers.iter().any(|r| r.retries() && r.matches(error))
}

/// Whether a Task invokes a Lambda function: `lambda:invoke` (any pattern) or a function's ARN
/// as its `Resource`.
#[must_use]
pub fn is_lambda(state: &State<'_>) -> bool {
    state.node.get_str("Resource").is_some_and(|r| crate::model::asl::Invocation::of(r).is_lambda())
}

/// A number of seconds in words (`90 s`, `2.5 hours`, `62 days`).
#[must_use]
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "longer than any quota".into();
    }
    let round = |v: f64| {
        let r = (v * 10.0).round() / 10.0;
        if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
    };
    match seconds {
        s if s < 120.0 => format!("{} s", round(s)),
        s if s < 7200.0 => format!("{} minutes", round(s / 60.0)),
        s if s < 172_800.0 => format!("{} hours", round(s / 3600.0)),
        s => format!("{} days", round(s / 86_400.0)),
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn wait(text: &str) -> f64 {
        let (node, _) = crate::parse::json::parse(text, 0, crate::parse::json::Options::default()).unwrap();
        Retrier::read(0, &node).worst_wait()
    }

    #[test]
    fn worst_wait_follows_backoff_and_the_cap() {
        assert_eq!(wait("{}"), 1.0 + 2.0 + 4.0);
        // A real sample: five retries from 20 s, rate 10.
        assert_eq!(wait(r#"{"IntervalSeconds": 20, "MaxAttempts": 5, "BackoffRate": 10}"#), 222_220.0);
        assert_eq!(wait(r#"{"IntervalSeconds": 20, "MaxAttempts": 5, "BackoffRate": 10, "MaxDelaySeconds": 60}"#), 20.0 + 60.0 * 4.0);
        assert!(wait(r#"{"MaxAttempts": 99999999, "BackoffRate": 2}"#).is_infinite());
        assert_eq!(wait(r#"{"MaxAttempts": 0}"#), 0.0);
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(30.0), "30 s");
        assert_eq!(duration(222_220.0), "2.6 days");
        assert_eq!(duration(5400.0), "90 minutes");
    }
}
