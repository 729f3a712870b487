"""The one encoding layer for every value the controller sends to Asterisk over AMI.

Each function takes a value for one kind of AMI field and returns the text to send, or raises
:class:`AmiValueError` naming the field and saying why the value cannot be sent faithfully.
Nothing is silently altered: a value is encoded only where Asterisk's own parser undoes the
encoding exactly; everything else that would change meaning on the way in is refused. What
each place does with a value was read in Asterisk 22's sources (``main/manager.c``,
``main/app.c``, ``main/callerid.c``, ``apps/app_mixmonitor.c``), not guessed.

The places, and why each refuses or encodes:

- :func:`header`: any header value, applied by :func:`controller.ami.protocol.format_action`
  to every header of every action (the last line of defence). **Refused**: LF (manager.c ends
  a header line at a bare LF as well as at CRLF, so a line break in a value starts a header of
  the sender's choosing, and a blank line a whole new action), CR, NUL (manager.c keeps
  header values as C strings: the rest would be dropped without a word), and lines over
  :data:`MAX_LINE_BYTES` (manager.c reads lines into a 1025-byte buffer and discards the whole
  message of a longer one). AMI has no escape for any of these.
- :func:`name`: an Asterisk identifier: context, queue, member name, pause reason, AstDB family
  and key. **Refused** unless letters, digits, ``_ . -`` (the dialplan's
  :func:`controller.dialplan.escape.name`): queue names and pause reasons are written to
  queue_log, whose fields ``|`` separates, and contexts are parsed by the dialplan.
- :func:`exten`: an extension: digits, ``* # +`` (:func:`controller.dialplan.escape.exten`), or
  a named extension such as ``s``. **Refused** otherwise.
- :func:`device`: what Asterisk dials or watches (``PJSIP/1001``, ``Local/8001@pbx-agent/n``):
  a technology and a resource of letters, digits, ``_ . @ + -``. **Refused** otherwise: the
  device is stored in AstDB and dialled by ``[pbx-agent]`` inside ``Dial(...)``, where ``&``
  would ring more phones and ``,`` add options.
- :func:`channel`: the name or uniqueid of a live channel, as Asterisk reported it. **Refused**:
  control characters, spaces, and a leading ``/``: ``Hangup`` reads ``/.../`` as a regular
  expression and hangs up every channel it matches.
- :func:`variable`: one ``Variable: NAME=value`` header. manager.c splits the value with the
  dialplan's argument parser (``AST_STANDARD_APP_ARGS``): commas separate variables (so
  ``8001,__X=1`` set ``__X``), double quotes and backslashes are removed, parentheses and
  brackets change where it splits. **Refused**: ``, " \\ ( ) [ ]`` and control characters.
  A backslash escape would survive manager.c, but every variable the controller sets is read
  back by the generated dialplan into application arguments (``Dial``, ``Queue``, ``Set``),
  where the same characters restructure the call again; a value that must keep a comma needs
  another transport (the database, read by an AGI route), not a channel variable.
- :func:`app_data`: the arguments of an application run over AMI (``Originate`` with
  ``Application``/``Data``; ``MixMonitor``'s ``File``, which app_mixmonitor joins with the
  options by commas and parses again). **Refused**: the same characters as in variables.
- :func:`caller_id`: ``CallerID`` of ``Originate``. **Encoded**: the name is always sent in
  double quotes with ``\\`` and ``"`` backslash-escaped: ``ast_callerid_parse`` strips the
  quotes and ``ast_unescape_quoted`` removes exactly those escapes, so names with commas,
  quotes, ``< >`` and Chinese arrive as written. **Refused**: control characters in the name,
  a number other than a dialable one (``< > "`` or spaces would move the name/number split),
  and a whole value over 255 bytes (manager.c copies it into a 256-byte buffer).
"""

from __future__ import annotations

import re

from controller.dialplan import escape
from controller.errors import ControllerError

# manager.c get_input(): a 1025-byte buffer, one byte kept for the terminator; a line is
# found when its LF is within the 1024 bytes read, so "Key: value" may take 1022 of them.
MAX_LINE_BYTES = 1022
# manager.c struct message: AST_MAX_MANHEADERS, "Action:" and "ActionID:" included.
MAX_HEADERS = 128
MAX_CALLER_ID_BYTES = 255  # action_originate(): char tmp2[256]

