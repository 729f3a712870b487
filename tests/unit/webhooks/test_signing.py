"""Signatures: HMAC-SHA256 over "<timestamp>.<body>", checked by what a receiver does."""

from __future__ import annotations

import hashlib
import hmac

from controller.webhooks import signing

SECRET = "whsec_test-secret-0123456789abcdef"
BODY = '{"id":"e1","event":"call.ended","data":{"caller_name":"王小明"}}'.encode()


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1796000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature(SECRET, 1796000000, BODY) == f"v1={expected}"
    # A fixed vector, so a receiver in another language can check its own code against it.
    assert signing.signature("secret", 0, b"{}") == (
        "v1=" + hmac.new(b"secret", b"0.{}", hashlib.sha256).hexdigest()
    )


def test_headers_carry_timestamp_signature_event_and_delivery() -> None:
    headers = signing.headers(SECRET, 1796000000, BODY, "call.ended", 42)
    assert headers["X-Pbx-Timestamp"] == "1796000000"
    assert headers["X-Pbx-Signature"] == signing.signature(SECRET, 1796000000, BODY)
    assert (headers["X-Pbx-Event"], headers["X-Pbx-Delivery"]) == ("call.ended", "42")


def test_a_receiver_accepts_only_the_same_body_secret_and_a_fresh_time() -> None:
    sent = signing.signature(SECRET, 1796000000, BODY)
    assert signing.verify(SECRET, "1796000000", BODY, sent, now=1796000010)
    assert not signing.verify(SECRET, "1796000000", BODY + b" ", sent, now=1796000010)
    assert not signing.verify("whsec_another-secret-0123456", "1796000000", BODY, sent,
                              now=1796000010)  # fmt: skip
    assert not signing.verify(SECRET, "1796000001", BODY, sent, now=1796000010)  # other time
    # Replayed six minutes later: refused, though the signature is right.
    assert not signing.verify(SECRET, "1796000000", BODY, sent, now=1796000000 + 360)
    assert not signing.verify(SECRET, "１７９６", BODY, sent, now=1796000000)  # not ASCII digits
    # During a rotation a receiver may get two signatures; either one is enough.
    assert signing.verify(SECRET, "1796000000", BODY, f"v1=00, {sent}", now=1796000000)
