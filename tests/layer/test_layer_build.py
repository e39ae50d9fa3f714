"""The package build: deterministic zips, their layout, and the handler running from them alone."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from artifacts import build_packages  # noqa: E402 - scripts/ is not a package
from artifacts.build_packages import Target, build, tree_entries, write_zip  # noqa: E402

# What the Lambda Python runtime provides in /var/runtime; the layer must not ship any of it.
from standin.local_lambda import RUNTIME_PACKAGES  # noqa: E402
from toolchain.tools import lambda_python_executable  # noqa: E402

LAMBDA = Target("3.14", "arm64")
LOCAL = Target.local()


def quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="session")
def lambda_builds(tmp_path_factory):
    """The python3.14-arm64 target built twice into separate directories."""
    first = build(LAMBDA, tmp_path_factory.mktemp("build-a"), log=quiet)
    second = build(LAMBDA, tmp_path_factory.mktemp("build-b"), log=quiet)
    return first, second


@pytest.fixture(scope="session")
def local_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("build-local")
    manifest = build(LOCAL, out, log=quiet)
    return out / LOCAL.name, manifest


def artifact(manifest: dict, name: str) -> Path:
    path = Path(manifest[name]["path"])
    return path if path.is_absolute() else ROOT / path


def test_two_builds_of_unchanged_inputs_are_byte_identical(lambda_builds):
    first, second = lambda_builds

    for name in ("layer", "function"):
        assert artifact(first, name).read_bytes() == artifact(second, name).read_bytes()
        assert first[name]["sha256"] == second[name]["sha256"]


def test_manifest_describes_the_artifacts(lambda_builds):
    manifest, _ = lambda_builds

    assert manifest["target"] == "python3.14-arm64"
    assert (manifest["python_version"], manifest["runtime"], manifest["architecture"]) == (
        "3.14",
        "python3.14",
        "arm64",
    )
    for name in ("layer", "function"):
        path = artifact(manifest, name)
        digest = hashlib.sha256(path.read_bytes()).digest()
        assert path.name == f"{name}.zip"
        assert path.parent.name == "python3.14-arm64"
        assert manifest[name]["sha256"] == digest.hex()
        assert manifest[name]["base64sha256"] == base64.b64encode(digest).decode()
        assert manifest[name]["size"] == path.stat().st_size
    on_disk = json.loads((artifact(manifest, "layer").parent / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest


def test_layer_holds_target_wheels_under_python_prefix_and_no_runtime_packages(lambda_builds):
    manifest, _ = lambda_builds
    with zipfile.ZipFile(artifact(manifest, "layer")) as layer:
        names = layer.namelist()

    assert names == sorted(names)
    assert all(name.startswith("python/") for name in names)
    for package in ("aws_lambda_powertools", "aws_xray_sdk", "puremagic", "wrapt", "typing_extensions.py"):
        assert any(name.startswith(f"python/{package}") for name in names), package
    native = [name for name in names if name.endswith(".so")]
    assert native
    assert all("aarch64" in name and "cpython-314" in name for name in native), native
    assert not [name for name in names if name.split("/")[1] in RUNTIME_PACKAGES]
    assert_one_pyc_per_source(names, "cpython-314")


def test_function_zip_holds_only_the_package_at_its_root(lambda_builds):
    manifest, _ = lambda_builds
    with zipfile.ZipFile(artifact(manifest, "function")) as function:
        names = function.namelist()

    assert {name.split("/")[0] for name in names} == {"file_processor"}
    assert "file_processor/handler.py" in names
    assert "file_processor/record.schema.json" in names
    assert_one_pyc_per_source(names, "cpython-314")
    # Our own code only. 50 KB until the handler took three event shapes and SnapStart hooks
    # (61.7 KB with them), 64 KB until it read large objects in parts (66.0 KB with them); the
    # cold start it stands for is measured by `make bench`.
    assert manifest["function"]["size"] <= 68_000
    assert manifest["layer"]["size"] <= 5_000_000


def assert_one_pyc_per_source(names: list[str], tag: str) -> None:
    """Every .py has exactly its __pycache__/<stem>.<tag>.pyc, and there is no other bytecode."""
    sources = {name for name in names if name.endswith(".py")}
    compiled = {name for name in names if name.endswith((".pyc", ".pyo"))}
    expected = set()
    for source in sources:
        directory, _, filename = source.rpartition("/")
        expected.add(f"{directory}/__pycache__/{filename.removesuffix('.py')}.{tag}.pyc")
    assert compiled == expected


# Run by the target's interpreter: checks each .pyc against its source in the zip (PEP 552 header).
PYC_CHECK = r"""
import importlib.util, json, marshal, sys, zipfile
archive_path, root, expected_flags = sys.argv[1], sys.argv[2], int(sys.argv[3])
problems, checked = [], 0
with zipfile.ZipFile(archive_path) as archive:
    names = set(archive.namelist())
    for name in sorted(n for n in names if n.endswith(".pyc")):
        directory, filename = name.rsplit("/__pycache__/", 1)
        source_name = directory + "/" + filename.split(".")[0] + ".py"
        data, source = archive.read(name), archive.read(source_name)
        flags = int.from_bytes(data[4:8], "little")
        code = marshal.loads(data[16:])
        if data[:4] != importlib.util.MAGIC_NUMBER:
            problems.append(f"{name}: magic {data[:4]!r} is not this Python's")
        elif flags != expected_flags:
            problems.append(f"{name}: flags {flags}, expected {expected_flags}")
        elif data[8:16] != importlib.util.source_hash(source):
            problems.append(f"{name}: source hash does not match {source_name}")
        elif code.co_filename != f"{root}/{source_name}":
            problems.append(f"{name}: compiled as {code.co_filename}")
        checked += 1
