"""`make setup` downloads official releases, verified against pinned SHA-256 sums, before building.

Everything runs against a local HTTP server (a thread in this process) serving release-like
paths and a provider network mirror, with small fake archives whose sums each test pins in its
own checksums file. Source builds are replaced by a recorder: a test that reaches one proves the
fallback was chosen without spending minutes in `go build`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from toolchain import tools  # noqa: E402

PLATFORM = tools.provider_platform()
PINS = tools.load_versions()
TERRAGRUNT = dataclasses.replace(
    next(tool for tool in tools.go_tools(PINS) if tool.name == "terragrunt"), version="v9.9.9"
)
TOFU = dataclasses.replace(
    next(tool for tool in tools.go_tools(PINS) if tool.name == "tofu"), version="v9.9.9"
)
PROVIDER = dataclasses.replace(tools.aws_provider(PINS), version="9.9.9")


class Mirror:
    """A directory served over HTTP on 127.0.0.1, remembering every path asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def log_message(self, format: str, *args: object) -> None:
                mirror.requests.append(self.path)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def put(self, path: str, content: bytes) -> str:
        """Serve ``content`` at ``path``; return its SHA-256."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return hashlib.sha256(content).hexdigest()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    served = Mirror(tmp_path / "www")
    served.thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A scratch cache, .tools and checksums file; source builds recorded instead of run."""
    built: list[str] = []

    def fake_build(tool_dir: Path, package: str, ldflags: str, output: Path) -> None:
        built.append(package)
        output.write_bytes(b"built from source\n")

    monkeypatch.setenv("FILE_PROCESSOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    for name in list(os.environ):
        if name.startswith("FP_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(tools, "LOCAL_DIR", tmp_path / ".tools")
    monkeypatch.setattr(tools, "LOCAL_BIN", tmp_path / ".tools" / "bin")
    monkeypatch.setattr(tools, "CLI_CONFIG", tmp_path / ".tools" / "tofurc")
    monkeypatch.setattr(tools, "CHECKSUMS_FILE", tmp_path / "checksums.toml")
    monkeypatch.setattr(tools, "SOURCE_BUILD", False)
    monkeypatch.setattr(tools, "_REACHABILITY", {})
    monkeypatch.setattr(tools, "go_build", fake_build)
    monkeypatch.setattr(tools, "check_go_mod_pin", lambda *args: None)
    pin({})
    return built


def pin(tables: dict[str, dict[str, str]]) -> None:
    """Write the checksums file: {'tools.terragrunt."v9.9.9"': {platform: sha256}}."""
    lines = []
    for table, sums in tables.items():
        lines.append(f"[{table}]")
        lines += [f'{platform} = "{sha256}"' for platform, sha256 in sums.items()]
    tools.CHECKSUMS_FILE.write_text("\n".join(lines) + "\n")


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def terragrunt_path(version: str = "v9.9.9") -> str:
    return f"gh/gruntwork-io/terragrunt/releases/download/{version}/terragrunt_{PLATFORM}"


def cached_binary(tool: tools.GoTool) -> Path:
    return tools.cache_root() / tool.name / tool.version / tool.name


FAKE_TERRAGRUNT = b"#!/bin/sh\necho 'terragrunt version v9.9.9 (official release, fake)'\n"


def test_a_reachable_release_is_downloaded_verified_and_installed(mirror, builds, monkeypatch, capsys):
    sha256 = mirror.put(terragrunt_path(), FAKE_TERRAGRUNT)
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: sha256}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")

    tools.ensure_go_tool(TERRAGRUNT)

    binary = cached_binary(TERRAGRUNT)
    assert builds == []
    assert mirror.requests == [f"/{terragrunt_path()}"]
    assert (tools.LOCAL_BIN / "terragrunt").resolve() == binary.resolve()
    assert binary.read_bytes() == FAKE_TERRAGRUNT
    run = subprocess.run([tools.LOCAL_BIN / "terragrunt"], capture_output=True, text=True, check=True)
    assert "official release, fake" in run.stdout
    assert tools.cached_origin(binary) == "official release"
    assert tools.digest_file(binary).read_text().strip() == sha256
    assert "sha256 verified against tools/checksums.toml" in capsys.readouterr().out
    assert list((tools.cache_root() / "downloads").iterdir()) == []


def test_a_zip_release_installs_only_its_executable(mirror, builds, monkeypatch):
    archive = zipped({"tofu": b"fake tofu\n", "LICENSE": b"MPL-2.0\n", "README.md": b"readme\n"})
    sha256 = mirror.put(f"gh/opentofu/opentofu/releases/download/v9.9.9/tofu_9.9.9_{PLATFORM}.zip", archive)
    pin({'tools.tofu."v9.9.9"': {PLATFORM: sha256}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL_TOFU", f"{mirror.url}/gh")

    tools.ensure_go_tool(TOFU)

    binary = cached_binary(TOFU)
    assert builds == []
    assert binary.read_bytes() == b"fake tofu\n"
    assert os.access(binary, os.X_OK)
    assert sorted(path.name for path in binary.parent.iterdir()) == ["tofu", "tofu.origin", "tofu.sha256"]


def provider_archive(mirror: Mirror, listed_hashes: list[str] | None = None) -> str:
    """The provider in the network mirror layout: index.json, <version>.json, the zip."""
    archive = zipped({"terraform-provider-aws_v9.9.9_x5": b"fake provider\n", "LICENSE": b"MPL-2.0\n"})
    base = "registry.terraform.io/hashicorp/aws"
    name = f"terraform-provider-aws_9.9.9_{PLATFORM}.zip"
    sha256 = mirror.put(f"{base}/{name}", archive)
    mirror.put(f"{base}/index.json", json.dumps({"versions": {"9.9.9": {}}}).encode())
    hashes = [f"zh:{sha256}"] if listed_hashes is None else listed_hashes
    listing = {"archives": {PLATFORM: {"url": name, "hashes": hashes}}}
    mirror.put(f"{base}/9.9.9.json", json.dumps(listing).encode())
    return sha256


def test_the_provider_comes_from_a_network_mirror_into_the_filesystem_mirror(mirror, builds, monkeypatch):
    sha256 = provider_archive(mirror)
    pin({'provider.aws."9.9.9"': {PLATFORM: sha256}})
    monkeypatch.setenv("FP_PROVIDER_MIRROR_URL", mirror.url)

    tools.ensure_provider(PROVIDER)

    binary = tools.cache_root() / "terraform-provider-aws" / "9.9.9-release" / "terraform-provider-aws_v9.9.9"
    assert builds == []
    assert binary.read_bytes() == b"fake provider\n"
    for host in tools.REGISTRY_HOSTS:
        link = tools.mirror_root() / host / "hashicorp" / "aws" / "9.9.9" / PLATFORM / binary.name
        assert link.resolve() == binary.resolve()
    assert "filesystem_mirror" in tools.CLI_CONFIG.read_text()
    assert mirror.requests == [
        "/registry.terraform.io/hashicorp/aws/9.9.9.json",
        f"/registry.terraform.io/hashicorp/aws/terraform-provider-aws_9.9.9_{PLATFORM}.zip",
    ]


def test_the_provider_comes_from_its_release_url(mirror, builds, monkeypatch):
    archive = zipped({"terraform-provider-aws_v9.9.9_x5": b"fake provider\n"})
    path = f"hc/terraform-provider-aws/9.9.9/terraform-provider-aws_9.9.9_{PLATFORM}.zip"
    pin({'provider.aws."9.9.9"': {PLATFORM: mirror.put(path, archive)}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL_PROVIDER_AWS", f"{mirror.url}/hc")

    tools.ensure_provider(PROVIDER)

    assert builds == []
    assert mirror.requests == [f"/{path}"]


def test_a_download_with_another_sum_is_refused_and_nothing_is_installed(mirror, builds, monkeypatch):
    mirror.put(terragrunt_path(), FAKE_TERRAGRUNT + b"# tampered\n")
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: hashlib.sha256(FAKE_TERRAGRUNT).hexdigest()}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")

    with pytest.raises(tools.SetupError) as refused:
        tools.ensure_go_tool(TERRAGRUNT)

    message = str(refused.value)
    assert "pins" in message
    assert "nothing was installed" in message
    assert "does not fall back to a source build" in message
    assert "FP_SOURCE_BUILD=1" in message
    assert builds == []
    assert not cached_binary(TERRAGRUNT).parent.exists()
    assert not (tools.LOCAL_BIN / "terragrunt").exists()
    assert list((tools.cache_root() / "downloads").iterdir()) == []


def test_the_command_line_reports_a_refused_download_as_an_error(mirror, builds, monkeypatch, capsys):
    mirror.put(terragrunt_path(), b"tampered\n")
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: hashlib.sha256(b"genuine\n").hexdigest()}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")
    monkeypatch.setattr(tools, "go_tools", lambda pins: [TERRAGRUNT])
    monkeypatch.setattr(tools, "ensure_lambda_python", lambda pinned: None)
    monkeypatch.setattr(tools, "NODE_PACKAGES", {})

    assert tools.main(["setup", "--only", "tools"]) == 1
    assert "[toolchain] error: terragrunt v9.9.9:" in capsys.readouterr().err
    assert builds == []


def test_a_mirror_listing_another_hash_is_refused_before_downloading(mirror, builds, monkeypatch):
    provider_archive(mirror, listed_hashes=[f"zh:{'0' * 64}"])
    pin({'provider.aws."9.9.9"': {PLATFORM: "f" * 64}})
    monkeypatch.setenv("FP_PROVIDER_MIRROR_URL", mirror.url)

    with pytest.raises(tools.SetupError, match="serves another file"):
        tools.ensure_provider(PROVIDER)

    assert builds == []
    assert not any(path.endswith(".zip") for path in mirror.requests)
    assert not (tools.cache_root() / "terraform-provider-aws").exists()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_host_falls_back_to_the_source_build_at_once(builds, monkeypatch, capsys):
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: "a" * 64}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"http://127.0.0.1:{closed_port()}")

    started = time.monotonic()
    tools.ensure_go_tool(TERRAGRUNT)
    elapsed = time.monotonic() - started

    assert builds == [TERRAGRUNT.package]
    assert elapsed < 3.0, f"fallback took {elapsed:.2f} s"
    assert tools.cached_origin(cached_binary(TERRAGRUNT)) == "source build"
    assert "not reachable" in capsys.readouterr().out


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose connections are never accepted: the listen queue is full, SYNs go unanswered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.2)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_a_host_that_never_answers_falls_back_after_the_connect_timeout(builds, monkeypatch, silent_port):
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: "a" * 64}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"http://127.0.0.1:{silent_port}")

    started = time.monotonic()
    tools.ensure_go_tool(TERRAGRUNT)
    elapsed = time.monotonic() - started

    assert builds == [TERRAGRUNT.package]
    assert 2.9 <= elapsed < 4.0, f"fallback took {elapsed:.2f} s; the default connect timeout is 3 s"


