#!/usr/bin/env python3
"""Differential run: PyPI statelint 3.1.0 against deploylint on every definition under
../shared/corpus/asl. Lists every file where one reports a problem and the other does not,
with the suite's verdict (see benches/asl_classify.py) and both first messages.

Usage: benches/statelint_diff.py [--binary target/release/deploylint] [--corpus ../shared/corpus/asl]
statelint is installed into target/statelint-venv on first use (PyPI statelint==3.1.0, PyYAML).
"""
import argparse, json, subprocess, sys, venv
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from asl_classify import truth  # noqa: E402

RUNNER = r'''
import json, sys
from statelint.config import Config
from statelint.linter import Linter
out = {}
for path in sys.argv[1:]:
    config = Config([], path.endswith((".yaml", ".yml")), False)
    try:
        out[path] = [str(p) for p in Linter.validate(path, config)]
    except Exception as e:  # a file statelint cannot read at all
        out[path] = [f"statelint failed: {type(e).__name__}: {e}"]
print(json.dumps(out))
'''

def statelint_python(root: Path) -> Path:
    env = root / "target" / "statelint-venv"
    python = env / "bin" / "python"
    if not python.exists():
        venv.create(env, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "statelint==3.1.0", "PyYAML"], check=True)
    return python

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/deploylint")
    ap.add_argument("--corpus", default="../shared/corpus/asl")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"note: {corpus} not found; nothing to compare")
        return 0
    # cfn-lint's cases are template Properties, not definitions statelint reads.
    files = [(p, t) for p, t in truth(corpus) if p.relative_to(corpus).parts[0] != "cfn-lint"]
    python = statelint_python(Path(__file__).resolve().parent.parent)
    theirs = json.loads(subprocess.run([python, "-c", RUNNER, *map(str, (p for p, _ in files))], capture_output=True, text=True, check=True).stdout)
    report = json.loads(subprocess.run([args.binary, "check", "--format", "json", "--fail-on", "never", *map(str, (p for p, _ in files))],
                                       capture_output=True, text=True).stdout)
    ours = {}
    for f in report["findings"]:
        if (f["rule"].startswith("asl/") or f["rule"].startswith("parse/")) and f["severity"] == "error":
            ours.setdefault(f["file"], []).append(f"{f['rule']} {f['start']['line']}:{f['start']['column']} {f['message']}")
    counts = Counter()
    rows = []
    for path, verdict in files:
        s, d = bool(theirs.get(str(path))), bool(ours.get(str(path)))
        kind = {(True, True): "both", (False, False): "neither", (True, False): "only statelint", (False, True): "only deploylint"}[(s, d)]
        counts[(kind, verdict)] += 1
        if s != d:
            rows.append((kind, verdict, path, (theirs.get(str(path)) or [""])[0], (ours.get(str(path)) or [""])[0]))
    print(f"{len(files)} definitions (statelint 3.1.0 vs deploylint, errors only)")
    for (kind, verdict), n in sorted(counts.items()):
        print(f"  {kind:16} suite says {verdict:10} {n}")
    print("\n## disagreements")
    for kind, verdict, path, first_theirs, first_ours in sorted(rows, key=lambda r: (r[0], r[1], str(r[2]))):
        print(f"- [{kind}; suite: {verdict}] {path.relative_to(corpus)}")
        if first_theirs:
            print(f"    statelint: {first_theirs[:200]}")
        if first_ours:
            print(f"    deploylint: {first_ours[:200]}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
