#!/usr/bin/env python3
"""Writes the hooks mirror for one deploylint version into a folder (the mirror repository's
working tree): its pyproject.toml, depending on `deploylint==<version>`, and its
.pre-commit-hooks.yaml. The release publishes the wheel, then commits this and tags it
`v<version>`, so that `rev: v<version>` in a .pre-commit-config.yaml installs that wheel.

    python3 scripts/stamp-hooks-mirror.py 0.2.0 ../deploylint-pre-commit
"""

import pathlib
import re
import sys

TEMPLATE = pathlib.Path(__file__).resolve().parent / "hooks-mirror"


def main() -> None:
    if len(sys.argv) != 3 or not re.fullmatch(r"\d+\.\d+\.\d+([.-]?[0-9A-Za-z.]+)?", sys.argv[1]):
        raise SystemExit("usage: stamp-hooks-mirror.py <version such as 0.2.0> <mirror folder>")
    version, out = sys.argv[1], pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    text = (TEMPLATE / "pyproject.toml.in").read_text().replace("@VERSION@", version)
    (out / "pyproject.toml").write_text(text)
    (out / ".pre-commit-hooks.yaml").write_text((TEMPLATE / ".pre-commit-hooks.yaml").read_text())
    print(f"{out}: hooks mirror for deploylint {version}")


if __name__ == "__main__":
    main()
