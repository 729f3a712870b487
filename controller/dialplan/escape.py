"""The one escaping layer for everything that enters Asterisk configuration.

Each function takes a value for one kind of place and returns it as :class:`Safe` text, or
raises :class:`UnsafeValue` saying why it cannot be written there. Nothing is silently
altered: escaping (``;`` as ``\\;`` in a config file) preserves the value Asterisk reads; what
has no faithful representation is refused.

The places:

- :func:`name`: an identifier Asterisk parses (context, queue, endpoint, class names).
- :func:`exten`: a literal extension (numbers, DIDs).
- :func:`pattern`: an extension pattern (``_1[3-9]XXXXXXXXX``).
- :func:`arg`: one argument of a dialplan application or function, where ``,`` ``(`` ``)``
  ``"`` ``\\`` ``;`` ``$`` ``[`` ``]`` ``{`` ``}`` ``|`` would change the call's structure.
- :func:`conf`: a value after ``=`` in a configuration file (pjsip.conf, queues.conf ...).
- :func:`callerid_name`: the name part of ``callerid = "Name" <number>``.
- :func:`voicemail_field`: a field of a voicemail.conf mailbox line (comma separated).

Templates only print :class:`Safe` values (or integers): :mod:`controller.dialplan.render`
refuses anything else, so an unescaped value cannot slip into a generated file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from controller.errors import Message


class Safe(str):
    """Text that has been checked (and escaped) for the place it is written to."""

    __slots__ = ()


class UnsafeValue(ValueError):
    """A value that cannot be written faithfully where it should go."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,78}")
_EXTEN = re.compile(r"[0-9*#+]{1,80}")
_PATTERN = re.compile(r"(?:[0-9*#+XZN]|\[(?:[0-9](?:-[0-9])?)+\])+[.!]?")
# Characters that would split, nest, quote, escape, comment out or substitute in dialplan.
_ARG_FORBIDDEN = set(",()\"\\;$[]{}|`'")
_MAX = 255


def _no_controls(value: str) -> None:
    match = _CONTROL.search(value)
    if match:
        raise UnsafeValue(
            Message("control character {char} cannot be written here", char=repr(match.group()))
        )


def _length(value: str, limit: int = _MAX) -> None:
    if len(value) > limit:
        raise UnsafeValue(Message("longer than {limit} characters", limit=limit))


def name(value: str) -> Safe:
    if not _NAME.fullmatch(value):
        raise UnsafeValue(
            Message(
                "only letters, digits, '_', '-' and '.' (starting with a letter or digit, "
                "at most 79) can be used as an Asterisk name"
            )
        )
    return Safe(value)


def exten(value: str) -> Safe:
    # Dashes are ignored in extension matching and '_' starts a pattern: digits, * # + only.
    if not _EXTEN.fullmatch(value):
        raise UnsafeValue(Message("an extension may only contain digits, '*', '#' and '+'"))
    return Safe(value)


def pattern(value: str) -> Safe:
    if not _PATTERN.fullmatch(value):
        raise UnsafeValue(
            Message("not a dial pattern (digits, X, Z, N, [0-9 ranges], trailing . or !)")
        )
    return Safe("_" + value)


def arg(value: str) -> Safe:
    _no_controls(value)
    _length(value)
    bad = sorted(_ARG_FORBIDDEN.intersection(value))
    if bad:
        shown = " ".join(bad)
        raise UnsafeValue(
            Message("the characters {chars} cannot be used in a dialplan argument", chars=shown)
        )
    if value != value.strip():
        raise UnsafeValue(
            Message("leading or trailing spaces cannot be used in a dialplan argument")
        )
    return Safe(value)


def conf(value: str) -> Safe:
    _no_controls(value)
    _length(value)
    if "\\" in value:
        raise UnsafeValue(Message("a backslash cannot be written in a configuration value"))
    if value != value.strip():
        raise UnsafeValue(
            Message("Asterisk drops leading and trailing spaces of configuration values")
        )
    # ';' starts a comment in Asterisk configuration files; '\;' is a literal semicolon.
    return Safe(value.replace(";", "\\;"))


def callerid_name(value: str) -> Safe:
    bad = sorted(set('"<>').intersection(value))
    if bad:
        raise UnsafeValue(
            Message(
                "the characters {chars} cannot be used in a caller ID name", chars=" ".join(bad)
            )
        )
    return conf(value)


def voicemail_field(value: str) -> Safe:
    bad = sorted(set(",|").intersection(value))
    if bad:
        raise UnsafeValue(
            Message("the characters {chars} cannot be used in a voicemail box", chars=" ".join(bad))
        )
    return conf(value)


# The filters templates may use, by name: {{ value | ast_arg }}.
FILTERS: dict[str, Callable[[str], Safe]] = {
    "ast_name": name,
    "ast_exten": exten,
    "ast_pattern": pattern,
    "ast_arg": arg,
    "ast_conf": conf,
    "ast_callerid_name": callerid_name,
    "ast_voicemail": voicemail_field,
}
