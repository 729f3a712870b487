"""Passwords: scrypt, a cost that can rise, refusals that say why."""

from __future__ import annotations

import pytest

from controller.access.passwords import (
    PasswordError,
    check_password,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("correct horse battery") != stored  # salted
    assert not needs_rehash(stored)


def test_old_parameters_still_verify_and_ask_for_a_new_hash() -> None:
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"an old password", salt=salt, n=2**14, r=8, p=1, dklen=32)
    stored = (
        f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )
    assert verify_password("an old password", stored)
    assert needs_rehash(stored)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$x$8$1$a$b", "md5$1$2$3$4$5"])
def test_garbage_never_verifies(stored: str) -> None:
    assert not verify_password("anything", stored)


@pytest.mark.parametrize(("password", "why"), [
    ("short", "at least 10"), ("x" * 300, "at most 256"), ("wang.li.01", "login name"),
])  # fmt: skip
def test_weak_passwords_are_refused_saying_why(password: str, why: str) -> None:
    with pytest.raises(PasswordError, match=why):
        check_password(password, "wang.li.01")
