//! Discovery: the paths a user names → the files to check.
//!
//! Directories are walked gitignore-aware (ignore crate: `.gitignore`, `.ignore`, hidden files
//! skipped), keeping `.json`, `.yaml`, `.yml`, `.template` and `.tf` files and Terraform templates
//! (`*.tftpl`, `*.json.tpl`) that pass the include and
//! exclude globs. A file named explicitly is always checked. Symbolic links are not followed,
//! so a walk never leaves the roots it was given.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

const EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "template", "tf"];

/// Whether a walk reads the file: by its extension, or as a Terraform template that renders
/// JSON (`*.tftpl`, `*.json.tpl`).
fn wanted(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        || path.file_name().and_then(|n| n.to_str()).is_some_and(crate::parse::is_template_name)
}

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
    /// A directory or file that could not be read (a finding), not a problem with an ignore
    /// file (a warning).
    pub io: bool,
}

#[derive(Debug, Default)]
pub struct Filters {
    /// The command line's globs, relative to each directory given.
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// The configuration's globs, relative to its folder (canonical), whichever directory is
    /// given: `exclude = ["generated/**"]` holds for `deploylint check generated` too.
    anchored: Option<(PathBuf, Option<GlobSet>, Option<GlobSet>)>,
    /// `--force-exclude`: files named on the command line are filtered too, with globs
    /// relative to this folder (the configuration file's), and read as in a walk: only the
    /// extensions deploylint reads, and a file that is none of its business is skipped.
    force_base: Option<PathBuf>,
}

impl Filters {
    /// Builds include/exclude matchers; an invalid glob is an error naming it.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, String> {
        Ok(Self { include: globs(include)?, exclude: globs(exclude)?, anchored: None, force_base: None })
    }

    /// Adds the configuration's globs, relative to its folder `base`.
    pub fn anchored(mut self, base: &Path, include: &[String], exclude: &[String]) -> Result<Self, String> {
        if include.is_empty() && exclude.is_empty() {
            return Ok(self);
        }
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        self.anchored = Some((base, globs(include)?, globs(exclude)?));
        Ok(self)
    }

    /// Applies the filters to named files as well (see [`Filters::force_base`]).
    #[must_use]
    pub fn force_exclude(mut self, base: PathBuf) -> Self {
        self.force_base = Some(base);
        self
    }

    /// Whether a named file is checked, and as an explicit file; `None` when it is filtered out.
    fn named(&self, path: &Path) -> Option<bool> {
        let Some(base) = &self.force_base else { return Some(true) };
        let wanted = wanted(path);
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.clone());
        let relative = absolute.strip_prefix(&base).map_or_else(|_| path.to_path_buf(), Path::to_path_buf);
        (wanted && self.keeps(&relative, Some(&absolute))).then_some(false)
    }

    /// Whether a file is kept: `relative` to the directory given (or, for a named file, to the
    /// configuration's folder), `absolute` where known (for the configuration's globs).
    fn keeps(&self, relative: &Path, absolute: Option<&Path>) -> bool {
        let relative = relative.strip_prefix("./").unwrap_or(relative);
        let pass = |include: &Option<GlobSet>, exclude: &Option<GlobSet>, path: &Path| {
            include.as_ref().is_none_or(|g| g.is_match(path)) && !exclude.as_ref().is_some_and(|g| g.is_match(path))
        };
        if !pass(&self.include, &self.exclude, relative) {
            return false;
        }
        let Some((base, include, exclude)) = &self.anchored else { return true };
        let anchored = absolute.and_then(|a| a.strip_prefix(base).ok()).unwrap_or(relative);
        pass(include, exclude, anchored)
    }
}

