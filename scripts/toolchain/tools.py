#!/usr/bin/env python3
"""Set up the project's pinned toolchain: Go-built CLIs, the AWS provider mirror and virtualenvs.

Everything expensive is built once per machine into a per-user cache keyed by version
(default ~/.cache/file-processor-tools, override with FILE_PROCESSOR_CACHE), so a fresh clone
reuses it; the clone only gets git-ignored links and a generated CLI config under .tools/.

A tool with a `release_url` in tools/versions.toml and a SHA-256 for this platform in
tools/checksums.toml is first downloaded as its official release and verified against that sum;
when the release host cannot be reached (one connection attempt, FP_RELEASES_CONNECT_TIMEOUT
seconds, default 3) it is built from source. A download whose sum differs is a hard error.
FP_SOURCE_BUILD=1 (or `setup --source-build`) skips the downloads; FP_RELEASES_BASE_URL (all
tools) or FP_RELEASES_BASE_URL_<TOOL> (e.g. _TERRAGRUNT, _TOFU, _PROVIDER_AWS) replaces the
scheme and host of the release URLs, and FP_PROVIDER_MIRROR_URL fetches the provider through a
provider network mirror instead.

Usage:
    scripts/toolchain/tools.py setup      # build or reuse everything; safe to rerun
    scripts/toolchain/tools.py versions   # print every pin and what is installed
    scripts/toolchain/tools.py --help

Runs on the standard library only (it creates the virtualenvs, so it cannot live in one).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
VERSIONS_FILE = ROOT / "tools" / "versions.toml"
# SHA-256 of the official release archives, by tool, version and platform.
CHECKSUMS_FILE = ROOT / "tools" / "checksums.toml"
LOCAL_DIR = ROOT / ".tools"
LOCAL_BIN = LOCAL_DIR / "bin"
CLI_CONFIG = LOCAL_DIR / "tofurc"
# The hosts each engine asks for `hashicorp/aws`: OpenTofu its own registry, Terraform HashiCorp's.
REGISTRY_HOSTS = ("registry.opentofu.org", "registry.terraform.io")
# `setup --measure`: wrap each build in GNU time -v and report wall time and peak memory.
MEASURE = False
# `setup --source-build` (or FP_SOURCE_BUILD=1): never download a release, build what is not cached.
SOURCE_BUILD = False
# How long a release host may take to accept a connection before setup builds from source instead.
DEFAULT_CONNECT_TIMEOUT = 3.0
# Once connected, how long one read of a download may stall before the download counts as failed.
READ_TIMEOUT = 60.0
# The registry whose packages the provider mirror's paths name (network mirror protocol).
PROVIDER_MIRROR_HOST = "registry.terraform.io"
VENVS = {
    ".venv": ROOT / "requirements-dev.txt",
    ".venv-checkov": ROOT / "requirements-checkov.txt",
}


class SetupError(Exception):
    """A setup step failed in a way the user has to fix; the message says how."""


@dataclass(frozen=True)
class GoTool:
    name: str
    module: str
    version: str
    package: str
    ldflags: str
    version_command: tuple[str, ...]
    # The official release's URL template ({version}, {bare_version}, {os}, {arch}); "" for none.
    release_url: str = ""
    # The executable inside the release zip (a glob); "" when the download is the executable.
    release_member: str = ""

    @property
    def bare_version(self) -> str:
        return self.version.removeprefix("v")


@dataclass(frozen=True)
class Provider:
    source: str
    version: str
    module: str
    module_version: str
    package: str
    ldflags: str
    release_url: str = ""
    release_member: str = ""

    @property
    def cache_key(self) -> str:
        # Version label plus the pinned commit, so a re-pin to another commit never reuses a build.
        return f"{self.version}-{self.module_version.rsplit('-', 1)[-1]}"

    @property
    def release_cache_key(self) -> str:
        # The official release of that version is another build than the pinned commit: its own key.
        return f"{self.version}-release"


@dataclass(frozen=True)
class LambdaPython:
    module: str
    version: str
    python_version: str


def lambda_python_link(python_version: str) -> Path:
    """Where setup links the unpacked CPython of ``python_version`` (e.g. .tools/python3.14)."""
    return LOCAL_DIR / f"python{python_version}"


def lambda_python_home(pinned: LambdaPython) -> Path:
    return cache_root() / "lambda-python" / pinned.version


def lambda_python_executable(python_version: str) -> Path | None:
    """The pinned CPython ``python_version`` interpreter, if setup has unpacked it on this machine.

    Looked up in the per-user cache by this checkout's pin (not through .tools/), so a build in a
    bare worktree of an older commit finds the interpreter that commit pins.
    """
    pinned = lambda_python(load_versions())
    if pinned.python_version != python_version:
        return None
    executable = lambda_python_home(pinned) / "python" / "bin" / f"python{python_version}"
    return executable if executable.exists() else None


def log(message: str) -> None:
    print(f"[toolchain] {message}", flush=True)


def cache_root() -> Path:
    explicit = os.environ.get("FILE_PROCESSOR_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "file-processor-tools"


def load_versions() -> dict:
    with VERSIONS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def go_tools(pins: dict) -> list[GoTool]:
    return [
        GoTool(
            name=name,
            module=spec["module"],
            version=spec["version"],
            package=spec["package"],
            ldflags=spec["ldflags"],
            version_command=tuple(spec["version_command"]),
            release_url=spec.get("release_url", ""),
            release_member=spec.get("release_member", ""),
        )
        for name, spec in pins["tools"].items()
    ]


def aws_provider(pins: dict) -> Provider:
    return Provider(**pins["provider"]["aws"])


def lambda_python(pins: dict) -> LambdaPython:
    return LambdaPython(**pins["lambda"]["python"])


@contextlib.contextmanager
def cache_lock() -> Iterator[None]:
    """Serialise setups on this machine: two clones building the same tool would race."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kwargs)


