"""The pages' languages: Chinese (zh, the default) and English, with Babel.

Page texts are written in English and translated in ``i18n/zh_CN/LC_MESSAGES/messages.po``
(a gettext catalogue; Babel reads it at start-up, so there is no build step and no compiled
file in the repository). A page is in the signed-in user's language, else the one asked for
with ``?lang=`` (kept in a cookie), else the browser's ``Accept-Language``, else Chinese.
``tests/web/test_i18n.py`` fails when a text of a template has no Chinese translation.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
CATALOGUES = Path(__file__).parent / "i18n"
_LOCALES = {"zh": "zh_CN", "en": "en"}


@functools.cache
def translations(language: str, domain: str = "messages") -> gettext.NullTranslations:
    """A language's catalogue: ``messages`` (the pages' words) or ``config`` (the
    configuration's field names and the importer's messages, docs/web.md "Admin")."""
    if language not in LANGUAGES or language == "en":
        return gettext.NullTranslations()
    path = CATALOGUES / _LOCALES[language] / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=_LOCALES[language])
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def locale(language: str) -> Locale:
    return Locale.parse(_LOCALES.get(language, _LOCALES[DEFAULT]))


def negotiate(asked: str | None, cookie: str | None, accept_language: str) -> str:
    """The language of a page for someone not signed in."""
    for choice in (asked, cookie):
        if choice in LANGUAGES:
            return choice
    preferred = []
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip().replace("-", "_")
        if tag:
            preferred.append(tag)
    found = negotiate_locale(preferred, ["zh_CN", "zh", "en"], sep="_")
    if found is None:
        return DEFAULT
    return "en" if found.startswith("en") else "zh"
