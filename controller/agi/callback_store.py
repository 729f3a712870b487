"""Callback requests and attempts in the database (synchronous; called from a thread).

State machine of a request: PENDING (placeholder waiting in the queue) -> DIALING (an agent
took it, the customer is being called) -> DONE, or back to PENDING for another attempt, or
FAILED (attempts used up), EXPIRED (too late) or CANCELED (the caller withdrew).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from controller.db.engine import session_factory
from controller.db.models import CallbackAttempt, CallbackRequest
from controller.db.models.history import CallbackResult, CallbackState

ACTIVE = (CallbackState.PENDING, CallbackState.DIALING)
_RESULTS = {
    "ANSWER": CallbackResult.ANSWERED,
    "BUSY": CallbackResult.BUSY,
    "NOANSWER": CallbackResult.NO_ANSWER,
    "CANCEL": CallbackResult.AGENT_HANGUP,
}


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    queue: str
    number: str
    state: CallbackState
    position: int
    priority: int
    expires_at: dt.datetime
    attempts: int
    linkedid: str | None = None  # the call that asked for it


def _row(r: CallbackRequest) -> RequestRow:
    return RequestRow(
        r.id, r.queue_name, r.number, r.state, r.position or 1, r.priority, r.expires_at,
        r.attempts, r.origin_linkedid,
    )  # fmt: skip


class CallbackStore:
    def __init__(self, engine: Engine, server_id: str) -> None:
        self._sessions = session_factory(engine)
        self.server_id = server_id

    def is_waiting(self, queue: str, number: str, now: dt.datetime) -> bool:
        with self._sessions() as session:
            found = session.scalar(
                select(CallbackRequest.id).where(
                    CallbackRequest.queue_name == queue,
                    CallbackRequest.number == number,
                    CallbackRequest.state.in_(ACTIVE),
                    CallbackRequest.expires_at > now,
                )
            )
        return found is not None

    def create(
        self,
        queue: str,
        number: str,
        position: int,
        priority: int,
        linkedid: str | None,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> RequestRow:
        with self._sessions() as session, session.begin():
            row = CallbackRequest(
                server_id=self.server_id, queue_name=queue, number=number,
                state=CallbackState.PENDING, origin_linkedid=linkedid, position=position,
                priority=priority, requested_at=now, expires_at=expires_at, attempts=0,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return _row(row)

    def get(self, request_id: int) -> RequestRow | None:
        with self._sessions() as session:
            row = session.get(CallbackRequest, request_id)
            return _row(row) if row is not None else None

    def set_placeholder(self, request_id: int, channel_id: str) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(CallbackRequest, request_id)
            if row is not None:
                row.placeholder_channel_id = channel_id

    def finish(self, request_id: int, state: CallbackState, now: dt.datetime) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(CallbackRequest, request_id)
            if row is not None:
                row.state = state
                row.completed_at = now
                row.placeholder_channel_id = None

    def start_attempt(self, request_id: int, agent: str | None, now: dt.datetime) -> int:
        """Mark the request DIALING and open an attempt; return the attempt number."""
        with self._sessions() as session, session.begin():
            row = session.get(CallbackRequest, request_id)
            if row is None:
                raise LookupError(f"callback request {request_id} does not exist")
            row.state = CallbackState.DIALING
            row.attempts += 1
            session.add(CallbackAttempt(request_id=request_id, started_at=now, agent_code=agent))
            return row.attempts

    def end_attempt(self, request_id: int, dial_status: str, now: dt.datetime) -> None:
        with self._sessions() as session, session.begin():
            attempt = session.scalar(
                select(CallbackAttempt)
                .where(CallbackAttempt.request_id == request_id, CallbackAttempt.ended_at.is_(None))
                .order_by(CallbackAttempt.id.desc())
            )
            if attempt is not None:
                attempt.ended_at = now
                attempt.result = _RESULTS.get(dial_status, CallbackResult.FAILED)

    def back_to_pending(self, request_id: int) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(CallbackRequest, request_id)
            if row is not None and row.state in ACTIVE:
                row.state = CallbackState.PENDING
                row.position = 1  # another attempt goes to the head of the queue

    def active(self, now: dt.datetime) -> list[RequestRow]:
        """PENDING requests of this server that have not expired (to re-create after a restart)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(CallbackRequest).where(
                    CallbackRequest.server_id == self.server_id,
                    CallbackRequest.state == CallbackState.PENDING,
                    CallbackRequest.expires_at > now,
                )
            )
            return [_row(r) for r in rows]