def check_go_mod_pin(tool_dir: Path, module: str, version: str) -> None:
    """tools/<name>/go.mod must require exactly the version pinned in versions.toml."""
    go_mod = (tool_dir / "go.mod").read_text()
    pattern = rf"^\s*(?:require\s+)?{re.escape(module)}\s+(\S+)"
    match = re.search(pattern, go_mod, flags=re.MULTILINE)
    if not match or match.group(1) != version:
        found = match.group(1) if match else "nothing"
        raise SetupError(
            f"{tool_dir / 'go.mod'} requires {module} {found}, but tools/versions.toml pins "
            f"{version}; run `go get {module}@{version} && go mod tidy` in {tool_dir}"
        )


def go_build(tool_dir: Path, package: str, ldflags: str, output: Path) -> None:
    """Build a stripped binary (-s -w: no symbol table or DWARF, a smaller binary and link step)."""
    if shutil.which("go") is None:
        raise SetupError("Go is not on PATH; install Go 1.26 or newer to build the toolchain")
    partial = output.with_name(output.name + ".partial")
    flags = f"-s -w {ldflags}".strip()
    cmd = ["go", "build", "-trimpath", f"-ldflags={flags}", "-o", str(partial), package]
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false -mod=readonly"}
    if MEASURE:
        # A clean build: nothing reused from Go's build cache (modules stay downloaded).
        cmd = ["/usr/bin/time", "-v", *cmd]
        env["GOCACHE"] = tempfile.mkdtemp(prefix="gocache-measure-")
    try:
        result = subprocess.run(cmd, cwd=tool_dir, env=env, stderr=subprocess.PIPE, text=True)
    finally:
        if MEASURE:
            shutil.rmtree(env["GOCACHE"], ignore_errors=True)
    if MEASURE:
        report_measurement(package, result.stderr)
    else:
        sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SetupError(f"building {package} failed (exit {result.returncode}); see above")
    partial.replace(output)


def digest_file(binary: Path) -> Path:
    return binary.with_name(binary.name + ".sha256")


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def record_digest(binary: Path) -> None:
    """Write the SHA-256 of a binary just built beside it, so every later reuse can check it."""
    digest_file(binary).write_text(sha256_of(binary) + "\n", encoding="utf-8")


