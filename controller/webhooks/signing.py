"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, with the endpoint's secret.

Every request carries

    X-Pbx-Timestamp: 1796000000                 (Unix seconds when this attempt was sent)
    X-Pbx-Signature: v1=5257a869e7ecebeda32a...   (hex HMAC-SHA256 of "<timestamp>.<body>")

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes,
compares it in constant time, and refuses a timestamp more than five minutes from its clock
(a captured request cannot be replayed later); ``X-Pbx-Delivery`` (the same on every retry
of one delivery) lets it drop a delivery it already processed. :func:`verify` is that check,
for tests and for receivers written in Python (docs/crm.md has it for others).
"""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "v1"
TOLERANCE_SECONDS = 300

TIMESTAMP_HEADER = "X-Pbx-Timestamp"
SIGNATURE_HEADER = "X-Pbx-Signature"
EVENT_HEADER = "X-Pbx-Event"
DELIVERY_HEADER = "X-Pbx-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex>``: the HMAC-SHA256 of ``b"<timestamp>." + body`` keyed with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def headers(secret: str, timestamp: int, body: bytes, event: str, delivery: int) -> dict[str, str]:
    """The headers of one attempt."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "pbx-controller-webhooks",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery),
    }


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature_header: str,
    now: float,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether a request is authentic and fresh (what a receiver checks)."""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, int(timestamp), body)
    return any(
        hmac.compare_digest(expected, given.strip())
        for given in signature_header.split(",")  # room for two during a secret's rotation
    )
