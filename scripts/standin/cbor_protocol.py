"""Smithy RPCv2 CBOR in front of moto: CloudWatch as the AWS provider's Go SDK speaks it.

The provider's CloudWatch client (aws-sdk-go-v2) uses the Smithy RPCv2 CBOR protocol:
``POST /service/<TargetPrefix>/operation/<Operation>`` with a CBOR body and the header
``smithy-protocol: rpc-v2-cbor``. moto 5.2 serves CloudWatch over AWS JSON 1.0 (and query), not
CBOR. This WSGI middleware translates a CBOR request into the JSON request moto already serves
(``X-Amz-Target: <TargetPrefix>.<Operation>``), and moto's JSON answer back into CBOR, guided by the
service model botocore ships, so timestamps go out as CBOR tag 1 and blobs as byte strings.

Only services whose model lists ``smithy-rpc-v2-cbor`` and that moto serves as JSON are translated
(CloudWatch here); every other request passes through untouched.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import io
import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import cbor2
from botocore.loaders import Loader
from botocore.model import ServiceModel, Shape

RPC_V2_PATH = re.compile(r"^/service/(?P<target>[A-Za-z0-9_]+)/operation/(?P<operation>[A-Za-z0-9_]+)$")
# The services this stand-in translates: their JSON target prefix and botocore model name.
TRANSLATED = {"GraniteServiceVersion20100801": "cloudwatch"}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


class CborTranslationError(ValueError):
    """A CBOR request that cannot be translated (bad CBOR, unknown operation)."""


@cache
def service_model(name: str) -> ServiceModel:
    return ServiceModel(Loader().load_service_model(name, "service-2"), service_name=name)


def cbor_to_json_value(value: Any) -> Any:
    """A decoded CBOR value as the AWS JSON protocol writes it (epoch seconds, base64 blobs)."""
    if isinstance(value, dict):
        return {key: cbor_to_json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cbor_to_json_value(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, cbor2.CBORTag) and value.tag == 1:
        return float(value.value)
    return value


def json_to_cbor_value(value: Any, shape: Shape | None) -> Any:
    """A JSON-protocol value as RPCv2 CBOR wants it, following the model shape."""
    if value is None or shape is None:
        return value
    if shape.type_name == "structure":
        members = shape.members
        return {key: json_to_cbor_value(item, members.get(key)) for key, item in value.items()}
    if shape.type_name == "list":
        return [json_to_cbor_value(item, shape.member) for item in value]
    if shape.type_name == "map":
        return {key: json_to_cbor_value(item, shape.value) for key, item in value.items()}
    if shape.type_name == "timestamp":
        return cbor2.CBORTag(1, _epoch_seconds(value))
    if shape.type_name == "blob":
        return base64.b64decode(value) if isinstance(value, str) else value
    if shape.type_name in ("float", "double") and isinstance(value, int):
        return float(value)
    return value


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


class CborToJsonMiddleware:
    """Translate RPCv2 CBOR requests for the services in TRANSLATED into AWS JSON 1.0 for moto."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        match = RPC_V2_PATH.match(environ.get("PATH_INFO", ""))
        if not match or match["target"] not in TRANSLATED:
            return self.app(environ, start_response)
        model = service_model(TRANSLATED[match["target"]])
        try:
            operation = model.operation_model(match["operation"])
        except Exception:
            return self._error(start_response, 400, "UnknownOperationException", match["operation"])
        try:
            body = self._json_body(environ)
        except CborTranslationError as error:
            return self._error(start_response, 400, "SerializationException", str(error))
        inner = dict(environ)
        inner.update(
            {
                "PATH_INFO": "/",
                "RAW_URI": "/",
                "REQUEST_URI": "/",
                "CONTENT_TYPE": "application/x-amz-json-1.0",
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_AMZ_TARGET": f"{match['target']}.{operation.name}",
                "wsgi.input": io.BytesIO(body),
                # The signature was made over the CBOR request, not this translation of it.
                "standin.translated_from": "rpc-v2-cbor",
            }
        )
        inner.pop("HTTP_CONTENT_ENCODING", None)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        chunks = self.app(inner, capture)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return self._reply(start_response, captured, payload, operation)

    @staticmethod
    def _json_body(environ: dict) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        if not raw:
            return b"{}"
        try:
            decoded = cbor2.loads(raw)
        except cbor2.CBORDecodeError as error:
            raise CborTranslationError(f"request body is not valid CBOR: {error}") from error
        if not isinstance(decoded, dict):
            raise CborTranslationError("request body must be a CBOR map")
        return json.dumps(cbor_to_json_value(decoded)).encode()

    @staticmethod
    def _reply(start_response: StartResponse, captured: dict, payload: bytes, operation: Any) -> list[bytes]:
        status = captured["status"]
        code = int(status.split()[0])
        headers = [
            (name, value)
            for name, value in captured["headers"]
            if name.lower() not in ("content-type", "content-length", "content-encoding")
        ]
        document = json.loads(payload) if payload.strip() else {}
        if code >= 300:
            body = cbor2.dumps({key: value for key, value in document.items() if isinstance(value, str)})
        else:
            body = cbor2.dumps(json_to_cbor_value(document, operation.output_shape) or {})
        headers += [
            ("Content-Type", "application/cbor"),
            ("Content-Length", str(len(body))),
            ("smithy-protocol", "rpc-v2-cbor"),
        ]
        start_response(status, headers)
        return [body]

    @staticmethod
    def _error(start_response: StartResponse, code: int, error_type: str, message: str) -> list[bytes]:
        body = cbor2.dumps({"__type": error_type, "message": message})
        start_response(
            f"{code} Bad Request",
            [
                ("Content-Type", "application/cbor"),
                ("Content-Length", str(len(body))),
                ("smithy-protocol", "rpc-v2-cbor"),
            ],
        )
        return [body]
