"""``pbxctl cost rerate``: rate a period again after the tariffs changed (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.access.audit import AuditFilter, search
from controller.cli import build_cli
from controller.db.engine import make_engine, session_factory
from controller.history.store import SiteInfo, write_batch
from tests.conftest import EXAMPLE
from tests.db.test_call_charges import outbound


class Machine:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "none.toml").write_text("")
        self.env = {"PBXCTL_CONFIG": str(root / "none.toml"), "PBXCTL_DATA_DIR": str(root / "data")}

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(build_cli(), list(args), env=self.env, catch_exceptions=False)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    m = Machine(tmp_path)
    assert m("db", "upgrade").exit_code == 0
    assert m("config", "import", str(EXAMPLE)).exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'pbx.sqlite3'}")
    factory = session_factory(engine)
    # A mobile on telecom (+861 at 0.08/min) for 150 s: 180 s billed = 0.24.
    write_batch(factory, [outbound("mobile", "13800138000", ("telecom", 150))],
                SiteInfo.load(factory))  # fmt: skip
    engine.dispose()
    return m


def test_rerate_after_the_tariffs_changed(machine: Machine, tmp_path: Path) -> None:
    dry = machine("cost", "rerate", "--from", "2026-05-04", "--to", "2026-05-04", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        "repriced 1 charges (0 changed), rated 0 legs for the first time, 0 legs without a"
        " matching tariff",
        "CNY: 0.2400 before, 0.2400 now (+0.0000)",
        "dry run: nothing was written",
    ]
    cheaper = EXAMPLE.read_text(encoding="utf-8").replace(
        "per_minute: '0.08'", "per_minute: '0.05'"
    )
    changed = tmp_path / "company.yaml"
    changed.write_text(cheaper, encoding="utf-8")
    assert machine("config", "import", str(changed)).exit_code == 0
    done = machine("cost", "rerate", "--from", "2026-05-01", "--to", "2026-05-31")
    assert done.exit_code == 0, done.output
    assert "CNY: 0.2400 before, 0.1500 now (-0.0900)" in done.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'pbx.sqlite3'}")
    with session_factory(engine)() as session:
        events = search(session, AuditFilter(action="cost.rerate"))
    engine.dispose()
    assert [e.object_id for e in events] == ["2026-05-01..2026-05-31"]


def test_a_period_that_ends_before_it_starts(machine: Machine) -> None:
    result = machine("cost", "rerate", "--from", "2026-05-04", "--to", "2026-05-01")
    assert result.exit_code == 1
    assert "--to (2026-05-01) is before --from (2026-05-04)" in result.stderr
