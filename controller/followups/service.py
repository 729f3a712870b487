"""Follow-ups in the database: create, change (with their history), read, search.

Blocking (the web handlers run these in a thread; the CLI calls them directly). Who may see
which follow-up is a :class:`Visibility` decided by the caller (the web layer from the
principal's scopes, the CLI: everything); a follow-up outside it is "not found".

Each creation or change appends a :class:`FollowupChange` with what changed, and bumps the
follow-up's ``version``: a change made on an older version (``version`` given) is refused
with 409, so two people editing the same follow-up do not silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from controller.db.models import Agent, Customer, CustomerNumber, Queue, User
from controller.db.models.followups import Followup, FollowupChange
from controller.followups.validate import (
    FollowupCreate,
    FollowupError,
    FollowupQuery,
    FollowupUpdate,
)

FIELDS = (
    "subject", "notes", "linkedid", "customer_code", "customer_number", "queue_name",
    "assignee_agent", "assignee_user", "due_at", "status",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Visibility:
    """The follow-ups one may see: every one, or those of these queues, assigned to these
    agents or this user, or created by this actor."""

    everything: bool = False
    queues: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    user: str | None = None  # a login
    actor: str | None = None  # "user lihua"

    def condition(self) -> Any:
        if self.everything:
            return None
        parts = []
        if self.queues:
            parts.append(Followup.queue_name.in_(sorted(self.queues)))
        if self.agents:
            parts.append(Followup.assignee_agent.in_(sorted(self.agents)))
        if self.user:
            parts.append(Followup.assignee_user == self.user)
        if self.actor:
            parts.append(Followup.created_by == self.actor)
        return or_(*parts) if parts else Followup.id.is_(None)

    def sees(self, row: Followup) -> bool:
        return (
            self.everything
            or row.queue_name in self.queues
            or row.assignee_agent in self.agents
            or (self.user is not None and row.assignee_user == self.user)
            or (self.actor is not None and row.created_by == self.actor)
        )


EVERYTHING = Visibility(everything=True)


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the call a follow-up comes of says (filled by the caller from the live model
    or the history): its queues and customer."""

    linkedid: str
    queues: tuple[str, ...] = ()
    customer_code: str | None = None
    caller_e164: str | None = None


@dataclass
class Result:
    followup: dict[str, Any]
    changes: dict[str, list[Any]] = field(default_factory=dict)  # {field: [old, new]}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    return _iso(value) if isinstance(value, dt.datetime) else value


def followup_json(row: Followup, history: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "linkedid": row.linkedid,
        "customer_code": row.customer_code,
        "customer_number": row.customer_number,
        "queue": row.queue_name,
        "subject": row.subject,
        "notes": row.notes,
        "assignee_agent": row.assignee_agent,
        "assignee_user": row.assignee_user,
        "due_at": _iso(row.due_at),
        "status": row.status.value if row.status is not None else None,
        "version": row.version,
        "created_at": _iso(row.created_at),
        "created_by": row.created_by,
        "updated_at": _iso(row.updated_at),
        "updated_by": row.updated_by,
    }
    if history:
        data["history"] = [
            {"at": _iso(c.at), "actor": c.actor, "action": c.action, "changes": c.changes}
            for c in row.changes
        ]
    return data


# -- checks that need the database ------------------------------------------------------------


def _check_assignee(session: Session, agent: str | None, user: str | None) -> None:
    if agent is not None and session.scalar(select(Agent.id).where(Agent.code == agent)) is None:
        raise FollowupError("assignee_agent", f"no agent {agent!r}")
    if user is not None and session.scalar(select(User.id).where(User.login == user)) is None:
        raise FollowupError("assignee_user", f"no user {user!r}")


def _check_customer(session: Session, code: str | None) -> None:
    if (
        code is not None
        and session.scalar(select(Customer.id).where(Customer.code == code)) is None
    ):
        raise FollowupError("customer_code", f"no customer {code!r}")


def _customer_of_number(session: Session, number: str | None) -> str | None:
    if not number:
        return None
    return session.scalar(
        select(Customer.code)
        .join(CustomerNumber, CustomerNumber.customer_id == Customer.id)
        .where(CustomerNumber.number == number)
        .limit(1)
    )


# -- create, change, read, search ---------------------------------------------------------------


