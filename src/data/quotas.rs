//! Step Functions and Lambda quotas, and the retry facts the resilience rules read, from
//! `data/sfn/quotas.yaml` (its sources and the date they were read are named there). Parsed on
//! first use.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    pub definition_characters: usize,
    pub payload_bytes: usize,
    pub payload_share: f64,
    pub express_seconds: f64,
    pub standard_seconds: f64,
    pub history_events: usize,
    pub wait_seconds: f64,
    pub inline_map_concurrency: f64,
    pub distributed_map_concurrency: f64,
    pub lambda_account_concurrency: f64,
    pub lambda_transient_errors: Vec<String>,
    pub throttling_errors: Vec<String>,
}

/// The quotas (the embedded file always loads: a test checks it).
#[must_use]
pub fn quotas() -> &'static Quotas {
    static DATA: OnceLock<Quotas> = OnceLock::new();
    DATA.get_or_init(|| {
        super::json("sfn/quotas.yaml").and_then(|json| serde_json::from_str(json).ok()).unwrap_or_else(|| Quotas {
            definition_characters: 1_048_576,
            payload_bytes: 262_144,
            payload_share: 0.8,
            express_seconds: 300.0,
            standard_seconds: 31_536_000.0,
            history_events: 25_000,
            wait_seconds: 99_999_999.0,
            inline_map_concurrency: 40.0,
            distributed_map_concurrency: 10_000.0,
            lambda_account_concurrency: 1_000.0,
            lambda_transient_errors: Vec::new(),
            throttling_errors: Vec::new(),
        })
    })
}

impl Quotas {
    /// Whether an error name means throttling (`Lambda.TooManyRequestsException`,
    /// `DynamoDB.ThrottlingException`).
    #[must_use]
    pub fn is_throttling(&self, error: &str) -> bool {
        let lower = error.to_ascii_lowercase();
        self.throttling_errors.iter().any(|t| lower.contains(&t.to_ascii_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_file_loads() {
        let json = super::super::json("sfn/quotas.yaml").expect("embedded");
        let quotas: super::Quotas = serde_json::from_str(json).expect("data/sfn/quotas.yaml matches its schema");
        assert_eq!(quotas.lambda_transient_errors.len(), 4);
        assert!(quotas.is_throttling("Lambda.TooManyRequestsException"));
        assert!(!quotas.is_throttling("States.Timeout"));
    }
}
