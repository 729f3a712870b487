"""A queue's survey in the configuration: stored, exported byte for byte, in the routing rules
(three databases); a bad survey is refused naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from controller.agi.rules_cache import load_rules
from controller.db.engine import session_factory
from controller.errors import ConfigFileError
from controller.pbxconfig.dump import dump_config
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.routing.rules import SurveyRule
from tests.conftest import EXAMPLE

SURVEY = """\
    survey:
      prompts:
        zh: custom/survey-zh
        en: custom/survey-en
      thanks_prompts:
        zh: custom/thanks-zh
      scale: 3
      question: solved
"""


def with_survey(survey: str = SURVEY) -> str:
    """The example company with ``survey`` in the sales queue, where an export puts it: right
    after the queue's callback block."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("    callback:\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("      "))
    return "".join([*lines[:end], survey, *lines[end:]])


def test_a_survey_is_stored_exported_and_in_the_rules(engine: Engine) -> None:
    text = with_survey()
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(text, "company.yaml"))
    with session_factory(engine)() as session:
        assert dump_config(export_config(session, include_secrets=False)) == text
    rules = load_rules(engine)
    assert rules.queues["sales"].survey == SurveyRule(scale=3, question="solved")
    assert rules.queues["support"].survey is None


@pytest.mark.parametrize(
    ("survey", "message"),
    [
        ("    survey:\n      prompts: {}\n", "survey.prompts"),
        ("    survey:\n      prompts: {zh: x}\n      scale: 10\n", "survey.scale"),
        (
            "    survey:\n      prompts: {zh: x}\n      timeout_seconds: 0\n",
            "survey.timeout_seconds",
        ),
        ("    survey:\n      prompts: {zh: ../x}\n", "survey.prompts"),
    ],
)
def test_a_bad_survey_is_refused_naming_the_field(survey: str, message: str) -> None:
    with pytest.raises(ConfigFileError, match=rf"queue 'sales': field {message}"):
        parse_config(with_survey(survey), "company.yaml")
