"""The role form words every scope in the page's language."""

from __future__ import annotations

from controller.access.scopes import Scope
from controller.web import i18n
from controller.web.pages.admin_access import scope_descriptions


def test_every_scope_is_described_in_words() -> None:
    english = scope_descriptions(i18n.translations("en").gettext)
    chinese = scope_descriptions(i18n.translations("zh").gettext)
    assert set(english) == set(chinese) == set(Scope)
    assert len(set(english.values())) == len(Scope)  # no two scopes read the same
    assert all(chinese[s] != english[s] for s in Scope)  # each one translated
