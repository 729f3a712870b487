"""Today's window: from the site's local midnight."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from controller.web.figures import day_start


def test_the_day_starts_at_local_midnight_even_on_a_dst_day() -> None:
    paris = ZoneInfo("Europe/Paris")
    now = dt.datetime(2026, 3, 29, 15, 0, tzinfo=paris)  # clocks went forward at 02:00
    assert day_start(now).isoformat() == "2026-03-29T00:00:00+01:00"


def test_shanghai_has_no_dst() -> None:
    now = dt.datetime(2026, 12, 3, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert day_start(now) == dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)
