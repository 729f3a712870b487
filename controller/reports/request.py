"""One report run's parameters, as the CLI, the API and the pages all give them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from controller.db.models import Site
from controller.reports.calendar import Interval, Window
from controller.reports.scope import Audience, Selection
from controller.reports.service_level import DEFAULT_VARIANT, Variant


@dataclass(frozen=True, slots=True)
class ReportRequest:
    window: Window
    interval: Interval = Interval.DAY
    queues: frozenset[str] = frozenset()  # asked with --queue (empty: all the reader may see)
    agents: frozenset[str] = frozenset()  # asked with --agent
    variant: Variant = DEFAULT_VARIANT  # the service-level formula
    audience: Audience = field(default_factory=Audience)
    # Report-specific options (the drill-down's figure, queue and interval ...).
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def selection(self) -> Selection:
        return Selection.of(self.audience, self.queues, self.agents)

    def params(self) -> dict[str, object]:
        return {
            "from": self.window.first.isoformat(),
            "to": self.window.last.isoformat(),
            "time_zone": self.window.tz.key,
            "interval": self.interval.value,
            "queues": sorted(self.queues),
            "agents": sorted(self.agents),
            "service_level_variant": self.variant.value,
            **dict(self.options),
        }


def site_zone(session: Session) -> ZoneInfo:
    """The site's time zone (UTC before a configuration was imported)."""
    site = session.get(Site, 1)
    return ZoneInfo(site.timezone) if site is not None else ZoneInfo("UTC")


def day_window(day: dt.date, tz: ZoneInfo) -> Window:
    return Window(day, day, tz)
