//! Load: a path → its text and its parse tree; and the files a checked file names (a SAM
//! `DefinitionUri`, a `templatefile()` template, a Serverless `${file(…)}`, the other files of a
//! Terraform module), read only inside the checked tree and claimed for the run.
//!
//! This is the only stage that reads checked files: extraction and the model ask here, so the
//! `check` and `policy` commands read, decode and parse a file the same way, and a limit or a
//! containment rule is kept in one place.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::discover::{Resolved, display_path, io_message, resolve_inside};
use crate::finding::{Finding, Severity};
use crate::parse::{Parsed, parse_source};
use crate::rule::builtin;
use crate::source::{Source, Span, TextError};

/// Files larger than this are not read (a finding says so).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A file read, decoded and parsed.
pub struct Loaded {
    pub source: Arc<Source>,
    pub parsed: Parsed,
}

/// Why a file was not loaded.
#[derive(Debug)]
pub enum Failure {
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge(String),
    /// The file system refused: the error in words.
    Unreadable(String),
    /// Not text: the part before the first undecodable byte, and the error.
    NotText(Box<Source>, TextError),
}

impl Failure {
    /// The finding that stands for the file in a report.
    #[must_use]
    pub fn finding(self, path: PathBuf) -> Finding {
        match self {
            Failure::TooLarge(size) => at_start(path, builtin::PARSE_LIMIT, format!("the file is not checked: it is {size}")),
            Failure::Unreadable(why) => at_start(path, builtin::PARSE_IO, format!("cannot read the file: {why}")),
            Failure::NotText(prefix, error) => Finding::unreadable_text(&Arc::new(*prefix), &error),
        }
    }

    /// The failure in a sentence, for a command that stops on it.
    #[must_use]
    pub fn message(self) -> String {
        match self {
            Failure::TooLarge(size) => format!("it is {size}"),
            Failure::Unreadable(why) => why,
            Failure::NotText(prefix, error) => Finding::unreadable_text(&Arc::new(*prefix), &error).message,
        }
    }
}

fn at_start(path: PathBuf, rule: &str, message: String) -> Finding {
    let source = Arc::new(Source::new(path, String::new()));
    Finding::new(rule, Severity::Error, &source, Span::default(), message)
}

/// Reads, decodes and parses the file at `path`; reports name it by `display_path(path)`.
///
/// # Errors
/// When the file is too large, cannot be read, or is not text.
pub fn file(path: &Path) -> Result<Loaded, Failure> {
    let bytes = read_limited(path).map_err(|err| {
        if err.kind() == std::io::ErrorKind::FileTooLarge {
            Failure::TooLarge(err.to_string())
        } else {
            Failure::Unreadable(io_message(&err))
        }
    })?;
    bytes_as(display_path(path), bytes)
}

/// Decodes and parses `bytes`, the contents of a file reports name `path`.
///
/// # Errors
/// When the bytes are not text.
pub fn bytes_as(path: PathBuf, bytes: Vec<u8>) -> Result<Loaded, Failure> {
    let source = Source::from_bytes(path, bytes).map_err(|(prefix, error)| Failure::NotText(Box::new(prefix), error))?;
    Ok(source_of(Arc::new(source)))
}

/// Parses a source already read.
#[must_use]
pub fn source_of(source: Arc<Source>) -> Loaded {
    let parsed = parse_source(&source);
    Loaded { source, parsed }
}

/// The size a file will take, before it is read (a pipe has none: it may be as large as any).
#[must_use]
pub fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file).map_or(MAX_FILE_BYTES, |m| m.len())
}

/// Reads a file, refusing ones over [`MAX_FILE_BYTES`].
///
/// # Errors
/// The file system's, or [`std::io::ErrorKind::FileTooLarge`].
pub fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    // Sized from the metadata: grown by doubling, the buffers of a run's files (kept for the
    // report) took a sixth more than the files.
    let hint = file.metadata().map_or(0, |m| m.len()).min(MAX_FILE_BYTES);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024)));
    }
    Ok(bytes)
}

/// A file another one names and reads for its documents (a SAM `DefinitionUri`, a Terraform
/// `templatefile()`, a Serverless `${file(…)}`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// The canonical path (inside the roots): the identity of the file in this run.
    pub canonical: PathBuf,
    /// The path as reports name it (relative to the working directory).
    pub display: PathBuf,
}

