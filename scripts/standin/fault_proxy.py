#!/usr/bin/env python3
"""A fault-injecting proxy in front of the stand-in (issue 23): S3 throttling, server errors,
connections reset mid-response and added latency, for a share of the requests it forwards.

It listens on 127.0.0.1 with TLS, using the stand-in's own certificate (standin/tls.py), and
forwards over TLS to the stand-in's HTTPS endpoint. So a client moves onto it by changing only its
endpoint URL (``AWS_CA_BUNDLE`` already trusts the certificate), and the stand-in still sees a TLS
request, which the stack's TLS-only bucket policies require (``aws:SecureTransport``). Requests are
forwarded unchanged, Host header included, so SigV4 signatures still match.

A request is matched by service (the credential scope of its SigV4 signature, ``.../s3/aws4_request``;
a SigV2 signature is S3's) and operation (for S3 from method, path and query; elsewhere from
``X-Amz-Target`` or ``Action``). Each matched request is delayed (``latency_ms`` plus up to
``jitter_ms``), then one random draw picks at most one fault:

- ``slowdown``: answered 503 ``SlowDown`` with S3's XML error body (botocore retries it as
  throttling), without reaching the stand-in;
- ``internal_error``: answered 500 ``InternalError``, without reaching the stand-in;
- ``reset``: forwarded (the stand-in does the work), then the connection is reset after the
  response headers and half of the body (a response without a body: before any byte).

With a ``seed`` the draws are reproducible: the same sequence of matched requests meets the same
faults (the generator restarts whenever the configuration is set; concurrent clients interleave
their requests, so a run is reproducible as long as its requests come in one order). Other services
get the same faults with a JSON (``X-Amz-Target``) or Query XML error body. ``--plain-http`` listens
without TLS, for a client that cannot be given the CA bundle.

Control endpoint (on the proxy, never forwarded):
    GET    /__faults            {"config": {...}, "counters": {...}}
    PUT    /__faults            JSON of the settings to change; 400 with {"error": ...} if refused
    DELETE /__faults/counters   counters back to zero

Usage:
    .venv/bin/python scripts/standin/fault_proxy.py --slowdown 0.3 --seed 7   # starts a stand-in too
    .venv/bin/python scripts/standin/fault_proxy.py --upstream "$STANDIN" --reset 1 --operation GetObject

From Python:
    with running_fault_proxy(standin.endpoint, FaultConfig(slowdown=0.3, seed=7)) as proxy:
        ...  # proxy.endpoint == "https://127.0.0.1:<port>"; proxy.counters()
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import http.server
import json
import logging
import math
import random
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from standin.tls import ensure_tls_files

log = logging.getLogger("standin.fault_proxy")

CONTROL_PATH = "/__faults"
COUNTERS_PATH = f"{CONTROL_PATH}/counters"
FAULT_KINDS = ("slowdown", "internal_error", "reset")
COUNTER_NAMES = ("requests", "matched", "delayed", *FAULT_KINDS)
# Not forwarded either way: they describe one connection, not the request. `Expect` is answered here
# (http.server sends the 100 Continue); none of them is part of a SigV4 signature.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
        "content-length",  # set again from the body actually sent
    }
)
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# S3 bucket subresources (?policy, ?tagging, ...) and the name of their Get/Put/Delete operations.
S3_BUCKET_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration",
    "acl": "BucketAcl",
    "cors": "BucketCors",
    "encryption": "BucketEncryption",
    "lifecycle": "BucketLifecycleConfiguration",
    "location": "BucketLocation",
    "logging": "BucketLogging",
    "notification": "BucketNotificationConfiguration",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus",
    "publicAccessBlock": "PublicAccessBlock",
    "replication": "BucketReplication",
    "requestPayment": "BucketRequestPayment",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "website": "BucketWebsite",
}
S3_OBJECT_SUBRESOURCES = {
    "acl": "ObjectAcl",
    "attributes": "ObjectAttributes",
    "legal-hold": "ObjectLegalHold",
    "retention": "ObjectRetention",
    "tagging": "ObjectTagging",
}
S3_ERRORS = {
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "internal_error": (500, "InternalError", "We encountered an internal error. Please try again."),
}
OTHER_ERRORS = {  # services other than S3: status 503/500 are retried by botocore whatever the body
    "slowdown": (503, "ThrottlingException", "Rate exceeded"),
    "internal_error": (500, "InternalFailure", "The request processing has failed."),
}


class FaultConfigError(ValueError):
    """A fault setting is unknown or out of range."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class FaultConfig:
    """Which requests meet which faults. Shares are of matched requests; their sum is at most 1."""

    slowdown: float = 0.0  # share answered 503 SlowDown
    internal_error: float = 0.0  # share answered 500 InternalError
    reset: float = 0.0  # share whose connection is reset mid-response
    latency_ms: float = 0.0  # added to every matched request
    jitter_ms: float = 0.0  # plus a uniform 0..jitter_ms
    services: tuple[str, ...] = ("s3",)  # signing names (credential scope); empty: every service
    operations: tuple[str, ...] = ()  # e.g. ("GetObject",); empty: every operation
    seed: int | None = None  # None: a different sequence each time

    def __post_init__(self) -> None:
        for name in FAULT_KINDS:
            value = getattr(self, name)
            if not _is_number(value) or not 0 <= value <= 1:
                raise FaultConfigError(f"{name} is a share of requests from 0 to 1, got {value!r}")
        total = sum(getattr(self, name) for name in FAULT_KINDS)
        if total > 1 + 1e-9:
            raise FaultConfigError(f"slowdown + internal_error + reset is at most 1, got {total:g}")
        for name in ("latency_ms", "jitter_ms"):
            value = getattr(self, name)
            if not _is_number(value) or value < 0:
                raise FaultConfigError(f"{name} is a number of milliseconds, 0 or more, got {value!r}")
        for name in ("services", "operations"):
            value = getattr(self, name)
            if not isinstance(value, list | tuple) or not all(
                isinstance(item, str) and item for item in value
            ):
                raise FaultConfigError(f"{name} is a list of names, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        if self.seed is not None and (not isinstance(self.seed, int) or isinstance(self.seed, bool)):
            raise FaultConfigError(f"seed is an integer or null, got {self.seed!r}")

    @classmethod
    def from_dict(cls, data: Any, base: FaultConfig | None = None) -> FaultConfig:
        """``base`` (default: no faults) with the settings in ``data`` changed."""
        if not isinstance(data, Mapping):
            raise FaultConfigError(f"the fault configuration is a JSON object, got {type(data).__name__}")
        known = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise FaultConfigError(
                f"unknown fault setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        return dataclasses.replace(base or cls(), **data)

    def to_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "services": list(self.services),
            "operations": list(self.operations),
        }

    def matches(self, service: str | None, operation: str) -> bool:
        return (not self.services or service in self.services) and (
            not self.operations or operation in self.operations
        )


def request_service(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> str | None:
    """The signing name in the SigV4 credential scope (header or presigned URL), if signed."""
    credential = headers.get("Authorization") or ""
    if credential.startswith("AWS ") or "AWSAccessKeyId" in query:
        return "s3"  # Signature Version 2, which only S3 still accepts (botocore presigns S3 URLs so)
    if not credential and "X-Amz-Credential" in query:
        credential = "Credential=" + query["X-Amz-Credential"][0]
    match = CREDENTIAL_SCOPE.search(credential)
    return match.group(1) if match else None


def s3_operation(method: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str]) -> str:
    """The S3 operation of a path-style request (what boto3 sends to an IP endpoint)."""
    bucket, _, key = urllib.parse.unquote(path).lstrip("/").partition("/")
    if not bucket:
        return "ListBuckets" if method == "GET" else method
    verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method, method.title())
    if key:
        copy = "x-amz-copy-source" in headers
        if "uploadId" in query:
            return {
                "PUT": "UploadPartCopy" if copy else "UploadPart",
                "POST": "CompleteMultipartUpload",
                "GET": "ListParts",
                "DELETE": "AbortMultipartUpload",
            }.get(method, method)
        if method == "POST" and "uploads" in query:
            return "CreateMultipartUpload"
        for name, operation in S3_OBJECT_SUBRESOURCES.items():
            if name in query:
                return verb + operation
        if method == "PUT" and copy:
            return "CopyObject"
        return {"HEAD": "HeadObject"}.get(method, verb + "Object")
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    if method == "GET":
        for name, operation in {"list-type": "ListObjectsV2", "versions": "ListObjectVersions"}.items():
            if name in query:
                return operation
        if "uploads" in query:
            return "ListMultipartUploads"
    for name, operation in S3_BUCKET_SUBRESOURCES.items():
        if name in query:
            return verb + operation
    return {"GET": "ListObjects", "PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(
        method, method
    )


