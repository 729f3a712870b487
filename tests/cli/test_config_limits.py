"""Every command that reads a configuration file refuses a hostile one cleanly (exit 1, a
message naming the file and line, no traceback) and still takes a large normal one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bench.dataset import large_company
from controller.cli import build_cli

# Six levels (9**6 = 531,441 strings) so that the test stays harmless against a loader
# without the bound; the classic nine levels are refused at the same alias.
BOMB = """format: 1
site: {name: X}
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
"""
SELF_REFERENCE = "format: 1\nsite: &s\n  name: X\n  parent: *s\n"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    (tmp_path / "none.toml").write_text("")
    env = {"PBXCTL_DATA_DIR": str(tmp_path / "data"), "PBXCTL_CONFIG": str(tmp_path / "none.toml")}

    def invoke(*args: str) -> Result:
        # catch_exceptions=False: a traceback fails the test instead of becoming exit 1.
        return runner.invoke(build_cli(), list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.mark.parametrize("command", ["validate", "diff", "import"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, ":7: alias *d: aliases expand to "),
        (SELF_REFERENCE, ":4: alias *s refers to a block that contains it"),
    ],
    ids=["billion-laughs", "self-reference"],
)
def test_hostile_file_is_refused_by_every_command(
    run, tmp_path: Path, command: str, text: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").exit_code == 0
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(text, encoding="utf-8")
    result = run("config", command, str(hostile))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: 1 problem in {hostile}:\n  {hostile}{expected}")
    assert "Traceback" not in result.output


def test_oversized_file_is_refused_by_the_cli(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(49 * 1024 * 1024)
    result = run("config", "validate", str(big))
    assert result.exit_code == 1
    assert f"{big}: file is too large (51,380,224 bytes; " in result.output


def test_a_large_normal_configuration_still_imports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    company = tmp_path / "large.yaml"
    company.write_text(
        yaml.safe_dump(large_company(extensions=10_000), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    assert run("db", "upgrade").exit_code == 0
    result = run("config", "import", str(company))
    assert result.exit_code == 0, result.output
    assert "extensions: 10000 added" in result.output
