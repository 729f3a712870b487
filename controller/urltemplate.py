"""Screen-pop URL templates: ``https://crm.example/customer?phone={caller_e164}``.

A queue may name a page of the company's CRM that the agent workspace opens when one of the
queue's calls reaches an agent. The template is checked when the configuration is imported
(:func:`check`: an unknown placeholder is an error naming it and the known ones) and filled
per call (:func:`render`), each value percent-encoded as a whole (``+8613800138000`` becomes
``%2B8613800138000``; a ``/``, ``&`` or ``#`` in a caller's name cannot change the URL's shape).

Pure: no I/O, no dependency beyond the standard library.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

# The placeholders a template may use, with what each holds ("" when unknown).
PLACEHOLDERS: Mapping[str, str] = {
    "caller_e164": "the caller's number in E.164 form (+8613800138000); else as received",
    "caller_number": "the caller's number as received",
    "caller_name": "the caller's name (caller ID)",
    "customer_code": "the customer's code, when the number belongs to a customer",
    "linkedid": "the call's Linkedid (the id of the call in the API and the history)",
    "queue": "the queue's name",
    "agent": "the agent's code",
    "region": "the caller's region (归属地)",
}
MAX_LENGTH = 1000
_FORMATTER = string.Formatter()


def placeholders(template: str) -> list[str]:
    """The placeholder names of ``template``, in order; ValueError naming what is wrong."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:  # a lone "{" or "}"
        message = f"not a valid template ({exc}); write a literal brace as {{{{ or }}}}"
        raise ValueError(message) from None
    names = []
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
            shown = f"{{{name}}}" if name else "{}"
            raise ValueError(f"unknown placeholder {shown}; known: {known}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} takes no format (':' or '!')")
        names.append(name)
    return names


def check(template: str) -> str:
    """``template`` if it is a usable screen-pop URL template; ValueError saying why not."""
    if len(template) > MAX_LENGTH:
        raise ValueError(f"at most {MAX_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in template):
        raise ValueError("a URL holds no spaces or control characters")
    placeholders(template)
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must start with http:// or https:// and a host name")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise ValueError("the host must be written out, not a placeholder")
    return template


def render(template: str, values: Mapping[str, str | None]) -> str:
    """The URL for one call: each placeholder replaced by its value, percent-encoded whole."""
    names = placeholders(template)
    encoded = {name: quote(values.get(name) or "", safe="") for name in names}
    return _FORMATTER.vformat(template, (), encoded)