/// Why a file a checked file names was not read.
pub enum Unread {
    /// Outside the checked tree: nothing is said about it.
    Outside,
    /// Missing, not a regular file, unreadable or not text: the finding, at the reference.
    Problem(Box<Finding>),
}

/// The files one checked file may name: those inside the run's roots. What it reads is claimed
/// (checked here, with what the naming file says of it, and not again on its own).
pub struct Named<'r> {
    pub roots: &'r [PathBuf],
    claimed: RefCell<Vec<Reference>>,
}

impl<'r> Named<'r> {
    #[must_use]
    pub fn new(roots: &'r [PathBuf]) -> Self {
        Self { roots, claimed: RefCell::default() }
    }

    /// Finds the file that `at` (a source and the place in it that names the file) names by a
    /// path relative to its folder, if it lies inside the roots.
    ///
    /// # Errors
    /// [`Unread::Outside`] outside the roots; a finding at `at` when it is missing or no file.
    pub fn find(&self, relative: &str, (source, span): (&Arc<Source>, Span)) -> Result<Reference, Unread> {
        let dir = folder(&source.path);
        let shown = crate::finding::shortened(relative, 200).into_owned();
        let problem = |message: String| Unread::Problem(Box::new(Finding::new(builtin::PARSE_IO, Severity::Error, source, span, message)));
        let canonical = match resolve_inside(dir, Path::new(relative), self.roots) {
            Resolved::Inside(canonical) if std::fs::metadata(&canonical).is_ok_and(|m| m.is_file()) => canonical,
            Resolved::Inside(_) => return Err(problem(format!("`{shown}` is not a regular file"))),
            Resolved::Outside => return Err(Unread::Outside),
            Resolved::Missing => return Err(problem(format!("`{shown}` does not exist"))),
            Resolved::Unreadable(err) => return Err(problem(format!("cannot read `{shown}`: {}", io_message(&err)))),
        };
        Ok(Reference { canonical, display: display_path(&dir.join(relative)) })
    }

    /// Reads a file [`Named::find`] found, and claims it.
    ///
    /// # Errors
    /// A finding at `at` when it cannot be read, at the file when it is not text.
    pub fn read(&self, found: Reference, (source, span): (&Arc<Source>, Span)) -> Result<Arc<Source>, Unread> {
        let shown = crate::finding::shortened(&found.display.display().to_string(), 200).into_owned();
        let read = match read_limited(&found.canonical).map(|bytes| Source::from_bytes(found.display.clone(), bytes)) {
            Ok(Ok(read)) => Arc::new(read),
            Ok(Err((prefix, err))) => return Err(Unread::Problem(Box::new(Finding::unreadable_text(&Arc::new(prefix), &err)))),
            Err(err) => {
                let message = format!("cannot read `{shown}`: {}", io_message(&err));
                return Err(Unread::Problem(Box::new(Finding::new(builtin::PARSE_IO, Severity::Error, source, span, message))));
            }
        };
        self.claimed.borrow_mut().push(found);
        Ok(read)
    }

    /// [`Named::read`], then parsed.
    ///
    /// # Errors
    /// As [`Named::read`].
    pub fn load(&self, found: Reference, at: (&Arc<Source>, Span)) -> Result<Loaded, Unread> {
        self.read(found, at).map(source_of)
    }

    /// [`Named::find`], then [`Named::read`].
    ///
    /// # Errors
    /// As theirs.
    pub fn read_named(&self, relative: &str, at: (&Arc<Source>, Span)) -> Result<Arc<Source>, Unread> {
        self.read(self.find(relative, at)?, at)
    }

    /// How many files are claimed so far: a mark to [`Named::unclaim_after`].
    #[must_use]
    pub fn mark(&self) -> usize {
        self.claimed.borrow().len()
    }

    /// Gives back what was claimed after `mark` (a file read only to be checked elsewhere).
    pub fn unclaim_after(&self, mark: usize) {
        self.claimed.borrow_mut().truncate(mark);
    }

    /// Claims what another file's extraction claimed.
    pub fn claim_all(&self, other: Named<'_>) {
        self.claimed.borrow_mut().extend(other.into_claimed());
    }

    /// The files claimed.
    #[must_use]
    pub fn into_claimed(self) -> Vec<Reference> {
        self.claimed.into_inner()
    }
}

