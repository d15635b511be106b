#!/usr/bin/env python3
"""Reproduction harness for the adversarial probe's robustness defects (not a test).

Generates one hostile input per defect (plus a small good input with known findings), runs
deploylint on each alone and then on the whole directory, in every output format, each run
under an address-space limit and a wall-clock timeout, and prints a table of exit code, wall
time, peak RSS and output size with a verdict per run.

    python3 benches/hostile.py [--binary PATH] [--scale N] [--only NAME[,NAME...]] [--keep DIR]
                               [--timeout S] [--formats F,...] [--max-wall S] [--max-rss-mib M]

--scale multiplies the counts (pieces, states, statements, blocks) and byte sizes; the 60-62 MB
files are capped at 63 MiB so they stay under the tool's 64 MiB file limit.
--only takes case names or groups (`join`, `rules-symlink`, `full-disk`, `utf16`, ...); `dir`
selects the run over the whole directory (run by default when --only is not given).
Verdict OK: exit code as expected (0 or 1 unless said otherwise), wall < 10 s, peak RSS < 512 MiB.
Lines marked `info` report behaviour worth a look that does not make the run fail.
Exit status: 1 if any run FAILs, 0 otherwise. Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

FORMATS = ["human", "json", "sarif", "github", "junit"]
AS_LIMIT = 4 << 30  # RLIMIT_AS for every child
MIB = 1 << 20
FILE_CAP = 63 * MIB  # below deploylint's 64 MiB per-file limit
IS_ROOT = os.geteuid() == 0

TASK_RESOURCE = "arn:aws:states:::lambda:invoke"
GOOD_ASL = '{\n  "StartAt": "T",\n  "States": {\n    "T": {"Type": "Task", "Resource": "%s", "End": true}\n  }\n}\n' % TASK_RESOURCE
GOOD_POLICY = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]\n}\n'
# (file basename, rule) the good files must produce
GOOD_EXPECTED = {
    ("good.asl.json", "asl/task-retry"),
    ("good.asl.json", "asl/task-timeout"),
    ("good-policy.json", "iam/wildcard-action"),
}


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass
class Result:
    case: str
    fmt: str
    code: int | None  # None: timed out (killed)
    wall: float
    rss_kib: int
    out_bytes: int
    out_path: Path | None
    err_path: Path
    fails: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    skipped: str = ""
    launch_error: str = ""


Check = Callable[["Case", Result], None]


@dataclass
class Case:
    name: str
    group: str
    args: list[str]  # paths and options after `check`, relative to the inputs directory
    expect: frozenset[int] = frozenset({0, 1})
    checks: list[Check] = field(default_factory=list)
    skip: str = ""
    stdout_to: str | None = None  # e.g. /dev/full instead of a capture file
    need_stderr: bool = False  # an expected failure must say why


def w(path: Path, data: str | bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def n_of(count: float, scale: float) -> int:
    return max(1, int(count * scale))


def task_states(n: int, prefix: str = "Task", robust_from: int | None = None, indent: str = "    ") -> str:
    """n chained Task states as JSON members, pretty-printed one key per line.

    States with index >= robust_from have Retry and TimeoutSeconds (no findings)."""
    parts = []
    for i in range(n):
        nxt = f'"Next": "{prefix}{i + 1:06d}"' if i + 1 < n else '"End": true'
        extra = ""
        if robust_from is not None and i >= robust_from:
            extra = f'{indent}  "TimeoutSeconds": 30,\n{indent}  "Retry": [{{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}}],\n'
        parts.append(
            f'{indent}"{prefix}{i:06d}": {{\n{indent}  "Type": "Task",\n{indent}  "Resource": "{TASK_RESOURCE}",\n'
            f"{extra}{indent}  {nxt}\n{indent}}}"
        )
    return ",\n".join(parts)


def big_cfn_json(target: int) -> str:
    """A CloudFormation JSON template of about `target` bytes: managed policies and state machines."""
    parts = ['{\n"AWSTemplateFormatVersion": "2010-09-09",\n"Resources": {\n']
    size = len(parts[0])
    i = 0
    while size < target:
        if i % 50 == 49:
            r = (
                f'"Flow{i:07d}": {{"Type": "AWS::StepFunctions::StateMachine", "Properties": {{"RoleArn": '
                f'"arn:aws:iam::123456789012:role/flow", "Definition": {{"StartAt": "S", "States": {{"S": {{"Type": "Task", '
                f'"Resource": "{TASK_RESOURCE}", "TimeoutSeconds": 30, "Retry": [{{"ErrorEquals": ["States.ALL"]}}], "End": true}}}}}}}}}},\n'
            )
        else:
            action = '"*"' if i % 1000 == 999 else '["s3:GetObject", "s3:PutObject"]'
            r = (
                f'"Policy{i:07d}": {{"Type": "AWS::IAM::ManagedPolicy", "Properties": {{"PolicyDocument": {{"Version": "2012-10-17", '
                f'"Statement": [{{"Effect": "Allow", "Action": {action}, "Resource": "arn:aws:s3:::bucket-{i}/*"}}, '
                f'{{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:q{i}"}}]}}}}}},\n'
            )
        parts.append(r)
        size += len(r)
        i += 1
    parts.append('"Last": {"Type": "AWS::SNS::Topic"}\n}\n}\n')
    return "".join(parts)


def gen_good(inp: Path, scale: float) -> list[Case]:
    w(inp / "good.asl.json", GOOD_ASL)
    w(inp / "good-policy.json", GOOD_POLICY)
    return [Case("good", "good", ["good.asl.json", "good-policy.json"], checks=[check_good])]


def gen_join(inp: Path, scale: float) -> list[Case]:
    pieces = n_of(7000, scale)
    head = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n'
    head += "      RoleArn: arn:aws:iam::123456789012:role/flow\n"
    flow = "[" + ", ".join(["a"] * pieces) + "]"
    w(inp / "join" / "template.yaml", head + f'      DefinitionString: !Join\n        - "{"x" * 20000}"\n        - {flow}\n')
    alias = 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  Delimiter: &d "' + "x" * 20000 + '"\n' + head[len('AWSTemplateFormatVersion: "2010-09-09"\n'):]
    w(inp / "join-alias" / "template.yaml", alias + f"      DefinitionString: !Join\n        - *d\n        - {flow}\n")
    return [Case("join", "join", ["join/template.yaml"]), Case("join-alias", "join", ["join-alias/template.yaml"])]


def gen_anchors(inp: Path, scale: float) -> list[Case]:
    target = int(434_000 * scale)
    depth = 250  # + Metadata + block key: just under the tool's nesting limit
    parts = ['AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\nMetadata:\n']
    size = len(parts[0])
    n = 0
    b = 0
    while size < target:
        opens = []
        for _ in range(depth):
            n += 1
            opens.append(f"&a{n:x} {{x: 1, k: ")  # every nested mapping anchored, none aliased
        line = f"  B{b}: " + "".join(opens) + "v" + "}" * depth + "\n"
        parts.append(line)
        size += len(line)
        b += 1
    w(inp / "anchors" / "template.yaml", "".join(parts))
    return [Case("anchors", "anchors", ["anchors/template.yaml"])]


def gen_state_path(inp: Path, scale: float) -> list[Case]:
    name = "P" * 100_000
    tasks = task_states(n_of(2000, scale), indent="          ")
    text = (
        f'{{\n  "StartAt": "{name}",\n  "States": {{\n    "{name}": {{\n      "Type": "Parallel",\n      "End": true,\n'
        f'      "Branches": [\n        {{\n        "StartAt": "Task000000",\n        "States": {{\n{tasks}\n        }}\n        }}\n      ]\n'
        "    }\n  }\n}\n"
    )
    w(inp / "state-path" / "flow.asl.json", text)
    return [Case("state-path", "state-path", ["state-path/flow.asl.json"])]


def gen_definition_uri(inp: Path, scale: float) -> list[Case]:
    d = inp / "definition-uri"
    target = int(11.5e6 * scale)
    parts = ['{\n  "Comment": "big",\n  "StartAt": "S0000000",\n  "States": {\n']
    size = len(parts[0])
    i = 0
    while size < target:
        kind = (
            f'"Type": "Task", "Resource": "{TASK_RESOURCE}", "TimeoutSeconds": 30, "Retry": [{{"ErrorEquals": ["States.ALL"]}}]'
            if i % 2
            else '"Type": "Pass", "Result": {"step": %d}' % i
        )
        if i == 1:  # the one finding pair
            kind = f'"Type": "Task", "Resource": "{TASK_RESOURCE}"'
        s = f'    "S{i:07d}": {{{kind}, "Next": "S{i + 1:07d}"}},\n'
        parts.append(s)
        size += len(s)
        i += 1
    parts.append(f'    "S{i:07d}": {{"Type": "Succeed"}}\n  }}\n}}\n')
    w(d / "big.asl.json", "".join(parts))
    t = ['AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n']
    for k in range(20):
        t.append(f"  Flow{k:02d}:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: big.asl.json\n")
    w(d / "template.yaml", "".join(t))
    return [Case("definition-uri", "definition-uri", ["definition-uri/template.yaml"])]


def gen_human_report(inp: Path, scale: float) -> list[Case]:
    text = '{\n  "StartAt": "Task000000",\n  "States": {\n' + task_states(n_of(20_000, scale)) + "\n  }\n}\n"
    w(inp / "human-report" / "flow.asl.json", text)
    return [Case("human-report", "human-report", ["human-report/flow.asl.json"])]


def gen_big_plan(inp: Path, scale: float) -> list[Case]:
    target = min(int(52e6 * scale), FILE_CAP)
    prov = '"provider_name":"registry.terraform.io/hashicorp/aws","schema_version":0'
    parts = ['{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"root_module":{"resources":[']
    size = len(parts[0])
    i = 0
    while size < target:
        if i % 20 == 19:
            robust = "" if i % 100 == 99 else '"TimeoutSeconds":30,"Retry":[{"ErrorEquals":["States.ALL"]}],'
            definition = {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": TASK_RESOURCE, "End": True}}}
            dj = json.dumps(definition, separators=(",", ":")).replace('"End"', robust + '"End"', 1)
            r = (
                f'{{"address":"aws_sfn_state_machine.m{i}","mode":"managed","type":"aws_sfn_state_machine","name":"m{i}",{prov},'
                f'"values":{{"name":"m{i}","role_arn":"arn:aws:iam::123456789012:role/flow","definition":{json.dumps(dj)}}},"sensitive_values":{{}}}}'
            )
        else:
            action = '"*"' if i % 500 == 250 else '["s3:GetObject","s3:PutObject","s3:ListBucket"]'
            pol = (
                f'{{"Version":"2012-10-17","Statement":[{{"Sid":"S{i}","Effect":"Allow","Action":{action},'
                f'"Resource":["arn:aws:s3:::bucket-{i}","arn:aws:s3:::bucket-{i}/*"]}}]}}'
            )
            r = (
                f'{{"address":"aws_iam_policy.p{i}","mode":"managed","type":"aws_iam_policy","name":"p{i}",{prov},'
                f'"values":{{"name":"p{i}","path":"/","description":"policy {i}","policy":{json.dumps(pol)}}},"sensitive_values":{{}}}}'
            )
        if i:
            r = "," + r
        parts.append(r)
        size += len(r)
        i += 1
    parts.append("]}}}\n")
    w(inp / "big-plan" / "plan.json", "".join(parts))
    return [Case("big-plan", "human-report", ["big-plan/plan.json"])]


def gen_rules_symlink(inp: Path, scale: float) -> list[Case]:
    rules = inp.parent / "rules"
    cases = []
    outside = Path("/etc/passwd")
    subs = {"outside": [("x.yaml", str(outside))], "zero": [("zero.yaml", "/dev/zero")], "loop": [("a.yaml", "b.yaml"), ("b.yaml", "a.yaml")]}
    for sub, links in subs.items():
        d = rules / sub
        d.mkdir(parents=True, exist_ok=True)
        for name, target in links:
            os.symlink(target, d / name)
        cases.append(
            Case(
                f"rules-symlink-{sub}",
                "rules-symlink",
                ["good.asl.json", "--rules", f"../rules/{sub}"],
                expect=frozenset({2}),
                need_stderr=True,
                checks=[check_no_leak(sub)],
            )
        )
    return cases


def gen_control_chars(inp: Path, scale: float) -> list[Case]:
    d = inp / "control-chars"
    name = "Red\x1b[31mAlert\x1b[0m\rOverwritten\n::error::injected-by-state-name\n::add-mask::secret"
    asl = {"StartAt": name, "States": {name: {"Type": "Task", "Resource": TASK_RESOURCE, "End": True}}}
    w(d / "esc.asl.json", json.dumps(asl, indent=2) + "\n")  # \u001b, \r, \n escapes: valid JSON
    # Raw ESC and CR bytes in a comment (the CR splits it into two comment lines: valid YAML).
    w(d / "raw-comment.asl.yaml", b"# raw ESC \x1b[31m red \x1b]0;title\x07\r# after a raw CR\nStartAt: T\nStates:\n  T:\n    Type: Task\n"
      b"    Resource: arn:aws:states:::lambda:invoke\n    End: true\n")
    # Raw ESC in a plain scalar (a state name); a parser may refuse it, then the snippet shows it.
    w(d / "raw-scalar.asl.yaml", b"StartAt: T\x1b[32mX\nStates:\n  T\x1b[32mX:\n    Type: Task\n    Resource: arn:aws:states:::lambda:invoke\n    End: true\n")
    w(d / "ctl\n::error::pwned.asl.json", GOOD_ASL)
    return [Case("control-chars", "control-chars", ["control-chars"], checks=[check_control_chars])]


def gen_big_file(inp: Path, scale: float) -> list[Case]:
    w(inp / "big-file" / "template.json", big_cfn_json(min(int(62e6 * scale), FILE_CAP)))
    text = big_cfn_json(min(int(60e6 * scale), FILE_CAP)).encode()
    for k in range(4):
        w(inp / "parallel-big" / f"big{k}.template.json", text)
    return [Case("big-file", "big-file", ["big-file/template.json"]), Case("parallel-big", "big-file", ["parallel-big"])]


def gen_many_findings(inp: Path, scale: float) -> list[Case]:
    target = int(12e6 * scale)
    stmt = '    {"Effect": "Allow", "Action": "*", "Resource": "*"}'
    count = max(1, (target - 60) // (len(stmt) + 2))
    w(inp / "many-findings" / "policy.json", '{\n  "Version": "2012-10-17",\n  "Statement": [\n' + ",\n".join([stmt] * count) + "\n  ]\n}\n")
    return [Case("many-findings", "many-findings", ["many-findings/policy.json"])]


def gen_unreadable_dir(inp: Path, scale: float) -> list[Case]:
    d = inp / "unreadable-dir"
    w(d / "ok.asl.json", GOOD_ASL)
    w(d / "locked" / "hidden.asl.json", GOOD_ASL)
    os.chmod(d / "locked", 0)
    skip = "skipped: running as root, and root can read everything" if IS_ROOT else ""
    return [Case("unreadable-dir", "unreadable-dir", ["unreadable-dir"], skip=skip, checks=[check_stderr_mentions("locked")])]


def gen_yaml_broken_doc(inp: Path, scale: float) -> list[Case]:
    text = (
        "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: arn:aws:states:::lambda:invoke\n    End: true\n"
        "---\nStartAt: [unclosed\nStates: {T: {Type: Task, : : :\n  - ]\n"
    )
    w(inp / "yaml-broken-doc" / "flow.asl.yaml", text)
    return [Case("yaml-broken-doc", "yaml-broken-doc", ["yaml-broken-doc/flow.asl.yaml"], checks=[check_broken_doc])]


def gen_backslash_name(inp: Path, scale: float) -> list[Case]:
    w(inp / "backslash-name" / "a\\b.asl.json", GOOD_ASL)
    return [Case("backslash-name", "backslash-name", ["backslash-name/a\\b.asl.json"], checks=[check_backslash])]


def gen_full_disk(inp: Path, scale: float) -> list[Case]:
    skip = "" if os.path.exists("/dev/full") else "skipped: no /dev/full"
    return [
        Case("full-disk-output", "full-disk", ["good.asl.json", "--output", "/dev/full"], expect=frozenset({2}), need_stderr=True, skip=skip),
        Case("full-disk-stdout", "full-disk", ["good.asl.json"], expect=frozenset({2}), need_stderr=True, skip=skip, stdout_to="/dev/full"),
    ]


def gen_definition_uri_outside(inp: Path, scale: float) -> list[Case]:
    d = inp / "definition-uri-outside"
    d.mkdir(parents=True, exist_ok=True)
    up = "../" * max(4, len(d.resolve().parts))  # enough to reach / from wherever --keep puts it
    uris = {"FlowA": up + "etc/passwd", "FlowB": up + "nonexistent-xyz.json"}
    t = ['AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n']
    for rid, uri in uris.items():
        t.append(f"  {rid}:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: {uri}\n")
    w(d / "template.yaml", "".join(t))
    return [Case("definition-uri-outside", "definition-uri-outside", ["definition-uri-outside/template.yaml"], checks=[check_outside(uris)])]


def gen_permission_denied(inp: Path, scale: float) -> list[Case]:
    p = inp / "permission-denied" / "locked.asl.json"
    w(p, GOOD_ASL)
    os.chmod(p, 0)
    skip = "skipped: running as root, and root can read everything" if IS_ROOT else ""
    return [Case("permission-denied", "permission-denied", ["permission-denied/locked.asl.json"], skip=skip)]


def gen_utf16(inp: Path, scale: float) -> list[Case]:
    d = inp / "utf16"
    w(d / "odd.asl.json", b"\xff\xfe" + GOOD_ASL.encode("utf-16-le") + b"\x41")
    # A lone high surrogate (D800) inside a JSON string.
    pre, post = '{\n  "Comment": "lone ', '",\n' + GOOD_ASL[2:]
    body = pre.encode("utf-16-le") + b"\x00\xd8" + post.encode("utf-16-le")
    w(d / "surrogate.asl.json", b"\xff\xfe" + body)
    return [
        Case("utf16-odd", "utf16", ["utf16/odd.asl.json"], checks=[check_encoding("odd.asl.json")]),
        Case("utf16-surrogate", "utf16", ["utf16/surrogate.asl.json"], checks=[check_encoding("surrogate.asl.json")]),
    ]


GENERATORS = [
    gen_good, gen_join, gen_anchors, gen_state_path, gen_definition_uri, gen_human_report, gen_big_plan, gen_rules_symlink,
    gen_control_chars, gen_big_file, gen_many_findings, gen_unreadable_dir, gen_yaml_broken_doc, gen_backslash_name,
    gen_full_disk, gen_definition_uri_outside, gen_permission_denied, gen_utf16,
]
# names and groups each generator yields, for --only without generating everything
GEN_NAMES = {
    gen_good: {"good"}, gen_join: {"join", "join-alias"}, gen_anchors: {"anchors"}, gen_state_path: {"state-path"},
    gen_definition_uri: {"definition-uri"}, gen_human_report: {"human-report"}, gen_big_plan: {"big-plan", "human-report"},
    gen_rules_symlink: {"rules-symlink", "rules-symlink-outside", "rules-symlink-zero", "rules-symlink-loop"},
    gen_control_chars: {"control-chars"}, gen_big_file: {"big-file", "parallel-big"}, gen_many_findings: {"many-findings"},
    gen_unreadable_dir: {"unreadable-dir"}, gen_yaml_broken_doc: {"yaml-broken-doc"}, gen_backslash_name: {"backslash-name"},
    gen_full_disk: {"full-disk", "full-disk-output", "full-disk-stdout"},
    gen_definition_uri_outside: {"definition-uri-outside"}, gen_permission_denied: {"permission-denied"},
    gen_utf16: {"utf16", "utf16-odd", "utf16-surrogate"},
}


# --------------------------------------------------------------------------------------------
# Output inspection
# --------------------------------------------------------------------------------------------


def iter_findings(path: Path):
    """Findings of a JSON report; pretty-printed reports above 64 MiB are streamed per finding."""
    if path.stat().st_size <= 64 * MIB:
        with open(path, "rb") as f:
            yield from json.load(f).get("findings", [])
        return
    buf: list[bytes] | None = None
    seen_any = False
    with open(path, "rb") as f:
        for line in f:
            s = line.rstrip(b"\r\n")
            if buf is None:
                if s == b"    {":
                    buf = [line]
            else:
                buf.append(line)
                if s in (b"    }", b"    },"):
                    seen_any = True
                    yield json.loads(b"".join(buf).rstrip().rstrip(b","))
                    buf = None
        if buf is not None:
            raise ValueError("JSON report is truncated inside a finding")
    if not seen_any:  # not the pretty layout after all
        with open(path, "rb") as f:
            yield from json.load(f).get("findings", [])


def findings_or_fail(res: Result) -> list[dict] | None:
    if res.out_path is None or res.code is None or res.code < 0 or res.launch_error:
        return None  # killed or crashed: the verdict already says so
    try:
        return list(iter_findings(res.out_path))
    except (ValueError, OSError) as err:
        res.fails.append(f"JSON report does not parse: {str(err)[:60]}")
        return None


def head(path: Path | None, limit: int = 256 * MIB) -> bytes:
    if path is None or not path.exists():
        return b""
    with open(path, "rb") as f:
        return f.read(limit)


def check_good(case: Case, res: Result) -> None:
    if res.fmt != "json":
        return
    found = findings_or_fail(res)
    if found is None:
        res.fails.append("no JSON report to look for the good file's findings")
        return
    got = {(os.path.basename(f.get("file", "")), f.get("rule")) for f in found}
    missing = sorted(GOOD_EXPECTED - got)
    if missing:
        res.fails.append("good findings missing: " + ", ".join(f"{r}@{p}" for p, r in missing))


def check_no_leak(sub: str) -> Check:
    def check(case: Case, res: Result) -> None:
        text = head(res.out_path) + head(res.err_path)
        if sub == "outside":
            first = Path("/etc/passwd").read_bytes().split(b"\n", 1)[0]
            if first and first in text:
                res.fails.append("report shows the outside file's content")
        elif sub == "zero" and b"\x00" * 16 in text:
            res.fails.append("report shows /dev/zero's content")
        if len(text) > 64 * 1024:
            res.fails.append(f"{len(text) >> 10} KiB of output for an error")

    return check


ESC, CR = b"\x1b", b"\r"
CMD_LINE = re.compile(rb"^::(error|warning|notice) file=[^\n]*?::", re.M)


def check_control_chars(case: Case, res: Result) -> None:
    if res.fmt not in ("human", "github"):
        return
    text = head(res.out_path)
    notes = []
    if ESC in text:
        notes.append(f"{text.count(ESC)} raw ESC bytes")
    if CR in text:
        notes.append(f"{text.count(CR)} raw CR bytes")
    injected = []
    for line in text.split(b"\n"):
        if line.startswith((b"::error", b"::add-mask", b"::warning", b"::notice", b"::")):
            if res.fmt == "human" or not CMD_LINE.match(line):
                injected.append(line[:40])
    if injected:
        notes.append(f"{len(injected)} injected workflow-command lines, e.g. {injected[0]!r}")
    res.infos.append(f"{res.fmt}: " + ("; ".join(notes) if notes else "no raw ESC/CR, no injected `::` lines"))


def check_stderr_mentions(word: str) -> Check:
    def check(case: Case, res: Result) -> None:
        if res.fmt == "human":
            ok = word.encode() in head(res.err_path) or word.encode() in head(res.out_path)
            res.infos.append(f"the unreadable `{word}` is {'reported' if ok else 'NOT reported'}")

    return check


def check_broken_doc(case: Case, res: Result) -> None:
    if res.fmt != "json":
        return
    found = findings_or_fail(res)
    if found is not None:
        rules = sorted({f.get("rule") for f in found})
        res.infos.append(f"rules reported: {', '.join(rules) or 'none'} (document 1 alone gives asl/task-retry, asl/task-timeout)")


def check_backslash(case: Case, res: Result) -> None:
    if res.fmt != "json":
        return
    found = findings_or_fail(res)
    if found is not None:
        files = sorted({f.get("file", "") for f in found})
        ok = any("a\\b.asl.json" in f for f in files)
        res.infos.append(f"file names reported: {files!r}: backslash {'kept' if ok else 'LOST'}")


def check_outside(uris: dict[str, str]) -> Check:
    def check(case: Case, res: Result) -> None:
        if res.fmt != "json":
            return
        found = findings_or_fail(res)
        if found is None:
            return
        norm = {}
        for f in found:
            msg = f.get("message", "")
            for rid, uri in uris.items():
                if rid in msg or uri in msg:
                    norm[rid] = msg.replace(uri, "<URI>").replace(rid, "<ID>")
        if len(norm) < 2:
            res.infos.append(f"expected a message for each DefinitionUri, got {len(norm)}")
        elif norm["FlowA"] == norm["FlowB"]:
            res.infos.append("messages for /etc/passwd and a nonexistent path are identical (existence not revealed)")
        else:
            res.infos.append(f"messages differ, revealing existence: {norm['FlowA'][:70]!r} vs {norm['FlowB'][:70]!r}")

    return check


def check_encoding(name: str) -> Check:
    def check(case: Case, res: Result) -> None:
        if res.fmt != "json":
            return
        found = findings_or_fail(res)
        if found is not None:
            rules = sorted({f.get("rule") for f in found if f.get("file", "").endswith(name)})
            ok = "parse/encoding" in rules
            res.infos.append(f"rules for {name}: {', '.join(rules) or 'none'}: parse/encoding {'present' if ok else 'ABSENT'}")

    return check


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run(binary: str, argv: list[str], cwd: str, out: str, err: str, timeout: float, stdout_to: str | None) -> tuple:
    """Runs one child; returns (exit code or None on timeout, wall s, peak RSS KiB, launch error)."""
    with open(stdout_to or out, "wb") as so, open(err, "wb") as se:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                [binary, *argv], cwd=cwd, stdin=subprocess.DEVNULL, stdout=so, stderr=se, preexec_fn=limit_child, start_new_session=True
            )
        except OSError as exc:  # e.g. the binary is being rebuilt
            return None, 0.0, 0, f"cannot start: {exc}"
        delay = 0.001
        timed_out = False
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - start > timeout:
                    timed_out = True
                    os.killpg(proc.pid, signal.SIGKILL)  # the session of the child started above
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(delay)
                delay = min(delay * 2, 0.02)
        except BaseException:  # Ctrl-C: do not leave the child running in its own session
            if not timed_out:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
            raise
        wall = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped here; keep Popen from waiting again
    return (None if timed_out else code), wall, usage.ru_maxrss, ""


class Launcher:
    """A small process, forked before the inputs are generated, that starts every child.

    Linux carries a process's peak RSS across exec, and a preexec_fn forces fork: a child
    forked from this harness after it built 60 MB inputs would start with the harness's memory
    in its peak. Forked early, the launcher keeps that baseline at the bare interpreter's size."""

    def __init__(self) -> None:
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(cmd_w)
            os.close(res_r)
            code = 0
            try:
                with os.fdopen(cmd_r, "r") as cmds, os.fdopen(res_w, "w") as replies:
                    for line in cmds:
                        replies.write(json.dumps(run(**json.loads(line))) + "\n")
                        replies.flush()
            except BaseException:
                code = 1
            os._exit(code)
        os.close(cmd_r)
        os.close(res_w)
        self.cmds = os.fdopen(cmd_w, "w")
        self.replies = os.fdopen(res_r, "r")

    def run(self, **request) -> tuple:
        self.cmds.write(json.dumps(request) + "\n")
        self.cmds.flush()
        line = self.replies.readline()
        if not line:
            raise RuntimeError("the launcher process died")
        return tuple(json.loads(line))

    def close(self) -> None:
        self.cmds.close()
        self.replies.close()
        os.waitpid(self.pid, 0)


