"""History records from real transcripts written to SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from controller.ami.live import raw_event
from controller.ami.replay import messages, replay
from controller.ami.tracker import Outbox, Tracker
from controller.db.engine import session_factory
from controller.db.models import (
    AgentAttempt,
    AgentStateInterval,
    Call,
    CallChannel,
    Handling,
    QueueLeg,
    RawAmiEvent,
    Recording,
    Transfer,
)
from controller.history.store import SiteInfo, write_batch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


def outbox(name: str) -> Outbox:
    tracker = Tracker("pbx1", queue_wrapup={"sales": 15})
    replay((FIXTURES / f"{name}.ami").read_bytes(), tracker, start=1_795_000_000.0)
    return tracker.drain()


def counts(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (
                Call,
                CallChannel,
                QueueLeg,
                AgentAttempt,
                Handling,
                Transfer,
                Recording,
                AgentStateInterval,
            )
        }


def test_an_answered_call_is_stored_with_its_legs_handling_and_recording(engine: Engine) -> None:
    box = outbox("answered")
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    write_batch(factory, [*box.intervals, *box.finished], site)
    with factory() as session:
        call = session.scalars(select(Call)).one()
        assert (call.server_id, call.linkedid, call.outcome) == ("pbx1", "cust-1", "answered")
        assert call.caller_number == "13900001111"
        assert call.caller_e164 == "+8613900001111"
        leg = session.scalars(select(QueueLeg)).one()
        assert (leg.queue_name, leg.outcome, leg.answered_by_agent) == ("sales", "answered", "8001")
        assert leg.wait_ms == box.finished[0].legs[0].wait_ms
        handling = session.scalars(select(Handling)).one()
        assert (handling.agent_code, handling.leg_id) == ("8001", leg.id)
        assert handling.talk_end is not None
        assert handling.talk_end > handling.talk_start
        recording = session.scalars(select(Recording)).one()
        assert recording.path.endswith("/cust-1.wav")
        assert (recording.agent_code, recording.call_id) == ("8001", call.id)
        states = session.scalars(
            select(AgentStateInterval.state).order_by(AgentStateInterval.started_at)
        ).all()
        assert states == ["ready", "ringing", "on_call", "acw"]


def test_writing_the_same_records_again_duplicates_nothing(engine: Engine) -> None:
    box = outbox("transfer")
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    items = [*box.intervals, *box.finished]
    write_batch(factory, items, site)
    first = counts(engine)
    write_batch(factory, items, site)  # e.g. a retry after a commit whose answer was lost
    assert counts(engine) == first
    assert first["call"] == 1
    assert first["handling"] == 2
    assert first["transfer"] == 1


def test_an_interval_start_and_its_end_are_one_row(engine: Engine) -> None:
    box = outbox("pause")
    opened = [i for i in box.intervals if i.ended_at is None]
    closed = [i for i in box.intervals if i.ended_at is not None]
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    write_batch(factory, opened, site)
    write_batch(factory, closed, site)
    with factory() as session:
        rows = session.scalars(
            select(AgentStateInterval).order_by(AgentStateInterval.started_at)
        ).all()
    assert [(r.state, r.reason_code) for r in rows] == [
        ("ready", None),
        ("paused", "lunch"),
        ("ready", None),
    ]
    assert all(r.ended_at is not None for r in rows)


def test_raw_queue_events_are_kept_once(engine: Engine) -> None:
    data = (FIXTURES / "transfer.ami").read_bytes()
    items = [
        raw
        for n, message in enumerate(messages(data))
        if "ActionID" not in message.fields
        and (raw := raw_event("pbx1", message, 1_795_000_000.0 + n / 1000)) is not None
    ]
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    write_batch(factory, items, site)
    write_batch(factory, items, site)  # a retry: nothing twice
    with factory() as session:
        rows = session.scalars(select(RawAmiEvent.event)).all()
    assert len(rows) == len(items)
    assert {"QueueCallerJoin", "AgentConnect", "BlindTransfer", "AgentComplete"} <= set(rows)
