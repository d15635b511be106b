#!/usr/bin/env python3
"""Classifies every definition under ../shared/corpus/asl as its MANIFEST says and lists the
disagreements: valid files with an `asl/*` error (false positives) and invalid files without
one (checks still missing, or a suite we judge wrong).

Usage: benches/asl_classify.py [--binary target/release/deploylint] [--corpus ../shared/corpus/asl] [-v]
"""
import argparse, json, subprocess, sys, tempfile
from pathlib import Path

def truth(corpus: Path):
    """(path, expected) for every definition: 'valid', 'invalid' or 'unverified'."""
    out = []
    spy = json.loads((corpus / "statelint-py/_expected.json").read_text())
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".yaml", ".yml", ".asl") or path.name.startswith("_"):
            continue
        rel = path.relative_to(corpus)
        parts = rel.parts
        if parts[0] == "statelint-py":
            key = str(path.relative_to(corpus / "statelint-py"))
            entry = spy.get(key)
            if entry is None:
                continue
            out.append((path, "valid" if entry["valid"] else "invalid"))
        elif parts[0] == "workflows-collection":
            bad = ("sfn-iot-data-analytics-dataset__statemachine.asl.json", "shared-fallback-state-jsonata__statemachine.asl.json")
            out.append((path, "invalid" if path.name in bad else "valid"))
        elif len(parts) > 2 and parts[1] in ("valid", "invalid", "unverified"):
            out.append((path, parts[1]))
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/deploylint")
    ap.add_argument("--corpus", default="../shared/corpus/asl")
    ap.add_argument("-v", action="store_true", help="print the findings of each disagreement")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"note: {corpus} not found; nothing to classify")
        return 0
    files = truth(corpus)
    # cfn-lint's cases are the Properties of an AWS::StepFunctions::StateMachine: checked as
    # the templates they come from.
    tmp = Path(tempfile.mkdtemp(prefix="asl-classify-"))
    checked = {}
    for path, _ in files:
        if path.relative_to(corpus).parts[0] == "cfn-lint":
            wrapped = tmp / path.relative_to(corpus)
            wrapped.parent.mkdir(parents=True, exist_ok=True)
            properties = json.loads(path.read_text())
            template = {"AWSTemplateFormatVersion": "2010-09-09",
                        "Resources": {"StateMachine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": properties}}}
            wrapped.write_text(json.dumps(template, indent=2))
            checked[path] = wrapped
        else:
            checked[path] = path
    proc = subprocess.run([args.binary, "check", "--format", "json", "--fail-on", "never", *map(str, checked.values())],
                          capture_output=True, text=True)
    report = json.loads(proc.stdout)
    errors, reported = {}, {}
    for f in report["findings"]:
        if not (f["rule"].startswith("asl/") or f["rule"].startswith("parse/")):
            continue
        if f["severity"] == "error":
            errors.setdefault(f["file"], []).append(f)
        # An unknown field is a warning by design (Step Functions may add fields); suites that
        # expect it rejected count it as found.
        if f["severity"] == "error" or f["rule"] == "asl/unknown-field":
            reported.setdefault(f["file"], []).append(f)
    fp, fn, agree = [], [], 0
    for path, expected in files:
        found = errors.get(str(checked[path]), [])
        if expected == "valid" and found:
            fp.append((path, found))
        elif expected == "invalid" and not reported.get(str(checked[path])):
            fn.append((path, found))
        elif expected != "unverified":
            agree += 1
    print(f"{len(files)} files: {agree} as expected, {len(fp)} valid files with an error, {len(fn)} invalid files without one")
    for title, rows in (("valid, but reported", fp), ("invalid, not reported", fn)):
        print(f"\n## {title}")
        for path, found in rows:
            print(f"- {path.relative_to(corpus)}")
            if args.v:
                for f in found:
                    print(f"    {f['rule']} {f['start']['line']}:{f['start']['column']} {f['message'][:160]}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
