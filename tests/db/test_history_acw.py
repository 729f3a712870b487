"""After-call work is linked to the handling it follows, whichever is written first."""

from __future__ import annotations

from sqlalchemy import Engine, select

from controller.db.engine import session_factory
from controller.db.models import Handling
from controller.history.store import SiteInfo, write_batch
from tests.db.reports.builder import History, Leg, Work


def _acw(engine: Engine) -> list[float | None]:
    with session_factory(engine)() as session:
        rows = session.scalars(select(Handling).order_by(Handling.talk_start)).all()
    return [
        (h.acw_end - h.acw_start).total_seconds() if h.acw_start and h.acw_end else None
        for h in rows
    ]


def test_the_interval_finished_after_the_call_was_written(engine: Engine) -> None:
    h = History()
    h.call("a1", "2026-05-04 09:00:00", Leg("sales", 10, "answered", (Work("8001", 60, 0, 12),)))
    h.call("a2", "2026-05-04 10:00:00", Leg("sales", 10, "answered", (Work("8001", 30),)))
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    write_batch(factory, h.calls, site)
    assert _acw(engine) == [None, None]
    write_batch(factory, h.intervals, site)
    assert _acw(engine) == [12.0, None]


def test_the_call_written_after_the_interval_finished(engine: Engine) -> None:
    h = History()
    h.call("a1", "2026-05-04 09:00:00", Leg("sales", 10, "answered", (Work("8001", 60, 0, 12),)))
    factory = session_factory(engine)
    site = SiteInfo.load(factory)
    write_batch(factory, h.intervals, site)
    write_batch(factory, h.calls, site)
    assert _acw(engine) == [12.0]
    write_batch(factory, h.calls, site)  # rewritten (a retry, a recovery): linked again
    assert _acw(engine) == [12.0]
