"""Fixture histories for report tests, written through the real history writer.

Times are local wall-clock strings in the site's zone (``"2026-05-04 09:00:00"``); a call is
described by its queue legs and the agents' work, and turned into the tracker's records
(FinishedCall, AgentInterval) so that rows, local dates and after-call work links are exactly
what production writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from controller.ami.tracker import AgentInterval, FinishedCall
from controller.ami.tracker import records as rec
from controller.db.engine import session_factory
from controller.db.models import CallbackAttempt, CallbackRequest, QueueConfigVersion, Site
from controller.history.store import SiteInfo, write_batch

SERVER = "pbx1"


@dataclass(frozen=True)
class Work:
    """An agent's part of a call: talk (incl. hold), hold, after-call work, in seconds."""

    agent: str
    talk: float
    hold: float = 0.0
    acw: float = 0.0
    transfer: bool = False  # this agent transferred the call on


@dataclass(frozen=True)
class Leg:
    queue: str
    wait: float  # seconds in the queue
    outcome: str  # answered, abandoned, timeout, exit_key, exit_empty, ...
    work: tuple[Work, ...] = ()  # who answered (first) and any agent it was transferred to
    exit_key: str | None = None
    gap: float = 0.0  # seconds between the previous leg's end (or the call start) and this one
    missed: tuple[str, ...] = ()  # agents who were rung and did not answer first


