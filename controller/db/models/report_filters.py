"""Saved report filters: a user's named set of a report's filters (``/reports`` pages).

A row belongs to one user (deleted with the user) and one report; ``query`` holds the
page's query fields as the page sends them (``{"from": ..., "queue": [...], ...}``), checked
by the report's own query model when saved and again when used, so a filter saved before a
report changed is refused naming the field rather than run half-understood.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from controller.db.base import Base
from controller.db.types import UtcDateTime


class SavedReportFilter(Base):
    __tablename__ = "saved_report_filter"
    __table_args__ = (UniqueConstraint("user_id", "report", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    report: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
