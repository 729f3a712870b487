"""What a screen pop tells the agent besides the customer record: the caller's last calls
and who took them (from the history, whoever handled them: the agent could not read them
with ``me.history.read`` alone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from controller.db.models import Call

LAST_CALLS = 5


def last_calls(
    session: Session, e164: str | None, customer_code: str | None, limit: int = LAST_CALLS
) -> list[dict[str, Any]]:
    """The caller's latest finished calls, newest first: by number, or by customer."""
    matches = []
    if e164:
        matches.append(Call.caller_e164 == e164)
    if customer_code:
        matches.append(Call.customer_code == customer_code)
    if not matches:
        return []
    rows = session.scalars(
        select(Call)
        .where(or_(*matches))
        .order_by(Call.started_at.desc())
        .limit(limit)
        .options(selectinload(Call.handlings), selectinload(Call.queue_legs))
    )
    return [
        {
            "linkedid": call.linkedid,
            "started_at": call.started_at.isoformat(),
            "direction": call.direction.value,
            "outcome": call.outcome.value if call.outcome else None,
            "queue": min(call.queue_legs, key=lambda leg: leg.entered_at).queue_name
            if call.queue_legs
            else None,
            "agents": list(dict.fromkeys(h.agent_code for h in call.handlings)),
        }
        for call in rows
    ]
