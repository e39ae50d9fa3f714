"""SnapStart runtime hooks (file_processor.snapstart): priming, restore, registration, failures."""

from __future__ import annotations

import random
import subprocess
import sys
import types

import botocore.loaders
import botocore.session
import pytest
from fp_helpers import LAMBDA_IMPORT_ENV, ROOT, put_object, result_keys

from file_processor import handler as handler_module
from file_processor import snapstart
from file_processor.config import ConfigError

# What snapshot_restore_py 1.0.0 (shipped with Lambda's Python runtimes) provides: two registries.
FAKE_LIBRARY = """
_before, _after = [], []
def register_before_snapshot(func, *args, **kwargs):
    _before.append((func, args, kwargs))
    return func
def register_after_restore(func, *args, **kwargs):
    _after.append((func, args, kwargs))
    return func
def get_before_snapshot():
    return _before
def get_after_restore():
    return _after
"""


@pytest.fixture(autouse=True)
def nothing_primed():
    snapstart._primed.clear()
    yield
    snapstart._primed.clear()


@pytest.fixture
def client_creations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The service name of every botocore client created from now on."""
    made: list[str] = []
    original = botocore.session.Session.create_client

    def counting(self, service_name, *args, **kwargs):
        made.append(service_name)
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", counting)
    return made


@pytest.fixture
def data_file_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every botocore data file (service model, endpoint rules, ...) read from disk from now on."""
    reads: list[str] = []
    original = botocore.loaders.JSONFileLoader.load_file

    def counting(self, file_path, *args, **kwargs):
        reads.append(str(file_path))
        return original(self, file_path, *args, **kwargs)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counting)
    return reads


def test_before_snapshot_validates_the_configuration_and_loads_the_clients_data(
    function_env, data_file_reads
):
    snapstart.before_snapshot()

    assert handler_module._state["config"].results_bucket == handler_module.get_config().results_bucket
    assert "queue_arn" in handler_module._state
    assert any("s3" in path for path in data_file_reads)  # the S3 model was loaded before the snapshot
    # No client, connection or credentials in the snapshot: the client is made after the restore.
    assert "s3" not in handler_module._state


def test_after_restore_creates_the_client_without_reading_botocores_data_again(
    function_env, data_file_reads, client_creations
):
    snapstart.before_snapshot()
    data_file_reads.clear()
    client_creations.clear()

    snapstart.after_restore()

    assert client_creations == ["s3"]
    assert data_file_reads == []
    assert "s3" in handler_module._state


def test_first_invocation_after_a_restore_creates_no_client_and_records_the_object(
    s3, function_env, lambda_context, client_creations
):
    _response, event = put_object(s3, "primed/report.pdf", b"%PDF-1.7\n" + b"x" * 100)
    snapstart.before_snapshot()
    snapstart.after_restore()
    client_creations.clear()

    result = handler_module.handler(event, lambda_context)

    assert result["objects"][0]["outcome"] == "recorded"
    assert client_creations == []
    assert len(result_keys(s3)) == 1


def test_the_client_after_a_restore_signs_with_the_restored_environments_credentials(
    s3, function_env, lambda_context
):
    function_env.setenv("AWS_ACCESS_KEY_ID", "AKIDSNAPSHOTTIME")
    snapstart.before_snapshot()
    # Lambda hands each restored environment its own credentials.
    function_env.setenv("AWS_ACCESS_KEY_ID", "AKIDRESTORED")
    snapstart.after_restore()
    client = handler_module.s3_client(handler_module.get_config())
    signed: list[str] = []
    client.meta.events.register(
        "before-send.s3", lambda request, **_: signed.append(request.headers["Authorization"].decode())
    )
    _response, event = put_object(s3, "primed/creds.txt", b"hello")

    handler_module.handler(event, lambda_context)

    assert signed
    assert all("Credential=AKIDRESTORED/" in header for header in signed)


def test_after_restore_reseeds_random_so_restored_environments_draw_different_numbers(function_env):
    snapshot_state = random.getstate()  # what every environment restored from one snapshot starts with
    draws = []
    for _environment in range(2):
        random.setstate(snapshot_state)
        snapstart.after_restore()
        draws.append(random.random())  # noqa: S311 - the module botocore's retry jitter uses

    assert draws[0] != draws[1]


