"""The events sent to a CRM, and their bodies (pure: built from the tracker's views and
records, the notes and follow-ups as the API shows them).

Every body is an envelope::

    {"id": "<uuid>", "event": "call.answered", "created_at": "2026-12-03T09:00:01.2+00:00",
     "server_id": "pbx1", "data": {...}}

=====================  ===================================================================
``call.ringing``       an agent's phone rings with a call (one per agent rung)
``call.answered``      an agent answered it
``call.ended``         the call ended; sent when its agents saved their dispositions (or
                       after ``webhooks.disposition_wait_seconds``), with the dispositions,
                       notes and recording links
``call.disposition``   a note or disposition saved after ``call.ended`` was sent
``callback.requested`` a caller asked to be called back (and confirmed the number)
``followup.changed``   a follow-up was created or changed (with what changed)
``ping``               a test send
=====================  ===================================================================
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from controller.ami.tracker import CallView, FinishedCall, ScreenPop

CALL_RINGING = "call.ringing"
CALL_ANSWERED = "call.answered"
CALL_ENDED = "call.ended"
CALL_DISPOSITION = "call.disposition"
CALLBACK_REQUESTED = "callback.requested"
FOLLOWUP_CHANGED = "followup.changed"
PING = "ping"
EVENTS = (
    CALL_RINGING, CALL_ANSWERED, CALL_ENDED, CALL_DISPOSITION, CALLBACK_REQUESTED,
    FOLLOWUP_CHANGED, PING,
)  # fmt: skip


@dataclass
class Event:
    """One event, for every endpoint that wants it. ``queues``: the queues it concerns (an
    endpoint narrowed to queues gets it when one matches; none: only unnarrowed endpoints)."""

    kind: str
    data: dict[str, Any]
    queues: tuple[str, ...] = ()
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: float = 0.0  # epoch seconds; set by the emitter

    def body(self, server_id: str) -> str:
        created = dt.datetime.fromtimestamp(self.created_at, dt.UTC).isoformat()
        envelope = {
            "id": self.id,
            "event": self.kind,
            "created_at": created,
            "server_id": server_id,
            "data": self.data,
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _iso(epoch: float | None) -> str | None:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat() if epoch is not None else None


def _queues(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({name for name in names if name}))


def ringing(pop: ScreenPop) -> Event:
    data = {
        "linkedid": pop.linkedid,
        "agent": pop.agent,
        "queue": pop.queue,
        "caller_number": pop.caller_num,
        "caller_name": pop.caller_name,
        "customer_code": pop.customer_code,
        "region": pop.region,
        "vip": pop.vip,
        "ivr_path": pop.ivr_path,
        "at": _iso(pop.at),
    }
    return Event(CALL_RINGING, data, _queues([pop.queue]))


def answered_from_view(view: CallView) -> Event:
    data = {
        "linkedid": view.linkedid,
        "agents": list(view.agents),
        "queue": view.queue,
        "direction": view.direction,
        "caller_number": view.caller_num,
        "caller_name": view.caller_name,
        "called_number": view.called_num,
        "customer_code": view.customer_code,
        "region": view.region,
        "started_at": _iso(view.started_at),
        "answered_at": _iso(view.answered_at),
    }
    return Event(CALL_ANSWERED, data, _queues([view.queue]))


def answered_from_record(call: FinishedCall) -> Event:
    """For a call that was answered and ended between two looks at the live model."""
    queue = call.legs[-1].queue if call.legs else None
    data = {
        "linkedid": call.linkedid,
        "agents": call.agents,
        "queue": queue,
        "direction": call.direction,
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "customer_code": call.customer_code,
        "region": call.region,
        "started_at": _iso(call.started_at),
        "answered_at": _iso(call.answered_at),
    }
    return Event(CALL_ANSWERED, data, _queues(leg.queue for leg in call.legs))


def ended(call: FinishedCall) -> Event:
    """``call.ended`` without what the database adds when it is stored: the dispositions and
    notes, the recordings' ids and links (:func:`controller.webhooks.store.complete_ended`)."""
    data = {
        "linkedid": call.linkedid,
        "direction": call.direction,
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "did": call.did,
        "customer_code": call.customer_code,
        "region": call.region,
        "vip": call.vip,
        "queues": list(_queues(leg.queue for leg in call.legs)),
        "agents": call.agents,
        "outcome": call.outcome,
        "started_at": _iso(call.started_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "duration_s": round(call.ended_at - call.started_at, 3),
        "talk_s": round(sum((h.talk_ms or 0) for h in call.handlings) / 1000, 3),
        "source": call.source,
        "recordings": [{"path": r.path} for r in call.recordings],
        "dispositions": [],
    }
    return Event(CALL_ENDED, data, _queues(leg.queue for leg in call.legs))


def disposition(note: dict[str, Any], queues: Iterable[str]) -> Event:
    return Event(CALL_DISPOSITION, dict(note), _queues(queues))


def callback_requested(
    request_id: int, queue: str, number: str, position: int, expires_at: dt.datetime,
    linkedid: str | None,
) -> Event:  # fmt: skip
    data = {
        "id": request_id,
        "queue": queue,
        "number": number,
        "position": position,
        "expires_at": expires_at.isoformat(),
        "linkedid": linkedid,
    }
    return Event(CALLBACK_REQUESTED, data, _queues([queue]))


def followup_changed(followup: dict[str, Any], changes: dict[str, list[Any]]) -> Event:
    action = "created" if followup.get("version") == 1 else "changed"
    shown = {key: value for key, value in followup.items() if key != "history"}
    data = {"action": action, "changes": changes, "followup": shown}
    return Event(FOLLOWUP_CHANGED, data, _queues([followup.get("queue")]))


def ping(endpoint: str) -> Event:
    return Event(PING, {"endpoint": endpoint, "message": "a test send from pbx-controller"})
