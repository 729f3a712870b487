"""Database side of agent sessions (blocking; the service runs it in a thread)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from controller.db.models import Agent, AgentLogin, PauseReason, Queue, QueueMember
from controller.db.models.pbx import Extension
from controller.errors import ControllerError


class AgentError(ControllerError):
    """An agent action cannot be done: unknown agent or reason, not logged in ..."""


@dataclass(frozen=True, slots=True)
class Membership:
    queue: str
    penalty: int
    dynamic: bool  # login_required: added at login; else a static member in queues.conf


@dataclass(frozen=True, slots=True)
class AgentRecord:
    code: str
    name: str
    usual_device: str | None  # PJSIP/<extension> of the agent's usual phone
    memberships: tuple[Membership, ...]


@dataclass(frozen=True, slots=True)
class LoginState:
    code: str
    device: str
    logged_in_at: dt.datetime
    paused: bool
    pause_reason: str | None
    # Queues needing a login that the agent signed out of, staying in the others.
    queues_out: tuple[str, ...] = ()


def _agent(session: Session, code: str) -> Agent:
    agent = session.scalar(
        select(Agent).where(Agent.code == code).options(selectinload(Agent.extension))
    )
    if agent is None:
        raise AgentError(f"agent {code!r} does not exist")
    return agent


def agent_record(session: Session, code: str) -> AgentRecord:
    agent = _agent(session, code)
    rows = session.execute(
        select(Queue.name, QueueMember.penalty, Queue.login_required)
        .join(QueueMember, QueueMember.queue_id == Queue.id)
        .where(QueueMember.agent_id == agent.id)
        .order_by(Queue.position)
    ).all()
    device = f"PJSIP/{agent.extension.number}" if agent.extension is not None else None
    return AgentRecord(
        agent.code,
        agent.name,
        device,
        tuple(Membership(name, penalty, required) for name, penalty, required in rows),
    )


def agent_for_extension(session: Session, number: str) -> str:
    """The agent whose usual phone is extension ``number``."""
    code = session.scalar(
        select(Agent.code)
        .join(Extension, Agent.extension_id == Extension.id)
        .where(Extension.number == number)
    )
    if code is None:
        raise AgentError(f"extension {number!r} is no agent's phone")
    return code


def usual_devices(session: Session) -> dict[str, str]:
    """Device -> agent code for every agent with a usual phone (for the tracker)."""
    rows = session.execute(
        select(Extension.number, Agent.code).join(Agent, Agent.extension_id == Extension.id)
    ).all()
    return {f"PJSIP/{number}": code for number, code in rows}


def agent_queues(session: Session) -> dict[str, frozenset[str]]:
    """Agent code -> the queues the configuration makes the agent a member of (who may see
    and act on an agent's calls is decided by them)."""
    rows = session.execute(
        select(Agent.code, Queue.name)
        .join(QueueMember, QueueMember.agent_id == Agent.id)
        .join(Queue, Queue.id == QueueMember.queue_id)
    ).all()
    found: dict[str, set[str]] = {}
    for code, queue in rows:
        found.setdefault(code, set()).add(queue)
    return {code: frozenset(queues) for code, queues in found.items()}


def queue_wrapups(session: Session) -> dict[str, int]:
    return {
        name: seconds for name, seconds in session.execute(select(Queue.name, Queue.wrapup_seconds))
    }


def check_reason(session: Session, reason: str) -> None:
    codes = session.scalars(select(PauseReason.code).order_by(PauseReason.position)).all()
    if codes and reason not in codes:
        raise AgentError(f"pause reason {reason!r} is not configured; use one of {list(codes)}")


PHONE_PAUSE_REASON = "break"


def phone_pause_reason(session: Session) -> str:
    """The reason of a pause from a phone (*47), which cannot say why."""
    codes = session.scalars(select(PauseReason.code).order_by(PauseReason.position)).all()
    return PHONE_PAUSE_REASON if not codes or PHONE_PAUSE_REASON in codes else codes[0]


def get_login(session: Session, code: str) -> LoginState | None:
    row = session.scalar(
        select(AgentLogin)
        .join(Agent)
        .where(Agent.code == code)
        .options(selectinload(AgentLogin.agent))
    )
    return None if row is None else _state(row)


def all_logins(session: Session) -> list[LoginState]:
    rows = session.scalars(select(AgentLogin).options(selectinload(AgentLogin.agent))).all()
    return [_state(row) for row in rows]


def _state(row: AgentLogin, code: str | None = None) -> LoginState:
    return LoginState(
        code or row.agent.code, row.device, row.logged_in_at, row.paused, row.pause_reason,
        tuple(sorted(row.queues_out or ())),
    )  # fmt: skip


def save_login(
    session: Session,
    code: str,
    device: str,
    at: dt.datetime,
    queues_out: Collection[str] | None = None,
) -> LoginState:
    """Log ``code`` in at ``device``; ``queues_out``: the login queues it stays out of (None:
    as they were for an agent already logged in, none for a new login)."""
    agent = _agent(session, code)
    row = session.scalar(select(AgentLogin).where(AgentLogin.agent_id == agent.id))
    if row is None:
        row = AgentLogin(agent_id=agent.id, device=device, logged_in_at=at, paused=False)
        session.add(row)
    row.device = device
    if queues_out is not None:
        row.queues_out = sorted(queues_out) or None
    session.flush()
    return _state(row, code)


def delete_login(session: Session, code: str) -> None:
    agent = _agent(session, code)
    row = session.scalar(select(AgentLogin).where(AgentLogin.agent_id == agent.id))
    if row is not None:
        session.delete(row)


def save_pause(
    session: Session, code: str, paused: bool, reason: str | None, at: dt.datetime
) -> LoginState:
    agent = _agent(session, code)
    row = session.scalar(select(AgentLogin).where(AgentLogin.agent_id == agent.id))
    if row is None:
        raise AgentError(f"agent {code!r} is not logged in")
    row.paused, row.pause_reason = paused, reason if paused else None
    row.paused_at = at if paused else None
    session.flush()
    return _state(row, code)
