"""hash_chunks: the streamed SHA-256 and leading sample, hashed in a worker thread with bounded memory."""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Iterator

import pytest

from file_processor.detect import SAMPLE_BYTES
from file_processor.processor import hash_chunks

MIB = 1024 * 1024


class Chunk(bytearray):
    """A chunk that can be watched with a weak reference (plain bytes cannot)."""


def test_digest_and_sample_match_the_concatenated_chunks():
    chunks = [bytes([n]) * size for n, size in enumerate((10, SAMPLE_BYTES, 3, MIB, 0, 7))]
    whole = b"".join(chunks)

    digest, sample = hash_chunks(iter(chunks))

    assert digest == hashlib.sha256(whole).hexdigest()
    assert sample == whole[:SAMPLE_BYTES]


def test_no_chunks_is_the_hash_of_nothing():
    assert hash_chunks(iter(())) == (hashlib.sha256(b"").hexdigest(), b"")


def test_a_sample_shorter_than_the_limit_is_the_whole_content():
    assert hash_chunks(iter([b"ab", b"c"]))[1] == b"abc"


def test_at_most_one_earlier_chunk_is_alive_when_the_next_is_read():
    alive = 0
    most_alive = 0

    def released() -> None:
        nonlocal alive
        alive -= 1

    def chunks() -> Iterator[Chunk]:
        nonlocal alive, most_alive
        for index in range(64):
            most_alive = max(most_alive, alive)
            chunk = Chunk(bytes([index]) * MIB)
            alive += 1
            weakref.finalize(chunk, released)
            yield chunk
            del chunk

    digest, _ = hash_chunks(chunks())

    assert digest == hashlib.sha256(b"".join(bytes([i]) * MIB for i in range(64))).hexdigest()
    # Before a new chunk is read, only the previous one may still be held (being hashed).
    assert most_alive <= 1


def test_a_read_error_mid_stream_propagates_and_leaves_no_thread_behind():
    threads_before = threading.active_count()

    def failing() -> Iterator[bytes]:
        yield b"x" * MIB
        raise ConnectionResetError("connection reset while reading")

    with pytest.raises(ConnectionResetError, match="connection reset"):
        hash_chunks(failing())

    assert threading.active_count() == threads_before
