"""SnapStart runtime hooks: prime before the snapshot, create the client after each restore.

Registered with ``snapshot_restore_py`` (part of Lambda's Python 3.12+ runtimes, not of the layer;
absent elsewhere, and then nothing is registered). The runtime runs them only when
``AWS_LAMBDA_INITIALIZATION_TYPE`` is ``snap-start``, so an on-demand cold start pays nothing.

``before_snapshot``: validate and keep the configuration, load botocore's S3 data (a throwaway
client with dummy credentials), keep a spare botocore session sharing that data, warm detection
(and the batch utility for an SQS queue). No client, connection or credentials in the snapshot. An
invalid configuration raises, so the version fails to publish; any other failure is logged and the
snapshot is taken unprimed. ``FILE_PROCESSOR_PRIMING=off`` skips it.

``after_restore``: reseed ``random``, create the S3 client on the spare session (new connection
pool, the restored environment's credentials). Never raises: a failure is logged and the first
invocation creates the client. Details and costs: src/README.md, "SnapStart".
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from typing import Any

import botocore.session

from file_processor.config import ConfigError
from file_processor.detect import detect

PRIMING_VARIABLE = "FILE_PROCESSOR_PRIMING"
_OFF = frozenset({"off", "false", "0", "no"})

# The spare botocore session primed for after_restore (parsed data and handlers, no credentials).
_primed: dict[str, Any] = {}


def priming_enabled(environ: Mapping[str, str]) -> bool:
    """False when ``FILE_PROCESSOR_PRIMING`` is off, false, 0 or no."""
    return environ.get(PRIMING_VARIABLE, "on").strip().lower() not in _OFF


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def before_snapshot() -> None:
    """Validate and keep the configuration; load the client's data; warm the first invocation's code."""
    from file_processor import handler

    if not priming_enabled(os.environ):
        handler.logger.info(f"SnapStart priming skipped ({PRIMING_VARIABLE} is off)")
        return
    started = time.perf_counter()
    try:
        config = handler.get_config()
        queue_arn = handler.get_queue_arn()
    except ConfigError as error:
        handler.logger.error(
            "SnapStart priming: invalid configuration; the snapshot is refused, so this version "
            "fails to publish and takes no traffic",
            extra={"reason": str(error)},
        )
        raise
    try:
        loading = botocore.session.get_session()
        loading.set_credentials("priming", "priming")  # dummies: no credential lookup before the snapshot
        handler.new_s3_client(config, loading).close()
        spare = botocore.session.get_session()
        spare.register_component("data_loader", loading.get_component("data_loader"))
        detect(b'{"primed": true}', complete=True)
        if queue_arn:
            import aws_lambda_powertools.utilities.batch  # noqa: F401  # what an SQS batch imports
    except Exception as error:
        handler.logger.warning(
            "SnapStart priming failed; the snapshot is taken unprimed and the first invocation "
            "builds what is missing",
            extra={"reason": f"{type(error).__name__}: {error}"},
        )
        return
    _primed["session"] = spare
    handler.logger.info("SnapStart primed before the snapshot", extra={"elapsed_ms": _elapsed_ms(started)})


def after_restore() -> None:
    """Reseed ``random``; create the function's S3 client in the restored environment."""
    from file_processor import handler

    random.seed()
    session = _primed.pop("session", None)
    if session is None:
        return  # not primed: the first invocation creates the configuration and client
    started = time.perf_counter()
    try:
        handler.s3_client(handler.get_config(), session)
    except Exception as error:
        handler.reset()
        handler.logger.warning(
            "SnapStart restore: could not create the S3 client; the first invocation will",
            extra={"reason": f"{type(error).__name__}: {error}"},
        )
        return
    handler.logger.info("SnapStart restore: S3 client created", extra={"elapsed_ms": _elapsed_ms(started)})


def register_hooks() -> bool:
    """Register both hooks with the runtime's ``snapshot_restore_py``; False where it is absent."""
    try:
        import snapshot_restore_py
    except ImportError:
        return False
    snapshot_restore_py.register_before_snapshot(before_snapshot)
    snapshot_restore_py.register_after_restore(after_restore)
    return True