_LINE_BREAKS_AND_NUL = re.compile(r"[\r\n\x00]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_DEVICE = re.compile(r"(?:PJSIP|SIP|IAX2|DAHDI|Local)/[A-Za-z0-9_.@+-]{1,80}(?:/[A-Za-z0-9]{1,8})?")
_CHANNEL = re.compile(r"[!-~]{1,150}")  # printable ASCII without spaces
_VARIABLE_NAME = re.compile(r"_{0,2}[A-Za-z][A-Za-z0-9_]{0,63}")
_CALLER_NUMBER = re.compile(r"[0-9A-Za-z*#+_.-]{0,40}")
# What the dialplan argument parser (main/app.c __ast_app_separate_args) interprets.
_ARGUMENT_SYNTAX = frozenset(',"\\()[]')
MAX_ARGUMENT = 255


class AmiValueError(ControllerError, ValueError):
    """A value that cannot be sent faithfully in this AMI field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"AMI field {field}: {reason}")
        self.field = field
        self.reason = reason


def _shown(characters: set[str]) -> str:
    return " ".join(repr(ch) for ch in sorted(characters))


def header(field: str, value: str) -> str:
    """Any header value: no line break, no NUL, and a line Asterisk reads whole."""
    if not _KEY.fullmatch(field):
        raise AmiValueError(field, "not a valid AMI header name")
    found = _LINE_BREAKS_AND_NUL.search(value)
    if found:
        raise AmiValueError(field, f"the character {found.group()!r} cannot be sent in AMI")
    size = len(f"{field}: {value}".encode("utf-8", "surrogatepass"))
    if size > MAX_LINE_BYTES:
        raise AmiValueError(field, f"{size} bytes; an AMI line holds at most {MAX_LINE_BYTES}")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise AmiValueError(field, "a lone surrogate is not text and cannot be sent as UTF-8")
    return value


def name(field: str, value: str) -> str:
    try:
        return str(escape.name(value))
    except escape.UnsafeValue as exc:
        raise AmiValueError(field, str(exc)) from None


def exten(field: str, value: str) -> str:
    try:
        return str(escape.exten(value))
    except escape.UnsafeValue:
        pass
    try:
        return str(escape.name(value))  # a named extension: s, held, holder
    except escape.UnsafeValue:
        raise AmiValueError(
            field, "an extension is digits, '*', '#' and '+', or a name like 's'"
        ) from None


def device(field: str, value: str) -> str:
    if not _DEVICE.fullmatch(value):
        raise AmiValueError(
            field, "a device is TECH/resource (PJSIP, SIP, IAX2, DAHDI, Local) of letters, "
            "digits, '_', '.', '@', '+' and '-'",
        )  # fmt: skip
    return value


def channel(field: str, value: str) -> str:
    if not _CHANNEL.fullmatch(value):
        raise AmiValueError(field, "a channel is 1-150 printable ASCII characters, no spaces")
    if value.startswith("/"):
        raise AmiValueError(field, "a leading '/' makes Asterisk read a channel as a pattern")
    return value


def _argument(field: str, value: str) -> str:
    if _CONTROL.search(value):
        raise AmiValueError(field, "control characters cannot be sent here")
    bad = _ARGUMENT_SYNTAX.intersection(value)
    if bad:
        raise AmiValueError(
            field, f"{_shown(bad)} would be read by Asterisk's argument parser; refused"
        )
    if len(value) > MAX_ARGUMENT:
        raise AmiValueError(field, f"longer than {MAX_ARGUMENT} characters")
    return value


def variable(variable_name: str, value: str) -> str:
    """One ``Variable:`` header value of Originate: ``NAME=value``."""
    field = f"Variable {variable_name}"
    if not _VARIABLE_NAME.fullmatch(variable_name):
        raise AmiValueError(field, "a variable name is letters, digits and '_'")
    return f"{variable_name}={_argument(field, value)}"


def app_data(field: str, *arguments: str) -> str:
    """Arguments of an application, joined by the commas Asterisk splits them at."""
    return ",".join(_argument(field, argument) for argument in arguments)


def caller_id(field: str, display_name: str, number: str) -> str:
    """``"name" <number>`` as ``ast_callerid_parse`` reads it back exactly."""
    if _CONTROL.search(display_name):
        raise AmiValueError(field, "control characters cannot be in a caller ID name")
    if not _CALLER_NUMBER.fullmatch(number):
        raise AmiValueError(
            field, "a caller ID number is up to 40 digits, letters, '*', '#', '+', '_', '.', '-'"
        )
    quoted = display_name.replace("\\", "\\\\").replace('"', '\\"')
    text = f'"{quoted}" <{number}>'
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_CALLER_ID_BYTES:
        raise AmiValueError(field, f"{size} bytes; Asterisk keeps at most {MAX_CALLER_ID_BYTES}")
    return text