def test_one_unreachable_host_is_tried_once_per_setup(builds, monkeypatch):
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: "a" * 64}, 'tools.tofu."v9.9.9"': {PLATFORM: "b" * 64}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    attempts = []
    real = tools.socket.create_connection
    monkeypatch.setattr(
        tools.socket, "create_connection", lambda *a, **k: attempts.append(a) or real(*a, **k)
    )

    tools.ensure_go_tool(TERRAGRUNT)
    tools.ensure_go_tool(TOFU)

    assert len(attempts) == 1
    assert builds == [TERRAGRUNT.package, TOFU.package]


def test_a_missing_release_falls_back_to_the_source_build(mirror, builds, monkeypatch, capsys):
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: "a" * 64}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")

    tools.ensure_go_tool(TERRAGRUNT)

    assert builds == [TERRAGRUNT.package]
    assert "HTTP 404" in capsys.readouterr().out


def test_a_cached_download_is_reused_without_the_network(mirror, builds, monkeypatch, capsys):
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: mirror.put(terragrunt_path(), FAKE_TERRAGRUNT)}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")
    tools.ensure_go_tool(TERRAGRUNT)
    downloads = len(mirror.requests)
    # A later setup on the same machine: cache key unchanged (tool/version/tool), network unused.
    monkeypatch.setattr(tools, "_REACHABILITY", {})
    (tools.LOCAL_BIN / "terragrunt").unlink()
    capsys.readouterr()

    tools.ensure_go_tool(TERRAGRUNT)
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    tools.ensure_go_tool(TERRAGRUNT)

    assert len(mirror.requests) == downloads == 1
    assert tools._REACHABILITY == {}
    assert builds == []
    assert (tools.LOCAL_BIN / "terragrunt").resolve() == cached_binary(TERRAGRUNT).resolve()
    assert "reusing" in capsys.readouterr().out


