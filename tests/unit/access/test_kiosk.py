"""Pairing codes and screen cookies: signed, bound to the token's hash, of one kind, expiring."""

from __future__ import annotations

from controller.access import kiosk

KEY = b"k" * 32
HASH = "a" * 64


def test_a_signed_value_checks_against_its_token_only() -> None:
    value = kiosk.sign(KEY, kiosk.SCREEN, 7, HASH, expires=2_000)
    signed = kiosk.parse(value, kiosk.SCREEN, now=1_000)
    assert signed == kiosk.Signed(kiosk.SCREEN, 7, 2_000)
    assert kiosk.genuine(KEY, value, signed, HASH)
    assert not kiosk.genuine(KEY, value, signed, "b" * 64)  # the token was re-created
    assert not kiosk.genuine(b"x" * 32, value, signed, HASH)  # another server's key


def test_tampered_expired_or_other_kinds_are_refused() -> None:
    value = kiosk.sign(KEY, kiosk.PAIRING, 7, HASH, expires=2_000)
    assert kiosk.parse(value, kiosk.PAIRING, now=2_000) is None  # expired
    assert kiosk.parse(value, kiosk.SCREEN, now=1_000) is None  # a code is no cookie
    longer = value.replace(".2000.", ".9999.")
    signed = kiosk.parse(longer, kiosk.PAIRING, now=1_000)
    assert signed is not None
    assert not kiosk.genuine(KEY, longer, signed, HASH)
    other = value.replace("p.7.", "p.8.")
    signed = kiosk.parse(other, kiosk.PAIRING, now=1_000)
    assert signed is not None
    assert not kiosk.genuine(KEY, other, signed, HASH)
    junks = ("", "p", "p.x.1.a", "p.1.2", "p.1.2.3.4", "p." + "1" * 200 + ".2.a", "p.².9.a")
    for junk in (*junks, "p.7.٢٠٠٠.a"):  # Unicode digits: refused, never a crash
        assert kiosk.parse(junk, kiosk.PAIRING, now=0) is None


def test_only_a_wallboard_token_pairs_a_screen() -> None:
    assert kiosk.may_pair(["wallboard.read", "agents.read"])
    assert kiosk.may_pair(["wallboard.read"])
    assert not kiosk.may_pair(["#"])
    assert not kiosk.may_pair(["wallboard.read", "calls.listen"])
