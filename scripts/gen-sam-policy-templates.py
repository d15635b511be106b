#!/usr/bin/env python3
"""Regenerates data/sam/policy-templates.json, the SAM policy templates (`DynamoDBCrudPolicy`,
`SQSSendMessagePolicy`, ...) deploylint expands into the statements they grant, from the pinned
`aws-sam-translator` package on PyPI (AWS's SAM translator, Apache-2.0: its LICENSE and NOTICE
are copied beside the data):

    python3 scripts/gen-sam-policy-templates.py            # the pinned version
    python3 scripts/gen-sam-policy-templates.py 1.116.0    # another one (then update PINNED)

The templates are kept as the package has them (`Definition`, `Parameters`, `Description`),
sorted by name, under an `about` record naming the package and version.
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PINNED = "1.115.0"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "sam"
MEMBER = "samtranslator/policy_templates_data/policy_templates.json"


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else PINNED
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "-d", tmp, f"aws-sam-translator=={version}"],
            check=True,
        )
        wheel = next(pathlib.Path(tmp).glob("aws_sam_translator-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = json.loads(archive.read(MEMBER))
            names = archive.namelist()
            for license_file in ("LICENSE", "NOTICE"):
                member = next(n for n in names if n.endswith(f".dist-info/licenses/{license_file}") or n.endswith(f".dist-info/{license_file}"))
                (OUT / f"{license_file}.aws-sam-translator.txt").write_bytes(archive.read(member))
    templates = data["Templates"]
    out = {
        "about": {
            "what": "SAM policy templates: the statements each grants, with {\"Ref\": Parameter} where the template's parameter goes",
            "source": f"aws-sam-translator {version} (PyPI), {MEMBER}",
            "license": "Apache-2.0 (data/sam/LICENSE.aws-sam-translator.txt, NOTICE.aws-sam-translator.txt)",
            "generated_by": "scripts/gen-sam-policy-templates.py",
            "count": len(templates),
        },
        "Templates": {name: templates[name] for name in sorted(templates)},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "policy-templates.json").write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
    print(f"data/sam/policy-templates.json: {len(templates)} templates from aws-sam-translator {version}")


if __name__ == "__main__":
    main()
