"""Outbound calls rated as the history writer stores them, and re-rated after tariffs change,
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, select

from controller.ami.tracker import FinishedCall
from controller.ami.tracker import records as rec
from controller.db.engine import session_factory
from controller.db.models import Call, TrunkTariff
from controller.db.models.rating import CallCharge
from controller.history.store import SiteInfo, write_batch
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.rating import rate as rate_module
from controller.rating.store import load_plan, rerate

COMPANY = """\
format: 1
site:
  name: test
trunks:
  - name: telecom
    auth: ip
    host: 192.0.2.1
    tariffs:
      - {prefix: '', per_minute: '0.1'}
      - {prefix: '+86755', per_minute: '0.06'}
      - {prefix: '+861', per_minute: '0.08'}
  - name: voip-backup
    auth: ip
    host: 192.0.2.2
    tariffs:
      - {prefix: '', per_minute: '0.12', increment_seconds: 6}
      - {prefix: '+1', per_minute: '0.15', increment_seconds: 6, connection_fee: '0.05'}
outbound_routes:
  - name: domestic
    patterns:
      - match: 1[3-9]XXXXXXXXX
      - match: '[2-8]XXXXXXX'
        prepend: '0755'
    trunks: [telecom, voip-backup]
  - name: international
    patterns:
      - match: 00X.
    trunks: [voip-backup, telecom]
"""
START = dt.datetime(2026, 5, 4, 1, 30, tzinfo=dt.UTC).timestamp()  # 09:30 in Shanghai


def channel(uid: str, name: str, role: str, answered: float | None, ended: float,
            agent: str | None = None) -> rec.ChannelRecord:  # fmt: skip
    return rec.ChannelRecord(uid, name, role, "1001", "", "", "pbx-phones", "x", agent,
                             START, answered, ended, 16)  # fmt: skip


def outbound(linkedid: str, dialled: str, *trunk_legs: tuple[str, float | None],
             source: str = "live") -> FinishedCall:  # fmt: skip
    """A call from 8001's phone to ``dialled``; each trunk leg: (trunk, answered seconds)."""
    legs = [channel(f"{linkedid}-c", "PJSIP/1001-00000001", "caller", START, START + 200, "8001")]
    for n, (trunk, seconds) in enumerate(trunk_legs):
        answered = START + 5 if seconds is not None else None
        ended = START + 5 + (seconds or 0)
        legs.append(channel(f"{linkedid}-t{n}", f"PJSIP/{trunk}-0000000{n}", "other",
                            answered, ended))  # fmt: skip
    return FinishedCall(
        server_id="pbx1", linkedid=linkedid, direction="outbound", caller_number="1001",
        caller_name="", called_number=dialled, did=None, region=None, ivr_path="",
        customer_code=None, vip=False, started_at=START, answered_at=START + 5,
        ended_at=START + 200, outcome="answered", channels=tuple(legs), legs=(), handlings=(),
        transfers=(), recordings=(), source=source,
    )  # fmt: skip


def write(engine: Engine, *calls: FinishedCall) -> None:
    factory = session_factory(engine)
    write_batch(factory, list(calls), SiteInfo.load(factory))


@pytest.fixture
def company(engine: Engine) -> Engine:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(COMPANY, "company.yaml"))
    return engine


def charges(engine: Engine) -> dict[str, tuple[object, ...]]:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Call.linkedid, CallCharge).join(Call, Call.id == CallCharge.call_id)
        ).all()
    return {
        lid: (c.trunk, c.route, c.number_e164, c.agent_code, c.billed_seconds, c.cost_units,
              c.dearest_trunk, c.dearest_units, c.local_date)
        for lid, c in rows
    }  # fmt: skip