print(json.dumps({"checked": checked, "problems": problems[:10]}))
"""


@pytest.mark.parametrize(
    ("package", "root", "flags"),
    [("layer", "/opt", 0b01), ("function", "/var/task", 0b11)],
    ids=["layer-unchecked-hash", "function-checked-hash"],
)
def test_bytecode_is_hash_based_for_the_target_python_with_lambda_paths(lambda_builds, package, root, flags):
    """PEP 552 flags: bit 0 hash-based, bit 1 check the source. Paths are where Lambda unpacks the zip."""
    manifest, _ = lambda_builds
    python = lambda_python_executable(LAMBDA.python_version)
    assert python is not None, "the pinned Python 3.14 is missing: run `make setup`"

    result = subprocess.run(
        [str(python), "-I", "-c", PYC_CHECK, str(artifact(manifest, package)), root, str(flags)],
        capture_output=True,
        text=True,
        check=True,
    )

    report = json.loads(result.stdout)
    assert report["problems"] == []
    assert report["checked"] >= (300 if package == "layer" else 7)
    assert manifest["bytecode"]["python"].startswith("3.14.")


def test_no_bytecode_builds_sources_only(tmp_path):
    manifest = build(LOCAL, tmp_path, log=quiet, bytecode=False)

    assert manifest["bytecode"] is None
    for package in ("layer", "function"):
        with zipfile.ZipFile(artifact(manifest, package)) as archive:
            names = archive.namelist()
        assert not [name for name in names if "__pycache__" in name or name.endswith((".pyc", ".pyo"))]
        assert any(name.endswith(".py") for name in names)


def test_bytecode_for_a_python_with_no_interpreter_here_is_a_clear_error():
    here = {f"{sys.version_info.major}.{sys.version_info.minor}", LAMBDA.python_version}
    version = next(v for v in build_packages.SUPPORTED_PYTHON_VERSIONS if v not in here)

    reason = rf"needs a Python {version} interpreter.*--no-bytecode"
    with pytest.raises(build_packages.BuildError, match=reason):
        build_packages.bytecode_compiler(Target(version, "arm64"))


def test_bytecode_caches_in_a_source_tree_are_left_out(tmp_path):
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-313.pyc").write_bytes(b"stale")
    (tmp_path / "pkg" / "b.pyc").write_bytes(b"stale")

    assert [name for name, _ in tree_entries(tmp_path / "pkg", "pkg/")] == ["pkg/a.py"]


def test_zip_entries_have_fixed_timestamps_and_permissions(lambda_builds):
    manifest, _ = lambda_builds

    for name in ("layer", "function"):
        with zipfile.ZipFile(artifact(manifest, name)) as archive:
            for info in archive.infolist():
                assert info.date_time == (1980, 1, 1, 0, 0, 0)
                mode = info.external_attr >> 16
                if info.is_dir():
                    assert (stat.S_ISDIR(mode), stat.S_IMODE(mode)) == (True, 0o755)
                else:
                    assert (stat.S_ISREG(mode), stat.S_IMODE(mode)) == (True, 0o644)


def test_source_date_epoch_sets_the_entry_timestamps(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z

    write_zip(tmp_path / "a.zip", [("pkg/a.py", b"x = 1\n"), ("pkg/b.py", b"y = 2\n")])

    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["pkg/", "pkg/a.py", "pkg/b.py"]
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def fake_wheel(directory: Path, name: str) -> Path:
    path = directory / name
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("fakepkg/__init__.py", "")
        wheel.writestr(
            "fakepkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: fakepkg\nVersion: 1.0\n"
        )
        wheel.writestr("fakepkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
        wheel.writestr("fakepkg-1.0.dist-info/RECORD", "")
    return path


def run_build_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "artifacts" / "build_packages.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_dependency_without_a_wheel_for_the_target_fails_naming_it(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = fake_wheel(wheels, "fakepkg-1.0-cp313-cp313-manylinux2014_x86_64.whl")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"fakepkg==1.0 --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}\n")

    result = run_build_cli(
        "--python-version", "3.13", "--architecture", "arm64", "--requirements", str(requirements),
        "--wheel-dir", str(wheels), "--build-dir", str(tmp_path / "build"),
    )  # fmt: skip

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("build_packages: error: no wheel of fakepkg==1.0 for python3.13-arm64")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--python-version", "3.11"], "unsupported --python-version '3.11'"),
        (["--architecture", "sparc"], "unsupported --architecture 'sparc'"),
        (["--requirements", "/nonexistent.txt"], "requirements file /nonexistent.txt does not exist"),
        (["--wheel-dir", "/nonexistent"], "--wheel-dir /nonexistent is not a directory"),
    ],
)
def test_bad_input_exits_non_zero_with_a_one_line_reason(args, reason):
    result = run_build_cli(*args)

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"build_packages: error: {reason}")


def test_help_describes_the_options():
    result = run_build_cli("--help")

    assert result.returncode == 0
    options = ("--python-version", "--architecture", "--local", "--build-dir", "--wheel-dir", "--no-bytecode")
    for option in options:
        assert option in result.stdout


def lambda_like_tree(root: Path, out: Path) -> dict[str, Path]:
    """/var/task, /opt and /var/runtime stand-ins: the unzipped packages and the runtime's boto3."""
    paths = {"task": root / "task", "opt": root / "opt", "runtime": root / "runtime"}
    with zipfile.ZipFile(out / "function.zip") as function:
        function.extractall(paths["task"])
    with zipfile.ZipFile(out / "layer.zip") as layer:
        layer.extractall(paths["opt"])
    paths["runtime"].mkdir()
    site_packages = Path(boto3.__file__).resolve().parents[1]
    for name in RUNTIME_PACKAGES:
        (paths["runtime"] / name).symlink_to(site_packages / name)
    return paths


