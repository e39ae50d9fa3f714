#!/usr/bin/env python3
"""Write the inputs and outputs tables of each module's README from its variables.tf and outputs.tf.

The tables sit between the markers below; everything else in a README is written by hand. The
files are read with an HCL parser, so a table always says what the module declares.

Usage:
    scripts/checks/module_docs.py           # rewrite the tables
    scripts/checks/module_docs.py --check   # exit 1 if a README is out of date (pre-commit and tests)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import hcl2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from release.stack import hcl_literal

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "modules"
BEGIN = "<!-- BEGIN GENERATED: scripts/checks/module_docs.py -->"
END = "<!-- END GENERATED -->"


def _text(value: Any) -> str:
    """An HCL value as python-hcl2 returns it, back in HCL-ish text for a table cell."""
    if isinstance(value, str):
        if value.startswith('"') and value.endswith('"'):
            return json.loads(value)
        return value.removeprefix("${").removesuffix("}")
    return json.dumps(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def blocks(path: Path, kind: str) -> list[tuple[str, dict]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle)
    return [(json.loads(name), body) for block in parsed.get(kind, []) for name, body in block.items()]


def render(module: Path) -> str:
    lines = [
        BEGIN,
        "",
        "## Inputs",
        "",
        "| Name | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    variables = blocks(module / "variables.tf", "variable")
    for name, body in sorted(variables, key=lambda item: ("default" in item[1], item[0])):
        default = (
            "required" if "default" not in body else f"`{_cell(json.dumps(hcl_literal(body['default'])))}`"
        )
        kind = _cell(_text(body.get("type", "any")))
        lines.append(f"| `{name}` | `{kind}` | {default} | {_cell(_text(body.get('description', '')))} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "| --- | --- |"]
    for name, body in sorted(blocks(module / "outputs.tf", "output")):
        lines.append(f"| `{name}` | {_cell(_text(body.get('description', '')))} |")
    return "\n".join([*lines, "", END])


def updated_readme(module: Path) -> tuple[Path, str, str]:
    readme = module / "README.md"
    current = (
        readme.read_text(encoding="utf-8") if readme.exists() else f"# {module.name}\n\n{BEGIN}\n{END}\n"
    )
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{readme}: add the lines {BEGIN!r} and {END!r} where the tables go")
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return readme, current, head + render(module) + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only report READMEs that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for module in sorted(path.parent for path in MODULES.glob("*/variables.tf")):
        readme, current, wanted = updated_readme(module)
        if current != wanted:
            stale.append(readme.relative_to(ROOT))
            if not args.check:
                readme.write_text(wanted, encoding="utf-8")
    if stale and args.check:
        stale_list = ", ".join(map(str, stale))
        print(f"out of date (run scripts/checks/module_docs.py): {stale_list}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
