"""The role form words every scope in the page's language."""

from __future__ import annotations

from controller.access.scopes import Scope
from controller.web import i18n
from controller.web.pages.admin_access import scope_descriptions, scope_label


def test_every_scope_is_described_in_words() -> None:
    english = scope_descriptions(i18n.translations("en").gettext)
    chinese = scope_descriptions(i18n.translations("zh").gettext)
    assert set(english) == set(chinese) == set(Scope)
    assert len(set(english.values())) == len(Scope)  # no two scopes read the same
    assert all(chinese[s] != english[s] for s in Scope)  # each one translated


def test_the_roles_list_words_each_pattern() -> None:
    gettext = i18n.translations("zh").gettext
    words = scope_descriptions(gettext)
    assert scope_label("#", words, gettext) == "全部权限"
    assert scope_label("history.read", words, gettext) == words[Scope.HISTORY_READ]
    own = scope_label("me.calls.control", words, gettext)
    assert own.startswith(words[Scope.CALLS_CONTROL])
    assert "仅限本人" in own
    # a wildcard the admin typed has no one description: it stays as written
    assert scope_label("status.*", words, gettext) == "status.*"
    assert scope_label("me.nothing.such", words, gettext) == "me.nothing.such"