def create(
    session: Session,
    data: FollowupCreate,
    *,
    server_id: str,
    actor: str,
    now: dt.datetime,
    call: CallContext | None = None,
    default_agent: str | None = None,
) -> Result:
    """A new follow-up; the call's queue and customer fill what ``data`` leaves out (its
    creator always sees it: ``created_by``)."""
    if data.linkedid is not None and (call is None or call.linkedid != data.linkedid):
        raise FollowupError("linkedid", f"no call {data.linkedid!r} live, lately or in history")
    assignee_agent = data.assignee_agent
    if assignee_agent is None and data.assignee_user is None:
        assignee_agent = default_agent
    _check_assignee(session, assignee_agent, data.assignee_user)
    _check_customer(session, data.customer_code)
    number = data.customer_number or (call.caller_e164 if call else None)
    customer = data.customer_code or (call.customer_code if call else None)
    customer = customer or _customer_of_number(session, number)
    queue = data.queue or (sorted(call.queues)[0] if call and call.queues else None)
    if (
        data.queue is not None
        and session.scalar(select(Queue.id).where(Queue.name == queue)) is None
    ):
        raise FollowupError("queue", f"no queue {queue!r}")
    row = Followup(
        server_id=server_id, linkedid=data.linkedid, customer_code=customer,
        customer_number=number, queue_name=queue, subject=data.subject, notes=data.notes,
        assignee_agent=assignee_agent, assignee_user=data.assignee_user, due_at=data.due_at,
        status=data.status, version=1, created_at=now, created_by=actor, updated_at=now,
        updated_by=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    created = {name: [None, _plain(getattr(row, name))] for name in FIELDS}
    created = {name: change for name, change in created.items() if change[1] not in (None, "")}
    row.changes.append(FollowupChange(at=now, actor=actor, action="created", changes=created))
    session.flush()
    return Result(followup_json(row, history=True), created)


def _visible(session: Session, followup_id: int, visibility: Visibility) -> Followup:
    row = session.get(Followup, followup_id, options=[selectinload(Followup.changes)])
    if row is None or not visibility.sees(row):
        raise FollowupError("followup_id", f"no follow-up {followup_id} you may see", 404)
    return row


def get(session: Session, followup_id: int, visibility: Visibility) -> dict[str, Any]:
    return followup_json(_visible(session, followup_id, visibility), history=True)


def update(
    session: Session,
    followup_id: int,
    data: FollowupUpdate,
    *,
    actor: str,
    now: dt.datetime,
    visibility: Visibility,
) -> Result:
    """Set the fields ``data`` gives; 409 when ``data.version`` is not the current one."""
    row = _visible(session, followup_id, visibility)
    if data.version is not None and data.version != row.version:
        raise FollowupError(
            "version", f"follow-up {followup_id} changed since version {data.version} "
            f"(now {row.version}): read it again", 409,
        )  # fmt: skip
    given = data.model_fields_set - {"version"}
    if "assignee_agent" in given or "assignee_user" in given:
        agent = data.assignee_agent if "assignee_agent" in given else None
        user = data.assignee_user if "assignee_user" in given else None
        _check_assignee(session, agent, user)
        given |= {"assignee_agent", "assignee_user"}  # one assignee replaces the other
        values = {"assignee_agent": agent, "assignee_user": user}
    else:
        values = {}
    if "customer_code" in given:
        _check_customer(session, data.customer_code)
    for name in given - {"assignee_agent", "assignee_user"}:
        values[name] = getattr(data, name)
    changes: dict[str, list[Any]] = {}
    for name, value in sorted(values.items()):
        old = getattr(row, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(row, name, value)
    if changes:
        row.version += 1
        row.updated_at, row.updated_by = now, actor
        row.changes.append(FollowupChange(at=now, actor=actor, action="changed", changes=changes))
        session.flush()
    return Result(followup_json(row, history=True), changes)


def _search(query: FollowupQuery, visibility: Visibility) -> Select[tuple[Followup]]:
    statement = select(Followup)
    condition = visibility.condition()
    if condition is not None:
        statement = statement.where(condition)
    if query.status is not None:
        statement = statement.where(Followup.status == query.status)
    if query.assignee is not None:
        statement = statement.where(
            or_(Followup.assignee_agent == query.assignee, Followup.assignee_user == query.assignee)
        )
    if query.customer is not None:
        statement = statement.where(Followup.customer_code == query.customer)
    if query.number is not None:
        statement = statement.where(Followup.customer_number == query.number)
    if query.queue is not None:
        statement = statement.where(Followup.queue_name == query.queue)
    if query.linkedid is not None:
        statement = statement.where(Followup.linkedid == query.linkedid)
    if query.due_before is not None:
        statement = statement.where(Followup.due_at < query.due_before)
    if query.text is not None:
        needle = query.text.lower()
        statement = statement.where(
            or_(
                func.lower(Followup.subject).contains(needle, autoescape=True),
                func.lower(Followup.notes).contains(needle, autoescape=True),
            )
        )
    # Soonest due first (none due last), then newest.
    return statement.order_by(Followup.due_at.is_(None), Followup.due_at, Followup.id.desc())


def search(session: Session, query: FollowupQuery, visibility: Visibility) -> list[dict[str, Any]]:
    rows = session.scalars(_search(query, visibility).limit(query.limit).offset(query.offset))
    return [followup_json(row) for row in rows]
