"""The admin pages' database work at 10,000 extensions (SQLite): a list page (first, last,
searched), one object read for its form, a queue's and an IVR menu's form made (the object,
the objects its selects offer, the widgets rendered), and one object saved through the
importer.

Each figure is the median of ``--rounds`` and is printed beside two references measured in
the same run on the same machine: the list page of a 400-extension site (a list must cost
the same at 10,000: paging is in SQL), and ``pbxctl config import`` of the same unchanged
file (what a save costs at most: a save is a validation and an import of the whole
configuration, with the object changed).

Usage:

    .venv/bin/python -m bench.admin_pages [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.dataset import large_company
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.pbxconfig.edit import read_object, save_object
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import validate_document
from controller.web import admin_forms as forms
from controller.web import config_labels, i18n, render
from controller.web.pages import admin
from controller.web.pages.admin import list_objects

# The object form's widgets, as templates/admin/form.html renders them.
FORM = (
    '{% import "admin/widgets.html" as widgets with context %}'
    "{% for spec in fields %}{{ widgets.field(spec, spec.name, values[spec.name], key_field, key) }}"
    '{% endfor %}{% for s in large %}<datalist id="dl-{{ s }}"></datalist>{% endfor %}'
)


def form_html(factory: Any, section: str, key: str) -> str:
    """An object's form as the page makes it: the object, its selects' objects, the widgets."""
    with factory() as session:
        item = read_object(session, section, key)
        objects, large = admin._objects(session, forms.references(section))
    words = i18n.translations("zh", "config").gettext
    context = {
        "section": section, "key": key, "fields": forms.form_fields(section),
        "key_field": forms.key_field(section), "values": forms.shown_values(section, item),
        "field_errors": {}, "choices": objects, "prompt_names": [], "large": large,
        "label": lambda n, top=False, rows="": config_labels.label(section, n, words, top, rows),
        "empty_label": lambda n: config_labels.empty_label(n, words),
        "choice_label": lambda n, v: config_labels.choice_label(n, v, words),
        "destination_kinds": list(forms.DESTINATION_KINDS),
        "destination_sections": [("extension voicemail", "extensions"), ("queue", "queues"),
                                 ("ivr", "ivr_menus"), ("time_condition", "time_conditions")],
    }  # fmt: skip
    token = render._CURRENT.set("zh")
    try:
        return render.environment().from_string(FORM).render(language="zh", **context)
    finally:
        render._CURRENT.reset(token)


def _median(rounds: int, action: Callable[[], Any]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _site(directory: Path, extensions: int) -> Any:
    engine = make_engine(f"sqlite:///{directory / f'pbx-{extensions}.sqlite3'}")
    upgrade(engine)
    scale = min(500, extensions // 8)
    document = large_company(extensions, menus=scale, queues=scale)
    with session_factory(engine)() as session, session.begin():
        import_config(session, validate_document(document))
    return engine, document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        small, small_document = _site(Path(tmp), 400)
        large, document = _site(Path(tmp), 10_000)
        small_factory, factory = session_factory(small), session_factory(large)

        def listing(f: Any, search: str, page: int) -> Callable[[], Any]:
            def run() -> Any:
                with f() as session:
                    return list_objects(session, "extensions", search, page)

            return run

        reference_list = _median(rounds * 4, listing(small_factory, "", 1))
        lists = {
            "list, first page": _median(rounds * 4, listing(factory, "", 1)),
            "list, last page": _median(rounds * 4, listing(factory, "", 200)),
            "list, searched ('User 99')": _median(rounds * 4, listing(factory, "User 99", 1)),
        }

        def read() -> Any:
            with factory() as session:
                return read_object(session, "extensions", "20042")

        item = read()
        reads = _median(rounds * 4, read)

        made: dict[str, tuple[float, float, int, int]] = {}
        for section in ("queues", "ivr_menus"):
            keys = [document[section][0]["name"], small_document[section][0]["name"]]
            small_html = form_html(small_factory, section, keys[1])
            large_html = form_html(factory, section, keys[0])
            made[section] = (
                _median(rounds * 4, lambda s=section, k=keys[1]: form_html(small_factory, s, k)),
                _median(rounds * 4, lambda s=section, k=keys[0]: form_html(factory, s, k)),
                len(small_html),
                len(large_html),
            )
        counter = iter(range(10**6))

        def save() -> None:
            with factory() as session, session.begin():
                current = read_object(session, "extensions", "20042")
                save_object(session, "extensions", "20042",
                            {**item, "name": f"User {next(counter)}"}, current)  # fmt: skip

        def reimport() -> None:
            with factory() as session, session.begin():
                import_config(session, validate_document(document))

        saves = _median(rounds, save)
        imports = _median(rounds, reimport)
    print(f"reference: list page of a 400-extension site {reference_list * 1000:.1f} ms")
    for name, seconds in lists.items():
        print(
            f"{name}: {seconds * 1000:.1f} ms ({seconds / reference_list:.2f}x the 400-extension page)"
        )
    print(f"read one extension for its form: {reads * 1000:.1f} ms "
          f"({reads / reference_list:.2f}x the 400-extension list page)")  # fmt: skip
    for section, (at_400, at_10k, size_400, size_10k) in made.items():
        print(f"{section} form: {at_400 * 1000:.1f} ms ({size_400 // 1024} KiB) at 400 extensions, "
              f"{at_10k * 1000:.1f} ms ({size_10k // 1024} KiB) at 10,000: "
              f"{at_10k / at_400:.2f}x")  # fmt: skip
    print(f"reference: import of the unchanged 10,000-extension file {imports:.2f} s")
    print(f"save one extension: {saves:.2f} s ({saves / imports:.2f}x the unchanged import)")


if __name__ == "__main__":
    main()