def verify_cached(binary: Path) -> str:
    """Refuse a cached binary that is not byte for byte what this cache built.

    The cache is per user and outside the clone, so anything that can write there could swap a
    tool every later clone runs. A source build is not byte-reproducible across Go releases, so the
    pin is the digest recorded at build time, not one in the repository; a downloaded release was
    checked against tools/checksums.toml before it was installed, and is held to its recorded
    digest the same way afterwards.
    """
    recorded = digest_file(binary)
    if not recorded.exists():
        # Built before digests were recorded: record it now (trust on first use), say so.
        record_digest(binary)
        return "digest recorded on first use"
    expected = recorded.read_text(encoding="utf-8").strip()
    actual = sha256_of(binary)
    if actual != expected:
        raise SetupError(
            f"cached {binary} has sha256 {actual}, not the {expected} recorded when it was built: "
            f"the cache was changed. Delete {binary.parent} and run `make setup` to rebuild it."
        )
    return "sha256 verified"


def origin_file(binary: Path) -> Path:
    return binary.with_name(binary.name + ".origin")


def record_origin(binary: Path, origin: str) -> None:
    """Note beside a cached binary where it came from ("official release <url>" or "source build")."""
    origin_file(binary).write_text(origin + "\n", encoding="utf-8")


def cached_origin(binary: Path) -> str:
    """How a cached binary was made, for the reuse log line (caches before this note were builds)."""
    note = origin_file(binary)
    text = note.read_text(encoding="utf-8").strip() if note.exists() else ""
    return "official release" if text.startswith("official release") else "source build"


# --- Official releases: download, verify against tools/checksums.toml, install ---------------------


@dataclass(frozen=True)
class Release:
    """One official release archive for this platform and the SHA-256 the repository pins for it."""

    label: str  # "terragrunt v1.1.3", for messages
    url: str
    sha256: str
    member: str  # glob of the executable inside a zip; "" when the download is the executable


# (host, port) -> why it could not be reached, or None: each host is tried once per setup run.
_REACHABILITY: dict[tuple[str, int], str | None] = {}


def source_build_forced() -> bool:
    return SOURCE_BUILD or os.environ.get("FP_SOURCE_BUILD", "").lower() in ("1", "true", "yes")


def connect_timeout() -> float:
    return float(os.environ.get("FP_RELEASES_CONNECT_TIMEOUT") or DEFAULT_CONNECT_TIMEOUT)


def load_checksums() -> dict:
    with CHECKSUMS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def pinned_sha256(table: tuple[str, ...], version: str, platform: str) -> str | None:
    """The SHA-256 tools/checksums.toml pins for [<table>."<version>"] <platform>, if any."""
    node = load_checksums()
    for key in (*table, version):
        node = node.get(key, {})
    value = node.get(platform)
    if value is not None and not re.fullmatch(r"[0-9a-f]{64}", str(value)):
        where = ".".join((*table, f'"{version}"'))
        raise SetupError(f"{CHECKSUMS_FILE.name}: [{where}] {platform} is not a SHA-256 hex digest")
    return value


def env_suffix(table: tuple[str, ...]) -> str:
    """("tools", "terragrunt-v0") -> TERRAGRUNT_V0; ("provider", "aws") -> PROVIDER_AWS."""
    parts = table[1:] if table[0] == "tools" else table
    return re.sub(r"[^A-Z0-9]+", "_", "_".join(parts).upper())


def release_url(template: str, version: str, table: tuple[str, ...]) -> str:
    """The release URL for this platform, its scheme and host replaced by an override if one is set."""
    os_name, arch = provider_platform().split("_", 1)
    url = template.format(version=version, bare_version=version.removeprefix("v"), os=os_name, arch=arch)
    base = os.environ.get(f"FP_RELEASES_BASE_URL_{env_suffix(table)}") or os.environ.get(
        "FP_RELEASES_BASE_URL"
    )
    if base:
        parts = urllib.parse.urlsplit(url)
        url = base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def pinned_release(
    label: str, table: tuple[str, ...], version: str, template: str, member: str
) -> Release | None:
    """The release to download, or None (and why, logged) when setup should build from source."""
    if not template:
        return None
    if source_build_forced():
        log(f"{label}: source build requested (FP_SOURCE_BUILD / --source-build), not downloading")
        return None
    platform = provider_platform()
    sha256 = pinned_sha256(table, version, platform)
    if sha256 is None:
        log(f"{label}: no release checksum pinned for {platform} in tools/{CHECKSUMS_FILE.name}")
        return None
    return Release(label, release_url(template, version, table), sha256, member)


