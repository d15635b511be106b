#!/usr/bin/env python3
"""Side-by-side benchmark of deploylint and the tools people use instead (issue 23).

    python3 benches/compare.py [--binary target/release/deploylint] [--peers target/bench-peers]
                               [--corpus ../shared/corpus/bench] [--large target/bench-corpus]
                               [--runs 11] [--small-runs 30] [--plan-runs 3] [--timeout 900]
                               [--only NAMES] [--smoke] [--no-install] [--install-only]
                               [--out FILE] [--quiet]

Scenarios, each process timed whole (wall clock and CPU time from os.wait4; peak RSS from GNU
time on the warm-up run, see RSS_NOTE), one warm-up run of each side first, then the two sides
alternating A B A B ...:
  corpus  the bench corpus (real Step Functions samples): deploylint's default invocation
          (`check --format json`, all rules) against cfn-lint, checkov and cfn-guard (with
          benches/peers/equivalent.guard, deploylint's iam/wildcard-action, sfn/logging and
          sfn/tracing written in Guard) on the templates, and against asl-validator and
          statelint on the ASL definitions; deploylint always gets the same files as the peer.
          A file that stops a peer's whole run (cfn-lint's traceback on `Resources:` left
          empty, cfn-guard's and asl-validator's parse errors) is found by trying each file
          alone and left out of both sides, with a note.
  small   one small template, the pre-commit case: deploylint check against `deploylint
          --version` (the start-up floor), cfn-guard and cfn-lint on the same file.
  large   the generated corpus (benches/generate.py, into --large unless already there):
          10,000 templates (JSON and YAML apart and together) and a 50 MB Terraform plan,
          each against the same run with `--select parse` (reading, parsing and extraction, no
          rule): files/s, MB/s, peak RSS.
--only takes scenario names and/or peer names, comma-separated (`--only corpus,cfn-guard`).

Peers are installed on first use into --peers (each step skipped when its tool is there):
cfn-lint, checkov and statelint with pip into one venv, asl-validator with npm, cfn-guard with
`cargo install --locked`; the versions are pinned below. A peer that cannot be installed or
run is reported as skipped, with the reason, and the rest goes on.

The report (Markdown, to stdout and to --out) has the date, the machine, every tool's version,
the exact commands, the files each side got, the figures, and each target met or missed.

--smoke: no network, no peers: a tiny generated corpus (20 templates, a 1 MB plan) in a
temporary folder, deploylint's scenarios only with 2 runs (5 for the small template), in a few
seconds; exit 1 if deploylint crashed, exited 2 or a figure is missing from the report (what CI
runs). --no-install uses only the peers already in --peers; --install-only stops after them.
Exit status otherwise: 0, or 1 when a deploylint run crashed or exited 2.
Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
GUARD_RULES = HERE / "peers" / "equivalent.guard"
MB = 1_000_000
MIB = 1 << 20

# Pinned peers (the newest releases when this harness was written).
PINS = {
    "cfn-lint": "1.58.0",
    "checkov": "3.3.30",
    "statelint": "3.1.0",
    "asl-validator": "4.0.0",
    "cfn-guard": "3.2.1",
}
PEERS = list(PINS)
SCENARIOS = ["corpus", "small", "large"]
# The rules benches/peers/equivalent.guard writes in Guard.
GUARD_EQUIVALENT = "iam/wildcard-action,sfn/logging,sfn/tracing"

TARGETS = {
    "cfn-lint": 100.0,
    "checkov": 100.0,
    "asl-validator": 100.0,
    "cfn-guard": 5.0,
}
SMALL_TARGET_MS = 0.5
JSON_TARGET_MBS = 100.0
PARSE_RATIO_TARGET = 3.0


# --------------------------------------------------------------------------------------------
# Running and timing processes
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float  # seconds
    rss_kib: int
    code: int  # exit code; negative: killed by that signal
    timed_out: bool = False
    cpu: float = 0.0  # user + system seconds of the process (and the children it waited for)


@dataclass
class Side:
    """One side of a comparison: a command and its runs."""

    label: str
    cmd: list[str]
    files: str = ""  # what it was given, in words
    env: dict | None = None
    ok_codes: tuple = (0, 1)
    runs: list[Run] = field(default_factory=list)
    stderr_tail: str = ""
    rss_time_kib: int = 0  # peak RSS of the warm-up run, as GNU time saw it (0: not measured)

    @property
    def walls(self) -> list[float]:
        return [r.wall for r in self.runs]

    def median(self) -> float:
        return statistics.median(self.walls) if self.runs else float("nan")

    def cpu_median(self) -> float:
        return statistics.median(r.cpu for r in self.runs) if self.runs else float("nan")

    def peak_rss(self) -> int:
        """Peak RSS in KiB: GNU time's figure for the warm-up run when there is one, else the
        largest ru_maxrss os.wait4 gave (which cannot go below the harness's own RSS, see
        RSS_NOTE)."""
        return self.rss_time_kib or max((r.rss_kib for r in self.runs), default=0)

    def codes(self) -> list[int]:
        return sorted({r.code for r in self.runs})

    def failed(self) -> bool:
        return any(r.timed_out or r.code not in self.ok_codes for r in self.runs)


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
RSS_NOTE = (
    "Peak RSS: ru_maxrss of a process forked from the harness counts the harness's own pages "
    "until exec (Linux keeps the larger of the two), so os.wait4's figure cannot go below the "
    "harness's RSS (about 15-20 MiB). The warm-up run of each side therefore goes through GNU "
    "time (`/usr/bin/time -f %M`, which forks the tool from its own small process) and that "
    "figure is the one shown; without /usr/bin/time the largest os.wait4 figure of the timed "
    "runs is shown.")


def run_once(side: Side, timeout: float, errfile: Path, rss_file: Path | None = None) -> Run:
    """One run of side.cmd, its output to a null sink; with rss_file, under GNU time, whose
    peak RSS figure is stored in side.rss_time_kib."""
    cmd = side.cmd if rss_file is None else [GNU_TIME, "-f", "%M", "-o", str(rss_file), *side.cmd]
    with open(errfile, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                             env=side.env, start_new_session=True)
        killed = []

        def kill():
            killed.append(True)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    p.returncode = code
    run = Run(wall, usage.ru_maxrss, code, bool(killed), usage.ru_utime + usage.ru_stime)
    if rss_file is not None and not run.timed_out:
        try:
            figures = [line for line in rss_file.read_text().split("\n") if line.strip().isdigit()]
            side.rss_time_kib = int(figures[-1]) if figures else 0
        except OSError:
            pass
    if run.timed_out or code not in side.ok_codes:
        side.stderr_tail = errfile.read_text(errors="replace")[-600:]
    return run


def measure(sides: list[Side], runs: int, timeout: float, scratch: Path, log) -> None:
    """One warm-up run of each side, then `runs` rounds alternating the sides."""
    errfile = scratch / "stderr.txt"
    for s in sides:
        r = run_once(s, timeout, errfile, scratch / "rss.txt" if GNU_TIME else None)
        log(f"  warm-up {s.label}: {r.wall * 1000:.1f} ms, exit {r.code}{' (timed out)' if r.timed_out else ''}")
        if r.timed_out:
            s.runs.append(r)
    live = [s for s in sides if not s.runs]  # a side that timed out in its warm-up is not repeated
    for i in range(runs):
        for s in live:
            s.runs.append(run_once(s, timeout, errfile))
            if s.runs[-1].timed_out:
                live = [x for x in live if x is not s]
    for s in sides:
        log(f"  {s.label}: median {s.median() * 1000:.1f} ms over {len(s.runs)} runs, exits {s.codes()}, peak {s.peak_rss() / 1024:.0f} MiB")


def capture(cmd: list[str], timeout: float = 120, env=None, stdout_only: bool = False) -> tuple[int, str]:
    """Runs cmd to the end: its exit code and its output (standard output and error, or only
    standard output)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        return p.returncode, (p.stdout if stdout_only else (p.stdout + p.stderr).strip())
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, f"{type(e).__name__}: {e}"


