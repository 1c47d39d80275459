"""W3C Bitstring Status List (VC 2.0): the bitstring, its encoding and the list credential.

Pure Python, no Django import. A list holds SIZE one-bit entries (the spec's minimum of 16 KiB,
131,072 entries), index 0 being the left-most (most significant) bit of the first byte. The
published `encodedList` is the multibase base64url (no padding, prefix ``u``) of the GZIP of the
bitstring. Entries are handed out in an order that looks random (a bijection of the list's
counter), so a credential's index tells nothing of when it was issued or of its neighbours.
"""

import base64
import gzip
import io
from datetime import UTC, datetime
from typing import Any

SIZE = 131_072  # entries per list: the spec's minimum bitstring of 16 KiB
BYTES = SIZE // 8
PURPOSE_REVOCATION = "revocation"
# Odd, so that counter -> (counter * STRIDE + offset) mod SIZE is a bijection of [0, SIZE).
_STRIDE = 0x1B873


def empty() -> bytes:
    return bytes(BYTES)


def index_for(counter: int, *, offset: int) -> int:
    """The index of the `counter`-th entry handed out from a list: every index once, in a
    scattered order (SIZE is a power of two and the stride odd)."""
    if not 0 <= counter < SIZE:
        raise ValueError(f"a list has {SIZE} entries; entry {counter} does not exist")
    return (counter * _STRIDE + offset) % SIZE


def bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit(bits: bytes, index: int, value: bool = True) -> bytes:
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"index {index} is outside the list")
    data = bytearray(bits)
    if value:
        data[index // 8] |= 0x80 >> (index % 8)
    else:
        data[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF
    return bytes(data)


def encode(bits: bytes) -> str:
    """`encodedList`: ``u`` + base64url(GZIP(bits)) without padding; deterministic (mtime 0)."""
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: str, *, limit: int = 16 * 1024 * 1024) -> bytes:
    """Inverse of :func:`encode`; ``ValueError`` on anything else (or a list under the minimum)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (starting with 'u')")
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as f:
        bits = f.read(limit + 1)
    if len(bits) > limit:
        raise ValueError("status list too large")
    if len(bits) < BYTES:
        raise ValueError(f"status list shorter than the minimum of {BYTES} bytes")
    return bits


def entry(*, list_url: str, index: int, purpose: str = PURPOSE_REVOCATION) -> dict[str, Any]:
    """The `credentialStatus` of a credential: a BitstringStatusListEntry."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    *,
    list_url: str,
    issuer_id: str,
    bits: bytes,
    valid_from: datetime,
    purpose: str = PURPOSE_REVOCATION,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential."""
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode(bits),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": subject,
    }