CLEAN_RUN = r"""
import json, sys
task, opt_python, runtime = sys.argv[1:4]
# Importing a module without usable bytecode compiles its source, which raises a "compile" audit event.
compiled = []
sys.addaudithook(lambda event, args: event == "compile" and compiled.append(str(args[1])))
sys.path[:0] = [task, opt_python, runtime]
from file_processor.handler import handler
import aws_lambda_powertools, boto3, puremagic, wrapt
origins = {m.__name__: m.__file__ for m in (aws_lambda_powertools, boto3, puremagic, wrapt)}
import file_processor
origins["file_processor"] = file_processor.__file__
compiled_from_source = [path for path in compiled if path.startswith((task, opt_python))]
context = type("Context", (), {"function_name": "f", "memory_limit_in_mb": 128, "aws_request_id": "clean-run",
                               "invoked_function_arn": "arn:aws:lambda:us-east-1:111111111111:function:f"})()
result = handler(json.loads(sys.argv[4]), context)
print(json.dumps({"origins": origins, "result": result, "path": sys.path,
                  "compiled_from_source": compiled_from_source}))
"""


def test_handler_imports_and_processes_an_object_from_the_unzipped_packages_alone(
    local_build, moto_server, tmp_path
):
    out, _ = local_build
    paths = lambda_like_tree(tmp_path, out)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # The stand-in's deployer credentials (an unknown key is refused, as AWS refuses one).
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": moto_server,
        "RESULTS_BUCKET": "layer-test-results",
        "TRIGGER_BUCKET": "layer-test-source",
    }
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    s3 = session.client("s3", endpoint_url=moto_server)
    s3.create_bucket(Bucket="layer-test-source")
    s3.create_bucket(Bucket="layer-test-results")
    put = s3.put_object(Bucket="layer-test-source", Key="hello world.json", Body=b'{"hello": "layer"}')
    event = json.loads((ROOT / "tests" / "events" / "s3_object_created_put.json").read_text(encoding="utf-8"))
    record = event["Records"][0]["s3"]
    record["bucket"]["name"] = "layer-test-source"
    record["object"].update(key="hello+world.json", size=18, eTag=put["ETag"].strip('"'))
    base_python = getattr(sys, "_base_executable", sys.executable)

    # -I: no environment or user site; -S: no site-packages at all; -B: no bytecode writes (/opt is
    # read-only in Lambda).
    result = subprocess.run(
        [
            base_python,
            "-I",
            "-S",
            "-B",
            "-c",
            CLEAN_RUN,
            str(paths["task"]),
            str(paths["opt"] / "python"),
            str(paths["runtime"]),
            json.dumps(event),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert not [entry for entry in output["path"] if "site-packages" in entry]
    origins = output["origins"]
    assert origins["file_processor"].startswith(str(paths["task"]))
    for module in ("aws_lambda_powertools", "puremagic", "wrapt"):
        assert origins[module].startswith(str(paths["opt"] / "python")), module
    assert origins["boto3"].startswith(str(paths["runtime"]))
    assert output["compiled_from_source"] == []  # every module came from the shipped bytecode
    [item] = output["result"]["objects"]
    assert item["outcome"] == "recorded"
    stored = json.loads(s3.get_object(Bucket="layer-test-results", Key=item["recordKey"])["Body"].read())
    assert stored["source"]["key"] == "hello world.json"
    assert stored["type"]["detected"]["mimeType"] == "application/json"
    assert stored["sha256"]["hex"] == hashlib.sha256(b'{"hello": "layer"}').hexdigest()


def test_local_target_matches_this_interpreter():
    assert LOCAL.python_version == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert LOCAL.name == f"python{LOCAL.python_version}-{LOCAL.architecture}"
    assert build_packages.ARCHITECTURES[LOCAL.architecture] == os.uname().machine


def test_a_function_source_edited_in_place_wins_over_its_bytecode(local_build, tmp_path):
    """The function's .pyc are checked-hash: an edit (e.g. in the console) is not shadowed by them."""
    out, _ = local_build
    with zipfile.ZipFile(out / "function.zip") as function:
        function.extractall(tmp_path)
    keys = tmp_path / "file_processor" / "keys.py"
    keys.write_text(keys.read_text(encoding="utf-8") + "\nEDITED_IN_PLACE = True\n", encoding="utf-8")
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import file_processor.keys as keys; "
        "print(getattr(keys, 'EDITED_IN_PLACE', False))"
    )
    base_python = getattr(sys, "_base_executable", sys.executable)

    command = [base_python, "-I", "-S", "-B", "-c", probe, str(tmp_path)]

    result = subprocess.run(command, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "True"
