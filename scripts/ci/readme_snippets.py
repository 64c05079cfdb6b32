#!/usr/bin/env python3
"""The README's "In CI and pre-commit" snippets are the files in docs/ci/ that the integration
tests run: each file must appear in that section, verbatim, as a fenced yaml block."""

import os
import re
import sys

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
    readme = f.read()
section = readme.split("## In CI and pre-commit\n", 1)[-1].split("\n## ", 1)[0]
blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
failed = []
for name in ("github-workflow.yml", "gitlab.yml", "pre-commit-config.yaml"):
    with open(os.path.join(SRC, "docs/ci", name), encoding="utf-8") as f:
        text = f.read()
    ok = text in blocks
    print(("ok: " if ok else "FAIL: ") + f"README shows docs/ci/{name} verbatim")
    if not ok:
        failed.append(name)
if failed:
    sys.exit(f"readme_snippets.py: update the README's 'In CI and pre-commit' from docs/ci/: {failed}")
print("readme_snippets.py: all passed")