/// The folder of a file as a path to read from (`.` for a bare file name).
#[must_use]
pub fn folder(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The files of `dir` inside `roots` whose names `keep` accepts, in the order of their names,
/// each read as it is reached (those that cannot be read or are not text are left out: they
/// are reported where they are checked).
pub fn folder_files<'a>(dir: &'a Path, roots: &'a [PathBuf], keep: impl Fn(&str) -> bool) -> impl Iterator<Item = Arc<Source>> + 'a {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| keep(n)).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names.into_iter().filter_map(move |name| {
        let Resolved::Inside(path) = resolve_inside(dir, Path::new(&name), roots) else { return None };
        let bytes = read_limited(&path).ok()?;
        Source::from_bytes(display_path(&dir.join(&name)), bytes).ok().map(Arc::new)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A scratch folder of its own for each test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("deploylint-load-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tree")).unwrap();
        dir
    }

    #[test]
    fn named_files_are_read_inside_the_roots_only_and_claimed() {
        let dir = scratch("named");
        let tree = dir.join("tree");
        std::fs::write(tree.join("a.json"), "{}").unwrap();
        std::fs::write(dir.join("secret.json"), "{}").unwrap();
        let roots = [tree.canonicalize().unwrap()];
        let named = Named::new(&roots);
        let naming = Arc::new(Source::new(tree.join("template.yaml"), "DefinitionUri: a.json".into()));
        let at = (&naming, Span::new(15, 21));
        assert!(matches!(named.find("../secret.json", at), Err(Unread::Outside)));
        match named.find("missing.json", at) {
            Err(Unread::Problem(finding)) => {
                assert_eq!(finding.span, Span::new(15, 21));
                assert!(finding.message.contains("does not exist"), "{}", finding.message);
            }
            _ => panic!("a missing file is a finding at the reference"),
        }
        let mark = named.mark();
        let loaded = named.load(named.find("a.json", at).ok().unwrap(), at).ok().unwrap();
        assert_eq!(loaded.parsed.documents.len(), 1);
        assert_eq!(named.mark(), mark + 1);
        named.unclaim_after(mark);
        assert!(named.into_claimed().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_is_read_without_leaving_the_roots() {
        let dir = scratch("folder");
        let tree = dir.join("tree");
        std::fs::write(tree.join("b.tf"), "locals {}").unwrap();
        std::fs::write(tree.join("a.tf"), "locals {}").unwrap();
        std::fs::write(tree.join("c.txt"), "").unwrap();
        std::fs::write(dir.join("outside.tf"), "locals {}").unwrap();
        std::os::unix::fs::symlink(dir.join("outside.tf"), tree.join("link.tf")).unwrap();
        let roots = [tree.canonicalize().unwrap()];
        let names: Vec<String> = folder_files(&tree, &roots, |n| Path::new(n).extension().is_some_and(|e| e == "tf"))
            .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.tf", "b.tf"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Roots are resolved once per run; given as they are (relative, through a link), they
    /// confine the same files.
    #[cfg(unix)]
    #[test]
    fn roots_resolved_once_confine_as_given_ones_do() {
        let dir = scratch("roots");
        let tree = dir.join("tree");
        std::fs::create_dir_all(tree.join("sub")).unwrap();
        std::fs::write(tree.join("sub/a.json"), "{}").unwrap();
        std::fs::write(dir.join("secret.json"), "{}").unwrap();
        std::os::unix::fs::symlink(&tree, dir.join("link")).unwrap();
        let canonical = tree.canonicalize().unwrap();
        let given = [dir.join("link"), tree.join("sub"), tree.join("missing"), dir.join("link/./sub")];
        assert_eq!(crate::discover::canonical_roots(&given), std::slice::from_ref(&canonical));
        for roots in [given.to_vec(), crate::discover::canonical_roots(&given)] {
            let inside = crate::discover::resolve_inside(&tree.join("sub"), Path::new("a.json"), &roots);
            assert!(matches!(inside, Resolved::Inside(p) if p == canonical.join("sub/a.json")), "{roots:?}");
            let outside = crate::discover::resolve_inside(&tree.join("sub"), Path::new("../../secret.json"), &roots);
            assert!(matches!(outside, Resolved::Outside), "{roots:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failure_is_a_finding_at_the_start_of_the_file() {
        let missing = file(Path::new("/nonexistent/deploylint/x.json")).err().unwrap();
        let finding = missing.finding(PathBuf::from("x.json"));
        assert_eq!(&*finding.rule, builtin::PARSE_IO);
        assert_eq!(finding.span, Span::default());
        let binary = bytes_as(PathBuf::from("b.json"), b"{\0}".to_vec()).err().unwrap();
        assert!(binary.message().contains("binary"));
    }
}