def unreachable_reason(url: str) -> str | None:
    """Why the host serving ``url`` (or the proxy for it) cannot be reached, or None if it can.

    One TCP connection, given connect_timeout() seconds in all, name lookup included (a lookup
    cannot be timed out directly, so the attempt runs in a thread that is abandoned on time-out).
    The answer is remembered for the rest of the run, so several tools on one host cost one wait.
    """
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if (host, port) in _REACHABILITY:
        return _REACHABILITY[(host, port)]
    timeout = connect_timeout()
    outcome: dict[str, str | None] = {}

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome["reason"] = None
        except OSError as error:
            outcome["reason"] = str(error) or type(error).__name__

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    reason = outcome.get("reason", f"no connection within {timeout:g} s")
    _REACHABILITY[(host, port)] = reason
    return reason


def open_url(url: str) -> http.client.HTTPResponse:
    """GET an http(s) URL, following redirects, through the proxy the environment names if any."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SetupError(f"{url}: release and mirror URLs must be http or https")
    request = urllib.request.Request(url, headers={"User-Agent": "file-processor-setup"})  # noqa: S310
    return urllib.request.urlopen(request, timeout=READ_TIMEOUT)  # noqa: S310 (scheme checked above)


def describe_failure(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


def provider_mirror_archive(mirror: str, provider: Provider, sha256: str) -> str | None:
    """The archive URL a provider network mirror lists for this platform, or None to build instead.

    Reads <mirror>/<host>/<namespace>/<type>/<version>.json (the provider network mirror protocol).
    The pinned sum stays the authority; a mirror that lists zh: hashes without it is refused.
    """
    namespace, name = provider.source.split("/")
    listing_url = f"{mirror.rstrip('/')}/{PROVIDER_MIRROR_HOST}/{namespace}/{name}/{provider.version}.json"
    label = f"aws provider {provider.version}"
    reason = unreachable_reason(listing_url)
    if reason:
        log(f"{label}: provider mirror {mirror} not reachable ({reason})")
        return None
    try:
        with open_url(listing_url) as response:
            listing = json.load(response)
    except (OSError, http.client.HTTPException, ValueError) as error:
        log(f"{label}: no listing at {listing_url} ({describe_failure(error)})")
        return None
    platform = provider_platform()
    archive = listing.get("archives", {}).get(platform) if isinstance(listing, dict) else None
    if not isinstance(archive, dict) or not archive.get("url"):
        log(f"{label}: the provider mirror has no {platform} archive")
        return None
    listed = {entry[3:] for entry in archive.get("hashes", []) if entry.startswith("zh:")}
    if listed and sha256 not in listed:
        raise SetupError(
            f"{label}: the provider mirror {mirror} lists zh:{', zh:'.join(sorted(listed))} for {platform}, "
            f"not the sha256 {sha256} pinned in tools/{CHECKSUMS_FILE.name}: it serves another file. "
            "Not downloading it, and not falling back to a source build. Fix or unset "
            "FP_PROVIDER_MIRROR_URL, or run `make setup FP_SOURCE_BUILD=1` to build from source."
        )
    return urllib.parse.urljoin(listing_url, archive["url"])


def install_release(release: Release, destination: Path) -> bool:
    """Download ``release``, check its SHA-256, install its executable as ``destination``.

    Returns False (and logs why) when the release cannot be had, so the caller builds from source:
    the host does not answer within connect_timeout(), or the download fails (HTTP error, broken
    transfer). A file whose SHA-256 is not the pinned one raises SetupError: nothing is installed,
    and nothing is built in its place.
    """
    host = urllib.parse.urlsplit(release.url).netloc
    reason = unreachable_reason(release.url)
    if reason:
        log(f"{release.label}: release host {host} not reachable ({reason})")
        return False
    started = time.monotonic()
    log(f"{release.label}: downloading the official release {release.url}")
    downloads = cache_root() / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=downloads, prefix=f"{destination.name}.")
    download = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(handle, "wb") as out, open_url(release.url) as response:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except (OSError, http.client.HTTPException) as error:
            log(f"{release.label}: download failed ({describe_failure(error)})")
            return False
        actual = digest.hexdigest()
        if actual != release.sha256:
            raise SetupError(
                f"{release.label}: {release.url} has sha256 {actual} ({size} bytes), but "
                f"tools/{CHECKSUMS_FILE.name} pins {release.sha256}. The file was changed or replaced "
                "on the way (or the download was cut short): it was deleted and nothing was installed, "
                "and setup does not fall back to a source build for a file that fails its check. "
                "Run again to retry the download, or `make setup FP_SOURCE_BUILD=1` to build from source."
            )
        unpack_release(release, download, destination)
    finally:
        download.unlink(missing_ok=True)
    log(
        f"{release.label}: {size / 1e6:.1f} MB downloaded, sha256 verified against "
        f"tools/{CHECKSUMS_FILE.name}, installed in {time.monotonic() - started:.1f} s"
    )
    return True


def unpack_release(release: Release, download: Path, destination: Path) -> None:
    """Put the release's executable at ``destination`` (atomically, by rename of a .partial)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        if not release.member:
            shutil.move(download, partial)
        else:
            unzip_member(release, download, partial)
        partial.chmod(0o755)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)


