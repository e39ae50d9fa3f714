"""Every checkov check skipped in the modules is skipped inline, next to its resource, with a reason."""

from __future__ import annotations

import re

from toolchain_helpers import ROOT

SKIP = re.compile(r"#\s*checkov:skip=(?P<check>[A-Z0-9_]+)(?::(?P<reason>.*))?")


def test_every_checkov_skip_names_a_check_and_gives_a_reason():
    skips = []
    for path in sorted((ROOT / "modules").rglob("*.tf")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = SKIP.search(line)
            if match:
                skips.append((f"{path.relative_to(ROOT)}:{number}", match["check"], match["reason"] or ""))
    assert skips, "expected the documented skips (e.g. CKV_AWS_116 for the on-failure destination)"
    too_short = [(where, check) for where, check, reason in skips if len(reason.split()) < 6]
    assert not too_short, f"skips without a written reason: {too_short}"


def test_checkov_is_configured_with_no_global_skips():
    config = (ROOT / ".checkov.yaml").read_text(encoding="utf-8")
    assert "skip-check" not in config