def identify(method: str, target: str, headers: Mapping[str, str], body: bytes) -> tuple[str | None, str]:
    """(service, operation) of a request; the operation is "" where it cannot be told."""
    split = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
    service = request_service(headers, query)
    if service == "s3":
        return service, s3_operation(method, split.path, query, headers)
    if headers.get("X-Amz-Target"):  # JSON protocols: "AmazonSQS.SendMessage"
        return service, headers["X-Amz-Target"].rsplit(".", 1)[-1]
    if "Action" in query:
        return service, query["Action"][0]
    if "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):  # Query protocol
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        return service, action[0] if action else ""
    if "/operation/" in split.path:  # Smithy RPCv2 CBOR: /service/<name>/operation/<operation>
        return service, split.path.rsplit("/", 1)[-1]
    return service, ""


@dataclass(frozen=True)
class Decision:
    fault: str | None  # one of FAULT_KINDS, or None: forwarded as is
    delay_s: float


class FaultState:
    """The configuration, its random generator and the counters, shared by the handler threads."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self.configure(config)
        self.reset_counters()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)  # noqa: S311 (fault draws, not secrets)

    def update(self, changes: Any) -> FaultConfig:
        with self._lock:
            config = FaultConfig.from_dict(changes, self._config)
        self.configure(config)
        return config

    def reset_counters(self) -> None:
        with self._lock:
            self._counters = dict.fromkeys(COUNTER_NAMES, 0)

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counters)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"config": self._config.to_dict(), "counters": dict(self._counters)}

    def decide(self, service: str | None, operation: str) -> Decision:
        with self._lock:
            config = self._config
            self._counters["requests"] += 1
            if not config.matches(service, operation):
                return Decision(None, 0.0)
            self._counters["matched"] += 1
            draw = self._random.random()
            delay_ms = config.latency_ms
            if config.jitter_ms:
                delay_ms += self._random.uniform(0, config.jitter_ms)
            if delay_ms:
                self._counters["delayed"] += 1
            fault, bound = None, 0.0
            for kind in FAULT_KINDS:
                bound += getattr(config, kind)
                if draw < bound:
                    fault = kind
                    self._counters[kind] += 1
                    break
        if fault:
            log.info("fault %s on %s %s", fault, service, operation)
        return Decision(fault, delay_ms / 1000)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK wait between
    server: _ProxyServer
    _upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        body = self._read_body()
        if urllib.parse.urlsplit(self.path).path.rstrip("/") in (CONTROL_PATH, COUNTERS_PATH):
            self._control(body)
            return
        service, operation = identify(self.command, self.path, self.headers, body)
        decision = self.server.faults.decide(service, operation)
        if decision.delay_s:
            time.sleep(decision.delay_s)
        if decision.fault in ("slowdown", "internal_error"):
            self._send(*_error_response(decision.fault, service, self.headers))
            return
        try:
            response = self._forward(body)
        except (OSError, http.client.HTTPException) as error:
            message = f"fault proxy: upstream {self.server.upstream} failed: {error}".encode()
            self._send(502, "Bad Gateway", [("Content-Type", "text/plain")], message)
            return
        if decision.fault == "reset":
            self._reset_mid_response(*response)
        else:
            self._send(*response)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        # One upstream connection per client connection, kept alive as the client's is; a kept one
        # the upstream has closed meanwhile is replaced once.
        while True:
            reused = self._upstream is not None
            if self._upstream is None:
                self._upstream = self.server.upstream_connection()
            try:
                return self._exchange(self._upstream, body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._close_upstream()
                if not reused:
                    raise
            except BaseException:
                self._close_upstream()
                raise

    def _exchange(
        self, connection: http.client.HTTPConnection, body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP:
                connection.putheader(name, value)
        if body or "Content-Length" in self.headers or "Transfer-Encoding" in self.headers:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.reason, response.getheaders(), response.read()

    def _close_upstream(self) -> None:
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None

    def finish(self) -> None:
        self._close_upstream()
        super().finish()

    def _send_head(self, status: int, reason: str, headers: list[tuple[str, str]], length: int) -> None:
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if self.command == "HEAD" or status in (204, 304):
            # No body follows: keep the length the upstream announced (HeadObject's object size).
            for name, value in headers:
                if name.lower() == "content-length":
                    self.send_header(name, value)
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        self._send_head(status, reason, headers, len(payload))
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _reset_mid_response(
        self, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes
    ) -> None:
        if payload and self.command != "HEAD":
            self._send_head(status, reason, headers, len(payload))
            self.wfile.write(payload[: len(payload) // 2])
        self.close_connection = True
        # SO_LINGER 0: close() sends a TCP RST instead of a FIN (and no TLS close_notify).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # its reference would otherwise keep the socket open
        self.connection.close()

    def _control(self, body: bytes) -> None:
        path = urllib.parse.urlsplit(self.path).path.rstrip("/")
        faults = self.server.faults
        if path == CONTROL_PATH and self.command == "GET":
            self._send_json(200, faults.snapshot())
        elif path == CONTROL_PATH and self.command == "PUT":
            try:
                config = faults.update(json.loads(body or b"{}"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                self._send_json(400, {"error": f"the body is not JSON: {error}"})
            except (FaultConfigError, TypeError) as error:
                self._send_json(400, {"error": str(error)})
            else:
                log.info("fault configuration: %s", json.dumps(config.to_dict()))
                self._send_json(200, faults.snapshot())
        elif path == COUNTERS_PATH and self.command == "DELETE":
            faults.reset_counters()
            self._send_json(200, faults.snapshot())
        else:
            allowed = f"GET or PUT {CONTROL_PATH}, DELETE {COUNTERS_PATH}"
            self._send_json(405, {"error": f"{self.command} {path} is not a control request ({allowed})"})

    def _send_json(self, status: int, document: dict[str, Any]) -> None:
        payload = (json.dumps(document, indent=2) + "\n").encode()
        reason = self.responses.get(status, ("",))[0]
        self._send(status, reason, [("Content-Type", "application/json")], payload)


def _error_response(
    fault: str, service: str | None, headers: Mapping[str, str]
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """The error AWS would answer, in the protocol of the request."""
    request_id = uuid.uuid4().hex.upper()[:16]
    status, code, message = (S3_ERRORS if service == "s3" else OTHER_ERRORS)[fault]
    reason = http.HTTPStatus(status).phrase
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>fault-proxy</HostId></Error>"
        )
        response_headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    elif headers.get("X-Amz-Target"):
        body = json.dumps({"__type": code, "message": message})
        response_headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id)]
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        response_headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return status, reason, response_headers, body.encode()


class _ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        upstream: str,
        faults: FaultState,
        tls: ssl.SSLContext | None,
        upstream_tls: ssl.SSLContext,
    ) -> None:
        super().__init__(address, _Handler)
        split = urllib.parse.urlsplit(upstream)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError(f"the upstream is an http(s):// URL, got {upstream!r}")
        self.upstream = upstream
        self._upstream_address = (split.hostname, split.port or (443 if split.scheme == "https" else 80))
        self._upstream_tls = upstream_tls if split.scheme == "https" else None
        self.faults = faults
        self.tls = tls

    def upstream_connection(self) -> http.client.HTTPConnection:
        host, port = self._upstream_address
        if self._upstream_tls:
            return http.client.HTTPSConnection(host, port, timeout=120, context=self._upstream_tls)
        return http.client.HTTPConnection(host, port, timeout=120)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # In the connection's own thread, so a slow TLS handshake holds up no other client.
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        with self.tls.wrap_socket(request, server_side=True) as connection:
            super().finish_request(connection, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class FaultProxy:
    """A running proxy: its endpoint, its configuration and its counters."""

    def __init__(self, endpoint: str, faults: FaultState, ca_bundle: Path) -> None:
        self.endpoint = endpoint
        self.ca_bundle = ca_bundle
        self._faults = faults

    @property
    def control_url(self) -> str:
        return self.endpoint + CONTROL_PATH

    @property
    def config(self) -> FaultConfig:
        return self._faults.config

    def configure(self, config: FaultConfig | None = None, /, **changes: Any) -> FaultConfig:
        """Set a whole configuration, or change some settings of the current one."""
        if config is not None:
            self._faults.configure(config)
            return config
        return self._faults.update(changes)

    def counters(self) -> dict[str, int]:
        return self._faults.counters()

    def reset_counters(self) -> None:
        self._faults.reset_counters()


@contextlib.contextmanager
def running_fault_proxy(
    upstream: str, config: FaultConfig | None = None, *, port: int = 0, tls: bool = True
) -> Iterator[FaultProxy]:
    """Serve the proxy on 127.0.0.1 in a background thread until the block ends.

    ``tls=False`` listens in plain HTTP (the upstream is still reached over TLS if it is https).
    """
    files = ensure_tls_files()
    listen_tls = None
    if tls:
        listen_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        listen_tls.minimum_version = ssl.TLSVersion.TLSv1_2
        listen_tls.load_cert_chain(files.server_cert, files.server_key)
    upstream_tls = ssl.create_default_context(cafile=str(files.bundle))
    faults = FaultState(config or FaultConfig())
    server = _ProxyServer(("127.0.0.1", port), upstream, faults, listen_tls, upstream_tls)
    scheme = "https" if tls else "http"
    proxy = FaultProxy(f"{scheme}://127.0.0.1:{server.server_address[1]}", faults, files.bundle)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="fault-proxy", daemon=True
    )
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a share of requests is from 0 to 1, got {text}")
    return value


def _milliseconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"milliseconds are 0 or more, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--upstream", help="the stand-in's endpoint (default: start a stand-in)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--plain-http", action="store_true", help="listen without TLS")
    parser.add_argument("--config", type=Path, help="JSON file of fault settings (flags override it)")
    parser.add_argument("--slowdown", type=_share, help="share answered 503 SlowDown")
    parser.add_argument("--internal-error", type=_share, help="share answered 500 InternalError")
    parser.add_argument("--reset", type=_share, help="share reset mid-response")
    parser.add_argument("--latency-ms", type=_milliseconds, help="added to every matched request")
    parser.add_argument("--jitter-ms", type=_milliseconds, help="plus up to this much, at random")
    parser.add_argument("--service", action="append", dest="services", help="signing name (default: s3)")
    parser.add_argument("--all-services", action="store_true", help="match requests of every service")
    parser.add_argument("--operation", action="append", dest="operations", help="e.g. GetObject")
    parser.add_argument("--seed", type=int, help="makes the faults reproducible")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    changes = {
        name: getattr(args, name)
        for name in (*FAULT_KINDS, "latency_ms", "jitter_ms", "services", "operations", "seed")
        if getattr(args, name) is not None
    }
    if args.all_services:
        changes["services"] = []
    try:
        base = FaultConfig.from_dict(json.loads(args.config.read_text())) if args.config else None
        config = FaultConfig.from_dict(changes, base)
    except (OSError, json.JSONDecodeError, FaultConfigError, TypeError) as error:
        parser.error(str(error))

    from standin.server import StandinError, running_standin

    with contextlib.ExitStack() as stack:
        upstream = args.upstream
        if upstream is None:
            try:
                upstream = stack.enter_context(running_standin()).endpoint
            except StandinError as error:
                print(f"fault proxy: {error}", file=sys.stderr)
                return 1
        proxy = stack.enter_context(
            running_fault_proxy(upstream, config, port=args.port, tls=not args.plain_http)
        )
        print(f"fault proxy on {proxy.endpoint} -> {upstream}; Ctrl-C stops it", flush=True)
        print(f"  export AWS_ENDPOINT_URL={proxy.endpoint} AWS_CA_BUNDLE={proxy.ca_bundle}", flush=True)
        print(f"  control: {proxy.control_url}  config: {json.dumps(config.to_dict())}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