@dataclass
class History:
    tz: str = "Asia/Shanghai"
    calls: list[FinishedCall] = field(default_factory=list)
    intervals: list[AgentInterval] = field(default_factory=list)
    callbacks: list[tuple[str, str, str, float, tuple[str, ...]]] = field(default_factory=list)
    versions: list[tuple[str, int, int, float]] = field(default_factory=list)

    def at(self, local: str) -> float:
        when = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(self.tz))
        return when.timestamp()

    def threshold(
        self, queue: str, sl: int, short: int, since: str = "2000-01-01 00:00:00"
    ) -> None:
        self.versions.append((queue, sl, short, self.at(since)))

    def call(
        self,
        linkedid: str,
        start: str | float,  # local wall-clock time, or epoch seconds (DST's repeated hour)
        *legs: Leg,
        caller: str = "13800138000",
        did: str | None = "+862160001000",
        region: str | None = "上海市",
        ivr_path: str = "",
        outcome: str | None = None,
        route: str | None = None,
        work: tuple[Work, ...] = (),  # agent work outside any queue (a direct call)
        ring: float = 0.0,
    ) -> FinishedCall:
        t = self.at(start) if isinstance(start, str) else start
        out_legs: list[rec.LegRecord] = []
        handlings: list[rec.HandlingRecord] = []
        transfers: list[rec.TransferOut] = []
        channels = [rec.ChannelRecord(f"{linkedid}-c", f"PJSIP/trunk-{linkedid}", "caller",
                                      caller, "", "", "pbx-in", "s", None, t, t, None, 16)]  # fmt: skip
        answered_at = None
        cursor = t
        for index, leg in enumerate(legs):
            entered = cursor + leg.gap
            end_wait = entered + leg.wait
            attempts = [rec.AttemptRecord(a, f"Local/{a}@pbx-agent", entered, end_wait, 3000,
                                          "no_answer") for a in leg.missed]  # fmt: skip
            agent = leg.work[0].agent if leg.work and leg.outcome == "answered" else None
            if agent:
                attempts.append(rec.AttemptRecord(agent, f"Local/{agent}@pbx-agent",
                                                  end_wait - ring, end_wait,
                                                  int(ring * 1000), "answered"))  # fmt: skip
            talk_at = end_wait
            for n, w in enumerate(leg.work if agent else ()):
                h_end = talk_at + w.talk
                holds = ((talk_at + 1, talk_at + 1 + w.hold),) if w.hold else ()
                handlings.append(rec.HandlingRecord(
                    w.agent, f"{linkedid}-a{len(handlings)}", talk_at, h_end,
                    round(w.hold * 1000), holds, "transfer" if w.transfer else "caller",
                    index if n == 0 else None,
                ))  # fmt: skip
                self._agent_states(w, talk_at, h_end)
                if w.transfer:
                    transfers.append(rec.TransferOut(h_end, "blind", "", len(handlings) - 1,
                                                     "pbx-agent", "x", None, "success"))  # fmt: skip
                talk_at = h_end
            answered_at = answered_at or (end_wait if agent else None)
            leg_end = talk_at if agent else end_wait
            completed = None
            if agent:
                completed = "transfer" if leg.work[0].transfer else "caller"
            out_legs.append(rec.LegRecord(
                leg.queue, f"{linkedid}-c", entered, end_wait if agent else None, leg_end,
                round(leg.wait * 1000), leg.outcome, leg.exit_key, 1, None, 0, agent,
                f"{linkedid}-m{index}" if agent else None, int(ring * 1000) if agent else None,
                completed, tuple(attempts),
            ))  # fmt: skip
            cursor = leg_end
        talk_at = cursor
        for w in work:
            h_end = talk_at + w.talk
            handlings.append(rec.HandlingRecord(w.agent, f"{linkedid}-d{len(handlings)}",
                                                talk_at, h_end, round(w.hold * 1000), (),
                                                "caller", None))  # fmt: skip
            self._agent_states(w, talk_at, h_end)
            answered_at = answered_at or talk_at
            talk_at = h_end
        end = max(cursor, talk_at)
        if outcome is None:
            if any(leg.outcome == "answered" for leg in legs) or work:
                outcome = "transferred" if transfers else "answered"
            elif any(leg.outcome == "abandoned" for leg in legs):
                outcome = "abandoned"
            else:
                outcome = "unanswered"
        fc = FinishedCall(
            server_id=SERVER, linkedid=linkedid, direction="inbound", caller_number=caller,
            caller_name="", called_number=did or "", did=did, region=region, ivr_path=ivr_path,
            customer_code=None, vip=False, started_at=t, answered_at=answered_at, ended_at=end,
            outcome=outcome, channels=tuple(channels), legs=tuple(out_legs),
            handlings=tuple(handlings), transfers=tuple(transfers), recordings=(), source="live",
            route=route,
        )  # fmt: skip
        self.calls.append(fc)
        return fc

    def _agent_states(self, w: Work, start: float, end: float) -> None:
        self.state(w.agent, "on_call", start, end)
        if w.acw:
            self.state(w.agent, "acw", end, end + w.acw)

    def state(self, agent: str, state: str, start: float | str, end: float | str | None,
              reason: str | None = None) -> None:  # fmt: skip
        s = self.at(start) if isinstance(start, str) else start
        e = self.at(end) if isinstance(end, str) else end
        self.intervals.append(AgentInterval(SERVER, agent, "", state, reason, s, None, "test"))
        if e is not None:
            self.intervals.append(AgentInterval(SERVER, agent, "", state, reason, s, e, "test"))

    def callback(self, queue: str, linkedid: str, at: str, *results: str) -> None:
        """A callback request by the caller of ``linkedid`` and its attempts' results."""
        self.callbacks.append((queue, linkedid, "13800138000", self.at(at), results))

    def write(self, engine: Engine) -> None:
        factory = session_factory(engine)
        with factory() as session, session.begin():
            if session.get(Site, 1) is None:
                session.add(Site(id=1, name="test", timezone=self.tz, country="CN",
                                 default_language="zh"))  # fmt: skip
            for queue, sl, short, since in self.versions:
                session.add(QueueConfigVersion(queue_name=queue, service_level_seconds=sl,
                                               short_abandon_seconds=short,
                                               valid_from=_utc(since)))  # fmt: skip
        site = SiteInfo.load(factory)
        write_batch(factory, [*self.intervals, *self.calls], site)
        with factory() as session, session.begin():
            for queue, linkedid, number, at, results in self.callbacks:
                request = CallbackRequest(
                    server_id=SERVER, queue_name=queue, number=number, state="done",
                    origin_linkedid=linkedid, requested_at=_utc(at),
                    expires_at=_utc(at + 3600), attempts=len(results),
                )  # fmt: skip
                session.add(request)
                session.flush()
                for n, result in enumerate(results):
                    session.add(CallbackAttempt(request_id=request.id,
                                                started_at=_utc(at + 60 * (n + 1)),
                                                ended_at=_utc(at + 60 * (n + 1) + 30),
                                                agent_code="8001", result=result))  # fmt: skip


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)