def test_outbound_calls_are_rated_when_stored(company: Engine) -> None:
    write(
        company,
        # Shenzhen 83219876 (0755 prepended), telecom refused, voip-backup carried 61 s.
        outbound("local", "83219876", ("telecom", None), ("voip-backup", 61)),
        # A mobile on telecom for 150 s: 180 s at 0.08 = 0.24; voip-backup would be 0.30.
        outbound("mobile", "13800138000", ("telecom", 150)),
        # USA on voip-backup, 95.2 s: 96 s at 0.15 + 0.05 = 0.29.
        outbound("usa", "0014155550123", ("voip-backup", 95.2)),
        # An internal call: no trunk, no charge.
        outbound("internal", "1002"),
    )
    day = dt.date(2026, 5, 4)
    assert charges(company) == {
        "local": ("voip-backup", "domestic", "+8675583219876", "8001", 66, 1320,
                  "voip-backup", 1320, day),
        "mobile": ("telecom", "domestic", "+8613800138000", "8001", 180, 2400,
                   "voip-backup", 3000, day),
        "usa": ("voip-backup", "international", "+14155550123", "8001", 96, 2900,
                "voip-backup", 2900, day),
    }  # fmt: skip


def test_writing_a_call_again_replaces_its_charge(company: Engine) -> None:
    write(company, outbound("again", "13800138000", ("telecom", 30)))
    write(company, outbound("again", "13800138000", ("telecom", 90)))
    assert charges(company)["again"][4:6] == (120, 1600)
    # A recovered record never replaces the live one: nor does its rating.
    write(company, outbound("again", "13800138000", ("telecom", 300), source="recovered"))
    assert charges(company)["again"][4:6] == (120, 1600)


def test_a_failing_rating_never_holds_up_the_history(
    company: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr("controller.rating.store.rate_call", broken)
    write(company, outbound("kept", "13800138000", ("telecom", 30)))
    with session_factory(company)() as session:
        assert session.scalar(select(Call.linkedid)) == "kept"
    assert charges(company) == {}
    monkeypatch.setattr("controller.rating.store.rate_call", rate_module.rate_call)
    with session_factory(company)() as session, session.begin():
        summary = rerate(session, dt.date(2026, 5, 4), dt.date(2026, 5, 4), load_plan(session))
    assert summary.added == 1
    assert charges(company)["kept"][5] == 800


def test_rerate_after_a_tariff_change(company: Engine) -> None:
    write(
        company,
        outbound("mobile", "13800138000", ("telecom", 150)),
        outbound("usa", "0014155550123", ("voip-backup", 95.2)),
    )
    with session_factory(company)() as session, session.begin():
        mobile = session.scalars(select(TrunkTariff).where(TrunkTariff.prefix == "+861")).one()
        mobile.per_minute = Decimal("0.05")
    day = dt.date(2026, 5, 4)
    with session_factory(company)() as session, session.begin():
        dry = rerate(session, day, day, load_plan(session), dry_run=True)
    assert (dry.repriced, dry.changed, dry.added) == (2, 1, 0)
    assert charges(company)["mobile"][5] == 2400  # a dry run changes nothing
    with session_factory(company)() as session, session.begin():
        summary = rerate(session, day, day, load_plan(session))
    # 180 s at 0.05 = 0.15 instead of 0.24.
    assert charges(company)["mobile"][5:8] == (1500, "voip-backup", 3000)
    assert summary.lines() == [
        "repriced 2 charges (1 changed), rated 0 legs for the first time, 0 legs without a"
        " matching tariff",
        "CNY: 0.5300 before, 0.4400 now (-0.0900)",
    ]


def test_rerate_rates_calls_stored_before_rating_existed(company: Engine) -> None:
    write(company, outbound("old", "83219876", ("voip-backup", 61)))
    with session_factory(company)() as session, session.begin():
        session.execute(delete(CallCharge))
    day = dt.date(2026, 5, 4)
    with session_factory(company)() as session, session.begin():
        summary = rerate(session, day, day, load_plan(session))
        again = rerate(session, day, day, load_plan(session))
    assert (summary.added, again.added, again.repriced) == (1, 0, 1)
    assert charges(company)["old"][:6] == (
        "voip-backup", "domestic", "+8675583219876", "8001", 66, 1320,
    )  # fmt: skip
