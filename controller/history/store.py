"""Write tracker records to the history tables, idempotently (blocking; run it in a thread).

Writing the same record twice leaves one copy: a call is found by its unique key
``(server_id, linkedid)`` and rewritten with its children replaced; a channel by
``(server_id, uniqueid)``; a recording by ``(server_id, path)``; an agent-state interval by
``(server_id, agent_code, queue_name, state, started_at)``, so its start (``ended_at`` None)
and its end update one row; a raw AMI event by (server, time, event, uniqueid). A retry after
an unacknowledged commit is therefore harmless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from controller.ami.tracker import AgentInterval, FinishedCall, RawEvent
from controller.ami.tracker import records as rec
from controller.db.models import (
    AgentAttempt,
    AgentStateInterval,
    Call,
    CallChannel,
    Handling,
    HoldInterval,
    QueueLeg,
    RawAmiEvent,
    Recording,
    Site,
    Transfer,
)

Item = FinishedCall | AgentInterval | RawEvent


def to_e164(number: str, country: str) -> str | None:
    """The caller's number in E.164, or None when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def utc(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What history rows freeze at insert: the local calendar and the country for E.164."""

    tz: ZoneInfo
    country: str

    @classmethod
    def load(cls, factory: sessionmaker[Session]) -> SiteInfo:
        with factory() as session:
            site = session.get(Site, 1)
        if site is None:
            return cls(ZoneInfo("UTC"), "CN")
        return cls(ZoneInfo(site.timezone), site.country)


def write_batch(factory: sessionmaker[Session], items: Sequence[Item], site: SiteInfo) -> None:
    """Write ``items`` in one transaction."""
    with factory() as session, session.begin():
        for item in items:
            write_item(session, item, site)


def write_item(session: Session, item: Item, site: SiteInfo) -> None:
    if isinstance(item, FinishedCall):
        _write_call(session, item, site)
    elif isinstance(item, AgentInterval):
        _write_interval(session, item, site)
    else:
        _write_raw(session, item)


def _local(at: dt.datetime, site: SiteInfo) -> tuple[dt.date, int]:
    local = at.astimezone(site.tz)
    return local.date(), local.hour


def _write_call(session: Session, fc: FinishedCall, site: SiteInfo) -> None:
    started = utc(fc.started_at)
    assert started is not None
    local_date, local_hour = _local(started, site)
    call = session.scalar(
        select(Call).where(Call.server_id == fc.server_id, Call.linkedid == fc.linkedid)
    )
    if call is None:
        call = Call(server_id=fc.server_id, linkedid=fc.linkedid)
        session.add(call)
    else:
        _delete_children(session, call.id)
    call.direction = fc.direction  # type: ignore[assignment]
    call.caller_number, call.caller_name = fc.caller_number[:64], fc.caller_name[:128]
    call.caller_e164 = to_e164(fc.caller_number, site.country) if fc.caller_number else None
    call.called_number, call.did = fc.called_number[:64], fc.did
    call.region, call.ivr_path = fc.region, fc.ivr_path[:255]
    call.customer_code, call.vip = fc.customer_code, fc.vip
    call.started_at, call.answered_at, call.ended_at = (
        started,
        utc(fc.answered_at),
        utc(fc.ended_at),
    )
    call.local_date, call.local_hour = local_date, local_hour
    call.outcome = fc.outcome  # type: ignore[assignment]
    session.flush()
    _write_channels(session, call, fc)
    legs = [_write_leg(session, call, leg, site) for leg in fc.legs]
    handlings = [_write_handling(session, call, h, legs, site) for h in fc.handlings]
    for t in fc.transfers:
        session.add(
            Transfer(
                call_id=call.id,
                at=utc(t.at),
                kind=t.kind,
                method=t.method[:16],
                from_handling_id=handlings[t.from_handling].id
                if t.from_handling is not None
                else None,
                to_context=t.to_context[:80],
                to_exten=t.to_exten[:80],
                target_channel_uid=t.target_channel_uid,
                result=t.result,
            )
        )
    paths = [r.path for r in fc.recordings]
    if paths:
        session.execute(
            delete(Recording).where(Recording.server_id == fc.server_id, Recording.path.in_(paths))
        )
    for r in fc.recordings:
        session.add(
            Recording(
                server_id=fc.server_id,
                call_id=call.id,
                handling_id=handlings[r.handling].id if r.handling is not None else None,
                channel_uid=r.channel_uid,
                agent_code=r.agent_code,
                path=r.path,
                started_at=utc(r.started_at),
                ended_at=utc(r.ended_at),
            )
        )


def _delete_children(session: Session, call_id: int) -> None:
    leg_ids = select(QueueLeg.id).where(QueueLeg.call_id == call_id)
    handling_ids = select(Handling.id).where(Handling.call_id == call_id)
    session.execute(delete(Recording).where(Recording.call_id == call_id))
    session.execute(delete(Transfer).where(Transfer.call_id == call_id))
    session.execute(delete(HoldInterval).where(HoldInterval.handling_id.in_(handling_ids)))
    session.execute(delete(Handling).where(Handling.call_id == call_id))
    session.execute(delete(AgentAttempt).where(AgentAttempt.leg_id.in_(leg_ids)))
    session.execute(delete(QueueLeg).where(QueueLeg.call_id == call_id))
    session.execute(delete(CallChannel).where(CallChannel.call_id == call_id))