def test_a_cached_source_build_is_reused_without_the_network(mirror, builds, monkeypatch):
    binary = cached_binary(TERRAGRUNT)
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"built earlier\n")
    tools.record_digest(binary)
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: mirror.put(terragrunt_path(), FAKE_TERRAGRUNT)}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")

    tools.ensure_go_tool(TERRAGRUNT)

    assert mirror.requests == []
    assert builds == []
    assert binary.read_bytes() == b"built earlier\n"


def test_a_cached_provider_build_is_reused_without_the_network(mirror, builds, monkeypatch):
    built = (
        tools.cache_root() / "terraform-provider-aws" / PROVIDER.cache_key / "terraform-provider-aws_v9.9.9"
    )
    built.parent.mkdir(parents=True)
    built.write_bytes(b"built earlier\n")
    tools.record_digest(built)
    pin({'provider.aws."9.9.9"': {PLATFORM: provider_archive(mirror)}})
    monkeypatch.setenv("FP_PROVIDER_MIRROR_URL", mirror.url)

    tools.ensure_provider(PROVIDER)

    assert mirror.requests == []
    assert builds == []
    link = tools.mirror_root() / "registry.opentofu.org" / "hashicorp" / "aws" / "9.9.9" / PLATFORM
    assert (link / built.name).resolve() == built.resolve()