/// A glob set; `./x` and `/x` mean `x` (globs are relative to their folder anyway). An invalid
/// glob is an error naming it.
fn globs(globs: &[String]) -> Result<Option<GlobSet>, String> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let g = g.strip_prefix("./").or_else(|| g.strip_prefix('/')).unwrap_or(g);
        builder.add(Glob::new(g).map_err(|e| format!("invalid glob `{g}`: {e}"))?);
        // `dir/**` style globs should also match the directory's files when written `dir`.
        if !g.contains('*') && !g.contains('?') {
            builder.add(Glob::new(&format!("{}/**", g.trim_end_matches('/'))).map_err(|e| e.to_string())?);
        }
    }
    builder.build().map(Some).map_err(|e| e.to_string())
}

/// Files a walk saw and did not read, by kind: what the summary names when nothing was checked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Terraform variables and settings (`.tfvars`, `.hcl`), read with a folder's `.tf` files.
    pub terraform: Vec<PathBuf>,
    /// Templates other than `*.tftpl` and `*.json.tpl` (`user_data.tpl`).
    pub templates: Vec<PathBuf>,
    /// Anything else.
    pub other: usize,
}

impl Skipped {
    fn note(&mut self, path: &Path) {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("tfvars" | "hcl") => self.terraform.push(path.to_path_buf()),
            Some("tpl") => self.templates.push(path.to_path_buf()),
            _ => self.other += 1,
        }
    }
}

/// Walks the roots. Results are sorted and without duplicates.
#[must_use]
pub fn discover(roots: &[PathBuf], filters: &Filters) -> (Vec<Candidate>, Vec<WalkError>) {
    let (files, errors, _) = discover_all(roots, filters);
    (files, errors)
}

/// [`discover`], and the files the walks saw but do not read.
#[must_use]
pub fn discover_all(roots: &[PathBuf], filters: &Filters) -> (Vec<Candidate>, Vec<WalkError>, Skipped) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Skipped::default();
    for root in roots {
        match std::fs::metadata(root) {
            Err(err) => errors.push(WalkError { path: root.clone(), message: io_message(&err), io: true }),
            // Anything named that is not a directory is read: a file, `/dev/stdin`, a pipe.
            Ok(meta) if !meta.is_dir() => {
                if let Some(explicit) = filters.named(root) {
                    files.push(Candidate { path: root.clone(), explicit });
                }
            }
            Ok(_) => walk(root, filters, &mut files, &mut errors, &mut skipped),
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
    (files, errors, skipped)
}

fn walk(root: &Path, filters: &Filters, files: &mut Vec<Candidate>, errors: &mut Vec<WalkError>, skipped: &mut Skipped) {
    let root_absolute = filters.anchored.as_ref().and_then(|_| std::fs::canonicalize(root).ok());
    let walker = ignore::WalkBuilder::new(root).follow_links(false).require_git(false).build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let path = entry.path();
                let wanted = wanted(path);
                let relative = path.strip_prefix(root).unwrap_or(path);
                let absolute = root_absolute.as_ref().map(|r| r.join(relative));
                if wanted && filters.keeps(relative, absolute.as_deref()) {
                    files.push(Candidate { path: path.to_path_buf(), explicit: false });
                } else if !wanted {
                    skipped.note(path);
                }
            }
            Err(err) => {
                let path = error_path(&err).unwrap_or(root).to_path_buf();
                errors.push(WalkError { path, message: error_message(&err), io: err.io_error().is_some() });
            }
        }
    }
}

/// The path an `ignore` error is about, when it names one.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// An `ignore` error's message without the path it is about (reports put the path first).
fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_message(err),
        ignore::Error::Io(io) => io_message(io),
        other => other.to_string(),
    }
}

/// An I/O error in words, without the `(os error 13)` suffix.
#[must_use]
pub fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            }
        }
    }
}

/// Where a path named inside the tree (a SAM `DefinitionUri`) leads.
#[derive(Debug)]
pub enum Resolved {
    /// A file inside one of the roots: its canonical path.
    Inside(PathBuf),
    /// Outside every root, or through a link that cannot be followed: nothing is said about
    /// whether it exists, so a pull request cannot probe the runner's file system.
    Outside,
    Missing,
    Unreadable(std::io::Error),
}

