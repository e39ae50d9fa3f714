"""Content-type detection from an object's first bytes, and the declared/detected mismatch rule.

Detection (schema version 1), on a sample of the first ``SAMPLE_BYTES`` bytes of the object:

1. Empty object: nothing detected (``method`` ``"empty"``).
2. Magic numbers (puremagic's signature table): the best match whose signature is at least
   ``MIN_SIGNATURE_BYTES`` long and names a MIME type (``method`` ``"magic"``). Shorter signatures
   (such as ``{"`` for JSON) are too weak to trust and fall through to step 3, and so do the
   library's own test signatures (extensions starting ``.puremagic``). A ZIP local-file
   header (``PK\\x03\\x04``) is reported as ``application/zip``: Office documents, JARs and EPUBs
   are ZIP containers too, and telling them apart needs the central directory at the end of the
   file, which a first-bytes sample does not hold.
3. Text: no NUL or other C0 control bytes besides tab, LF, FF, CR and ESC, and valid UTF-8 (an
   incomplete character cut by the end of the sample is allowed). If the sample is the whole
   object and parses as a JSON object or array it is ``application/json`` (``method`` ``"json"``),
   otherwise ``text/plain`` (``method`` ``"text"``). A JSON object longer than the sample is
   ``text/plain``.
4. Anything else: nothing detected (``method`` ``"unknown"``).

Mismatch: see ``is_mismatch``.
"""

from __future__ import annotations

import codecs
import json
from typing import NamedTuple

import puremagic

SAMPLE_BYTES = 64 * 1024
MIN_SIGNATURE_BYTES = 3
ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ALLOWED_CONTROLS = frozenset("\t\n\f\r\x1b")

# Declared types that claim nothing about the content.
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "application/unknown"})
# Spellings that mean the same type, mapped to the one detection reports.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
    "application/x-zip-compressed": "application/zip",
    "application/x-zip": "application/zip",
    "application/gzip": "application/x-gzip",
    "text/json": "application/json",
}
# Declared types whose files are ZIP containers, so detecting application/zip agrees with them.
ZIP_CONTAINER_TYPES = frozenset(
    {"application/java-archive", "application/epub+zip", "application/vnd.android.package-archive"}
)
ZIP_CONTAINER_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)
# Declared types that are text, so detecting text/plain agrees with them.
TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-ndjson",
        "application/yaml",
        "application/x-yaml",
        "application/sql",
        "application/csv",
    }
)


class Detection(NamedTuple):
    mime_type: str
    extension: str
    name: str
    method: str


def _magic(sample: bytes) -> Detection | None:
    for match in puremagic.magic_string(sample):
        if len(match.byte_match or b"") < MIN_SIGNATURE_BYTES or not match.mime_type:
            continue
        if str(match.extension).startswith(".puremagic"):
            continue  # puremagic's own test fixtures ("0123456789" is "TESTFILE")
        if match.offset == 0 and match.byte_match.startswith(ZIP_LOCAL_HEADER):
            return Detection("application/zip", ".zip", "ZIP archive", "magic")
        return Detection(match.mime_type.lower(), match.extension or "", match.name or "", "magic")
    return None


def _text(sample: bytes, complete: bool) -> Detection | None:
    try:
        text = codecs.getincrementaldecoder("utf-8")(errors="strict").decode(sample, final=complete)
    except UnicodeDecodeError:
        return None
    if any(ch < " " and ch not in _ALLOWED_CONTROLS for ch in text):
        return None
    if complete:
        try:
            parsed = json.loads(text.removeprefix("\ufeff"))
        except (ValueError, RecursionError):
            # Too deeply nested for the parser is not a failure of the object: it is text.
            parsed = None
        if isinstance(parsed, dict | list):
            return Detection("application/json", ".json", "JSON document", "json")
    return Detection("text/plain", ".txt", "UTF-8 text", "text")


def detect(sample: bytes, complete: bool) -> tuple[Detection | None, str]:
    """Detect the type of an object from its first bytes; ``complete`` says the sample is all of it.

    Returns the detection (or None) and the method that decided.
    """
    if not sample:
        return None, "empty"
    found = _magic(sample) or _text(sample, complete)
    if found is None:
        return None, "unknown"
    return found, found.method


def normalize_content_type(content_type: str | None) -> str | None:
    """Lowercase media type without parameters (``text/plain; charset=utf-8`` -> ``text/plain``)."""
    if not content_type:
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type or None


def _canonical(mime_type: str) -> str:
    return ALIASES.get(mime_type, mime_type)


def _is_text_type(mime_type: str) -> bool:
    return (
        mime_type.startswith("text/")
        or mime_type in TEXT_TYPES
        or mime_type.endswith(("+json", "+xml", "+yaml"))
    )


def is_mismatch(declared: str | None, detected: Detection | None) -> bool:
    """True when the declared content type contradicts what the content is.

    No mismatch when nothing was declared, the declared type is generic (``GENERIC_TYPES``),
    nothing was detected, or the two agree: equal after ``ALIASES``; ZIP detected and a ZIP
    container declared; plain text detected and any text type declared; JSON detected and
    ``text/plain`` or a ``+json`` type declared.
    """
    declared_type = normalize_content_type(declared)
    if declared_type is None or declared_type in GENERIC_TYPES or detected is None:
        return False
    declared_type = _canonical(declared_type)
    detected_type = _canonical(detected.mime_type)
    if declared_type == detected_type:
        return False
    if detected_type == "application/zip" and (
        declared_type in ZIP_CONTAINER_TYPES or declared_type.startswith(ZIP_CONTAINER_PREFIXES)
    ):
        return False
    if detected_type == "text/plain" and _is_text_type(declared_type):
        return False
    return not (
        detected_type == "application/json"
        and (declared_type == "text/plain" or declared_type.endswith("+json"))
    )
