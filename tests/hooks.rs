//! The pre-commit hooks and the wheel, with the real tools: `pre-commit` and `prek` (PyPI)
//! run `.pre-commit-hooks.yaml` against a scratch repository, maturin builds the wheel, pip
//! installs it into a fresh virtual environment, and the hooks mirror installs that wheel with
//! no Rust toolchain on PATH. `.ci/run` installs the tools and names them in `PRE_COMMIT`,
//! `PREK` and `MATURIN`; elsewhere each test prints a note and passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BAD_TEMPLATE: &str = r#"Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "*"
            Resource: "*"
"#;

fn tool(var: &str) -> Option<PathBuf> {
    let found = std::env::var_os(var).map(PathBuf::from);
    if found.is_none() {
        println!("note: {var} not set; skipped (.ci/run installs the tool and sets it)");
    }
    found
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-hooks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn git(dir: &Path, args: &[&str]) {
    let out = run(Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com"));
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A repository with a template that grants `*`, and a broken tsconfig.json beside it that
/// is none of deploylint's business.
fn project(name: &str) -> PathBuf {
    let dir = scratch(name);
    git(&dir, &["init", "-q"]);
    std::fs::write(dir.join("template.yaml"), BAD_TEMPLATE).unwrap();
    std::fs::write(dir.join("tsconfig.json"), "{ \"compilerOptions\": { // a comment\n }, }\n").unwrap();
    git(&dir, &["add", "."]);
    dir
}

fn fix(dir: &Path) {
    let fixed =
        BAD_TEMPLATE.replace("Action: \"*\"", "Action: s3:GetObject").replace("Resource: \"*\"", "Resource: arn:aws:s3:::reports/*");
    std::fs::write(dir.join("template.yaml"), fixed).unwrap();
    git(dir, &["add", "."]);
}

/// PATH with the deploylint under test first.
fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_deploylint")).parent().unwrap().to_path_buf();
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

/// `try-repo` of the hook: fails with the finding on the bad template, passes once fixed;
/// the broken tsconfig.json never fails it.
fn try_hook(runner: &Path, hook: &str, repo: &Path, name: &str, env: &[(&str, String)]) {
    let dir = project(name);
    let attempt = |dir: &Path| {
        let mut cmd = Command::new(runner);
        cmd.current_dir(dir).arg("try-repo").arg(repo).arg(hook).arg("--all-files").env("PATH", path_with_binary());
        // Caches outside the project: `git add .` must not stage them.
        cmd.env("PRE_COMMIT_HOME", dir.with_extension("pre-commit")).env("PREK_HOME", dir.with_extension("prek"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd)
    };
    let out = attempt(&dir);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{} {hook}: the bad template must fail the hook\n{text}", runner.display());
    assert!(text.contains("iam/wildcard-action") && text.contains("template.yaml:9:21"), "{text}");
    assert!(!text.contains("tsconfig.json"), "an unrelated broken JSON file is skipped: {text}");
    fix(&dir);
    let out = attempt(&dir);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} {hook}: the fixed template passes\n{text}", runner.display());
}

#[test]
fn the_system_hook_runs_under_pre_commit_and_prek() {
    for var in ["PRE_COMMIT", "PREK"] {
        if let Some(runner) = tool(var) {
            try_hook(&runner, "deploylint-system", &repo_root(), &format!("system-{var}"), &[]);
        }
    }
}

#[test]
fn the_rust_hook_builds_and_runs() {
    let Some(runner) = tool("PRE_COMMIT") else { return };
    // Reuse this build's compiled dependencies.
    let target = repo_root().join("target").join("hooks");
    try_hook(&runner, "deploylint-rust", &repo_root(), "rust", &[("CARGO_TARGET_DIR", target.display().to_string())]);
}

/// maturin builds the wheel; pip installs it into a fresh venv, which then runs deploylint;
/// the hooks mirror, stamped with this version, installs that wheel (and nothing from an index)
/// with no Rust toolchain on PATH, and its hook runs under pre-commit.
#[test]
fn the_wheel_installs_and_the_mirror_hook_runs_it() {
    let (Some(maturin), Some(runner)) = (tool("MATURIN"), tool("PRE_COMMIT")) else { return };
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let wheels = scratch("wheels");
    let out = run(Command::new(&maturin)
        .current_dir(repo_root())
        .args(["build", "--release", "--locked", "-o"])
        .arg(&wheels)
        .env("CARGO_TARGET_DIR", repo_root().join("target").join("hooks")));
    assert!(out.status.success(), "maturin build: {}", String::from_utf8_lossy(&out.stderr));
    let wheel =
        std::fs::read_dir(&wheels).unwrap().flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "whl")).unwrap();

    let venv = scratch("venv");
    assert!(run(Command::new(&python).args(["-m", "venv"]).arg(&venv)).status.success());
    let out = run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "--no-index"]).arg(&wheel));
    assert!(out.status.success(), "pip install: {}", String::from_utf8_lossy(&out.stderr));
    let out = run(Command::new(venv.join("bin/deploylint")).arg("--version"));
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let out = run(Command::new(venv.join("bin/deploylint")).current_dir(repo_root()).args(["check", "examples", "--format", "json"]));
    assert_eq!(out.status.code(), Some(1), "the installed binary finds the examples' problems");

    // The mirror's own build backend comes from the same folder: no index at all.
    let out = run(Command::new(venv.join("bin/pip")).args(["download", "--quiet", "--dest"]).arg(&wheels).arg("setuptools>=61"));
    assert!(out.status.success(), "pip download setuptools: {}", String::from_utf8_lossy(&out.stderr));
    let mirror = scratch("mirror");
    let out = run(Command::new(&python).arg(repo_root().join("scripts/stamp-hooks-mirror.py")).arg(env!("CARGO_PKG_VERSION")).arg(&mirror));
    assert!(out.status.success(), "stamp: {}", String::from_utf8_lossy(&out.stderr));
    git(&mirror, &["init", "-q"]);
    git(&mirror, &["add", "."]);
    git(&mirror, &["commit", "-q", "-m", "mirror"]);
    // PATH without cargo or rustc: the hook must not compile.
    let bare_path = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !Path::new(d).join("cargo").exists() && !Path::new(d).join("rustc").exists())
        .collect::<Vec<_>>()
        .join(":");
    let dir = project("mirror-user");
    let mut cmd = Command::new(&runner);
    cmd.current_dir(&dir).arg("try-repo").arg(&mirror).args(["deploylint", "--all-files"]).env("PATH", &bare_path);
    cmd.env("PRE_COMMIT_HOME", dir.with_extension("pre-commit")).env("PIP_NO_INDEX", "1").env("PIP_FIND_LINKS", &wheels);
    let out = run(&mut cmd);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success() && text.contains("iam/wildcard-action"), "the mirror's hook runs the wheel's deploylint\n{text}");
}

/// `cargo install --locked --path .`, as the README says, installs a working binary.
#[test]
fn cargo_install_locked_works() {
    // A full release build: run where the other tools run (.ci/run), not on every `cargo test`.
    if tool("PRE_COMMIT").is_none() {
        return;
    }
    let root = scratch("cargo-install");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = run(Command::new(cargo)
        .current_dir(repo_root())
        .args(["install", "--locked", "--quiet", "--path", ".", "--root"])
        .arg(&root)
        .env("CARGO_TARGET_DIR", repo_root().join("target").join("hooks")));
    assert!(out.status.success(), "cargo install: {}", String::from_utf8_lossy(&out.stderr));
    let out = run(Command::new(root.join("bin/deploylint")).arg("--version"));
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}
