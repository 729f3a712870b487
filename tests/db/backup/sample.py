"""A populated database for backup tests, and a fingerprint to compare two databases by.

The sample holds the example company (through the real config importer), the history of
the recorded AMI transcripts (through the real tracker and history writer), and rows made
to test the edges: Chinese text, microseconds, a 2**53+1 byte count, ids beyond 32 bits,
JSON, a leg that references a later leg, callbacks, surveys, queue_log lines, a token and an
agent login.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from controller.access import audit, sessions
from controller.access.store import UserInput, create_token, create_user
from controller.ami.live import raw_event
from controller.ami.replay import messages, replay
from controller.ami.tracker import Tracker
from controller.backup.restore import RestoreTargets, restore_backup
from controller.db import models as m
from controller.db.engine import make_engine, session_factory
from controller.history.store import SiteInfo, write_batch
from controller.pbxconfig.dump import dump_config
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"
TRANSCRIPTS = ("answered", "transfer", "abandon", "pause", "transfer-late-hangup")
T = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)
BIG_CALL_ID = 2**40 + 7  # beyond 32 bits, in a primary key and the foreign keys to it
BIG_BYTES = 2**53 + 1  # the first integer a double cannot hold


def import_example(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))


def write_transcripts(engine: Engine) -> None:
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    for number, name in enumerate(TRANSCRIPTS):
        server = f"pbx{number}"  # the transcripts reuse linkedids: one server each
        data = (FIXTURES / f"{name}.ami").read_bytes()
        tracker = Tracker(server, queue_wrapup={"sales": 15})
        replay(data, tracker, start=1_795_000_000.0 + 3600 * number)
        box = tracker.drain()
        raws = [
            raw
            for n, message in enumerate(messages(data))
            if "ActionID" not in message.fields
            and (raw := raw_event(server, message, 1_795_000_000.0 + n / 1000)) is not None
        ]
        write_batch(factory, [*box.intervals, *box.finished, *raws], site)


def _edge_rows(session: Session) -> None:
    call = m.Call(
        id=BIG_CALL_ID, server_id="pbx-edge", linkedid="edge-1", direction="inbound",
        caller_number="13800138000", caller_e164="+8613800138000", caller_name="王小明（VIP）",
        called_number="4008601234", did="4008601234", region="广东深圳", ivr_path="1>2",
        customer_code="C10001", vip=True, started_at=T, answered_at=T + dt.timedelta(seconds=3),
        ended_at=T + dt.timedelta(minutes=5, microseconds=1), local_date=dt.date(2026, 3, 4),
        local_hour=13, outcome="answered",
    )  # fmt: skip
    session.add(call)
    session.flush()
    # A leg that names a later leg as its previous one: the restore must defer that reference.
    later = m.QueueLeg(
        id=900_002, call_id=call.id, queue_name="support", entry_channel_uid="edge-1.2",
        entered_at=T + dt.timedelta(seconds=1), wait_ms=2_147_483_647, outcome="answered",
        priority=10, answered_by_agent="8001", local_date=call.local_date, local_hour=13,
    )  # fmt: skip
    session.add(later)
    session.flush()
    session.add(
        m.QueueLeg(
            id=900_001, call_id=call.id, queue_name="sales", entry_channel_uid="edge-1.1",
            entered_at=T, wait_ms=0, outcome="exit_key", exit_key="9", prev_leg_id=later.id,
            local_date=call.local_date, local_hour=13,
        )
    )  # fmt: skip
    handling = m.Handling(
        call_id=call.id, leg_id=later.id, agent_code="8001", channel_uid="edge-1.a",
        talk_start=T + dt.timedelta(seconds=3), talk_end=T + dt.timedelta(minutes=5),
        hold_ms=12_345, disposition_code="已解决", ended_by="caller", local_date=call.local_date,
    )  # fmt: skip
    session.add(handling)
    session.flush()
    session.add(m.HoldInterval(handling_id=handling.id, started_at=T, ended_at=None))
    session.add(
        m.Recording(
            server_id="pbx-edge", call_id=call.id, handling_id=handling.id,
            channel_uid="edge-1.a", agent_code="8001", path="2026/03/04/edge-1 录音.wav",
            started_at=T, ended_at=T + dt.timedelta(minutes=5), bytes=BIG_BYTES,
            delete_after=dt.date(2027, 3, 4),
        )
    )  # fmt: skip
    session.add(
        m.SurveyResponse(call_id=call.id, handling_id=handling.id, agent_code="8001", score=5,
                         scale_max=5, answered_at=T + dt.timedelta(minutes=6))
    )  # fmt: skip
    # A survey offered and not answered, named by its call only; a charge with extreme values.
    session.add(
        m.SurveyResponse(server_id="pbx-edge", linkedid="edge-1", queue_name="sales",
                         agent_code="8001", question="解决了吗", score=None, scale_max=9,
                         offered_at=T + dt.timedelta(minutes=5, microseconds=3))
    )  # fmt: skip
    session.add(
        m.CallCharge(call_id=call.id, channel_uid="edge-1.t", trunk="telecom", route=None,
                     number_e164=None, agent_code=None, local_date=call.local_date,
                     duration_ms=2_147_483_647, allowed_trunks=["telecom", "备用 \"线路\""],
                     currency="CNY", tariff_prefix="", billed_seconds=2_147_483_647,
                     cost_units=9_223_372_036_854_775_807, dearest_trunk=None,
                     dearest_units=None, rated_at=T + dt.timedelta(microseconds=9),
                     rated_revision=7)
    )  # fmt: skip
    # Report rollups are carried like any table (a restore need not rebuild them): one row
    # each, with a Chinese name and sums beyond 32 bits.
    hour = {"local_date": call.local_date, "local_hour": 13}
    session.add(m.ReportQueueHour(**hour, queue_name="售后", offered=2_147_483_647, answered=1,
                                  talk_ms=2**40 + 3, max_wait_answered_ms=2**33, sl_seconds=20))  # fmt: skip
    session.add(m.ReportAgentHour(**hour, agent_code="8001", handled=1, talk_ms=2**40 + 5,
                                  hold_ms=12_345, acw_ms=0, missed=2))  # fmt: skip
    session.add(m.ReportAgentStateHour(**hour, agent_code="8001", state="paused", reason="午饭",
                                       ms=3_600_000))  # fmt: skip
    day = {"local_date": call.local_date, "agent_code": "8001"}  # the hours' sums (0019)
    session.add(m.ReportAgentDay(**day, handled=1, talk_ms=2**40 + 5, hold_ms=12_345, acw_ms=0,
                                 missed=2))  # fmt: skip
    session.add(m.ReportAgentStateDay(**day, state="paused", reason="午饭", ms=3_600_000))
    session.add(m.ReportRollupRange(id=1, since=T.replace(minute=0, second=0, microsecond=0),
                                    until=T.replace(hour=6, minute=0, second=0, microsecond=0)))  # fmt: skip
    request = m.CallbackRequest(
        server_id="pbx-edge", queue_name="sales", number="13800138000", state="done",
        origin_call_id=call.id, origin_linkedid="edge-1", position=3, priority=0,
        placeholder_channel_id="cb-edge-1", requested_at=T, expires_at=T + dt.timedelta(hours=2),
        completed_at=T + dt.timedelta(minutes=30), attempts=2,
    )  # fmt: skip
    session.add(request)
    session.flush()
    for n, result in enumerate(("no_answer", "answered")):
        session.add(
            m.CallbackAttempt(request_id=request.id, started_at=T + dt.timedelta(minutes=10 * n),
                              agent_code="8002", call_id=None, result=result)
        )  # fmt: skip
    session.add(
        m.RawQueueLogLine(server_id="pbx-edge", time=T, callid="edge-1.1", queue="sales",
                          agent="PJSIP/1001", event="CONNECT", data="3|edge-1.a|1|张三")
    )  # fmt: skip
    session.add(
        m.RawAmiEvent(server_id="pbx-edge", received_at=T, event="UserEvent", linkedid="edge-1",
                      uniqueid="edge-1.1",
                      fields={"CallerIDName": '王小明 "quoted"\n', "Empty": "", "Emoji": "📞"})
    )  # fmt: skip
    session.add(
        m.AgentStateInterval(server_id="pbx-edge", agent_code="8001", queue_name="",
                             state="paused", reason_code="午饭", started_at=T, ended_at=None,
                             source_event="QueueMemberPause", local_date=dt.date(2026, 3, 4))
    )  # fmt: skip
    agent = session.scalars(select(m.Agent).order_by(m.Agent.id)).first()
    assert agent is not None
    session.add(m.AgentLogin(agent_id=agent.id, device="PJSIP/1001", logged_in_at=T, paused=True,
                             pause_reason="lunch", paused_at=T + dt.timedelta(seconds=1)))  # fmt: skip
    create_token(session, "wallboard", "wallboard")
    supervisor = create_user(session, UserInput("wang.li", "a long passphrase", "supervisor",
                                                "王丽", "zh", None, ["sales"]))  # fmt: skip
    session.flush()
    lifetime = sessions.Lifetime(dt.timedelta(minutes=30), dt.timedelta(hours=12))
    sessions.open_session(session, supervisor, lifetime, "192.0.2.7", "浏览器", now=T)
    session.add(m.SavedReportFilter(user_id=supervisor.id, report="queues", name="销售 “上周”",
                                    query={"period": "last_week", "queue": ["sales"]},
                                    created_at=T, updated_at=T + dt.timedelta(microseconds=3)))  # fmt: skip
    audit.record(session, audit.Actor("user", "wang.li", "192.0.2.7"),
                 audit.Entry("call.listen", "channel", "edge-1.1", "edge-1",
                             detail={"supervisor_device": "PJSIP/1009", "备注": "质检"}), at=T)  # fmt: skip
    session.add(
        m.CallNote(server_id="pbx-edge", linkedid="edge-1", agent_code="8001",
                   disposition_code="resolved", notes='客户满意\n"引号" \t tab', created_at=T,
                   updated_at=T + dt.timedelta(minutes=6), updated_by="user wang.li")
    )  # fmt: skip
    followup = m.Followup(
        server_id="pbx-edge", linkedid="edge-1", customer_code="C10001",
        customer_number="+8613800138000", queue_name="sales", subject="回电报价 “引号”",
        notes="多行\n备注", assignee_agent="8001", assignee_user=None,
        due_at=T + dt.timedelta(days=1, microseconds=7), status="in_progress", version=2,
        created_at=T, created_by="user wang.li", updated_at=T + dt.timedelta(hours=1),
        updated_by="token crm",
    )  # fmt: skip
    followup.changes = [
        m.FollowupChange(at=T, actor="user wang.li", action="created",
                         changes={"subject": [None, "回电报价 “引号”"]}),
        m.FollowupChange(at=T + dt.timedelta(hours=1), actor="token crm", action="changed",
                         changes={"status": ["open", "in_progress"]}),
    ]  # fmt: skip
    session.add(followup)
    # A webhook endpoint (its secret is carried: it signs every request) and a delivery whose
    # body is the exact signed bytes, Chinese text and escapes included.
    endpoint = m.WebhookEndpoint(
        name="crm", url="https://crm.example/hooks?客户=1", secret="whsec_edge-secret-0123456789",
        events=["call.ended", "followup.changed"], queues=["sales", "售后"], enabled=True,
        description="客户系统", created_at=T, updated_at=T + dt.timedelta(microseconds=1),
    )  # fmt: skip
    session.add(endpoint)
    session.flush()
    session.add(
        m.WebhookDelivery(
            id=2**40 + 11, endpoint_id=endpoint.id, event_id="5f0c6c1e-0d5a-4d0e-9a43-3b0e1f2a9c7d",
            event="call.ended", payload='{"data":{"caller_name":"王小明","notes":"a\\n\\"b\\""}}',
            status=m.DeliveryStatus.FAILED, attempts=10, next_attempt_at=T, created_at=T,
            last_attempt_at=T + dt.timedelta(hours=2), last_status=503,
            last_error="HTTP 503: 维护中", delivered_at=None, test=False,
        )
    )  # fmt: skip


def populate(engine: Engine) -> None:
    """The whole sample: configuration, transcripts' history, edge rows."""
    import_example(engine)
    write_transcripts(engine)
    with session_factory(engine)() as session, session.begin():
        _edge_rows(session)


