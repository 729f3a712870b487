"""Webhook deliveries on every database: one per event and endpoint that wants it, the
call.ended body completed from the history, attempts recorded with backoff, the log, and
housekeeping."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from controller.db.engine import session_factory
from controller.db.models import Call, CallNote, Recording
from controller.db.models.webhooks import DeliveryStatus, WebhookDelivery
from controller.webhooks import events, store
from controller.webhooks.backoff import Backoff
from controller.webhooks.validate import EndpointCreate, EndpointUpdate, WebhookError

T = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def _endpoint(engine: Engine, name: str, **fields: object) -> str:
    data = EndpointCreate.model_validate({"name": name, "url": f"https://crm.example/{name}",
                                          **fields})  # fmt: skip
    with session_factory(engine)() as session, session.begin():
        return store.create_endpoint(session, data, T)[1]


def _enqueue(engine: Engine, *items: events.Event, public_url: str | None = None) -> int:
    with session_factory(engine)() as session, session.begin():
        return store.enqueue(session, items, server_id="pbx1", now=T, public_url=public_url)


def _free(session: Session, each: int = 10) -> dict[int, int]:
    return dict.fromkeys(store.enabled_endpoints(session), each)


def _rows(engine: Engine) -> list[WebhookDelivery]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_each_endpoint_gets_the_events_and_queues_it_wants(engine: Engine) -> None:
    secret = _endpoint(engine, "all")
    assert (secret[:6], len(secret) > 40) == ("whsec_", True)
    _endpoint(engine, "ended-only", events=["call.ended"])
    _endpoint(engine, "support", queues=["support"])
    _endpoint(engine, "off", enabled=False)
    sales = events.Event("call.answered", {"linkedid": "a"}, ("sales",), created_at=1.8e9)
    support = events.Event("call.ended", {"linkedid": "b", "recordings": []}, ("support",),
                           created_at=1.8e9)  # fmt: skip
    internal = events.Event("call.ringing", {"linkedid": "c"}, (), created_at=1.8e9)
    assert _enqueue(engine, sales, support, internal) == 5
    with session_factory(engine)() as session:
        names = {e.id: e.name for e in session.scalars(select(store.WebhookEndpoint))}
    got = sorted((names[r.endpoint_id], r.event) for r in _rows(engine))
    assert got == [
        ("all", "call.answered"), ("all", "call.ended"), ("all", "call.ringing"),
        ("ended-only", "call.ended"), ("support", "call.ended"),
    ]  # fmt: skip
    body = json.loads(_rows(engine)[0].payload)
    assert set(body) == {"id", "event", "created_at", "server_id", "data"}
    assert body["server_id"] == "pbx1"


def test_call_ended_gets_the_dispositions_and_recording_links(engine: Engine) -> None:
    _endpoint(engine, "crm")
    with session_factory(engine)() as session, session.begin():
        call = Call(server_id="pbx1", linkedid="L1", direction="inbound", started_at=T,
                    local_date=T.date(), local_hour=9)  # fmt: skip
        session.add(call)
        session.flush()
        session.add(Recording(server_id="pbx1", call_id=call.id, channel_uid="L1.1",
                              path="2026/12/03/L1.wav", started_at=T))  # fmt: skip
        session.add(CallNote(server_id="pbx1", linkedid="L1", agent_code="8001",
                             disposition_code="resolved", notes="好", created_at=T,
                             updated_at=T, updated_by="user lihua"))  # fmt: skip
        session.flush()
        call_id = call.id
        recording_id = session.scalar(select(Recording.id))
    data = {"linkedid": "L1", "recordings": [{"path": "2026/12/03/L1.wav"}, {"path": "x.wav"}]}
    _enqueue(engine, events.Event("call.ended", data, ("sales",), created_at=1.8e9),
             public_url="https://pbx.example.com/")  # fmt: skip
    sent = json.loads(_rows(engine)[0].payload)["data"]
    assert sent["call_id"] == call_id
    assert sent["dispositions"] == [
        {"agent": "8001", "disposition": "resolved", "disposition_label": "resolved",
         "notes": "好"}
    ]  # fmt: skip
    assert sent["recordings"] == [
        {"path": "2026/12/03/L1.wav", "id": recording_id,
         "url": f"https://pbx.example.com/api/v1/recordings/{recording_id}/file"},
        {"path": "x.wav", "id": None, "url": None},  # not (yet) in the history
    ]  # fmt: skip


def test_attempts_back_off_then_give_up_and_the_log_says_why(engine: Engine) -> None:
    _endpoint(engine, "crm")
    _enqueue(engine, events.Event("call.ringing", {}, (), created_at=1.8e9))
    backoff = Backoff(base=10.0, cap=100.0, max_attempts=3)
    with session_factory(engine)() as session:
        (item,) = store.due(session, T, _free(session))
        assert store.due(session, T, _free(session), busy={item.id}) == []  # being tried now
    now = T
    for attempt in range(1, 4):
        with session_factory(engine)() as session, session.begin():
            assert [d.id for d in store.due(session, now, _free(session))] == [item.id]
            failed = store.Outcome(item.id, False, 503, "HTTP 503: busy")
            store.record(session, [failed], now, backoff, lambda: 0.0)
        (row,) = _rows(engine)
        assert row.attempts == attempt
        if attempt < 3:
            wait = (row.next_attempt_at - now).total_seconds()
            assert wait == pytest.approx(10.0 * 2 ** (attempt - 1) / 2)
            with session_factory(engine)() as session:
                assert store.due(session, now, _free(session)) == []  # not before its time
            now = row.next_attempt_at
    assert (row.status, row.last_status, row.last_error) == (
        DeliveryStatus.FAILED, 503, "HTTP 503: busy"
    )  # fmt: skip
    with session_factory(engine)() as session, session.begin():
        log = store.deliveries(session, row.endpoint_id)
        assert [(d["status"], d["attempts"]) for d in log] == [("failed", 3)]
        store.retry(session, row.endpoint_id, row.id, now)  # back into the queue
        assert [d.id for d in store.due(session, now, _free(session))] == [row.id]
        store.record(session, [store.Outcome(row.id, True, 204, "")], now, backoff, lambda: 0)
        assert store.deliveries(session, row.endpoint_id)[0]["status"] == "delivered"
        with pytest.raises(WebhookError) as delivered:
            store.retry(session, row.endpoint_id, row.id, now)
        assert delivered.value.status == 409


def test_overflow_drops_the_oldest_and_purge_forgets_finished_ones(engine: Engine) -> None:
    _endpoint(engine, "crm")
    _enqueue(engine, *[events.Event("call.ringing", {"n": n}, (), created_at=1.8e9)
                       for n in range(5)])  # fmt: skip
    with session_factory(engine)() as session, session.begin():
        assert store.drop_overflow(session, per_endpoint=3) == 2
    statuses = [r.status for r in _rows(engine)]
    assert statuses == [DeliveryStatus.DROPPED] * 2 + [DeliveryStatus.PENDING] * 3
    with session_factory(engine)() as session, session.begin():
        assert store.purge(session, T + dt.timedelta(seconds=1)) == 2  # pending ones stay
        assert store.pending_count(session) == 3


def test_an_endpoint_changes_and_rotates_its_secret(engine: Engine) -> None:
    first = _endpoint(engine, "crm")
    change = EndpointUpdate(enabled=False, queues=["sales"], rotate_secret=True)
    with session_factory(engine)() as session, session.begin():
        row, secret, changed = store.update_endpoint(session, "crm", change, T)
        assert (row.enabled, row.queues, sorted(changed)) == (False, ["sales"],
                                                               ["enabled", "queues"])  # fmt: skip
        assert secret not in (None, first)
        assert row.secret == secret
        assert "secret" not in store.endpoint_json(row)
    with pytest.raises(WebhookError) as taken:
        _endpoint(engine, "crm")
    assert (taken.value.field, taken.value.status) == ("name", 409)
    with session_factory(engine)() as session, pytest.raises(WebhookError) as unknown:
        store.find_endpoint(session, "nope")
    assert unknown.value.status == 404


def test_each_endpoint_gets_its_share_of_the_queue(engine: Engine) -> None:
    _endpoint(engine, "down", events=["call.ringing"])
    _endpoint(engine, "up", events=["call.ended"])
    backlog = [events.Event("call.ringing", {"n": n}, (), created_at=1.8e9) for n in range(6)]
    _enqueue(engine, *backlog, events.Event("call.ended", {"linkedid": "L", "recordings": []}, (),
                                            created_at=1.8e9))  # fmt: skip
    with session_factory(engine)() as session:
        ids = {store.find_endpoint(session, name).id: name for name in ("down", "up")}
        # The oldest six belong to "down"; "up" still gets its one at once.
        got = store.due(session, T, dict.fromkeys(ids, 2))
        assert sorted(ids[d.endpoint_id] for d in got) == ["down", "down", "up"]
        down = next(e for e, name in ids.items() if name == "down")
        assert store.due(session, T, {down: 0}) == []  # no free slot: nothing read


def test_disabling_an_endpoint_drops_what_it_has_pending(engine: Engine) -> None:
    _endpoint(engine, "crm")
    _endpoint(engine, "other")
    _enqueue(engine, events.Event("call.ringing", {}, (), created_at=1.8e9))
    with session_factory(engine)() as session, session.begin():
        store.update_endpoint(session, "crm", EndpointUpdate(enabled=False), T)
        assert [ep for ep in _free(session)] == [store.find_endpoint(session, "other").id]
    crm_rows = [r for r in _rows(engine) if r.status is not DeliveryStatus.PENDING]
    (dropped,) = crm_rows
    assert (dropped.status, dropped.last_error) == (
        DeliveryStatus.DROPPED, "dropped: the endpoint was disabled"
    )  # fmt: skip
    assert [r.status for r in _rows(engine)].count(DeliveryStatus.PENDING) == 1  # "other"'s
    with session_factory(engine)() as session, session.begin():
        store.update_endpoint(session, "crm", EndpointUpdate(enabled=True), T)
        store.retry(session, dropped.endpoint_id, dropped.id, T)  # queued again by hand
        assert dropped.id in [d.id for d in store.due(session, T, _free(session))]
