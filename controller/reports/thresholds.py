"""The service-level threshold T and short-abandon threshold S in force for each queue leg.

``config import`` writes a ``queue_config_version`` row whenever a queue's thresholds change,
valid from that moment. A leg is judged by the version in force when it *entered* the queue
(a changed threshold never rewrites the past); a leg older than the queue's first version
takes the first version; a queue with no version at all takes the configuration defaults
(T = 20 s, S = 5 s). The versions are few, so they are read once and turned into a CASE
expression on ``(queue_name, entered_at)``: the report query itself stays one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from controller.db.models import QueueConfigVersion

DEFAULT_SL_SECONDS = 20
DEFAULT_SHORT_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Version:
    valid_from: dt.datetime
    sl_seconds: int
    short_seconds: int


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every queue's versions, oldest first."""

    versions: Mapping[str, tuple[Version, ...]]

    @classmethod
    def load(cls, session: Session, queues: Collection[str] | None = None) -> Thresholds:
        query = select(QueueConfigVersion).order_by(
            QueueConfigVersion.queue_name, QueueConfigVersion.valid_from
        )
        if queues is not None:
            query = query.where(QueueConfigVersion.queue_name.in_(sorted(queues)))
        found: dict[str, list[Version]] = {}
        for row in session.scalars(query):
            found.setdefault(row.queue_name, []).append(
                Version(row.valid_from, row.service_level_seconds, row.short_abandon_seconds)
            )
        return cls({name: tuple(versions) for name, versions in found.items()})

    def at(self, queue: str, when: dt.datetime) -> Version:
        """The version in force for a leg of ``queue`` entered at ``when``."""
        versions = self.versions.get(queue)
        if not versions:
            return Version(when, DEFAULT_SL_SECONDS, DEFAULT_SHORT_SECONDS)
        current = versions[0]
        for version in versions[1:]:
            if version.valid_from <= when:
                current = version
        return current

    def sl_ms(self, queue: ColumnElement[str], entered: Any) -> ColumnElement[int]:
        """T in milliseconds for each leg row."""
        return self._expression(queue, entered, lambda v: v.sl_seconds * 1000)

    def short_ms(self, queue: ColumnElement[str], entered: Any) -> ColumnElement[int]:
        """S in milliseconds for each leg row."""
        return self._expression(queue, entered, lambda v: v.short_seconds * 1000)

    def _expression(
        self, queue: ColumnElement[str], entered: Any, value: Callable[[Version], int]
    ) -> ColumnElement[int]:
        fallback = value(Version(dt.datetime.min, DEFAULT_SL_SECONDS, DEFAULT_SHORT_SECONDS))
        whens = []
        for name, versions in self.versions.items():
            inner: ColumnElement[int] = literal(value(versions[0]))
            if len(versions) > 1:
                # Newest first: the newest version valid at `entered` wins; a leg older than
                # every version falls through to the first one.
                inner = case(
                    *[(entered >= v.valid_from, literal(value(v))) for v in reversed(versions[1:])],
                    else_=inner,
                )
            whens.append((queue == name, inner))
        if not whens:
            return literal(fallback)
        return case(*whens, else_=literal(fallback))

    def uniform_sl_seconds(self, queues: Collection[str], when: dt.datetime) -> int:
        """The threshold the queues (none given: every queue) share at ``when``, else the
        smallest (the strictest)."""
        names = list(queues) or list(self.versions)
        values = {self.at(q, when).sl_seconds for q in names} or {DEFAULT_SL_SECONDS}
        return min(values)