def describe_exit(code: int | None, err: Path, launch_error: str = "") -> str:
    if launch_error:
        return launch_error
    if code is None:
        return "timeout (killed)"
    msg = head(err, 4096)
    alloc = " (allocation failed)" if b"memory allocation" in msg else ""
    if code < 0:
        try:
            return f"crash: {signal.Signals(-code).name}{alloc}"
        except ValueError:
            return f"crash: signal {-code}"
    if code == 134:
        return f"crash: SIGABRT{alloc}"
    if code == 101:
        return "panic"
    return f"exit {code}"


def verdict(case: Case, res: Result, max_wall: float, max_rss: float) -> None:
    if res.code not in case.expect:
        want = "/".join(map(str, sorted(case.expect)))
        res.fails.insert(0, f"{describe_exit(res.code, res.err_path, res.launch_error)} (want {want})")
    elif case.need_stderr and not head(res.err_path, 4096).strip():
        res.fails.insert(0, "no error message on stderr")
    if res.wall >= max_wall:
        res.fails.append(f"wall {res.wall:.1f} s")
    if res.rss_kib / 1024 >= max_rss:
        res.fails.append(f"RSS {res.rss_kib / 1024:.0f} MiB")


def run_case(case: Case, fmt: str, binary: str, inp: Path, outdir: Path, args, launcher: Launcher) -> Result:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", case.name)
    out, err = outdir / f"{stem}.{fmt}.out", outdir / f"{stem}.{fmt}.err"
    if case.skip:
        return Result(case.name, fmt, 0, 0.0, 0, 0, None, err, skipped=case.skip)
    argv = ["check", *case.args, "--format", fmt]
    code, wall, rss, launch_error = launcher.run(
        binary=binary, argv=argv, cwd=str(inp), out=str(out), err=str(err), timeout=args.timeout, stdout_to=case.stdout_to
    )
    out_path = None if case.stdout_to else out
    size = out_path.stat().st_size if out_path and out_path.exists() else 0
    res = Result(case.name, fmt, code, wall, rss, size, out_path, err, launch_error=launch_error)
    verdict(case, res, args.max_wall, args.max_rss_mib)
    for check in case.checks:
        try:
            check(case, res)
        except Exception as exc:  # a harness check must not hide the table
            res.infos.append(f"check failed: {exc!r}"[:120])
    return res