# -- comparing databases -------------------------------------------------------------------


def export_text(engine: Engine, include_secrets: bool = False) -> str:
    with session_factory(engine)() as session:
        return dump_config(export_config(session, include_secrets=include_secrets))


def all_rows(
    engine: Engine, only: Mapping[str, Collection[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (or of the tables and columns in ``only``), read through the
    models' types, in primary-key order."""
    rows = {}
    with engine.connect() as connection:
        for table in m.Base.metadata.sorted_tables:
            if only is not None and table.name not in only:
                continue
            columns = [c for c in table.columns if only is None or c.name in only[table.name]]
            statement = select(*columns).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(statement)]
    return rows


def aggregates(engine: Engine) -> dict[str, Any]:
    """Report-style numbers: counts per table, per outcome, sums and time ranges."""
    with engine.connect() as connection:
        one = connection.execute

        def scalar_int(statement: Any) -> int:
            return int(connection.scalar(statement) or 0)

        return {
            "counts": {
                table.name: scalar_int(select(func.count()).select_from(table))
                for table in m.Base.metadata.sorted_tables
            },
            "calls_per_outcome": dict(
                one(select(m.Call.outcome, func.count()).group_by(m.Call.outcome)).all()
            ),
            "call_time_range": tuple(
                one(select(func.min(m.Call.started_at), func.max(m.Call.ended_at))).one()
            ),
            "wait_ms": scalar_int(select(func.sum(m.QueueLeg.wait_ms))),
            "legs_per_outcome": dict(
                one(select(m.QueueLeg.outcome, func.count()).group_by(m.QueueLeg.outcome)).all()
            ),
            "hold_ms": scalar_int(select(func.sum(m.Handling.hold_ms))),
            "recording_bytes": scalar_int(select(func.sum(m.Recording.bytes))),
            "interval_range": tuple(
                one(
                    select(
                        func.min(m.AgentStateInterval.started_at),
                        func.max(m.AgentStateInterval.started_at),
                    )
                ).one()
            ),
        }


def restore_into(path: Path, engine: Engine, directory: Path, force: bool = False) -> None:
    """Restore ``path`` into ``engine``'s database, files under ``directory``."""
    url = engine.url.render_as_string(hide_password=False)
    targets = RestoreTargets(url, directory / "data", directory / "recordings", "pbx1")
    restore_backup(path, targets, force=force)


def reference(path: Path, directory: Path) -> Engine:
    """The backup restored into a fresh SQLite database, to compare with."""
    engine = make_engine(f"sqlite:///{directory / 'reference.sqlite3'}")
    restore_into(path, engine, directory / "reference")
    return engine
