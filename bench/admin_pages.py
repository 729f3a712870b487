"""The admin pages' database work at 10,000 extensions (SQLite): a list page (first, last,
searched), one object read for its form, and one object saved through the importer.

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
from controller.web.pages.admin import list_objects


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
        small, _ = _site(Path(tmp), 400)
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
    print(f"reference: import of the unchanged 10,000-extension file {imports:.2f} s")
    print(f"save one extension: {saves:.2f} s ({saves / imports:.2f}x the unchanged import)")


if __name__ == "__main__":
    main()