def test_priming_off_primes_nothing_and_the_first_invocation_builds_the_client(
    function_env, client_creations
):
    function_env.setenv("FILE_PROCESSOR_PRIMING", "off")

    snapstart.before_snapshot()
    snapstart.after_restore()

    assert handler_module._state == {}
    assert client_creations == []


def test_invalid_configuration_refuses_the_snapshot_with_a_clear_error(function_env, log_lines):
    function_env.delenv("RESULTS_BUCKET")

    with pytest.raises(ConfigError, match="RESULTS_BUCKET is required"):
        snapstart.before_snapshot()

    [line] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert line["message"].startswith("SnapStart priming: invalid configuration; the snapshot is refused")
    assert "RESULTS_BUCKET is required" in line["reason"]


def test_other_priming_failure_is_logged_and_the_snapshot_is_taken_unprimed(
    s3, function_env, lambda_context, log_lines, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("endpoint data unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(handler_module, "new_s3_client", broken)
        snapstart.before_snapshot()  # does not raise
    snapstart.after_restore()
    _response, event = put_object(s3, "unprimed/a.txt", b"hello")

    result = handler_module.handler(event, lambda_context)

    [warning] = [line for line in log_lines() if line["level"] == "WARNING"]
    assert warning["message"].startswith("SnapStart priming failed; the snapshot is taken unprimed")
    assert warning["reason"] == "RuntimeError: endpoint data unavailable"
    assert result["objects"][0]["outcome"] == "recorded"  # the first invocation built the client


def test_restore_failure_is_logged_and_leaves_the_client_to_the_first_invocation(
    function_env, log_lines, monkeypatch
):
    snapstart.before_snapshot()

    def broken(*_args, **_kwargs):
        raise RuntimeError("credentials endpoint unreachable")

    monkeypatch.setattr(handler_module, "new_s3_client", broken)
    snapstart.after_restore()  # does not raise: a raise would fail the restore

    [warning] = [line for line in log_lines() if line["level"] == "WARNING"]
    assert warning["message"].startswith("SnapStart restore: could not create the S3 client")
    assert "s3" not in handler_module._state


def test_hooks_are_registered_when_the_runtime_library_is_importable(monkeypatch):
    library = types.ModuleType("snapshot_restore_py")
    exec(FAKE_LIBRARY, library.__dict__)  # noqa: S102 - the library's API, defined above
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", library)

    assert snapstart.register_hooks() is True
    assert library.get_before_snapshot() == [(snapstart.before_snapshot, (), {})]
    assert library.get_after_restore() == [(snapstart.after_restore, (), {})]


def test_nothing_is_registered_without_the_runtime_library(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import raises ImportError

    assert snapstart.register_hooks() is False


IMPORT_CHECK = (
    "import sys; sys.path[:0] = sys.argv[1:]; import botocore.session as s; made = []\n"
    "orig = s.Session.create_client\n"
    "s.Session.create_client = lambda self, *a, **k: made.append(a) or orig(self, *a, **k)\n"
    "from file_processor import handler\n"
    "hooks = sys.modules.get('snapshot_restore_py')\n"
    "registered = hooks.get_before_snapshot() + hooks.get_after_restore() if hooks else []\n"
    "names = [func.__name__ for func, _args, _kwargs in registered]\n"
    "print(handler.SNAPSTART_HOOKS_REGISTERED, len(made), len(handler._state), *names)"
)


@pytest.mark.parametrize("library", [True, False], ids=["runtime library", "no library"])
def test_import_primes_nothing_and_registers_hooks_only_with_the_library(tmp_path, library):
    if library:
        (tmp_path / "snapshot_restore_py.py").write_text(FAKE_LIBRARY, encoding="utf-8")
    env = {
        **LAMBDA_IMPORT_ENV,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",  # a normal cold start: the runtime runs no hook
    }
    output = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, str(ROOT / "src"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )

    expected = ["True", "0", "0", "before_snapshot", "after_restore"] if library else ["False", "0", "0"]
    assert output.stdout.split() == expected
