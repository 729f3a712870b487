"""``survey``: store a post-call satisfaction score (args: score 1-5, agent code, question).

The call is found by the channel's linkedid. A score outside 1-5 is refused (no
``PBX_AGI_OK``), so the dialplan can ask again.
"""

from __future__ import annotations

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.services import AgiServices
from controller.agi.stores import SurveyAnswer

SCALE_MAX = 5


def parse_score(text: str) -> int | None:
    text = text.strip()
    if len(text) != 1 or not text.isdigit():
        return None
    score = int(text)
    return score if 1 <= score <= SCALE_MAX else None


async def handle(services: AgiServices, request: AgiRequest) -> None:
    score = parse_score(request.arg(1))
    if score is None:
        return  # not a score: PBX_AGI_OK stays 0
    if services.surveys is None:
        raise RuntimeError("survey route without a survey store")
    linkedid = await request.get_variable("CHANNEL(linkedid)") or request.uniqueid
    agent = request.arg(2) or await request.get_variable("PBX_AGENT") or None
    answer = SurveyAnswer(
        linkedid=linkedid,
        agent_code=agent,
        question=request.arg(3) or "csat",
        score=score,
        scale_max=SCALE_MAX,
        answered_at=services.clock(),
    )
    await services.surveys.save(answer)
    await request.set_variables([(v.AGI_OK, "1")])