# --------------------------------------------------------------------------------------------
# Peers: install and version
# --------------------------------------------------------------------------------------------


@dataclass
class Peer:
    name: str
    cmd: list[str] | None = None  # how to start it
    env: dict | None = None
    version: str = ""
    skipped: str = ""  # why it did not run


def venv_python(peers: Path) -> Path:
    return peers / "py" / "bin" / "python"


def install_pip(peers: Path, pkg: str, log) -> str:
    """Installs pkg==pin into the peers' venv; returns an error text or ''."""
    python = venv_python(peers)
    if not python.exists():
        log(f"creating venv {python.parent.parent}")
        venv.create(python.parent.parent, with_pip=True)
    spec = [f"{pkg}=={PINS[pkg]}"] + (["PyYAML"] if pkg == "statelint" else [])
    log(f"pip install {' '.join(spec)}")
    code, out = capture([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *spec], timeout=1800)
    return "" if code == 0 else f"pip install failed ({code}): {out[-400:]}"


def install_with(tool: str, args: list[str], timeout: int, log) -> str | None:
    """Runs `tool args` (npm install, cargo install); the reason it failed, or None."""
    exe = shutil.which(tool)
    if not exe:
        return f"{tool} not found"
    log(f"{tool} {' '.join(args)}")
    code, out = capture([exe, *args], timeout=timeout)
    return f"{tool} install failed ({code}): {out[-400:]}" if code != 0 else None


def peer_setup(name: str, peers: Path, install: bool, log) -> Peer:
    peer = Peer(name)
    py_bin = peers / "py" / "bin"
    env = dict(os.environ)
    try:
        if name in ("cfn-lint", "checkov", "statelint"):
            exe = py_bin / name
            install_peer = lambda: install_pip(peers, name, log)  # noqa: E731
            env["PATH"] = f"{py_bin}{os.pathsep}{env.get('PATH', '')}"
            if name == "checkov":
                # No network: no download of external checks, no guideline mapping, no telemetry.
                env.update({"BC_SKIP_MAPPING": "TRUE", "CHECKOV_SKIP_DOWNLOAD": "TRUE", "SKIP_DOWNLOAD": "TRUE",
                            "CHECKOV_EXPERIMENTAL_IMAGE_REFERENCING": "FALSE", "LOG_LEVEL": "ERROR"})
        else:
            if name == "asl-validator":
                exe = peers / "node" / "node_modules" / ".bin" / "asl-validator"
                tool, args, timeout = "npm", ["install", "--no-audit", "--no-fund", "--prefix", str(peers / "node"),
                                              f"asl-validator@{PINS[name]}"], 1800
            else:
                exe = peers / "cfn-guard" / "bin" / "cfn-guard"
                tool, args, timeout = "cargo", ["install", "--locked", f"cfn-guard@{PINS[name]}", "--root",
                                                str(peers / "cfn-guard")], 3600
            install_peer = lambda: install_with(tool, args, timeout, log)  # noqa: E731
        if not exe.exists() and install:
            err = install_peer()
            if err:
                peer.skipped = err
                return peer
        if not exe.exists():
            peer.skipped = f"not installed ({exe} missing)"
            return peer
        peer.cmd = [str(exe)]
        peer.env = env
    except Exception as e:  # the harness goes on without this peer
        peer.skipped = f"{type(e).__name__}: {e}"
        return peer
    # Its version, as it reports it.
    if name == "statelint":
        code, out = capture([str(venv_python(peers)), "-c", "import importlib.metadata as m; print('statelint', m.version('statelint'))"])
    elif name == "asl-validator":
        code, out = capture([*peer.cmd, "--version"], env=peer.env)
        node = capture(["node", "--version"])[1]
        out = f"asl-validator {out} (node {node})"
    else:
        code, out = capture([*peer.cmd, "--version"], env=peer.env, timeout=300)
    if code != 0:
        peer.skipped = f"`{name} --version` failed ({code}): {out[-300:]}"
    peer.version = " ".join(out.split())[:200]
    return peer


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

