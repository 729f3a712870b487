"""Import and export the 10,000-extension call center with `pbxctl config`, per database.

Each command runs in this process through the CLI itself (settings, engine, schema check,
read, validate, write, audit, commit; for export, read, YAML, private file), against a fresh
database of each backend. Prints, for each backend, medians over ``--rounds``:

- **import (new)**: the file into an empty database (every object added);
- **import (same)**: the same file again (nothing changes);
- **import (edited)**: a tenth of the extensions renamed, 100 removed and 100 added, a
  queue's members changed;
- **export**: ``config export -o FILE`` of the stored configuration;

each as a ratio to the issue's target (1.5 s) and to a baseline measured in the same run:
libyaml's plain parse of the same file (``yaml.load`` with ``CSafeLoader``), which tells a
busy machine from a slow import.

Usage:

    .venv/bin/python -m bench.config_import [--db sqlite,postgresql,mariadb] [--rounds 3]
    .venv/bin/python -m bench.config_import --db sqlite --profile import   # cProfile, top 30

The server databases are created on the servers the tests use (``PBX_TEST_POSTGRESQL_URL``,
``PBX_TEST_MARIADB_URL``) and dropped at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from sqlalchemy import Engine, text

from bench.dataset import large_company
from controller.cli import build_cli
from controller.db.engine import make_engine, normalize_url
from controller.db.migrate import upgrade
from controller.db.models import Base

TARGET_SECONDS = 1.5
SERVER_URLS = {
    "postgresql": os.environ.get(
        "PBX_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get("PBX_TEST_MARIADB_URL", "mariadb://root@127.0.0.1:3306/test"),
}


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``backend``; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    admin_url = normalize_url(SERVER_URLS[backend])
    name = f"pbxbench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "alembic_version":
                connection.execute(table.delete())


def _edited(company: dict[str, Any]) -> dict[str, Any]:
    """The same site after a day of edits: renamed, removed and added extensions, a queue."""
    edited = dict(company)
    extensions = [dict(x) for x in company["extensions"]]
    for item in extensions[::10]:
        item["name"] += " (renamed)"
    used = {a["extension"] for a in company["agents"]}
    used |= {
        d.split(":")[1]
        for d in _destinations(company)
        if d.startswith(("extension:", "voicemail:"))
    }
    removable = [x for x in extensions[-500:] if x["number"] not in used][:100]
    gone = {x["number"] for x in removable}
    extensions = [x for x in extensions if x["number"] not in gone]
    extensions += [{"number": f"{90000 + i}", "name": f"New {i}"} for i in range(100)]
    edited["extensions"] = extensions
    queues = [dict(q) for q in company["queues"]]
    queues[0]["members"] = list(reversed(queues[0]["members"]))
    edited["queues"] = queues
    return edited


def _destinations(company: dict[str, Any]) -> Iterator[str]:
    for q in company["queues"]:
        yield q["overflow"]
    for menu in company["ivr_menus"]:
        yield from menu["options"].values()
        yield menu["timeout"]
    for tc in company["time_conditions"]:
        yield tc["open"]
        yield tc["closed"]


def _dump(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


class _Cli:
    def __init__(self, url: str) -> None:
        self.url = url
        self.group = build_cli()
        self.runner = CliRunner()

    def run(self, *args: str) -> tuple[float, float]:
        """Wall-clock and CPU seconds (this process: the controller's side) of one command."""
        start, cpu = time.perf_counter(), time.process_time()
        result = self.runner.invoke(self.group, ["--database-url", self.url, *args])
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        if result.exit_code != 0:
            raise SystemExit(
                f"pbxctl {' '.join(args)} failed:\n{result.output}{result.exception!r}"
            )
        return took, cpu


def _baseline(text_: str) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    yaml.load(text_, Loader=yaml.CSafeLoader)
    return time.perf_counter() - start, time.process_time() - cpu


def _bench_backend(
    backend: str, files: dict[str, Path], rounds: int, profile: str | None, workdir: Path
) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {}
    with _database(backend, workdir) as url:
        engine = make_engine(url)
        upgrade(engine)
        cli = _Cli(url)
        out = workdir / "export.yaml"
        steps: list[tuple[str, Callable[[], tuple[float, float]]]] = [
            ("import (new)", lambda: cli.run("config", "import", str(files["site"]))),
            ("import (same)", lambda: cli.run("config", "import", str(files["site"]))),
            ("import (edited)", lambda: cli.run("config", "import", str(files["edited"]))),
            ("export", lambda: cli.run("config", "export", "-o", str(out))),
        ]
        for _ in range(rounds):
            _empty(engine)
            out.unlink(missing_ok=True)
            times.setdefault("baseline (YAML parse)", []).append(
                _baseline(files["site"].read_text())
            )
            for name, step in steps:
                if profile is not None and name.startswith(profile):
                    profiler = cProfile.Profile()
                    took = profiler.runcall(step)
                    print(f"\n--- cProfile of {name} on {backend}: {took[0]:.3f} s ---")
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
                else:
                    took = step()
                times.setdefault(name, []).append(took)
        engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql,mariadb")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extensions", type=int, default=10_000)
    parser.add_argument(
        "--profile",
        choices=["import (new)", "import (same)", "import (edited)", "export", "import"],
    )
    args = parser.parse_args()

    company = large_company(args.extensions)
    with tempfile.TemporaryDirectory(prefix="pbx-bench-") as tmp:
        workdir = Path(tmp)
        files = {"site": workdir / "site.yaml", "edited": workdir / "edited.yaml"}
        files["site"].write_text(_dump(company))
        files["edited"].write_text(_dump(_edited(company)))
        size = files["site"].stat().st_size
        print(
            f"dataset: {args.extensions:,} extensions, {size / 2**20:.2f} MiB of YAML; "
            f"medians of {args.rounds} round(s); target {TARGET_SECONDS} s"
        )
        for backend in [b.strip() for b in args.db.split(",") if b.strip()]:
            times = _bench_backend(backend, files, args.rounds, args.profile, workdir)
            baseline = times.pop("baseline (YAML parse)")
            base = statistics.median(w for w, _ in baseline)
            base_cpu = statistics.median(c for _, c in baseline)
            print(
                f"\n{backend}: baseline (libyaml parse of the file) {base:.3f} s "
                f"(cpu {base_cpu:.3f} s, min {min(c for _, c in baseline):.3f})"
            )
            for name, values in times.items():
                walls = [w for w, _ in values]
                median = statistics.median(walls)
                cpus = [c for _, c in values]
                cpu = statistics.median(cpus)
                print(
                    f"  {name:<16} {median:6.3f} s  (range {min(walls):.3f}-{max(walls):.3f})"
                    f"  {median / TARGET_SECONDS:5.2f}x target  {median / base:5.2f}x baseline"
                    f"  | cpu {cpu:.3f} s (min {min(cpus):.3f})  {cpu / base_cpu:5.2f}x baseline cpu"
                )


if __name__ == "__main__":
    main()