def _write_channels(session: Session, call: Call, fc: FinishedCall) -> None:
    uids = [c.uniqueid for c in fc.channels]
    # A channel moved between calls (attended transfer) may sit under the other call.
    session.execute(
        delete(CallChannel).where(
            CallChannel.server_id == fc.server_id, CallChannel.uniqueid.in_(uids)
        )
    )
    for c in fc.channels:
        session.add(
            CallChannel(
                call_id=call.id,
                server_id=fc.server_id,
                uniqueid=c.uniqueid,
                channel=c.channel[:128],
                role=c.role,
                caller_number=c.caller_number[:64],
                caller_name=c.caller_name[:128],
                connected_number=c.connected_number[:64],
                context=c.context[:80],
                exten=c.exten[:80],
                agent_code=c.agent_code,
                created_at=utc(c.created_at),
                answered_at=utc(c.answered_at),
                ended_at=utc(c.ended_at),
                hangup_cause=c.hangup_cause,
            )
        )


def _write_leg(session: Session, call: Call, leg: rec.LegRecord, site: SiteInfo) -> QueueLeg:
    entered = utc(leg.entered_at)
    assert entered is not None
    local_date, local_hour = _local(entered, site)
    row = QueueLeg(
        call_id=call.id,
        queue_name=leg.queue,
        entry_channel_uid=leg.entry_channel_uid,
        entered_at=entered,
        connected_at=utc(leg.connected_at),
        ended_at=utc(leg.ended_at),
        wait_ms=leg.wait_ms,
        outcome=leg.outcome,
        exit_key=leg.exit_key,
        orig_position=leg.orig_position,
        exit_position=leg.exit_position,
        priority=leg.priority,
        answered_by_agent=leg.answered_by_agent,
        member_channel_uid=leg.member_channel_uid,
        ring_ms=leg.ring_ms,
        completed_by=leg.completed_by,
        local_date=local_date,
        local_hour=local_hour,
    )
    session.add(row)
    session.flush()
    for a in leg.attempts:
        session.add(
            AgentAttempt(
                leg_id=row.id,
                agent_code=a.agent_code,
                member_interface=a.member_interface[:128],
                rang_at=utc(a.rang_at),
                ended_at=utc(a.ended_at),
                ring_ms=a.ring_ms,
                result=a.result,
            )
        )
    return row


def _write_handling(
    session: Session, call: Call, h: rec.HandlingRecord, legs: list[QueueLeg], site: SiteInfo
) -> Handling:
    start = utc(h.talk_start)
    assert start is not None
    row = Handling(
        call_id=call.id,
        leg_id=legs[h.leg_index].id if h.leg_index is not None else None,
        agent_code=h.agent_code,
        channel_uid=h.channel_uid,
        talk_start=start,
        talk_end=utc(h.talk_end),
        hold_ms=h.hold_ms,
        ended_by=h.ended_by,
        local_date=_local(start, site)[0],
    )
    session.add(row)
    session.flush()
    for begin, end in h.holds:
        session.add(HoldInterval(handling_id=row.id, started_at=utc(begin), ended_at=utc(end)))
    return row


def _write_interval(session: Session, iv: AgentInterval, site: SiteInfo) -> None:
    started = utc(iv.started_at)
    assert started is not None
    row = session.scalar(
        select(AgentStateInterval).where(
            AgentStateInterval.server_id == iv.server_id,
            AgentStateInterval.agent_code == iv.agent_code,
            AgentStateInterval.queue_name == iv.queue_name,
            AgentStateInterval.state == iv.state,
            AgentStateInterval.started_at == started,
        )
    )
    if row is None:
        row = AgentStateInterval(
            server_id=iv.server_id,
            agent_code=iv.agent_code,
            queue_name=iv.queue_name,
            state=iv.state,
            started_at=started,
            local_date=_local(started, site)[0],
        )
        session.add(row)
    row.reason_code = iv.reason[:32] if iv.reason else None
    row.source_event = iv.source_event[:32]
    if iv.ended_at is not None:
        row.ended_at = utc(iv.ended_at)


def _write_raw(session: Session, raw: RawEvent) -> None:
    at = utc(raw.at)
    exists = session.scalar(
        select(RawAmiEvent.id).where(
            RawAmiEvent.server_id == raw.server_id,
            RawAmiEvent.received_at == at,
            RawAmiEvent.event == raw.event,
            RawAmiEvent.uniqueid == raw.uniqueid,
        )
    )
    if exists is not None:
        return
    fields: dict[str, str] = {}
    for key, value in raw.fields:
        fields.setdefault(key, value)
    session.add(
        RawAmiEvent(
            server_id=raw.server_id,
            received_at=at,
            event=raw.event[:64],
            linkedid=raw.linkedid,
            uniqueid=raw.uniqueid,
            fields=fields,
        )
    )
