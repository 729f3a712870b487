"""What the live pages read from the configuration once, when they load (names, agents,
pause reasons); live state comes over the websocket. Blocking: call them in a thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access.policy import Principal
from controller.agents.store import agent_queues, usual_devices
from controller.db.models import Agent, PauseReason, Queue, QueueMember


def queue_names(session: Session, who: Principal) -> dict[str, str]:
    """Queue name -> the name shown, in the configuration's order, for the queues ``who``
    sees."""
    rows = session.execute(select(Queue.name, Queue.display_name).order_by(Queue.position))
    return {name: shown or name for name, shown in rows if who.queues is None or name in who.queues}


def agents(session: Session, who: Principal) -> list[dict[str, Any]]:
    """The agents of the queues ``who`` sees: code, name, queues, the queues they log in to
    (the others have them as static members), usual phone."""
    served = agent_queues(session)
    logins = login_queues(session)
    phones = {code: device for device, code in usual_devices(session).items()}
    found = []
    for code, name in session.execute(select(Agent.code, Agent.name).order_by(Agent.position)):
        queues = served.get(code, frozenset())
        if who.queues is not None and not queues & who.queues:
            continue
        found.append({
            "code": code, "name": name, "queues": sorted(queues),
            "login_queues": logins.get(code, []), "device": phones.get(code),
        })  # fmt: skip
    return found


def login_queues(session: Session) -> dict[str, list[str]]:
    """Agent code -> the agent's queues that need a login, in the configuration's order."""
    rows = session.execute(
        select(Agent.code, Queue.name)
        .join(QueueMember, QueueMember.agent_id == Agent.id)
        .join(Queue, Queue.id == QueueMember.queue_id)
        .where(Queue.login_required.is_(True))
        .order_by(Queue.position)
    )
    found: dict[str, list[str]] = {}
    for code, queue in rows:
        found.setdefault(code, []).append(queue)
    return found


def pause_reasons(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(PauseReason).order_by(PauseReason.position))
    return [{"code": r.code, "label": r.label, "productive": r.productive} for r in rows]


def usual_device(session: Session, agent: str | None) -> str | None:
    if agent is None:
        return None
    return next((d for d, code in usual_devices(session).items() if code == agent), None)
