"""The importer's messages in the page's language.

The validator words its messages in English (what ``pbxctl`` and the API show) as
:class:`controller.errors.Message`: the English text that remembers its template and values.
A page translates the template with the ``config`` catalogue
(``i18n/zh_CN/LC_MESSAGES/config.po``) and fills it with the values, each translated the
same way when it is a message itself ("an agent code (2-10 digits)" inside "{value} is not
{what}"). A message without a template (a rare one from deeper code) stays English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from controller.errors import ConfigIssue, Message

Gettext = Callable[[str], str]
_LABEL = re.compile(r"^(?P<what>.+?) (?P<key>'.*'|#[0-9]+)$")


def localize(text: object, gettext: Gettext) -> str:
    if isinstance(text, Message):
        params = {name: localize(value, gettext) for name, value in text.params.items()}
        try:
            return gettext(text.template).format(**params)
        except (KeyError, IndexError, ValueError):  # a translation with a wrong placeholder
            return text.template.format(**params)
    return str(text)


def message(issue: ConfigIssue, gettext: Gettext) -> str:
    """An issue's message alone (shown at the field it names)."""
    return localize(issue.message, gettext)


def _object(text: str, gettext: Gettext) -> str:
    """ "queue 'sales'" in the page's language."""
    match = _LABEL.match(text)
    if match is None:
        return gettext(text)
    return f"{gettext(match.group('what'))} {match.group('key')}"


def render(issue: ConfigIssue, gettext: Gettext) -> str:
    """An issue with what it is about, as ConfigIssue.render words it in English."""
    where = []
    if issue.line is not None:
        where.append(gettext("line {line}").format(line=issue.line))
    if issue.object:
        where.append(_object(issue.object, gettext))
    if issue.field:
        where.append(gettext("field {field}").format(field=issue.field))
    text = localize(issue.message, gettext)
    separator = gettext(": ")
    return separator.join([*where, text])
