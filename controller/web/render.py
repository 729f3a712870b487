"""Server-rendered pages: one Jinja2 environment (autoescaped), gettext in the language of
the request, a strict Content-Security-Policy (no inline scripts)."""

from __future__ import annotations

import contextvars
import functools
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from controller.web import i18n

_CURRENT = contextvars.ContextVar("language", default=i18n.DEFAULT)


def _gettext(message: str) -> str:
    return i18n.translations(_CURRENT.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(_CURRENT.get()).ngettext(singular, plural, n)


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("controller.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def page(template: str, language: str, status: int = 200, **context: Any) -> web.Response:
    token = _CURRENT.set(language)
    try:
        body = environment().get_template(template).render(language=language, **context)
    finally:
        _CURRENT.reset(token)
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
    )
