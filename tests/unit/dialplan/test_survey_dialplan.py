"""A queue's post-call survey in the generated dialplan: Queue() continues when the agent
hangs up, the survey context asks in the caller's language and reports to the controller."""

from __future__ import annotations

import yaml

from controller.dialplan.build import build
from controller.dialplan.lint import lint
from controller.dialplan.model import Options
from controller.dialplan.render import Renderer
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE


def _files(survey: dict[str, object] | None) -> dict[str, str]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for n, ext in enumerate(data["extensions"]):
        if ext.get("phone", {}) is not None:
            ext.setdefault("phone", {})["password"] = f"survey-{n}-Zq8rX7"
        if ext.get("voicemail") is not None:
            ext["voicemail"]["pin"] = "2468"
    if survey is not None:
        data["queues"][1]["survey"] = survey  # support
    config = parse_config(yaml.safe_dump(data, allow_unicode=True)).config
    return Renderer().render(build(config, Options()))


def _context(text: str, name: str) -> str:
    start = text.index(f"[{name}]")
    end = text.find("\n[", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_a_queue_with_a_survey_keeps_the_caller_after_the_agent_hangs_up() -> None:
    files = _files(
        {
            "prompts": {"zh": "custom/survey-zh", "en": "custom/survey-en"},
            "thanks_prompts": {"zh": "custom/thanks-zh"},
            "scale": 3,
            "timeout_seconds": 7,
            "retries": 2,
        }
    )
    text = files["extensions_queues.conf"]
    support = _context(text, "pbx-queue-support")
    assert "Queue(support,tc," in support
    assert 'GotoIf($["${QUEUESTATUS}" = "CONTINUE"]?pbx-survey-support,s,1)' in support
    survey = _context(text, "pbx-survey-support")
    assert "Gosub(pbx-agi,s,1(survey,offer,${PBX_SURVEY_AGENT},support))" in survey
    assert 'ExecIf($["${CHANNEL(language)}" = "en"]?Set(PBX_PROMPT=custom/survey-en))' in survey
    assert 'ExecIf($["${PBX_PROMPT}" = ""]?Set(PBX_PROMPT=custom/survey-zh))' in survey
    assert "Read(PBX_SURVEY_SCORE,${PBX_PROMPT},1,,1,7)" in survey
    assert '"${PBX_SURVEY_SCORE}" <= "3"' in survey
    assert "GotoIf($[${PBX_SURVEY_TRIES} <= 2]?ask)" in survey
    assert "Set(PBX_PROMPT=custom/thanks-zh)" in survey
    # The other queues are left as they were: the caller hangs up with the agent.
    assert "Queue(sales,t," in _context(text, "pbx-queue-sales")
    assert lint(files) == []


def test_without_a_survey_nothing_changes() -> None:
    text = _files(None)["extensions_queues.conf"]
    assert "pbx-survey-" not in text
    assert "Queue(support,t," in text
