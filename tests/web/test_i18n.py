"""Every text of the pages has its Chinese translation (a missing one would show English in
the middle of a Chinese page)."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import controller.web

WEB = Path(controller.web.__file__).parent
CATALOGUE = WEB / "i18n" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _texts() -> set[str]:
    found = set()
    templates = extract_from_dir(
        str(WEB / "templates"), method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )  # fmt: skip
    for _file, _line, message, _comments, _context in templates:
        found.add(message if isinstance(message, str) else message[0])
    # Texts the page handlers translate themselves: gettext("...") calls.
    for path in (WEB / "pages").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = getattr(node, "func", None)
            name = getattr(called, "id", None) or getattr(called, "attr", None)
            if (isinstance(node, ast.Call) and name == "gettext"
                    and node.args and isinstance(node.args[0], ast.Constant)):  # fmt: skip
                found.add(node.args[0].value)
    return found


def test_every_page_text_is_translated_to_chinese() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string}
    texts = _texts()
    assert "Sign in" in texts  # the extraction found the templates
    assert sorted(texts - translated) == []
