"""Calls by the caller's region (归属地): province, or province and city.

The region is frozen on each call at ingress from the caller's number (the offline
geocoder's Chinese description, e.g. ``广东省深圳市``, ``北京市``, ``美国``) and split here:
the province ends at 省, 自治区 or 特别行政区; the four municipalities (北京 上海 天津 重庆)
are their own province and city; a country abroad is its own province; a call without a
usable number is ``未知``. Per region and interval (the call's start): the outcome counts,
answer rate and waits of call_facts.py. Option ``level``: ``province`` (default) or ``city``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from controller.db.models import Call
from controller.reports.calendar import intervals, label
from controller.reports.call_facts import (
    CallCounts,
    counts_by,
    fold,
    outcome_columns,
    outcome_figures,
)
from controller.reports.queues import fact_query
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report
from controller.reports.spec import Option, ReportSpec

NAME = "regions"
UNKNOWN = "未知"
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
MARKERS = ("特别行政区", "自治区", "省")


def split(region: str | None) -> tuple[str, str]:
    """(province, city) of a geocoder description."""
    text = (region or "").strip()
    if not text:
        return UNKNOWN, ""
    for city in MUNICIPALITIES:
        if text.startswith(city):
            return city, city
    for marker in MARKERS:
        at = text.find(marker)
        if at > 0:
            end = at + len(marker)
            return text[:end], text[end:]
    return text, ""


def run(session: Session, req: ReportRequest) -> Report:
    q = fact_query(session, req)
    by_city = req.options.get("level") == "city"
    found = counts_by(session, q, [Call.region])

    def key_of(values: tuple[str | None, ...]) -> tuple[str, str]:
        province, city = split(values[0])
        return (province, city) if by_city else (province, "")

    folded = fold(found, req.interval, key_of)
    totals = fold(found, req.interval, lambda _v: ("", ""))
    keys = sorted({k for _, k in folded}, key=lambda k: (k[0] == UNKNOWN, k))
    rows = []
    for interval in intervals(req.window, req.interval):
        for province, city in (("", ""), *keys):
            source = totals if (province, city) == ("", "") else folded
            counts = source.get((interval, (province, city)), CallCounts())
            rows.append({"interval": label(interval, req.interval), "province": province,
                         "city": city, **outcome_figures(counts)})  # fmt: skip
    return Report(
        NAME, "来电归属地", "Callers' regions",
        (Column("interval", "时段", "Interval", Kind.TEXT),
         Column("province", "省份", "Province", Kind.TEXT, "'' = every region"),
         Column("city", "城市", "City", Kind.TEXT), *outcome_columns()),
        rows, params=req.params(),
        notes=(Note("归属地在来电进入时按主叫号码确定(离线号码归属地库)",
                    "region frozen at ingress from the caller's number (offline geocoder)"),),
        chart=Chart("bar", "province", ("calls", "answered")),
    )  # fmt: skip


SPEC = ReportSpec(
    name=NAME,
    zh="来电归属地",
    en="Callers' regions",
    summary="calls, answer rate and waits by the caller's province or city (归属地)",
    run=run,
    options=(Option("level", "province, or province and city", ("province", "city"), "province"),),
)
