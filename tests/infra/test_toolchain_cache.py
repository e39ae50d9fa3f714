"""The per-user tool cache refuses a binary that changed after it was built (scripts/toolchain)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from toolchain import tools


def test_a_binary_is_reused_while_it_matches_its_recorded_digest(tmp_path: Path):
    binary = tmp_path / "tofu"
    binary.write_bytes(b"built")
    tools.record_digest(binary)

    assert tools.verify_cached(binary) == "sha256 verified"


def test_a_binary_changed_in_the_cache_is_refused_with_how_to_rebuild(tmp_path: Path):
    binary = tmp_path / "tofu"
    binary.write_bytes(b"built")
    tools.record_digest(binary)
    binary.write_bytes(b"swapped")

    with pytest.raises(tools.SetupError, match=r"the cache was changed\. Delete .* run `make setup`"):
        tools.verify_cached(binary)


def test_a_binary_cached_before_digests_gets_one_on_first_use(tmp_path: Path):
    binary = tmp_path / "tofu"
    binary.write_bytes(b"older build")

    assert tools.verify_cached(binary) == "digest recorded on first use"
    assert tools.digest_file(binary).read_text().strip() == tools.sha256_of(binary)
