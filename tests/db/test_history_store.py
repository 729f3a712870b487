"""History records from real transcripts written to SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, Text, cast, func, select

from controller.ami.live import raw_event
from controller.ami.replay import messages, replay
from controller.ami.tracker import AgentInterval, FinishedCall, Outbox, RawEvent, Tracker
from controller.ami.tracker import records as rec
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


# -- batches: several records per statement, the later record for a key wins -------------

T0 = 1_795_000_000.0


def _channel(uid: str, at: float = T0) -> rec.ChannelRecord:
    return rec.ChannelRecord(
        uid, f"PJSIP/{uid}", "caller", "13900001111", "张伟", "8001", "pbx-in", "s", None,
        at, at + 1, at + 9, 16,
    )  # fmt: skip


def _call(
    linkedid: str,
    channels: tuple[str, ...],
    recordings: tuple[str, ...] = (),
    *,
    with_work: bool = True,
    caller: str = "13900001111",
) -> FinishedCall:
    attempts = (
        rec.AttemptRecord("8002", "Local/8002@pbx-agent", T0 + 0.5, T0 + 1, 500, "no_answer"),
        rec.AttemptRecord("8001", "Local/8001@pbx-agent", T0 + 1, T0 + 2, 1000, "answered"),
    )
    leg = rec.LegRecord(
        "sales", channels[0], T0, T0 + 2, T0 + 9, 2000, "answered", None, 1, 1, 0, "8001",
        f"{linkedid}-m", 1000, "agent", attempts,
    )  # fmt: skip
    handlings = (
        rec.HandlingRecord("8001", f"{linkedid}-a1", T0 + 2, T0 + 5, 1000,
                           ((T0 + 3, T0 + 4),), "transfer", 0),
        rec.HandlingRecord("8002", f"{linkedid}-a2", T0 + 5, T0 + 9, 0,
                           ((T0 + 6, T0 + 6.5), (T0 + 7, None)), "caller", None),
    )  # fmt: skip
    transfer = rec.TransferOut(T0 + 5, "blind", "Bridge", 0, "pbx-agent", "8002", None, "Success")
    return FinishedCall(
        server_id="pbx1", linkedid=linkedid, direction="inbound", caller_number=caller,
        caller_name="张伟", called_number="4000", did="+8675586009999", region="广东深圳",
        ivr_path="1", customer_code=None, vip=False, started_at=T0, answered_at=T0 + 2,
        ended_at=T0 + 9, outcome="answered",
        channels=tuple(_channel(uid) for uid in channels),
        legs=(leg,) if with_work else (),
        handlings=handlings if with_work else (),
        transfers=(transfer,) if with_work else (),
        recordings=tuple(
            rec.RecordingRecord(path, path, T0 + 2, T0 + 9, "8001", 0 if with_work else None)
            for path in recordings
        ),
    )  # fmt: skip


def test_a_batch_of_calls_links_every_child_to_its_own_parent(engine: Engine) -> None:
    factory = session_factory(engine)
    calls = [_call(f"L{n}", (f"L{n}-c",), (f"L{n}.wav",), caller=f"1390000{n:04d}")
             for n in range(5)]  # fmt: skip
    write_batch(factory, calls, SiteInfo.load(factory))
    with factory() as session:
        for n in range(5):
            call = session.scalars(select(Call).where(Call.linkedid == f"L{n}")).one()
            assert call.caller_e164 == f"+861390000{n:04d}"
            (leg,) = call.queue_legs
            assert sorted(a.agent_code for a in leg.attempts) == ["8001", "8002"]
            first, second = sorted(call.handlings, key=lambda h: h.talk_start)
            assert (first.leg_id, second.leg_id) == (leg.id, None)
            assert [len(first.holds), len(second.holds)] == [1, 2]
            transfer = session.scalars(select(Transfer).where(Transfer.call_id == call.id)).one()
            assert transfer.from_handling_id == first.id
            recording = session.scalars(
                select(Recording).where(Recording.path == f"L{n}.wav")
            ).one()
            assert (recording.call_id, recording.handling_id) == (call.id, first.id)
            assert [c.uniqueid for c in call.channels] == [f"L{n}-c"]


def test_within_a_batch_the_later_record_wins_as_if_written_one_by_one(engine: Engine) -> None:
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    first = _call("A", ("A-c", "shared"), ("moved.wav",))
    second = _call("B", ("B-c", "shared"), ("moved.wav",))  # takes the channel and recording
    again = _call("A", ("A-c",), ("a.wav",), with_work=False)  # A once more, smaller
    write_batch(factory, [first, second, again], site)

    def state() -> dict[str, object]:
        with factory() as session:
            calls = {c.id: c.linkedid for c in session.scalars(select(Call))}
            return {
                "channels": sorted((calls[c.call_id], c.uniqueid)
                                   for c in session.scalars(select(CallChannel))),
                "recordings": sorted((calls[r.call_id or 0], r.path)
                                     for r in session.scalars(select(Recording))),
                "legs": sorted(calls[leg.call_id] for leg in session.scalars(select(QueueLeg))),
                **counts(engine),
            }  # fmt: skip

    batched = state()
    assert batched["channels"] == [("A", "A-c"), ("B", "B-c"), ("B", "shared")]
    assert batched["recordings"] == [("A", "a.wav"), ("B", "moved.wav")]
    assert batched["legs"] == ["B"]
    assert (batched["call"], batched["handling"], batched["transfer"]) == (2, 2, 1)
    for record in (first, second, again):  # the same records, one batch each
        write_batch(factory, [record], site)
    assert state() == batched


def test_an_interval_opened_and_closed_in_one_batch_is_one_closed_row(engine: Engine) -> None:
    def interval(reason: str | None, ended: float | None, source: str) -> AgentInterval:
        return AgentInterval("pbx1", "8001", "", "paused", reason, T0, ended, source)

    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    write_batch(factory, [interval("lunch", None, "QueueMemberPause"),
                          interval("lunch", T0 + 60, "QueueMemberPause")], site)  # fmt: skip
    # A start written again later (a resync) does not reopen it.
    write_batch(factory, [interval("lunch", None, "Resync")], site)
    with factory() as session:
        (row,) = session.scalars(select(AgentStateInterval)).all()
    assert (row.reason_code, row.source_event) == ("lunch", "Resync")
    assert row.ended_at is not None
    assert row.ended_at - row.started_at == dt.timedelta(seconds=60)


def test_a_raw_event_twice_in_one_batch_is_kept_once(engine: Engine) -> None:
    raw = RawEvent("pbx1", T0, "AgentConnect", "L1", "L1", (("Event", "AgentConnect"),))
    other = RawEvent("pbx1", T0, "AgentConnect", "L2", "L2", (("Event", "AgentConnect"),))
    factory = session_factory(engine)
    write_batch(factory, [raw, other, raw], SiteInfo.load(factory))
    with factory() as session:
        assert sorted(session.scalars(select(RawAmiEvent.uniqueid))) == ["L1", "L2"]


def test_a_raw_event_keeps_the_first_value_of_a_repeated_name(engine: Engine) -> None:
    pairs = (("Event", "AgentConnect"), ("Variable", "A=1"), ("Queue", "sales"),
             ("Variable", "B=2"))  # fmt: skip
    plain = (("Event", "AgentComplete"), ("Queue", "sales"), ("Uniqueid", "L1"))
    factory = session_factory(engine)
    write_batch(factory, [RawEvent("pbx1", T0, "AgentConnect", "L1", "L1", pairs),
                          RawEvent("pbx1", T0, "AgentComplete", "L1", "L1", plain)],
                SiteInfo.load(factory))  # fmt: skip
    with factory() as session:
        stored = dict(session.execute(select(RawAmiEvent.event, RawAmiEvent.fields)).all())
    assert stored["AgentConnect"] == {"Event": "AgentConnect", "Variable": "A=1", "Queue": "sales"}
    assert list(stored["AgentConnect"]) == ["Event", "Variable", "Queue"]
    assert stored["AgentComplete"] == dict(plain)


def test_raw_event_fields_are_stored_as_the_json_type_writes_them(engine: Engine) -> None:
    """The fields go in as text where the column holds text (SQLite, MariaDB), joined without
    the encoder when nothing needs escaping: the stored bytes are those of the JSON type."""
    shapes = [
        (("Event", "AgentConnect"), ("Queue", "sales"), ("Uniqueid", "1795000000.1")),
        (("Event", "Hold"), ("CallerIDName", "赵明")),
        (("Event", "Hold"), ("MusicClass", 'say "hi"'), ("Path", "C:\\rec")),
        (("Event", "Hold"), ("Note", "a\tb\x7f")),
        (("Event", "Hold"), ("Variable", "A=1"), ("Variable", "B=2")),
        (),
    ]
    raws = [RawEvent("pbx1", T0 + n, "Hold", "L1", f"U{n}", fields)
            for n, fields in enumerate(shapes)]  # fmt: skip
    factory = session_factory(engine)
    write_batch(factory, raws, SiteInfo.load(factory))
    with factory() as session:
        stored = session.execute(
            select(RawAmiEvent.uniqueid, cast(RawAmiEvent.fields, Text), RawAmiEvent.fields)
        ).all()
    assert len(stored) == len(shapes)
    for uniqueid, text, fields in stored:
        pairs = shapes[int(uniqueid[1:])]
        expected: dict[str, str] = {}
        for name, value in pairs:
            expected.setdefault(name, value)
        assert fields == expected
        assert text == json.dumps(expected)
