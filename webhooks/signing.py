"""The signature of a delivery, `X-Lencana-Signature: t=<unix seconds>,v1=<hex>`, where the hex is
HMAC-SHA256 with the subscription's secret of "<t>.<body>". A receiver recomputes it over the
raw body and refuses a timestamp older than its replay window (five minutes here)."""

import hashlib
import hmac
import time

HEADER = "X-Lencana-Signature"
TOLERANCE_SECONDS = 300


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Whether `header` signs `body` with `secret` within the replay window."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
