//! Discovery: the paths a user names → the files to check.
//!
//! Directories are walked gitignore-aware (ignore crate: `.gitignore`, `.ignore`, hidden files
//! skipped), keeping `.json`, `.yaml`, `.yml` and `.template` files that pass the include and
//! exclude globs. A file named explicitly is always checked. Symbolic links are not followed,
//! so a walk never leaves the roots it was given.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Files larger than this are not read (a finding says so).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

const EXTENSIONS: [&str; 4] = ["json", "yaml", "yml", "template"];

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line (always checked, never skipped silently).
    pub explicit: bool,
}

/// A path that could not be walked.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Filters {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl Filters {
    /// Builds include/exclude matchers; an invalid glob is an error naming it.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, String> {
        let build = |globs: &[String]| -> Result<Option<GlobSet>, String> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut builder = GlobSetBuilder::new();
            for g in globs {
                builder.add(Glob::new(g).map_err(|e| format!("invalid glob `{g}`: {e}"))?);
                // `dir/**` style globs should also match the directory's files when written `dir`.
                if !g.contains('*') && !g.contains('?') {
                    builder.add(Glob::new(&format!("{}/**", g.trim_end_matches('/'))).map_err(|e| e.to_string())?);
                }
            }
            builder.build().map(Some).map_err(|e| e.to_string())
        };
        Ok(Self { include: build(include)?, exclude: build(exclude)? })
    }

    fn keeps(&self, relative: &Path) -> bool {
        let relative = relative.strip_prefix("./").unwrap_or(relative);
        self.include.as_ref().is_none_or(|g| g.is_match(relative)) && !self.exclude.as_ref().is_some_and(|g| g.is_match(relative))
    }
}

/// Walks the roots. Results are sorted and without duplicates.
#[must_use]
pub fn discover(roots: &[PathBuf], filters: &Filters) -> (Vec<Candidate>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        match std::fs::metadata(root) {
            Err(err) => errors.push(WalkError { path: root.clone(), message: err.to_string() }),
            // Anything named that is not a directory is read: a file, `/dev/stdin`, a pipe.
            Ok(meta) if !meta.is_dir() => files.push(Candidate { path: root.clone(), explicit: true }),
            Ok(_) => walk(root, filters, &mut files, &mut errors),
        }
    }
    for file in &mut files {
        file.path = file.path.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
    }
    files.sort();
    files.dedup_by(|a, b| {
        if a.path == b.path {
            b.explicit |= a.explicit;
            true
        } else {
            false
        }
    });
    (files, errors)
}

fn walk(root: &Path, filters: &Filters, files: &mut Vec<Candidate>, errors: &mut Vec<WalkError>) {
    let walker = ignore::WalkBuilder::new(root).follow_links(false).require_git(false).build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let path = entry.path();
                let wanted =
                    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
                let relative = path.strip_prefix(root).unwrap_or(path);
                if wanted && filters.keeps(relative) {
                    files.push(Candidate { path: path.to_path_buf(), explicit: false });
                }
            }
            Err(err) => errors.push(WalkError { path: root.to_path_buf(), message: err.to_string() }),
        }
    }
}

/// Reads a file, refusing ones over [`MAX_FILE_BYTES`].
pub fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024)));
    }
    Ok(bytes)
}

/// Reads a file another file refers to: only a regular file (a FIFO would block the run).
pub fn read_referenced(path: &Path) -> std::io::Result<Vec<u8>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    read_limited(path)
}

/// A path as reports show it: relative to the working directory when it lies below it.
#[must_use]
pub fn display_path(path: &Path) -> PathBuf {
    let mut cleaned = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if matches!(cleaned.components().next_back(), Some(std::path::Component::Normal(_))) => {
                cleaned.pop();
            }
            other => cleaned.push(other),
        }
    }
    if cleaned.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = cleaned.strip_prefix(&cwd)
    {
        return rel.to_path_buf();
    }
    cleaned
}