/// `roots` resolved, without those that do not exist and those inside another: what a run
/// passes to [`resolve_inside`] for every file a checked file names (given 261 files, resolving
/// each one's folder on every call was a fifth of the run).
#[must_use]
pub fn canonical_roots(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    out.sort();
    out.dedup();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(out.len());
    for root in out {
        // Sorted by component, so what is inside a folder comes right after it.
        if kept.last().is_none_or(|k| !root.starts_with(k)) {
            kept.push(root);
        }
    }
    kept
}

/// Resolves `relative` from the directory `base` one component at a time, never looking at a
/// path outside `roots`: `..` that leaves them, or a symbolic link whose target lies outside,
/// ends the walk as [`Resolved::Outside`] before anything beyond is touched.
#[must_use]
pub fn resolve_inside(base: &Path, relative: &Path, roots: &[PathBuf]) -> Resolved {
    // `p` is canonical, so an absolute root it starts with is a canonical folder: no root
    // needs resolving for that (roots from [`canonical_roots`] always answer here). The others
    // are resolved only when that fails, once per call.
    let resolved: std::cell::OnceCell<Vec<PathBuf>> = std::cell::OnceCell::new();
    let inside = |p: &Path| {
        roots.iter().any(|r| r.is_absolute() && p.starts_with(r))
            || resolved.get_or_init(|| roots.iter().filter_map(|r| r.canonicalize().ok()).collect()).iter().any(|r| p.starts_with(r))
    };
    let Ok(mut current) = base.canonicalize() else { return Resolved::Outside };
    if !inside(&current) {
        return Resolved::Outside;
    }
    for component in relative.components() {
        match component {
            std::path::Component::CurDir => continue,
            std::path::Component::ParentDir => {
                current.pop();
            }
            std::path::Component::Normal(name) => {
                let next = current.join(name);
                match std::fs::symlink_metadata(&next) {
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Resolved::Missing,
                    Err(err) => return Resolved::Unreadable(err),
                    Ok(meta) if meta.file_type().is_symlink() => match next.canonicalize() {
                        Ok(target) => current = target,
                        Err(_) => return Resolved::Outside,
                    },
                    Ok(_) => current = next,
                }
            }
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return Resolved::Outside,
        }
        if !inside(&current) {
            return Resolved::Outside;
        }
    }
    Resolved::Inside(current)
}

/// Rule files larger than this are refused.
pub const MAX_RULE_FILE_BYTES: u64 = 1024 * 1024;

/// The `*.yaml`/`*.yml` files under a rules directory (which a pull request can contain),
/// confined as a walk is: a symbolic link is followed only to a target inside the directory,
/// and a link that loops or leads nowhere is an error. A file named directly is taken as it
/// is. [`read_rule_file`] then refuses special files and files over [`MAX_RULE_FILE_BYTES`].
#[must_use]
pub fn rule_files(dir: &Path) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let problem = |path: &Path, message: &str| WalkError { path: path.to_path_buf(), message: message.to_string(), io: true };
    let root = match dir.canonicalize() {
        Ok(root) => root,
        Err(err) => return (files, vec![problem(dir, &io_message(&err))]),
    };
    if std::fs::metadata(&root).is_ok_and(|m| !m.is_dir()) {
        return (vec![dir.to_path_buf()], errors);
    }
    let mut visited = std::collections::HashSet::new();
    let mut stack = vec![(dir.to_path_buf(), root.clone())];
    while let Some((shown, real)) = stack.pop() {
        if !visited.insert(real.clone()) {
            continue;
        }
        let entries = match std::fs::read_dir(&real) {
            Ok(entries) => entries,
            Err(err) => {
                errors.push(problem(&shown, &io_message(&err)));
                continue;
            }
        };
        let mut names: Vec<std::ffi::OsString> = entries.filter_map(|e| e.ok().map(|e| e.file_name())).collect();
        names.sort();
        for name in names {
            let (shown, path) = (shown.join(&name), real.join(&name));
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            let yaml = Path::new(&name).extension().is_some_and(|e| e == "yaml" || e == "yml");
            let target = if meta.file_type().is_symlink() {
                match path.canonicalize() {
                    Ok(target) if target.starts_with(&root) => target,
                    Ok(_) => {
                        errors.push(problem(&shown, "a symbolic link to a path outside the rules directory: not read"));
                        continue;
                    }
                    Err(_) => {
                        errors.push(problem(&shown, "a symbolic link that cannot be followed (a loop or a missing target)"));
                        continue;
                    }
                }
            } else {
                path
            };
            if std::fs::metadata(&target).is_ok_and(|m| m.is_dir()) {
                stack.push((shown, target));
            } else if yaml {
                files.push(shown);
            }
        }
    }
    files.sort();
    (files, errors)
}

