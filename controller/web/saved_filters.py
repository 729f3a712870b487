"""A user's saved report filters: list, save (a new name, or the same name again to
replace it), delete. Blocking: call them in a thread, in a transaction for the changes.

The query is stored as the page gives it, after the page checked it with the report's own
query model (controller/web/api/reports_api.py), so a saved filter always ran once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controller.db.models import SavedReportFilter

MAX_PER_USER = 200  # a list a person can still read
MAX_NAME = 64
MAX_QUERY_BYTES = 4000


class FilterError(ValueError):
    """A filter that cannot be saved; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class SavedFilter:
    id: int
    report: str
    name: str
    query: dict[str, Any]


def _row(found: SavedReportFilter) -> SavedFilter:
    return SavedFilter(found.id, found.report, found.name, dict(found.query))


def list_filters(session: Session, user_id: int, report: str | None = None) -> list[SavedFilter]:
    query = select(SavedReportFilter).where(SavedReportFilter.user_id == user_id)
    if report is not None:
        query = query.where(SavedReportFilter.report == report)
    rows = session.scalars(query.order_by(SavedReportFilter.report, SavedReportFilter.name))
    return [_row(r) for r in rows]


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise FilterError("the filter's name is empty", "name")
    if len(cleaned) > MAX_NAME:
        raise FilterError(f"the filter's name is longer than {MAX_NAME} characters", "name")
    return cleaned


def save_filter(
    session: Session,
    user_id: int,
    report: str,
    name: str,
    query: dict[str, Any],
    now: dt.datetime,
) -> SavedFilter:
    """Save ``query`` under ``name`` for this user and report (the same name replaces it)."""
    name = clean_name(name)
    if len(json.dumps(query, ensure_ascii=False).encode()) > MAX_QUERY_BYTES:
        raise FilterError(f"the filter is larger than {MAX_QUERY_BYTES} bytes", "query")
    found = session.scalar(
        select(SavedReportFilter).where(
            SavedReportFilter.user_id == user_id,
            SavedReportFilter.report == report,
            SavedReportFilter.name == name,
        )
    )
    if found is None:
        count = session.scalar(select(func.count()).where(SavedReportFilter.user_id == user_id))
        if (count or 0) >= MAX_PER_USER:
            raise FilterError(f"you have {MAX_PER_USER} saved filters: delete one first", "name")
        found = SavedReportFilter(user_id=user_id, report=report, name=name, query=query,
                                  created_at=now, updated_at=now)  # fmt: skip
        session.add(found)
    else:
        found.query = query
        found.updated_at = now
    session.flush()
    return _row(found)


def get_filter(session: Session, user_id: int, filter_id: int) -> SavedFilter | None:
    found = session.get(SavedReportFilter, filter_id)
    return _row(found) if found is not None and found.user_id == user_id else None


def delete_filter(session: Session, user_id: int, filter_id: int) -> SavedFilter | None:
    """Delete the user's own filter; None when there is no such filter of theirs."""
    found = session.get(SavedReportFilter, filter_id)
    if found is None or found.user_id != user_id:
        return None
    gone = _row(found)
    session.delete(found)
    return gone