def unzip_member(release: Release, download: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(download) as archive:
            names = [entry.filename for entry in archive.infolist() if not entry.is_dir()]
            matches = [name for name in names if fnmatch(PurePosixPath(name).name, release.member)]
            if len(matches) != 1:
                raise SetupError(
                    f"{release.label}: {release.url} holds {', '.join(names)}; expected exactly one "
                    f"file matching {release.member!r} (release_member in tools/versions.toml)"
                )
            with archive.open(matches[0]) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    except zipfile.BadZipFile as error:
        raise SetupError(f"{release.label}: {release.url} is not a zip archive ({error})") from error


def report_measurement(package: str, time_output: str) -> None:
    """Print GNU time's wall clock and peak memory of a build, and whatever else the build said."""
    fields = {}
    for line in time_output.splitlines():
        if line.startswith("\t"):
            key, _, value = line.strip().rpartition(": ")
            fields[key] = value
        else:
            sys.stderr.write(line + "\n")
    wall = fields.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "?")
    peak_mb = int(fields.get("Maximum resident set size (kbytes)", "0")) / 1024
    log(f"measured {package}: wall {wall}, peak RSS {peak_mb:.0f} MB")


def matching_binary_on_path(tool: GoTool) -> Path | None:
    """A binary of the same name already on PATH, if it reports the pinned version."""
    search_path = os.pathsep.join(
        entry for entry in os.environ.get("PATH", "").split(os.pathsep) if Path(entry) != LOCAL_BIN
    )
    found = shutil.which(tool.name, path=search_path)
    if not found:
        return None
    try:
        output = subprocess.run(
            [found, *tool.version_command], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(found) if re.search(rf"\bv?{re.escape(tool.bare_version)}\b", output) else None


def link(target: Path, link_path: Path) -> None:
    link_path.parent.mkdir(parents=True, exist_ok=True)
    if link_path.is_symlink() or link_path.exists():
        if link_path.is_symlink() and link_path.readlink() == target:
            return
        if link_path.is_dir() and not link_path.is_symlink():
            shutil.rmtree(link_path)
        else:
            link_path.unlink()
    link_path.symlink_to(target)


def ensure_go_tool(tool: GoTool) -> None:
    started = time.monotonic()
    on_path = matching_binary_on_path(tool)
    if on_path:
        link(on_path, LOCAL_BIN / tool.name)
        log(f"{tool.name} {tool.version}: using {on_path} from PATH")
        return
    label = f"{tool.name} {tool.version}"
    tool_dir = ROOT / "tools" / tool.name
    # One cache entry per version, whichever way it was made: a cached tool never touches the network.
    binary = cache_root() / tool.name / tool.version / tool.name
    if binary.exists():
        log(f"{label}: reusing {binary} ({cached_origin(binary)}, {verify_cached(binary)})")
    else:
        release = pinned_release(
            label, ("tools", tool.name), tool.version, tool.release_url, tool.release_member
        )
        if release and install_release(release, binary):
            record_origin(binary, f"official release {release.url}")
        else:
            check_go_mod_pin(tool_dir, tool.module, tool.version)
            log(f"{label}: building from {tool.module} (one time; a few minutes)")
            binary.parent.mkdir(parents=True, exist_ok=True)
            go_build(tool_dir, tool.package, tool.ldflags, binary)
            record_origin(binary, f"source build of {tool.module}@{tool.version}")
            log(f"{label}: built in {time.monotonic() - started:.0f} s")
        record_digest(binary)
    link(binary, LOCAL_BIN / tool.name)


def ensure_lambda_python(pinned: LambdaPython) -> None:
    """Unpack the pinned CPython (embedded in a Go module) once, compile its stdlib, link it."""
    started = time.monotonic()
    tool_dir = ROOT / "tools" / "lambda-python"
    check_go_mod_pin(tool_dir, pinned.module, pinned.version)
    home = lambda_python_home(pinned)
    install = home / "python"
    done_marker = home / ".installed"
    if done_marker.exists():
        log(f"python {pinned.python_version} ({pinned.version}): reusing {install}")
    else:
        log(f"python {pinned.python_version}: unpacking from {pinned.module} {pinned.version} (one time)")
        unpacker = home / "lambda-python"
        home.mkdir(parents=True, exist_ok=True)
        go_build(tool_dir, ".", "", unpacker)
        shutil.rmtree(install, ignore_errors=True)
        run([str(unpacker), str(install)], stdout=subprocess.DEVNULL)
        executable = install / "bin" / f"python{pinned.python_version}"
        # Test and GUI packages are left as source: nothing here imports them.
        skip = r"(/test/|/tests/|idlelib|tkinter|turtledemo|lib2to3)"
        run([str(executable), "-I", "-m", "compileall", "-q", "-j0", "-x", skip, str(install / "lib")],
            stdout=subprocess.DEVNULL)  # fmt: skip
        unpacker.unlink()
        done_marker.write_text(pinned.version + "\n")
        log(f"python {pinned.python_version}: ready in {time.monotonic() - started:.0f} s")
    link(install, lambda_python_link(pinned.python_version))


NODE_PACKAGES = {
    # name under .tools/ -> the folder under tools/ holding package.json and package-lock.json
    "iam-simulate": ROOT / "tools" / "iam-simulate",
}


def node_packages_link(name: str) -> Path:
    """Where setup links an installed Node package set (its node_modules is inside)."""
    return LOCAL_DIR / name


def ensure_node_packages(name: str, source: Path) -> None:
    """`npm ci` a pinned package-lock.json once per lock content into the cache, link it."""
    started = time.monotonic()
    lock_file = source / "package-lock.json"
    key = hashlib.sha256((source / "package.json").read_bytes() + lock_file.read_bytes()).hexdigest()[:16]
    home = cache_root() / "node" / f"{name}-{key}"
    done_marker = home / ".installed"
    if done_marker.exists():
        log(f"{name} (npm): reusing {home}")
    else:
        if shutil.which("npm") is None:
            raise SetupError(f"npm is not on PATH; install Node.js 20 or newer for {name}")
        log(f"{name} (npm): installing {lock_file.relative_to(ROOT)} into {home}")
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        for file in ("package.json", "package-lock.json"):
            shutil.copyfile(source / file, home / file)
        # --ignore-scripts: no install script of any dependency runs; the lock pins every integrity hash.
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=home,
            stdout=subprocess.DEVNULL)  # fmt: skip
        done_marker.write_text(str(lock_file) + "\n")
        log(f"{name} (npm): installed in {time.monotonic() - started:.0f} s")
    link(home, node_packages_link(name))