fn regular_file_check(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| io_message(&e))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_RULE_FILE_BYTES {
        return Err(format!("larger than {} KiB: not read", MAX_RULE_FILE_BYTES / 1024));
    }
    Ok(())
}

/// Reads a rule file found by [`rule_files`]: a regular file (a FIFO would block the run, a
/// device would never end) within [`MAX_RULE_FILE_BYTES`].
pub fn read_rule_file(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    regular_file_check(path)?;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_RULE_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| if e.kind() == std::io::ErrorKind::InvalidData { "not UTF-8 text".into() } else { io_message(&e) })?;
    if text.len() as u64 > MAX_RULE_FILE_BYTES {
        return Err(format!("larger than {} KiB: not read", MAX_RULE_FILE_BYTES / 1024));
    }
    Ok(text)
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

/// How fingerprints and the baseline name files: relative to the file's project root, found
/// from the file (never from the working directory), so the same finding has the same name
/// from any folder. The root is the nearest folder above the file holding `.git`, else the
/// configuration's folder when the file is below it, else the baseline's, else the file's own
/// folder.
#[derive(Debug, Default)]
pub struct ProjectPaths {
    /// The configuration's and the baseline's folders (canonical), in that order.
    anchors: Vec<PathBuf>,
    /// Folder → its repository root (the nearest folder at or above it holding `.git`).
    repositories: std::collections::HashMap<PathBuf, Option<PathBuf>>,
    /// Folder as named → its path relative to its project root (none when it cannot be
    /// resolved): a run asks for every file and finding, mostly in few folders.
    folders: std::collections::HashMap<PathBuf, Option<PathBuf>>,
}

impl ProjectPaths {
    #[must_use]
    pub fn new(anchors: &[&Path]) -> Self {
        let anchors = anchors.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
        Self { anchors, ..Self::default() }
    }

    /// `path` relative to its project root, with `/` between its parts.
    pub fn relative(&mut self, path: &Path) -> String {
        let name = path.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let folder = if let Some(known) = self.folders.get(parent) {
            known.clone()
        } else {
            let folder = std::fs::canonicalize(parent).ok().map(|dir| {
                let root = self.root_of(&dir);
                dir.strip_prefix(&root).map(Path::to_path_buf).unwrap_or_default()
            });
            self.folders.insert(parent.to_path_buf(), folder.clone());
            folder
        };
        match folder {
            Some(folder) => slashed(&folder.join(&name)),
            None => slashed(&display_path(path)),
        }
    }

    /// The project root of the files in a folder (canonical).
    pub fn root(&mut self, dir: &Path) -> PathBuf {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.root_of(&dir)
    }

    /// The project root of a canonical folder.
    fn root_of(&mut self, dir: &Path) -> PathBuf {
        self.repository(dir).or_else(|| self.anchors.iter().find(|a| dir.starts_with(a)).cloned()).unwrap_or_else(|| dir.to_path_buf())
    }

    fn repository(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.repositories.get(dir) {
            return known.clone();
        }
        let found = if dir.join(".git").exists() { Some(dir.to_path_buf()) } else { dir.parent().and_then(|p| self.repository(p)) };
        self.repositories.insert(dir.to_path_buf(), found.clone());
        found
    }
}

/// A relative path with `/` between its parts, on every platform.
fn slashed(path: &Path) -> String {
    let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}
