#!/usr/bin/env python3
"""The stand-in's server process: moto's AWS API, with the gaps this stack meets closed.

moto serves the AWS APIs; this process wraps it so that what the local environment deploys is what
prod deploys, and the local proof exercises it:

- HTTPS (``--port``) with a local CA (standin/tls.py), so TLS-only policies apply as in AWS, and
  plain HTTP (``--insecure-port``) only to show that a request without TLS is denied;
- Smithy RPCv2 CBOR for CloudWatch (standin/cbor_protocol.py), the protocol of the provider's
  CloudWatch client, so the alarms are created;
- policies evaluated with their conditions by a real IAM evaluator (standin/authorization.py):
  bucket, queue and topic policies for every request, and identity policies (with permissions
  boundaries) for every identity other than the local account's deployer;
- the alarm evaluation CloudWatch does (standin/alarms.py), from the metric data in the stand-in;
- moto answers corrected where they differ from AWS (standin/patches.py).

Started by standin/server.py (``running_standin``), which owns the process's lifetime.

Usage:
    .venv/bin/python scripts/standin/app.py --port 8443 --insecure-port 8080
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from standin.tls import ensure_tls_files

log = logging.getLogger("standin")


def build_app(account_id: str) -> object:
    """moto's WSGI application with the stand-in's corrections and translations around it."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from standin import authorization, patches
    from standin.cbor_protocol import CborToJsonMiddleware

    patches.apply_all()
    authorization.install(account_id)
    app = DomainDispatcherApplication(create_backend_app)
    return patches.CodeLocationMiddleware(authorization.RequestContextMiddleware(CborToJsonMiddleware(app)))


def serve(app: object, port: int, ssl_context: ssl.SSLContext | None) -> threading.Thread:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    server = make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler, ssl_context=ssl_context
    )
    thread = threading.Thread(target=server.serve_forever, name=f"standin-{port}", daemon=True)
    thread.start()
    return thread


def tls_context() -> ssl.SSLContext:
    files = ensure_tls_files()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.server_cert, files.server_key)
    return context


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True, help="HTTPS port (the stand-in's endpoint)")
    parser.add_argument("--insecure-port", type=int, required=True, help="plain HTTP port (denial tests)")
    parser.add_argument("--account-id", default=os.environ.get("MOTO_DEFAULT_ACCOUNT_ID", "123456789012"))
    parser.add_argument("--alarm-interval", type=float, default=2.0, help="seconds between alarm evaluations")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    os.environ["STANDIN_ENDPOINT"] = f"https://127.0.0.1:{args.port}"  # where code locations point
    app = build_app(args.account_id)
    serve(app, args.insecure_port, None)
    secure = serve(app, args.port, tls_context())

    from standin.alarms import AlarmEvaluator

    endpoint = f"https://127.0.0.1:{args.port}"
    AlarmEvaluator(args.account_id, endpoint, str(ensure_tls_files().bundle), args.alarm_interval).start()
    print(f"stand-in ready: https://127.0.0.1:{args.port} (plain http on {args.insecure_port})", flush=True)
    secure.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
