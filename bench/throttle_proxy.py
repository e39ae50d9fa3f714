#!/usr/bin/env python3
"""A loopback TCP proxy that caps every connection at a byte rate, each direction on its own.

S3 serves one connection at roughly 90 MB/s, so a client reads a large object faster only over
several connections; moto on loopback serves one connection at whatever two cores allow. Put
between a client and moto, this proxy gives each accepted connection its own token bucket per
direction (``--rate`` bytes per second, at most ``--burst`` bytes ahead), so one stream is held to
that rate and N streams to N times it, as against S3.

    bench/throttle_proxy.py --upstream 127.0.0.1:5000 --rate 90e6    # prints the port it listens on

It runs until killed. Used by ``bench/large_variants.py --parallel``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time

READ_BYTES = 256 * 1024


class TokenBucket:
    """``rate`` bytes per second with up to ``burst`` bytes saved up; a take beyond them waits."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    async def take(self, count: int) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate) - count
        self.stamp = now
        if self.tokens < 0:
            await asyncio.sleep(-self.tokens / self.rate)


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, bucket: TokenBucket) -> None:
    try:
        while data := await reader.read(READ_BYTES):
            await bucket.take(len(data))
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(ConnectionError):
            writer.close()


async def serve(upstream: tuple[str, int], rate: float, burst: int, port: int) -> None:
    async def connection(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*upstream, limit=READ_BYTES)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, server_writer, TokenBucket(rate, burst)),
            pump(server_reader, client_writer, TokenBucket(rate, burst)),
        )

    server = await asyncio.start_server(connection, "127.0.0.1", port, limit=READ_BYTES)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="host:port to forward to")
    parser.add_argument(
        "--rate", type=float, default=90e6, help="bytes per second per connection and direction"
    )
    parser.add_argument("--burst", type=int, default=READ_BYTES, help="bytes a connection may send ahead")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    args = parser.parse_args(argv)
    host, _, upstream_port = args.upstream.rpartition(":")
    asyncio.run(serve((host, int(upstream_port)), args.rate, args.burst, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