def provider_platform() -> str:
    machine = os.uname().machine
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{sys.platform}_{arch}"


def mirror_root() -> Path:
    return cache_root() / "provider-mirror"


def provider_release(provider: Provider) -> Release | None:
    """The provider's registry package for this platform, from its release URL or a network mirror."""
    label = f"aws provider {provider.version}"
    release = pinned_release(
        label, ("provider", "aws"), provider.version, provider.release_url, provider.release_member
    )
    mirror = os.environ.get("FP_PROVIDER_MIRROR_URL")
    if release is None or not mirror:
        return release
    url = provider_mirror_archive(mirror, provider, release.sha256)
    return Release(label, url, release.sha256, release.member) if url else None


def ensure_provider(provider: Provider) -> None:
    """Get the AWS provider once (official release, else a source build) and lay it out as a
    filesystem mirror for both engines."""
    started = time.monotonic()
    label = f"aws provider {provider.version}"
    tool_dir = ROOT / "tools" / "terraform-provider-aws"
    binary_name = f"terraform-provider-aws_v{provider.version}"
    cache = cache_root() / "terraform-provider-aws"
    downloaded = cache / provider.release_cache_key / binary_name
    built = cache / provider.cache_key / binary_name
    cached = next((binary for binary in (downloaded, built) if binary.exists()), None)
    if cached:
        binary = cached
        log(f"{label}: reusing {binary} ({cached_origin(binary)}, {verify_cached(binary)})")
    elif (release := provider_release(provider)) and install_release(release, downloaded):
        binary = downloaded
        record_origin(binary, f"official release {release.url}")
        record_digest(binary)
    else:
        binary = built
        check_go_mod_pin(tool_dir, provider.module, provider.module_version)
        log(
            f"{label}: building from source. This is a one-time build of a "
            "very large Go program: expect 20-40 minutes on 2 cores and several GB of memory."
        )
        binary.parent.mkdir(parents=True, exist_ok=True)
        go_build(tool_dir, provider.package, provider.ldflags, binary)
        record_origin(binary, f"source build of {provider.module}@{provider.module_version}")
        record_digest(binary)
        log(f"{label}: built in {(time.monotonic() - started) / 60:.1f} min")
    namespace, name = provider.source.split("/")
    for host in REGISTRY_HOSTS:
        # Unpacked mirror layout: <host>/<namespace>/<type>/<version>/<os_arch>/<executable>.
        platform_dir = mirror_root() / host / namespace / name / provider.version / provider_platform()
        link(binary, platform_dir / binary_name)
    write_cli_config(provider)


