#!/usr/bin/env python3
"""``moto_server`` whose ranged GetObject reads only the bytes asked for, as S3 does.

moto 5 answers a ranged GET by reading the whole object out of its spooled file, under the key's
lock, and slicing it: 16 MiB of a 512 MiB object costs as much as the whole object (0.33 s of
moto CPU here), so 32 parts cost 11 s and serialise on the lock. That measures moto, not a read
in parts. Here a GET with a ``Range`` header gets a value that reads only the slice
``_handle_range_header`` takes; every other request is moto's own.

Usage: the arguments of ``moto_server`` (``bench/range_moto.py -H 127.0.0.1 -p 5000``).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from moto.s3.models import FakeKey
from moto.s3.responses import S3Response
from moto.server import main

_ranged = threading.local()


class RangedValue:
    """A key's content, read from its spooled file one slice at a time."""

    def __init__(self, key: FakeKey) -> None:
        self.key = key

    def __len__(self) -> int:
        return self.key.size

    def __getitem__(self, part: slice) -> bytes:
        with self.key.lock:
            self.key._value_buffer.seek(part.start)
            return self.key._value_buffer.read(part.stop - part.start)


def patch() -> None:
    whole = FakeKey.value
    get_object = S3Response.get_object

    def value(key: FakeKey) -> Any:
        return RangedValue(key) if getattr(_ranged, "on", False) else whole.fget(key)

    def ranged_get_object(response: S3Response) -> Any:
        _ranged.on = bool(response.headers.get("range"))
        try:
            return get_object(response)
        finally:
            _ranged.on = False

    FakeKey.value = property(value, whole.fset)
    S3Response.get_object = ranged_get_object


if __name__ == "__main__":
    patch()
    sys.exit(main())
