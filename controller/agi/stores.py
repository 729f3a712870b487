"""Database edges of the AGI routes: survey answers, and who last served each caller.

Both run their queries in a worker thread (SQLAlchemy is synchronous): a route never
blocks the event loop on the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Engine, select

from controller.db.engine import session_factory
from controller.db.models import Call, Handling, SurveyResponse

log = logging.getLogger("controller.agi")


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """A survey put to a caller (``score`` None: offered) or answered (``score`` 1..scale)."""

    linkedid: str
    agent_code: str | None
    question: str
    score: int | None
    scale_max: int
    answered_at: dt.datetime  # when offered, for an offer
    queue: str | None = None


class SurveyStore:
    """Survey rows, one per survey put to a caller: the offer inserts it, the answer fills in
    its score (or, when the offer was not seen, inserts it answered)."""

    def __init__(self, engine: Engine, server_id: str) -> None:
        self._sessions = session_factory(engine)
        self.server_id = server_id

    async def save(self, answer: SurveyAnswer) -> int:
        return await asyncio.to_thread(self.save_sync, answer)

    def save_sync(self, answer: SurveyAnswer) -> int:
        with self._sessions() as session, session.begin():
            if answer.score is not None:
                offered = session.scalars(
                    select(SurveyResponse)
                    .where(
                        SurveyResponse.server_id == self.server_id,
                        SurveyResponse.linkedid == answer.linkedid,
                        SurveyResponse.queue_name.is_(None)
                        if answer.queue is None
                        else SurveyResponse.queue_name == answer.queue,
                        SurveyResponse.score.is_(None),
                    )
                    .order_by(SurveyResponse.id.desc())
                    .limit(1)
                ).first()
                if offered is not None:
                    offered.score = answer.score
                    offered.answered_at = answer.answered_at
                    offered.agent_code = answer.agent_code or offered.agent_code
                    return int(offered.id)
            call_id = session.scalar(
                select(Call.id).where(
                    Call.server_id == self.server_id, Call.linkedid == answer.linkedid
                )
            )
            row = SurveyResponse(
                call_id=call_id,
                server_id=self.server_id,
                linkedid=answer.linkedid,
                queue_name=answer.queue,
                agent_code=answer.agent_code,
                question=answer.question,
                score=answer.score,
                scale_max=answer.scale_max,
                offered_at=answer.answered_at,
                answered_at=answer.answered_at if answer.score is not None else None,
            )
            session.add(row)
            session.flush()
            return int(row.id)


class LastAgentIndex:
    """The agent who last talked to each caller number (E.164), kept in memory.

    Filled from call history (handlings of calls with a caller number) over ``days``, then
    topped up incrementally by :meth:`refresh`; lookups never touch the database.
    """

    def __init__(self, engine: Engine, days: int = 90) -> None:
        self._sessions = session_factory(engine)
        self.days = days
        self._last: dict[str, tuple[dt.datetime, str]] = {}
        self._since: dt.datetime | None = None

    def last_agent(self, e164: str) -> str | None:
        entry = self._last.get(e164)
        return entry[1] if entry is not None else None

    async def refresh(self) -> int:
        return await asyncio.to_thread(self.refresh_sync)

    def refresh_sync(self, now: dt.datetime | None = None) -> int:
        """Read handlings that started since the last refresh; return how many were new."""
        now = now or dt.datetime.now(dt.UTC)
        since = self._since or now - dt.timedelta(days=self.days)
        statement = (
            select(Call.caller_e164, Handling.agent_code, Handling.talk_start)
            .join(Handling, Handling.call_id == Call.id)
            .where(Handling.talk_start >= since, Call.caller_e164.is_not(None))
            .order_by(Handling.talk_start)
        )
        count = 0
        with self._sessions() as session:
            for caller, agent, started in session.execute(statement):
                previous = self._last.get(caller)
                if previous is None or started >= previous[0]:
                    self._last[caller] = (started, agent)
                count += 1
                since = max(since, started)
        self._since = since
        self._forget_before(now - dt.timedelta(days=self.days))
        return count

    def _forget_before(self, cutoff: dt.datetime) -> None:
        """Bound the memory: callers not served within ``days`` are dropped."""
        old = [caller for caller, (started, _agent) in self._last.items() if started < cutoff]
        for caller in old:
            del self._last[caller]
