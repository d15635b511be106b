//! Knowledge as data: facts about AWS that change with it (the fields of the States Language,
//! service integrations, quotas), in files under data/ with their sources named, embedded at
//! build time. Each user of a file parses it on first use, so a run that needs none pays nothing.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/data_files.rs"));
}

/// The text of a knowledge file, by its path under data/ (`asl/fields.yaml`).
#[must_use]
pub fn file(path: &str) -> Option<&'static str> {
    embedded::DATA_FILES.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

/// Every knowledge file: (path under data/, contents).
#[must_use]
pub fn files() -> &'static [(&'static str, &'static str)] {
    embedded::DATA_FILES
}
