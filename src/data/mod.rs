//! Knowledge as data: facts about AWS that change with it (the fields of the States Language,
//! service integrations, quotas), in files under data/ with their sources named, embedded at
//! build time. Each user of a file parses it on first use, so a run that needs none pays nothing.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/data_files.rs"));
}

/// A knowledge file, by its path under data/ (`asl/fields.yaml`), as JSON (build.rs converts
/// the YAML once): parse it with serde_json.
#[must_use]
pub fn json(path: &str) -> Option<&'static str> {
    embedded::DATA_FILES.iter().find(|(p, _, _)| *p == path).map(|(_, _, json)| *json)
}

/// Every knowledge file: (path under data/, YAML text, JSON).
#[must_use]
pub fn files() -> &'static [(&'static str, &'static str, &'static str)] {
    embedded::DATA_FILES
}

pub mod cfn;
pub mod condition_keys;
pub mod iam;
pub mod managed;
pub mod privesc;
pub mod quotas;
pub mod sam;
pub mod sfn;