def selected(names: set[str], only: set[str] | None) -> bool:
    return only is None or bool(names & only)


def rm_tree(path: Path) -> None:
    if not path.exists():
        return
    for root, dirs, files in os.walk(path):
        for d in dirs:
            p = os.path.join(root, d)
            if not os.path.islink(p):
                os.chmod(p, 0o700)
    for root, dirs, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                os.chmod(p, 0o600)
    shutil.rmtree(path)


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=str(here / "target" / "release" / "deploylint"))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the input sizes (default 1)")
    ap.add_argument("--only", help="comma-separated case names or groups; `dir` for the whole-directory run")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temp dir, removed)")
    ap.add_argument("--timeout", type=float, default=60.0, help="wall-clock limit per run, s (default 60)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats (default: all)")
    ap.add_argument("--max-wall", type=float, default=10.0, help="OK below this wall time, s (default 10)")
    ap.add_argument("--max-rss-mib", type=float, default=512.0, help="OK below this peak RSS, MiB (default 512)")
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"error: {binary} is not an executable; build it with `cargo build --release`", file=sys.stderr)
        return 2
    formats = [f for f in args.formats.split(",") if f]
    if bad := [f for f in formats if f not in FORMATS]:
        print(f"error: unknown format {bad[0]}", file=sys.stderr)
        return 2
    only = {s.strip() for s in args.only.split(",") if s.strip()} if args.only else None
    if only:
        known = set().union(*GEN_NAMES.values()) | {"dir"}
        if unknown := sorted(only - known):
            print(f"error: unknown case {unknown[0]}; known: {', '.join(sorted(known))}", file=sys.stderr)
            return 2

    launcher = Launcher()  # before anything big is allocated
    base = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="hostile-"))
    base.mkdir(parents=True, exist_ok=True)
    inp, outdir = base / "inputs", base / "out"
    for p in (inp, outdir, base / "rules"):
        rm_tree(p)
    inp.mkdir()
    outdir.mkdir()
    try:
        cases: list[Case] = []
        t0 = time.monotonic()
        for gen in GENERATORS:
            if gen is gen_good or selected(GEN_NAMES[gen], only):
                g0 = time.monotonic()
                made = gen(inp, args.scale)
                cases += [c for c in made if c.name == "good" or only is None or c.name in only or c.group in only]
                print(f"generated {gen.__name__[4:]:<24} {time.monotonic() - g0:5.1f} s", file=sys.stderr)
        total = sum(f.stat().st_size for f in inp.rglob("*") if f.is_file() and not f.is_symlink() and os.access(f, os.R_OK))
        print(f"inputs in {inp}: {total / MIB:.1f} MiB, {time.monotonic() - t0:.1f} s", file=sys.stderr)

        results: list[Result] = []
        dir_case = Case("dir (all inputs)", "dir", ["."], checks=[check_good])
        todo = [c for c in cases] + ([dir_case] if only is None or "dir" in only else [])
        for case in todo:
            for fmt in formats:
                res = run_case(case, fmt, binary, inp, outdir, args, launcher)
                results.append(res)
                state = "SKIP" if res.skipped else ("FAIL" if res.fails else "OK")
                print(f"  ran {case.name:<24} {fmt:<6} {state} {res.wall:6.2f} s", file=sys.stderr)

        print(f"\nbinary {binary}, scale {args.scale:g}, RLIMIT_AS {AS_LIMIT >> 30} GiB, timeout {args.timeout:g} s, inputs {inp}")
        print(f"{'name':<24} {'format':<6} {'exit':>6} {'wall s':>7} {'RSS MiB':>8} {'out MiB':>8}  verdict")
        failed = 0
        skipped_said = set()
        for r in results:
            if r.skipped:
                if r.case not in skipped_said:
                    print(f"{r.case:<24} {'*':<6} {'-':>6} {'-':>7} {'-':>8} {'-':>8}  SKIP ({r.skipped})")
                    skipped_said.add(r.case)
                continue
            code = "T/O" if r.code is None else str(r.code)
            v = "FAIL: " + "; ".join(r.fails) if r.fails else "OK"
            failed += bool(r.fails)
            print(f"{r.case:<24} {r.fmt:<6} {code:>6} {r.wall:7.2f} {r.rss_kib / 1024:8.1f} {r.out_bytes / MIB:8.2f}  {v}")
        infos = [(r.case, r.fmt, i) for r in results for i in r.infos]
        if infos:
            print("\ninfo:")
            for name, fmt, i in infos:
                print(f"  {name} [{fmt}]: {i}")
        ran = sum(1 for r in results if not r.skipped)
        print(f"\n{failed} of {ran} runs FAIL" + (f"; outputs kept in {outdir}" if args.keep else ""))
        return 1 if failed else 0
    finally:
        launcher.close()
        if not args.keep:
            rm_tree(base)


if __name__ == "__main__":
    sys.exit(main())