@pytest.mark.parametrize("how", ["environment", "flag"])
def test_the_source_build_can_be_forced(mirror, builds, monkeypatch, how):
    pin({'tools.terragrunt."v9.9.9"': {PLATFORM: mirror.put(terragrunt_path(), FAKE_TERRAGRUNT)}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")
    if how == "environment":
        monkeypatch.setenv("FP_SOURCE_BUILD", "1")
    else:
        monkeypatch.setattr(tools, "SOURCE_BUILD", True)

    tools.ensure_go_tool(TERRAGRUNT)

    assert mirror.requests == []
    assert builds == [TERRAGRUNT.package]


def test_a_platform_without_a_pinned_sum_is_built_without_the_network(mirror, builds, monkeypatch):
    other = "plan9_mips" if PLATFORM != "plan9_mips" else "linux_amd64"
    pin({'tools.terragrunt."v9.9.9"': {other: mirror.put(terragrunt_path(), FAKE_TERRAGRUNT)}})
    monkeypatch.setenv("FP_RELEASES_BASE_URL", f"{mirror.url}/gh")

    tools.ensure_go_tool(TERRAGRUNT)

    assert mirror.requests == []
    assert builds == [TERRAGRUNT.package]


def test_the_pinned_sums_cover_only_pinned_versions_of_tools_with_a_release_url():
    checksums = tomllib.loads((ROOT / "tools" / "checksums.toml").read_text())
    for kind, entries in checksums.items():
        for name, versions in entries.items():
            spec = PINS[kind][name]
            assert spec.get("release_url"), f"[{kind}.{name}] has sums but no release_url"
            assert list(versions) == [spec["version"]], f"[{kind}.{name}] pins sums for another version"
            for platform, sha256 in versions[spec["version"]].items():
                assert platform.count("_") == 1, platform
                assert len(sha256) == 64, (name, platform)
                assert set(sha256) <= set("0123456789abcdef"), (name, platform)


def test_release_urls_follow_the_upstream_layouts(monkeypatch):
    monkeypatch.delenv("FP_RELEASES_BASE_URL", raising=False)
    os_name, arch = PLATFORM.split("_")
    tools_by_name = {tool.name: tool for tool in tools.go_tools(PINS)}
    tofu = tools_by_name["tofu"]
    provider = tools.aws_provider(PINS)

    assert tools.release_url(tofu.release_url, "v1.12.6", ("tools", "tofu")) == (
        f"https://github.com/opentofu/opentofu/releases/download/v1.12.6/tofu_1.12.6_{os_name}_{arch}.zip"
    )
    assert tools.release_url(provider.release_url, "6.47.1", ("provider", "aws")) == (
        "https://releases.hashicorp.com/terraform-provider-aws/6.47.1/"
        f"terraform-provider-aws_6.47.1_{os_name}_{arch}.zip"
    )
    monkeypatch.setenv("FP_RELEASES_BASE_URL", "http://mirror.invalid/prefix/")
    monkeypatch.setenv("FP_RELEASES_BASE_URL_TERRAGRUNT_V0", "http://other.invalid")
    assert tools.release_url(tools_by_name["terragrunt"].release_url, "v1.1.3", ("tools", "terragrunt")) == (
        f"http://mirror.invalid/prefix/gruntwork-io/terragrunt/releases/download/v1.1.3/terragrunt_{PLATFORM}"
    )
    assert tools.release_url(
        tools_by_name["terragrunt-v0"].release_url, "v0.89.0", ("tools", "terragrunt-v0")
    ).startswith("http://other.invalid/gruntwork-io/terragrunt/releases/download/v0.89.0/")
