"""Regenerate the shared test vectors (cases.json, results_keys.json, objects/) from first principles.

    .venv/bin/python tests/vectors/generate_vectors.py

Expected values are computed here independently of the function's code (hashlib, zlib, hand-written
detections), so the vectors check the implementation rather than echo it. Both the Python tests
(tests/unit) and the Java port read the JSON files; see tests/vectors/README.md.

Digests of an object's body appear as placeholders, ``${md5}`` and ``${sha256}`` (lowercase hex),
which a reader replaces before use: the values are fully determined by the body file, and literal
hex digests would trip the repository's secret scanner.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote_plus

HERE = Path(__file__).resolve().parent
OBJECTS = HERE / "objects"
SOURCE_BUCKET = "vectors-source"
RESULTS_BUCKET = "vectors-results"
PREFIX = "records/"
DEFAULT_MAX_HASH = 1024**3
EVENT_TIME = "2026-01-01T12:00:00.000Z"
SEQUENCER = "0123456789ABCDEF"
MD5 = "${md5}"
SHA256 = "${sha256}"

# A 1x1 transparent PNG: signature, IHDR, IDAT, IEND.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"  # pragma: allowlist secret
)
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
JSON_BODY = '{"name": "données", "values": [1, 2, 3], "ok": true}\n'.encode()
TEXT_BODY = b"Plain text file.\nSecond line with a tab\tand a euro sign \xe2\x82\xac.\n"


def zip_body() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("hello.txt", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        archive.writestr(info, b"hello from a zip\n", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


FILES = {
    "pixel.png": PNG,
    "report.pdf": PDF,
    "archive.zip": zip_body(),
    "data.json": JSON_BODY,
    "notes.txt": TEXT_BODY,
    "empty.bin": b"",
    "over-limit.txt": b"0123456789abcdef\n" * 8,
}

DETECTED = {
    "png": {"mimeType": "image/png", "extension": ".png", "name": "Portable Network Graphics file"},
    "pdf": {
        "mimeType": "application/pdf",
        "extension": ".pdf",
        "name": "Adobe Portable Document Format file",
    },
    "zip": {"mimeType": "application/zip", "extension": ".zip", "name": "ZIP archive"},
    "json": {"mimeType": "application/json", "extension": ".json", "name": "JSON document"},
    "text": {"mimeType": "text/plain", "extension": ".txt", "name": "UTF-8 text"},
}
LONG_KEY = "long/" + "é" * 506 + "xxx.txt"  # 5 + 1,012 + 7 = 1,024 bytes in UTF-8: S3's maximum

# name, key, file, declared content type, metadata, detection, method, mismatch, max hash bytes
CASES = [
    ("png_key_with_space", "images/pixel 1.png", "pixel.png", "image/png", {"origin": "vectors"},
     "png", "magic", False, None),
    ("pdf_key_with_plus", "docs/report+final.pdf", "report.pdf", "application/pdf", {},
     "pdf", "magic", False, None),
    ("zip_key_with_percent", "archives/100% done.zip", "archive.zip", "application/zip", {},
     "zip", "magic", False, None),
    ("json_unicode_key", "données/ünïcødé €.json", "data.json", "application/json", {"lang": "fr"},
     "json", "json", False, None),
    ("text_with_charset", "notes/read me?&=#.txt", "notes.txt", "text/plain; charset=utf-8", {},
     "text", "text", False, None),
    ("zero_byte_object", "empty/zero-byte.bin", "empty.bin", "application/octet-stream", {},
     None, "empty", False, None),
    ("declared_jpeg_is_png", "uploads/photo.jpg", "pixel.png", "image/jpeg", {},
     "png", "magic", True, None),
    ("declared_pdf_is_zip", "uploads/invoice.pdf", "archive.zip", "application/pdf", {},
     "zip", "magic", True, None),
    ("over_hash_limit", "big/over-limit.txt", "over-limit.txt", "text/plain", {},
     "text", "text", False, 64),
    ("longest_key_1024_bytes", LONG_KEY, "notes.txt", "text/plain", {},
     "text", "text", False, None),
]  # fmt: skip


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def results_key(bucket: str, key: str, etag: str | None, version_id: str | None, prefix: str = PREFIX) -> str:
    if version_id and version_id != "null":
        identity = "v-" + sha256_hex(version_id.encode())
    else:
        identity = "e-" + sha256_hex((etag or "").strip().strip('"').encode())
    return f"{prefix}{bucket}/{sha256_hex(key.encode())}/{identity}.json"


def event_for(bucket: str, key: str, size: int, etag: str, version_id: str | None = None) -> dict:
    template = json.loads((HERE.parent / "events" / "s3_object_created_put.json").read_text(encoding="utf-8"))
    event = copy.deepcopy(template)
    record = event["Records"][0]
    record["eventTime"] = EVENT_TIME
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    obj = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag, "sequencer": SEQUENCER}
    if version_id:
        obj["versionId"] = version_id
    record["s3"]["object"] = obj
    return event


def case(name, key, file, content_type, metadata, detected, method, mismatch, max_hash) -> dict:
    body = FILES[file]
    etag = hashlib.md5(body, usedforsecurity=False).hexdigest()  # in the results key only
    limit = max_hash if max_hash is not None else DEFAULT_MAX_HASH
    hashed = len(body) <= limit
    sample = body[: 64 * 1024]
    crc32 = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    declared = content_type.split(";")[0].strip().lower()
    return {
        "name": name,
        "maxHashBytes": limit,
        "object": {
            "bucket": SOURCE_BUCKET,
            "key": key,
            "bodyFile": f"objects/{file}",
            "contentType": content_type,
            "metadata": metadata,
            "serverSideEncryption": "AES256",
            "checksumAlgorithm": "CRC32",
        },
        "event": event_for(SOURCE_BUCKET, key, len(body), MD5),
        "expected": {
            "resultsKey": results_key(SOURCE_BUCKET, key, etag, None),
            "record": {
                "schemaVersion": 1,
                "source": {
                    "bucket": SOURCE_BUCKET,
                    "key": key,
                    "versionId": None,
                    "eTag": MD5,
                    "sequencer": SEQUENCER,
                    "eventName": "ObjectCreated:Put",
                    "eventTime": EVENT_TIME,
                },
                "object": {
                    "size": len(body),
                    "eTag": MD5,
                    "versionId": None,
                    "contentType": content_type,
                    "storageClass": "STANDARD",
                    "encryption": {"algorithm": "AES256", "kmsKeyId": None, "bucketKeyEnabled": False},
                    "metadata": metadata,
                    # S3 returns no stored checksums for a ranged read of part of an object
                    # (objects over the hash limit and larger than the 64 KiB sample).
                    "checksums": {"CRC32": crc32} if hashed or len(body) <= 64 * 1024 else {},
                },
                "type": {
                    "declared": declared,
                    "detected": DETECTED[detected] if detected else None,
                    "method": method,
                    "mismatch": mismatch,
                    "sampleBytes": len(sample),
                },
                "sha256": {
                    "status": "computed" if hashed else "skipped",
                    "hex": SHA256 if hashed else None,
                    "reason": None if hashed else "size_exceeds_limit",
                    "limitBytes": limit,
                },
            },
        },
    }


KEY_CASES = [
    ("quoted_etag", "src", "a/b.txt", "a/b.txt", '"0123456789abcdef"', None),
    ("space_as_plus", "src", "my+file.txt", "my file.txt", "0123456789abcdef", None),
    ("encoded_plus", "src", "1%2B1%3D2.txt", "1+1=2.txt", "0123456789abcdef", None),
    ("encoded_percent", "src", "100%25+done", "100% done", "0123456789abcdef", None),
    ("unicode", "src", "caf%C3%A9/%E2%82%AC+%F0%9F%93%84.pdf", "café/€ 📄.pdf", "0123456789abcdef-2", None),
    ("versioned", "src", "a/b.txt", "a/b.txt", "0123456789abcdef", "example.version-id_1"),
    ("null_version_uses_etag", "src", "a/b.txt", "a/b.txt", "0123456789abcdef", "null"),
    ("longest_key", "bucket.with.dots", quote_plus(LONG_KEY, safe="/"), LONG_KEY, "e-tag", None),
]  # fmt: skip


def main() -> None:
    OBJECTS.mkdir(exist_ok=True)
    for name, body in FILES.items():
        (OBJECTS / name).write_bytes(body)
    cases = {
        "description": "End-to-end cases: put object, deliver event, expect the record at resultsKey.",
        "schema": "src/file_processor/record.schema.json",
        "resultsBucket": RESULTS_BUCKET,
        "resultsPrefix": PREFIX,
        "placeholders": {
            "${md5}": "lowercase hex MD5 of the object body (its ETag: single-part upload, no SSE-KMS)",
            "${sha256}": "lowercase hex SHA-256 of the object body",
        },
        "varyingFields": ["processedAt", "requestId", "object.lastModified", "object.checksumType"],
        "cases": [case(*spec) for spec in CASES],
    }
    keys = {
        "description": "Results key derivation: decode the event key, then hash (see keys.py).",
        "prefix": PREFIX,
        "cases": [
            {
                "name": name,
                "bucket": bucket,
                "eventKey": event_key,
                "decodedKey": decoded,
                "eTag": etag,
                "versionId": version,
                "resultsKey": results_key(bucket, decoded, etag, version),
            }
            for name, bucket, event_key, decoded, etag, version in KEY_CASES
        ],
    }
    for path, data in (("cases.json", cases), ("results_keys.json", keys)):
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        (HERE / path).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
