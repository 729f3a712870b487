"""The example company's generated configuration, compared with reviewed golden files.

Regenerate after an intended change, then review the diff:

    .venv/bin/pytest tests/unit/dialplan/test_golden.py --update-golden
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.dialplan.build import build
from controller.dialplan.model import Options
from controller.dialplan.render import FILES, Renderer
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE, REPO

GOLDEN = REPO / "tests" / "fixtures" / "golden" / "company"


def _example_files() -> dict[str, str]:
    config = parse_config(EXAMPLE.read_text(encoding="utf-8")).config
    # The file leaves phone passwords and PINs to the import; fix them for a stable render.
    extensions = []
    for ext in config.extensions:
        update = {}
        if ext.phone is not None:
            update["phone"] = ext.phone.model_copy(update={"password": f"golden-{ext.number}-Zq8r"})
        if ext.voicemail is not None and ext.voicemail.pin is None:
            update["voicemail"] = ext.voicemail.model_copy(update={"pin": f"9{ext.number}"})
        extensions.append(ext.model_copy(update=update))
    config = config.model_copy(update={"extensions": extensions})
    return Renderer().render(build(config, Options(sip_bind="0.0.0.0:5060")))


@pytest.mark.parametrize("name", [spec.name for spec in FILES])
def test_rendered_example_matches_golden(name: str, request: pytest.FixtureRequest) -> None:
    text = _example_files()[name]
    golden = GOLDEN / name
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run with --update-golden"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if intended: pytest {Path(__file__).name} "
        "--update-golden, then review the diff"
    )
