"""``survey``: a post-call survey put to the caller (args: ``offer`` or a score, agent, queue).

The queue's survey context (dialplan_templates/extensions_queues.conf.j2) calls it twice:
``offer`` when the agent hung up and the question starts (a row without a score: offered),
then the key the caller pressed. A score outside 1..scale of the queue's survey (1..5 without
a queue) is refused (no ``PBX_AGI_OK``), so the dialplan can ask again. The call is found by
the channel's linkedid; it is not in the history yet (the caller is still on the line).
"""

from __future__ import annotations

import datetime as dt

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.services import AgiServices
from controller.agi.stores import SurveyAnswer
from controller.routing.rules import Rules, SurveyRule

OFFER = "offer"
DEFAULT = SurveyRule(scale=5, question="csat")  # a survey dialplan of one's own, no queue


def parse_score(text: str, scale: int = DEFAULT.scale) -> int | None:
    text = text.strip()
    if len(text) != 1 or not text.isdigit():
        return None
    score = int(text)
    return score if 1 <= score <= scale else None


def survey_of(rules: Rules | None, queue: str | None) -> SurveyRule | None:
    """The queue's survey; the default without a queue; None for a queue without a survey."""
    if not queue:
        return DEFAULT
    rule = rules.queues.get(queue) if rules is not None else None
    return rule.survey if rule is not None else None


def answer_of(
    what: str,
    agent: str | None,
    queue: str | None,
    survey: SurveyRule,
    linkedid: str,
    at: dt.datetime,
) -> SurveyAnswer | None:
    """The row to store, or None when ``what`` is neither ``offer`` nor a valid score."""
    if what.strip() == OFFER:
        score = None
    else:
        score = parse_score(what, survey.scale)
        if score is None:
            return None
    return SurveyAnswer(
        linkedid=linkedid,
        agent_code=agent or None,
        question=survey.question,
        score=score,
        scale_max=survey.scale,
        answered_at=at,
        queue=queue or None,
    )


async def handle(services: AgiServices, request: AgiRequest) -> None:
    queue = request.arg(3) or None
    survey = survey_of(services.rules_source.current(), queue)
    if survey is None:
        raise ValueError(f"queue {queue!r} has no survey")
    linkedid = await request.get_variable("CHANNEL(linkedid)") or request.uniqueid
    agent = request.arg(2) or await request.get_variable("PBX_AGENT") or None
    answer = answer_of(request.arg(1), agent, queue, survey, linkedid, services.clock())
    if answer is None:
        return  # not a score of this survey: PBX_AGI_OK stays 0
    if services.surveys is None:
        raise RuntimeError("survey route without a survey store")
    await services.surveys.save(answer)
    await request.set_variables([(v.AGI_OK, "1")])