TEMPLATE_NAME = re.compile(r"^template\.(ya?ml|json)$")


def corpus_files(corpus: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The bench corpus's templates (`template.yaml|yml|json`), JSON ASL definitions
    (`*.asl.json`) and YAML ones (`*.asl.yaml|yml`), leaving out hidden folders as deploylint's
    walk does (an empty `.aws-composer/…/template.yaml`)."""
    templates, asl_json, asl_yaml = [], [], []
    for p in tree_files(corpus):
        name = p.name
        if TEMPLATE_NAME.match(name):
            templates.append(p)
        elif name.endswith(".asl.json"):
            asl_json.append(p)
        elif re.search(r"\.asl\.ya?ml$", name):
            asl_yaml.append(p)
    return templates, asl_json, asl_yaml


def size_of(paths) -> int:
    return sum(p.stat().st_size for p in paths)


def tree_files(root: Path) -> list[Path]:
    """Files under root, hidden ones (and those in hidden folders) left out."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def rel(p: Path, base: Path) -> str:
    try:
        return str(p.relative_to(base))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def ms(x: float) -> str:
    if x != x:  # nan
        return "–"
    return f"{x * 1000:.1f}" if x < 10 else f"{x * 1000:.0f}"


def dur(x: float) -> str:
    """A duration in seconds, shown in ms below one second."""
    if x != x:
        return "–"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


class Report:
    def __init__(self):
        self.lines: list[str] = []
        self.appendix: list[str] = []
        self.missing: list[str] = []  # figures a smoke run expects and did not get

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def text(self) -> str:
        out = "\n".join(self.lines)
        if self.appendix:
            out += "\n\n## Appendix: the files each side got\n\n" + "\n".join(self.appendix)
        return out + "\n"


def shown(cmd: list[str], lists: dict[tuple, str]) -> str:
    """A command line, each long file list replaced by its name."""
    out: list[str] = []
    i = 0
    while i < len(cmd):
        for seq, name in lists.items():
            if cmd[i:i + len(seq)] == list(seq):
                out.append(f"<{name}>")
                i += len(seq)
                break
        else:
            out.append(shlex.quote(cmd[i]))
            i += 1
    return " ".join(out)


def machine() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    nproc = capture(["nproc"])[1] or str(os.cpu_count())
    u = os.uname()
    return [
        f"- CPU: {cpu}, `nproc` {nproc}",
        f"- memory: {mem}",
        f"- kernel: {u.sysname} {u.release} ({u.machine})",
        f"- Python {platform.python_version()}; load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def pair_table(rep: Report, rows: list[tuple[Side, Side, str, float | None]]) -> None:
    """rows: (deploylint side, peer side, what, target ratio)."""
    rep.add("| comparison | files | deploylint min / median / max ms | peak RSS MiB | peer min / median / max ms | peak RSS MiB | peer exits | ratio peer/deploylint (median) | target | |",
            "|---|---|---|---|---|---|---|---|---|---|")
    for d, p, what, target in rows:
        ratio = p.median() / d.median() if d.runs and p.runs and not p.failed() else float("nan")
        ok = None if target is None or ratio != ratio else ratio >= target
        ratio_s = "–" if ratio != ratio else f"{ratio:.1f}×"
        note = " (failed: see notes)" if p.failed() else ""
        rep.add(f"| {what} | {p.files} | {ms(min(d.walls))} / {ms(d.median())} / {ms(max(d.walls))} | {mib(d.peak_rss())} "
                f"| {ms(min(p.walls)) if p.runs else '–'} / {ms(p.median())} / {ms(max(p.walls)) if p.runs else '–'} | {mib(p.peak_rss())} "
                f"| {','.join(map(str, p.codes()))}{note} | {ratio_s} | {'≥ %g×' % target if target else '–'} | {verdict(ok)} |")


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


class Harness:
    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.rep = Report()
        self.peers: dict[str, Peer] = {}
        self.deploylint_failures: list[str] = []
        self.scratch = Path(tempfile.mkdtemp(prefix="deploylint-compare-"))
        self.lists: dict[tuple, str] = {}  # a file list (as arguments) -> its name in the report
        self.guard_sanity = ""
        self.appendix_names: set[str] = set()
        # Every run uses a copy taken now: a rebuild of --binary during a long run (another
        # build in the same tree) must not mix two builds in one report.
        self.original = Path(args.binary).resolve()
        self.original_stat = self.original.stat()
        copy = self.scratch / "bin" / "deploylint"
        copy.parent.mkdir()
        shutil.copy2(self.original, copy)
        self.binary = str(copy)
        self.binary_sha256 = hashlib.sha256(copy.read_bytes()).hexdigest()

    def dl(self, label: str, *args: str, files: str = "") -> Side:
        return Side(label, [self.binary, *args], files=files)

    def show(self, cmd: list[str]) -> str:
        """A command as the report shows it: file lists by name, the binary by its own path."""
        return shown([str(self.original) if c == self.binary else c for c in cmd], self.lists)

    def list_name(self, paths: list[Path], name: str, base: Path) -> list[str]:
        """Registers a file list for the report; returns it as arguments."""
        strs = [str(p) for p in paths]
        if len(strs) > 3:
            self.lists[tuple(strs)] = name
            if name not in self.appendix_names:
                self.appendix_names.add(name)
                self.rep.appendix.append(f"<details><summary>{name}: {len(strs)} files under <code>{base}</code></summary>\n")
                self.rep.appendix.extend(f"    {rel(p, base)}" for p in paths)
                self.rep.appendix.append("\n</details>\n")
        return strs

    def check_deploylint(self, side: Side) -> None:
        if side.failed():
            bad = [r for r in side.runs if r.timed_out or r.code not in side.ok_codes]
            self.deploylint_failures.append(
                f"`{self.show(side.cmd)}`: exit {bad[0].code}{' (timed out)' if bad[0].timed_out else ''}: {side.stderr_tail.strip()[-300:]}")

    def peer(self, name: str) -> Peer | None:
        """The peer if it is selected and runs; None (and a note) otherwise."""
        if name not in self.selected_peers:
            return None
        p = self.peers.get(name)
        return p if p and not p.skipped else None

    # -- scenario 1 ---------------------------------------------------------------------------

    def usable(self, name: str, files: list[Path], make_cmd, ok_codes: tuple, env, base: Path, notes: list[str]) -> list[Path]:
        """The files the peer gets through: all of them when one run over the list exits with
        an expected code; else each file is tried alone and the ones that stop the peer (a crash,
        a parse error that ends the whole run) are left out, for both sides, with a note."""
        code, _ = capture(make_cmd([str(f) for f in files]), timeout=self.args.timeout, env=env)
        if code in ok_codes:
            return files
        self.log(f"[corpus] {name} exits {code} on the whole list: trying each file alone")
        kept, dropped = [], []
        for f in files:
            c, out = capture(make_cmd([str(f)]), timeout=self.args.timeout, env=env)
            if c in ok_codes:
                kept.append(f)
            else:
                lines = [x.strip() for x in out.splitlines() if x.strip()]
                line = next((x for x in lines if re.search(r"error|exception", x, re.I)), lines[-1] if lines else "")
                dropped.append(f"`{rel(f, base)}` (exit {c}: {line.strip()[:160]})")
        if dropped:
            notes.append(f"- {name} stops on {len(dropped)} file(s), left out for both sides: " + "; ".join(dropped))
        return kept

    def corpus(self) -> None:
        a = self.args
        rep = self.rep
        corpus = Path(a.corpus).resolve()
        rep.add("", "## 1. Bench corpus", "")
        if not corpus.is_dir():
            rep.add(f"Skipped: `{corpus}` not found.")
            return
        templates, asl_json, asl_yaml = corpus_files(corpus)
        everything = tree_files(corpus)
        rep.add(f"`{corpus}`: {len(everything)} files (hidden folders left out), {size_of(everything) / MB:.2f} MB; "
                f"{len(templates)} templates (`template.yaml|yml|json`, {size_of(templates) / MB:.2f} MB), {len(asl_json)} JSON ASL "
                f"definitions (`*.asl.json`, {size_of(asl_json) / MB:.2f} MB), {len(asl_yaml)} YAML ones (`*.asl.yaml`, not given "
                "to the ASL tools).",
                "deploylint runs its default invocation with all rules (`check --format json`, report to a null sink; exit 1 "
                "means findings) on exactly the files or folder the peer gets (given templates, deploylint also reads the "
                "definitions their `DefinitionUri` names). Runs alternate deploylint and the peer after one "
                f"warm-up each; {a.runs} runs a side.", "")
        rows: list[tuple[Side, Side, str, float | None]] = []
        notes: list[str] = []
        runs, timeout = a.runs, a.timeout

        def compare(peer_side: Side, dl_side: Side, what: str, target: float | None):
            self.log(f"[corpus] {what}")
            measure([dl_side, peer_side], runs, timeout, self.scratch, self.log)
            self.check_deploylint(dl_side)
            if peer_side.failed():
                notes.append(f"- {what}: the peer exited {peer_side.codes()}: {peer_side.stderr_tail.strip()[-300:]}")
            rows.append((dl_side, peer_side, what, target))

        def dl_check(files: list[Path] | None, what: str, *extra: str) -> Side:
            paths = [str(f) for f in files] if files is not None else [str(corpus)]
            return self.dl("deploylint", "check", "--format", "json", *extra, *paths, files=what)

        alone = True
        if (p := self.peer("cfn-lint")):
            alone = False
            # cfn-lint's exit codes are bit flags (2 errors, 4 warnings, 8 informational); 1 is a crash.
            codes = (0, 2, 4, 6, 8, 10, 12, 14)
            mk = lambda fs, p=p: [*p.cmd, "--", *fs]  # noqa: E731
            files = self.usable("cfn-lint", templates, mk, codes, p.env, corpus, notes)
            what = f"{len(files)} templates"
            self.list_name(files, f"cfn-lint's {what}", corpus)
            compare(Side("cfn-lint", mk([str(f) for f in files]), files=what, env=p.env, ok_codes=codes),
                    dl_check(files, what), "cfn-lint (templates)", TARGETS["cfn-lint"])
        if (p := self.peer("checkov")):
            alone = False
            side = Side("checkov", [*p.cmd, "-d", str(corpus), "--framework", "cloudformation", "--quiet", "--compact",
                                    "--skip-download", "-o", "cli"], files="the whole folder", env=p.env)
            compare(side, dl_check(None, "the whole folder"), "checkov (folder, framework cloudformation)", TARGETS["checkov"])
        if (p := self.peer("cfn-guard")):
            alone = False
            codes = (0, 19)  # 19: some rule failed

            def mk(fs, p=p):
                out = [*p.cmd, "validate", "-r", str(GUARD_RULES)]
                for f in fs:
                    out += ["-d", f]
                return out

            candidates = [f for f in everything if f.suffix in (".json", ".yaml", ".yml", ".template")]
            files = self.usable("cfn-guard", candidates, mk, codes, p.env, corpus, notes)
            what = f"{len(files)} JSON/YAML files"
            self.list_name(files, f"cfn-guard's {what}", corpus)
            self.lists[tuple(mk([str(f) for f in files])[len(p.cmd) + 3:])] = f"-d F for each of cfn-guard's {what}"
            self.guard_check(p, [str(f) for f in files], corpus, notes)
            compare(Side("cfn-guard", mk([str(f) for f in files]), files=what, env=p.env, ok_codes=codes),
                    dl_check(files, what), "cfn-guard, equivalent.guard", TARGETS["cfn-guard"])
            compare(Side("cfn-guard", mk([str(f) for f in files]), files=what, env=p.env, ok_codes=codes),
                    dl_check(files, what, "--select", GUARD_EQUIVALENT),
                    f"cfn-guard vs deploylint `--select {GUARD_EQUIVALENT}` (the same three checks)", None)
        asl_parsable = []
        for f in asl_json:
            try:
                json.loads(f.read_text())
                asl_parsable.append(f)
            except (ValueError, UnicodeDecodeError):
                pass
        if (p := self.peer("asl-validator")):
            alone = False
            # asl-validator stops at the first file that is not JSON (JSON.parse outside its try):
            # those are left out; exit 2 is a validator exception on one file, the others are checked.
            dropped = [f for f in asl_json if f not in asl_parsable]
            if dropped:
                notes.append(f"- asl-validator stops at the first file that is not valid JSON: left out for both sides: "
                             + ", ".join(f"`{rel(f, corpus)}`" for f in dropped))
            args: list[str] = []
            for f in asl_parsable:
                args += ["--json-path", str(f)]
            what = f"{len(asl_parsable)} JSON ASL definitions"
            self.list_name(asl_parsable, f"asl-validator's {what}", corpus)
            self.lists[tuple(args)] = f"--json-path F for each of asl-validator's {what}"
            compare(Side("asl-validator", [*p.cmd, "--silent", *args], files=what, env=p.env, ok_codes=(0, 1, 2)),
                    dl_check(asl_parsable, what), "asl-validator (JSON ASL)", TARGETS["asl-validator"])
        if (p := self.peer("statelint")):
            alone = False
            what = f"{len(asl_json)} JSON ASL definitions"
            self.list_name(asl_json, f"statelint's {what}", corpus)
            compare(Side("statelint", [*p.cmd, *map(str, asl_json)], files=what, env=p.env),
                    dl_check(asl_json, what), "statelint (JSON ASL)", None)
        if alone:
            self.log("[corpus] deploylint alone (no peer)")
            d = dl_check(None, "the whole folder")
            measure([d], runs, timeout, self.scratch, self.log)
            self.check_deploylint(d)
            if not d.runs:
                rep.missing.append("corpus: deploylint figures")
            rep.add("No peer ran (see the versions). deploylint alone on the whole folder:", "",
                    "| files | min / median / max ms | peak RSS MiB | exits |", "|---|---|---|---|",
                    f"| the whole folder | {ms(min(d.walls))} / {ms(d.median())} / {ms(max(d.walls))} | {mib(d.peak_rss())} | {d.codes()} |", "")
            rep.add("Command: `" + self.show(d.cmd) + "`")
            return
        pair_table(rep, rows)
        rep.add("", "Commands (file lists in the appendix):", "")
        for d, p, what, _ in rows:
            rep.add(f"- {what}:", f"  - deploylint: `{self.show(d.cmd)}`", f"  - peer: `{self.show(p.cmd)}`")
        if self.guard_sanity:
            rep.add("", self.guard_sanity)
        if notes:
            rep.add("", "Notes:", *notes)

    def guard_check(self, p: Peer, files: list[str], corpus: Path, notes: list[str]) -> None:
        """Runs the Guard file once to count its failures: it must fire on the corpus."""
        cmd = [*p.cmd, "validate", "-r", str(GUARD_RULES), "--show-summary", "none", "--output-format", "json"]
        for f in files:
            cmd += ["-d", f]
        code, out = capture(cmd, timeout=600, stdout_only=True)
        failures: dict[str, int] = {}
        files_failed = 0
        decoder = json.JSONDecoder()
        i = 0
        while True:
            j = out.find("{", i)
            if j < 0:
                break
            try:
                doc, i = decoder.raw_decode(out, j)
            except json.JSONDecodeError:
                i = j + 1
                continue
            if isinstance(doc, dict) and doc.get("status") == "FAIL":
                files_failed += 1
                names = set()
                for rule in doc.get("not_compliant", []):
                    name = (rule.get("Rule") or {}).get("name") if isinstance(rule, dict) else None
                    if name:
                        names.add(name)
                for name in names:
                    failures[name] = failures.get(name, 0) + 1
        _, ours = capture([self.binary, "check", "--format", "json", "--fail-on", "never", "--select", GUARD_EQUIVALENT, *files], timeout=600, stdout_only=True)
        per_rule: dict[str, int] = {}
        per_file: dict[str, set] = {}
        try:
            for f in json.loads(ours)["findings"]:
                per_rule[f["rule"]] = per_rule.get(f["rule"], 0) + 1
                per_file.setdefault(f["rule"], set()).add(f["file"])
        except (json.JSONDecodeError, KeyError):
            pass
        self.guard_sanity = (
            f"Guard sanity check (run once with `--output-format json`): equivalent.guard fails on {files_failed} files "
            f"(exit {code}); files failing each Guard rule: "
            + (", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "none")
            + ". deploylint on the same files, the same three rules (findings, files): "
            + (", ".join(f"{k} {v} in {len(per_file[k])}" for k, v in sorted(per_rule.items())) or "none") + ".")
        self.log(self.guard_sanity)
        if not failures:
            notes.append("- the Guard rules did not fire on any file: the cfn-guard comparison checks nothing")

    # -- scenario 2 ---------------------------------------------------------------------------

    def small(self, template: Path) -> None:
        a = self.args
        rep = self.rep
        rep.add("", "## 2. One small template (the pre-commit case)", "")
        size = template.stat().st_size
        rep.add(f"`{template}` ({size} bytes), whole process each time; {a.small_runs} runs a side after one warm-up, alternating.", "")
        runs, timeout = a.small_runs, a.timeout
        check = self.dl("deploylint check", "check", "--format", "json", str(template), files="1 template")
        version = self.dl("deploylint --version", "--version", files="–")
        self.log("[small] deploylint check vs --version")
        measure([check, version], runs, timeout, self.scratch, self.log)
        self.check_deploylint(check)
        self.check_deploylint(version)
        rows = []
        for name in ("cfn-guard", "cfn-lint"):
            if (p := self.peer(name)):
                if name == "cfn-guard":
                    side = Side(name, [*p.cmd, "validate", "-d", str(template), "-r", str(GUARD_RULES)], files="1 template", env=p.env, ok_codes=(0, 19))
                else:
                    side = Side(name, [*p.cmd, "--", str(template)], files="1 template", env=p.env, ok_codes=(0, 2, 4, 6, 8, 10, 12, 14))
                d = self.dl("deploylint check", "check", "--format", "json", str(template), files="1 template")
                self.log(f"[small] deploylint vs {name}")
                measure([d, side], runs, timeout, self.scratch, self.log)
                self.check_deploylint(d)
                rows.append((d, side, name, TARGETS.get(name)))
        both = bool(check.runs and version.runs)
        diff = (check.median() - version.median()) * 1000 if both else float("nan")
        diff_min = (min(check.walls) - min(version.walls)) * 1000 if both else float("nan")
        diff_cpu = (check.cpu_median() - version.cpu_median()) * 1000 if both else float("nan")
        if diff != diff:
            rep.missing.append("small: check − --version")
        # A negative difference, or --version's median far above its minimum, is the machine's
        # load speaking: the verdict then goes by the minima.
        noisy = both and (diff < 0 or version.median() > 1.5 * min(version.walls))
        judged = diff_min if noisy else diff
        ok = None if judged != judged else judged <= SMALL_TARGET_MS
        why = " (by min − min: the medians are noisy)" if noisy else ""
        rep.add("| run | wall min / median / max ms | CPU (user + sys) median ms | peak RSS MiB | exits |", "|---|---|---|---|---|")
        for s in (check, version):
            rep.add(f"| `{s.label}` | {ms(min(s.walls)) if s.runs else '–'} / {ms(s.median())} / {ms(max(s.walls)) if s.runs else '–'} "
                    f"| {ms(s.cpu_median())} | {mib(s.peak_rss())} | {s.codes()} |")
        rep.add("", f"| figure | value | target | |", "|---|---|---|---|",
                f"| median check − median `--version` (wall) | {diff:.2f} ms | ≤ {SMALL_TARGET_MS} ms | {verdict(ok)}{why} |",
                f"| min check − min `--version` (wall) | {diff_min:.2f} ms | – | – |",
                f"| median CPU time of check − of `--version` | {diff_cpu:.2f} ms | – | – |", "")
        if noisy:
            rep.add(f"Note: `--version`'s median is {version.median() / min(version.walls):.1f}× its minimum: on a busy machine "
                    "(load average above) the median of a process this short measures waiting for a CPU more than its work; "
                    "the minima and the CPU times are the steadier figures.", "")
        if rows:
            pair_table(rep, rows)
            rep.add("")
        rep.add("Commands:", f"- `{self.show(check.cmd)}`", f"- `{self.show(version.cmd)}`")
        for d, p, _, _ in rows:
            rep.add(f"- `{self.show(p.cmd)}`")
        self.small_diff = diff

    # -- scenario 3 ---------------------------------------------------------------------------

    def large(self, root: Path, generated_with: str) -> None:
        a = self.args
        rep = self.rep
        rep.add("", "## 3. Generated large corpus", "")
        sets = {
            "JSON templates": [root / "json"],
            "YAML templates": [root / "yaml"],
            "all templates": [root / "json", root / "yaml"],
            "Terraform plan": [root / "plan"],
        }
        rep.add(f"`{root}`, generated by `{generated_with}`. deploylint's default invocation (`check --format json`, all rules, "
                "report to a null sink) against the same run with `--select parse` (only the parse rules: files are read, parsed "
                "and their embedded documents extracted and parsed, no rule runs: the nearest to parsing alone the command line "
                "offers; the extraction also builds the Terraform plan's model). Runs alternate full and parse-only after one "
                "warm-up each.", "")
        rep.add("| set | files | MB | largest file KB | runs | full min / median / max | parse-only median | full / parse | target | | files/s | MB/s (full) | MB/s (parse) | peak RSS MiB full / parse | RSS target MiB | |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        cmds = []
        for name, dirs in sets.items():
            files = [p for d in dirs for p in tree_files(d)]
            if not files:
                rep.add(f"| {name} | 0 | – | – | – | – | – | – | – | – | – | – | – | – | – | – |")
                rep.missing.append(f"large: {name} has no files")
                continue
            total = size_of(files)
            largest = max(p.stat().st_size for p in files)
            runs = a.plan_runs if name == "Terraform plan" else a.runs
            full = self.dl("full", "check", "--format", "json", *map(str, dirs), files=name)
            parse = self.dl("parse-only", "check", "--format", "json", "--select", "parse", *map(str, dirs), files=name)
            self.log(f"[large] {name}: {len(files)} files, {total / MB:.1f} MB, {runs} runs")
            measure([full, parse], runs, a.plan_timeout if name == "Terraform plan" else a.timeout, self.scratch, self.log)
            self.check_deploylint(full)
            self.check_deploylint(parse)
            fm, pm = full.median(), parse.median()
            ratio = fm / pm if full.runs and parse.runs else float("nan")
            rss_target = (5 * largest + 50 * MIB) / 1024  # KiB
            rss = max(full.peak_rss(), parse.peak_rss())
            timed_out = any(r.timed_out for r in full.runs + parse.runs)
            if ratio != ratio or not full.runs:
                rep.missing.append(f"large: {name}")
            rep.add(f"| {name} | {len(files)} | {total / MB:.1f} | {largest / 1000:.1f} | {len(full.runs)} | "
                    f"{dur(min(full.walls))} / {dur(fm)} / {dur(max(full.walls))}{' (timed out)' if timed_out else ''} | {dur(pm)} | "
                    f"{ratio:.2f} | ≤ {PARSE_RATIO_TARGET:g} | {verdict(None if ratio != ratio else ratio <= PARSE_RATIO_TARGET)} | "
                    f"{len(files) / fm:.3g} | {total / MB / fm:.3g} | {total / MB / pm:.3g} | {mib(full.peak_rss())} / {mib(parse.peak_rss())} | "
                    f"{rss_target / 1024:.0f} | {verdict(rss <= rss_target)} |")
            if name == "JSON templates":
                self.json_mbs = total / MB / fm
            cmds.append(f"- {name}: `{self.show(full.cmd)}` and `{self.show(parse.cmd)}`")
        mbs = getattr(self, "json_mbs", float("nan"))
        rep.add("", "| figure | value | target | |", "|---|---|---|---|",
                f"| throughput on the JSON templates, full run | {mbs:.1f} MB/s | ≥ {JSON_TARGET_MBS:g} MB/s | {verdict(None if mbs != mbs else mbs >= JSON_TARGET_MBS)} |",
                "", "RSS target: 5 × the set's largest file + 50 MiB. MB = 10^6 bytes. Commands:", *cmds)

    # -- all ----------------------------------------------------------------------------------

    def run(self) -> int:
        try:
            return self.run_scenarios()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def run_scenarios(self) -> int:
        a = self.args
        rep = self.rep
        only = {x.strip() for x in (a.only or "").split(",") if x.strip()}
        unknown = only - set(SCENARIOS) - set(PEERS)
        if unknown:
            print(f"--only: unknown names {sorted(unknown)} (scenarios {SCENARIOS}, peers {PEERS})", file=sys.stderr)
            return 2
        scenarios = [s for s in SCENARIOS if s in only] or SCENARIOS
        self.selected_peers = [p for p in PEERS if p in only] or PEERS
        if a.smoke:
            self.selected_peers = []
        code, dl_version = capture([self.binary, "--version"])
        if code != 0:
            print(f"{self.binary} --version failed ({code}): {dl_version}", file=sys.stderr)
            return 1
        rep.add(f"# deploylint side-by-side benchmark{' (smoke run)' if a.smoke else ''}", "",
                f"Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. "
                f"Harness: `python3 benches/compare.py {' '.join(shlex.quote(x) for x in sys.argv[1:])}`.", "", "## Machine", "", *machine(), "")
        # Peers
        t0 = time.perf_counter()
        needs_peers = any(s in scenarios for s in ("corpus", "small"))
        if needs_peers:
            peers_dir = Path(a.peers).resolve()
            for name in self.selected_peers:
                if name == "cfn-guard" or "corpus" in scenarios or name == "cfn-lint":
                    self.peers[name] = peer_setup(name, peers_dir, not a.no_install, self.log)
        install_s = time.perf_counter() - t0
        built = datetime.datetime.fromtimestamp(self.original_stat.st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        rep.add("## Versions", "", f"- deploylint: {dl_version} (`{self.original}`, {self.original_stat.st_size} bytes, "
                f"modified {built}, sha256 {self.binary_sha256[:16]}…; every run uses a copy taken at the start)")
        for name in PEERS:
            p = self.peers.get(name)
            if a.smoke:
                rep.add(f"- {name} {PINS[name]}: skipped (smoke run: no peers)")
            elif name not in self.selected_peers:
                rep.add(f"- {name} {PINS[name]}: not selected (--only)")
            elif p is None:
                rep.add(f"- {name} {PINS[name]}: not needed by the selected scenarios")
            elif p.skipped:
                rep.add(f"- {name} {PINS[name]}: **skipped**: {p.skipped}")
            else:
                rep.add(f"- {name} (pinned {PINS[name]}): `{p.version}`")
        if needs_peers and not a.smoke:
            rep.add(f"- peers folder `{Path(a.peers).resolve()}`; setup and version checks took {install_s:.0f} s")
        if a.install_only:
            print(rep.text())
            return 0
        rep.add("", "## Method", "",
                "- Every figure is a whole process, started by the harness with its output to a null sink: wall clock "
                "from just before the fork to the return of os.wait4. Each comparison runs one warm-up of each side, "
                "then alternates the sides (A B A B ...) so that both see the same machine load; min / median / max "
                "are over the timed runs, and ratios are of medians.",
                f"- {RSS_NOTE}",
                "- MB = 10^6 bytes, MiB = 2^20 bytes.")
        # Scenarios
        t_all = time.perf_counter()
        if "corpus" in scenarios:
            self.corpus()
        large_root = Path(a.large).resolve()
        if "small" in scenarios:
            small = Path(a.small_template) if a.small_template else ROOT / "examples" / "role-cross-check" / "template.yaml"
            if not small.exists():
                # A tiny generated template instead.
                tiny = self.scratch / "tiny"
                gen = [sys.executable, str(HERE / "generate.py"), str(tiny), "--templates", "1", "--template-kb", "3", "--plan-mb", "0", "--quiet"]
                subprocess.run(gen, check=True)
                small = next((tiny / "yaml").glob("*")) if any((tiny / "yaml").glob("*")) else next((tiny / "json").glob("*"))
            self.small(small.resolve())
        if "large" in scenarios:
            gen = [sys.executable, str(HERE / "generate.py"), str(large_root), "--templates", str(a.templates),
                   "--plan-mb", str(a.plan_mb), "--seed", "1"]
            stamp = large_root / ".generated-with"
            wanted = " ".join(gen[1:])
            if not (stamp.exists() and stamp.read_text().strip() == wanted):
                self.log(f"[large] generating {large_root}")
                subprocess.run(gen, check=True)
                stamp.write_text(wanted + "\n")
            self.large(large_root, "python3 benches/generate.py " + " ".join(shlex.quote(x) for x in gen[2:]))
        # Summary of targets
        rep.add("", "## Deploylint failures", "")
        if self.deploylint_failures:
            rep.add(*[f"- {f}" for f in self.deploylint_failures])
        else:
            rep.add("None: every deploylint run exited 0 or 1.")
        now = self.original.stat() if self.original.exists() else None
        if now is None or (now.st_mtime, now.st_size) != (self.original_stat.st_mtime, self.original_stat.st_size):
            rep.add("", f"Note: `{self.original}` was rebuilt or removed during the run; the figures are all of the copy "
                    "taken at the start (sha256 above).")
        rep.add("", f"Scenarios took {time.perf_counter() - t_all:.0f} s; load average at the end "
                f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
        text = rep.text()
        print(text)
        if a.out:
            Path(a.out).write_text(text)
        if a.smoke:
            for heading in ("## 2. One small template", "## 3. Generated large corpus", "| Terraform plan |", "| JSON templates |",
                            "median check − median `--version`"):
                if heading not in text:
                    rep.missing.append(f"report has no `{heading}`")
            if "nan" in text:
                rep.missing.append("report has a NaN figure")
            if rep.missing:
                print(f"smoke: figures missing: {rep.missing}", file=sys.stderr)
                return 1
        return 1 if self.deploylint_failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "deploylint"), help="deploylint binary (default target/release/deploylint)")
    ap.add_argument("--peers", default=str(ROOT / "target" / "bench-peers"), help="where peers are installed (default target/bench-peers)")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "bench"), help="bench corpus (default ../shared/corpus/bench)")
    ap.add_argument("--large", default=str(ROOT / "target" / "bench-corpus"), help="generated corpus folder (default target/bench-corpus)")
    ap.add_argument("--templates", type=int, default=10_000, help="templates of the generated corpus (default 10000)")
    ap.add_argument("--plan-mb", type=float, default=50, help="size of the generated plan (default 50)")
    ap.add_argument("--small-template", help="the one small template (default examples/role-cross-check/template.yaml)")
    ap.add_argument("--runs", type=int, default=11, help="timed runs a side, corpus scenarios (default 11)")
    ap.add_argument("--small-runs", type=int, default=30, help="timed runs a side, small template (default 30)")
    ap.add_argument("--plan-runs", type=int, default=3, help="timed runs a side, the Terraform plan (default 3)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed (default 900)")
    ap.add_argument("--plan-timeout", type=float, default=1800, help="seconds before a plan run is killed (default 1800)")
    ap.add_argument("--only", help=f"scenarios ({','.join(SCENARIOS)}) and/or peers ({','.join(PEERS)}), comma-separated")
    ap.add_argument("--no-install", action="store_true", help="use only peers already installed")
    ap.add_argument("--install-only", action="store_true", help="install the peers, print their versions, stop")
    ap.add_argument("--smoke", action="store_true", help="tiny corpus, deploylint only, 2 runs, no network (CI)")
    ap.add_argument("--out", help="also write the Markdown report here")
    ap.add_argument("--quiet", action="store_true", help="no progress on standard error")
    args = ap.parse_args()

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    if not Path(args.binary).exists():
        print(f"{args.binary} not found (build it with `cargo build --release`, or pass --binary)", file=sys.stderr)
        return 2
    if args.smoke:
        tmp = Path(tempfile.mkdtemp(prefix="deploylint-smoke-"))
        args.large = str(tmp / "corpus")
        args.templates, args.plan_mb = 20, 1
        args.runs = args.plan_runs = min(args.runs, 2) if args.runs != 11 else 2
        args.small_runs = min(args.small_runs, 5) if args.small_runs != 30 else 5
        args.no_install = True
        try:
            return Harness(args, log).run()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return Harness(args, log).run()


if __name__ == "__main__":
    sys.exit(main())
