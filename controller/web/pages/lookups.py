"""What the live pages read from the configuration once, when they load (names, agents,
pause reasons); live state comes over the websocket. Blocking: call them in a thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access.policy import Principal
from controller.agents.store import agent_queues, usual_devices
from controller.db.models import Agent, PauseReason, Queue


def queue_names(session: Session, who: Principal) -> dict[str, str]:
    """Queue name -> the name shown, in the configuration's order, for the queues ``who``
    sees."""
    rows = session.execute(select(Queue.name, Queue.display_name).order_by(Queue.position))
    return {name: shown or name for name, shown in rows if who.queues is None or name in who.queues}


def agents(session: Session, who: Principal) -> list[dict[str, Any]]:
    """The agents of the queues ``who`` sees: code, name, queues, usual phone."""
    served = agent_queues(session)
    phones = {code: device for device, code in usual_devices(session).items()}
    found = []
    for code, name in session.execute(select(Agent.code, Agent.name).order_by(Agent.position)):
        queues = served.get(code, frozenset())
        if who.queues is not None and not queues & who.queues:
            continue
        found.append({"code": code, "name": name, "queues": sorted(queues),
                      "device": phones.get(code)})  # fmt: skip
    return found


def pause_reasons(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(PauseReason).order_by(PauseReason.position))
    return [{"code": r.code, "label": r.label, "productive": r.productive} for r in rows]


def usual_device(session: Session, agent: str | None) -> str | None:
    if agent is None:
        return None
    return next((d for d, code in usual_devices(session).items() if code == agent), None)