def write_cli_config(provider: Provider) -> None:
    """Point the engines at the local mirror for hashicorp/aws only; everything else stays direct.

    Only used when TF_CLI_CONFIG_FILE names this file (the Makefile does that), so a machine with
    internet that runs terragrunt without it keeps the normal registry path.
    """
    addresses = ", ".join(f'"{host}/{provider.source}"' for host in REGISTRY_HOSTS)
    CLI_CONFIG.parent.mkdir(parents=True, exist_ok=True)
    CLI_CONFIG.write_text(
        "# Generated by scripts/toolchain/tools.py: do not edit, rerun `make setup`.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror_root()}"\n'
        f"    include = [{addresses}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{addresses}]\n"
        "  }\n"
        "}\n"
    )


def find_python(minimum: tuple[int, int]) -> Path:
    """The newest CPython >= minimum among PATH and pyenv installs (FILE_PROCESSOR_PYTHON wins)."""
    explicit = os.environ.get("FILE_PROCESSOR_PYTHON")
    candidates = [explicit] if explicit else []
    for minor in range(20, minimum[1] - 1, -1):
        candidates.append(f"python3.{minor}")
        pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
        candidates += [str(p) for p in sorted(pyenv.glob(f"3.{minor}.*/bin/python3.{minor}"), reverse=True)]
    candidates.append("python3")
    for candidate in candidates:
        resolved = shutil.which(candidate)
        if not resolved:
            continue
        probe = subprocess.run(
            [resolved, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            continue
        major, minor = (int(part) for part in probe.stdout.split())
        if (major, minor) >= minimum:
            return Path(resolved)
        if explicit:
            break
    wanted = ".".join(map(str, minimum))
    raise SetupError(f"no Python >= {wanted} found; install one or set FILE_PROCESSOR_PYTHON")


def ensure_venv(link_name: str, lock_file: Path, python: Path) -> None:
    """One virtualenv per (lock file, interpreter) content, shared by every clone on the machine."""
    started = time.monotonic()
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    key = hashlib.sha256(lock_file.read_bytes() + version.encode()).hexdigest()[:16]
    venv = cache_root() / "venvs" / f"{link_name.lstrip('.')}-{key}"
    done_marker = venv / ".installed"
    if done_marker.exists():
        log(f"{link_name}: reusing {venv}")
    else:
        log(f"{link_name}: installing {lock_file.name} into {venv} (about a minute)")
        shutil.rmtree(venv, ignore_errors=True)
        run([str(python), "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        run([*pip, "--require-hashes", "--no-deps", "-r", str(lock_file)])
        done_marker.write_text(str(lock_file) + "\n")
        log(f"{link_name}: installed in {time.monotonic() - started:.0f} s")
    link(venv, ROOT / link_name)


def setup(args: argparse.Namespace) -> None:
    global MEASURE, SOURCE_BUILD
    MEASURE = args.measure
    SOURCE_BUILD = args.source_build
    started = time.monotonic()
    pins = load_versions()
    log(f"cache: {cache_root()}")
    with cache_lock():
        if "python" in args.only:
            python = find_python(tuple(int(p) for p in pins["python"]["minimum"].split(".")))
            log(f"python: {python}")
            for link_name, lock_file in VENVS.items():
                ensure_venv(link_name, lock_file, python)
        if "tools" in args.only:
            for tool in go_tools(pins):
                ensure_go_tool(tool)
            ensure_lambda_python(lambda_python(pins))
            for name, source in NODE_PACKAGES.items():
                ensure_node_packages(name, source)
        if "provider" in args.only:
            ensure_provider(aws_provider(pins))
    log(f"setup finished in {time.monotonic() - started:.1f} s")


def versions(_: argparse.Namespace) -> None:
    pins = load_versions()
    rows = [("tool", "pinned", "installed at")]
    for tool in go_tools(pins):
        installed = LOCAL_BIN / tool.name
        rows.append((tool.name, tool.version, str(installed.resolve()) if installed.exists() else "-"))
    provider = aws_provider(pins)
    rows.append(
        (f"provider {provider.source}", f"{provider.version} ({provider.module_version})", str(mirror_root()))
    )
    rows.append(("python (dev)", f">= {pins['python']['minimum']}", str((ROOT / ".venv").resolve())))
    rows.append(
        ("lambda runtime", f"{pins['lambda']['python_runtime']} {pins['lambda']['architecture']}", "-")
    )
    pinned_python = lambda_python(pins)
    executable = lambda_python_executable(pinned_python.python_version)
    rows.append(
        (
            f"python {pinned_python.python_version} (bytecode)",
            pinned_python.version,
            str(executable.resolve()) if executable else "-",
        )
    )
    width = [max(len(row[i]) for row in rows) for i in range(2)]
    for row in rows:
        print(f"{row[0]:<{width[0]}}  {row[1]:<{width[1]}}  {row[2]}")
    print("\nPython packages (pinned with hashes):")
    for lock_file in VENVS.values():
        pinned = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", lock_file.read_text(), flags=re.MULTILINE)
        direct = {
            line.split("==")[0].split("[")[0].lower()
            for line in lock_file.with_suffix(".in").read_text().splitlines()
            if line and not line.startswith("#")
        }
        listed = ", ".join(f"{name}=={version}" for name, version in pinned if name.lower() in direct)
        print(f"  {lock_file.name}: {listed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    setup_parser = commands.add_parser("setup", help="build or reuse every pinned tool; safe to rerun")
    setup_parser.add_argument(
        "--only",
        nargs="+",
        choices=("python", "tools", "provider"),
        default=("python", "tools", "provider"),
        help="limit setup to these parts (default: all)",
    )
    setup_parser.add_argument(
        "--measure",
        action="store_true",
        help="wrap each build in GNU time -v and print its wall time and peak memory",
    )
    setup_parser.add_argument(
        "--source-build",
        action="store_true",
        help="build every tool that is not cached from source, downloading no release "
        "(same as FP_SOURCE_BUILD=1)",
    )
    setup_parser.set_defaults(func=setup)
    commands.add_parser("versions", help="print every pin").set_defaults(func=versions)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except SetupError as error:
        print(f"[toolchain] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
