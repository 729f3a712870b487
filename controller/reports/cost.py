"""Call cost per day, week or month, by trunk, outbound route or agent (option ``by``).

Every answered outgoing trunk leg is rated when the history stores its call (``call_charge``,
controller/rating/: the trunk's longest matching tariff prefix for the number in E.164, the
answered time rounded up to whole billing increments, the connection fee per answered call,
rounded once per call, half up, to 0.0001). A leg belongs to the local day its call started.

- calls = rated legs; minutes = billed seconds ÷ 60
- cost = Σ cost of the legs (exact decimals; each currency on its own rows)
- dearest = Σ what the dearest trunk the route allowed, priced for the same number and
  billed time in the same currency, would have cost
- saving = dearest − cost: what least-cost routing (and failover) saved
- unpriced = legs on a trunk with no tariff for their number (not in cost)

Rows per interval: the total (``""``) of each currency, then each trunk, route or agent seen
in the window. ``pbxctl cost rerate`` rates a period again after tariffs change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from controller.db.models import Trunk
from controller.db.models.rating import CallCharge
from controller.rating.money import from_units
from controller.reports.calendar import Interval, IntervalKey, interval_key, intervals, label
from controller.reports.errors import ReportError
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report
from controller.reports.spec import Option, ReportSpec
from controller.reports.sql import as_int

NAME = "cost"
NONE = "(none)"  # a leg without a route (it came in on a trunk) or not placed by an agent
DIMENSIONS = {"trunk": CallCharge.trunk, "route": CallCharge.route, "agent": CallCharge.agent_code}
TITLES = {"trunk": ("中继", "Trunk"), "route": ("呼出路由", "Route"), "agent": ("坐席", "Agent")}
INTERVALS = (Interval.DAY, Interval.WEEK, Interval.MONTH, Interval.TOTAL)


@dataclass(slots=True)
class CostFacts:
    calls: int = 0
    billed_s: int = 0
    cost_units: int = 0
    dearest_units: int = 0
    saving_units: int = 0
    unpriced: int = 0

    def add(self, other: CostFacts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def columns(by: str) -> tuple[Column, ...]:
    zh, en = TITLES[by]
    m = Kind.MONEY
    return (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column(by, zh, en, Kind.TEXT, "'' = all"),
        Column("currency", "币种", "Currency", Kind.TEXT),
        Column("calls", "呼出计费次数", "Rated calls", Kind.COUNT, "answered trunk legs"),
        Column("minutes", "计费分钟", "Billed minutes", Kind.NUMBER, "billed seconds ÷ 60"),
        Column("cost", "话费", "Cost", m, "Σ fee + per minute × billed time"),
        Column("dearest", "最贵中继费用", "On the dearest trunk", m, "dearest allowed trunk"),
        Column("saving", "最低成本路由节省", "Saved by least cost", m, "dearest − cost"),
        Column("unpriced", "未定价", "Unpriced", Kind.COUNT, "no tariff for the number"),
    )


def facts(
    session: Session, req: ReportRequest, by: str
) -> dict[tuple[IntervalKey, str, str], CostFacts]:
    c = CallCharge
    priced = c.cost_units.is_not(None)
    both = priced & c.dearest_units.is_not(None)
    dimension = func.coalesce(DIMENSIONS[by], NONE)
    query = (
        select(
            c.local_date,
            dimension.label("dim"),
            c.currency,
            func.count().label("calls"),
            func.sum(c.billed_seconds).label("billed"),
            func.sum(case((priced, c.cost_units), else_=0)).label("cost"),
            func.sum(case((both, c.dearest_units), else_=0)).label("dearest"),
            func.sum(case((both, c.cost_units), else_=0)).label("compared"),
            func.sum(case((priced, 0), else_=1)).label("unpriced"),
        )
        .where(c.local_date >= req.window.first, c.local_date <= req.window.last)
        .group_by(c.local_date, dimension, c.currency)
    )
    agents = req.selection.agents
    if agents is not None:
        query = query.where(c.agent_code.in_(sorted(agents)))
    found: dict[tuple[IntervalKey, str, str], CostFacts] = {}
    for row in session.execute(query):
        key = interval_key((row.local_date, 0, 0), req.interval)
        dearest, compared = as_int(row.dearest), as_int(row.compared)
        f = CostFacts(
            calls=as_int(row.calls),
            billed_s=as_int(row.billed),
            cost_units=as_int(row.cost),
            dearest_units=dearest,
            saving_units=dearest - compared,
            unpriced=as_int(row.unpriced),
        )
        for dim in ("", row.dim):
            found.setdefault((key, dim, row.currency), CostFacts()).add(f)
    return found


def figures(f: CostFacts) -> dict[str, Any]:
    return {
        "calls": f.calls,
        "minutes": round(f.billed_s / 60, 3),
        "cost": str(from_units(f.cost_units)),
        "dearest": str(from_units(f.dearest_units)),
        "saving": str(from_units(f.saving_units)),
        "unpriced": f.unpriced,
    }


def _seen(found: Iterable[tuple[IntervalKey, str, str]]) -> tuple[list[str], list[str]]:
    keys = list(found)
    currencies = sorted({currency for _, _, currency in keys})
    dims = sorted({dim for _, dim, _ in keys if dim})
    return currencies, dims


def run(session: Session, req: ReportRequest) -> Report:
    by = req.options.get("by", "trunk")
    if req.interval not in INTERVALS:
        raise ReportError(
            f"report {NAME!r} takes --interval day, week, month or total, not {req.interval.value}"
        )
    found = facts(session, req, by)
    currencies, dims = _seen(found)
    if not currencies:  # nothing rated: zeros in the trunks' currencies
        currencies = sorted(set(session.scalars(select(Trunk.currency).distinct())))
    rows = []
    for key in intervals(req.window, req.interval):
        for currency in currencies:
            for dim in ("", *dims):
                f = found.get((key, dim, currency), CostFacts())
                rows.append({"interval": label(key, req.interval), by: dim,
                             "currency": currency, **figures(f)})  # fmt: skip
    return Report(
        NAME,
        "话费",
        "Call cost",
        columns(by),
        rows,
        params=req.params(),
        notes=(
            Note(
                "计费的通话段计入其通话开始的本地日期;金额精确(费率 4 位小数,每通电话只"
                "四舍五入一次)",
                "a rated leg belongs to the local day its call started; amounts are exact "
                "(tariffs have 4 decimals, each call is rounded once, half up)",
            ),
            Note(
                "节省 = 该路由允许的最贵中继(相同币种、相同号码、相同计费时长)的费用减去实际费用",
                "saving = what the dearest trunk the route allowed (same currency, same number, "
                "same billed time) would have cost, minus the cost",
            ),
            Note(
                f"{NONE}:从中继呼入又从中继呼出的通话段(无路由),或不是从坐席话机发起的通话",
                f"{NONE}: a leg that came in on a trunk and went out again (no route), "
                "or a call not placed from an agent's phone",
            ),
        ),
        chart=Chart("bar", "interval", ("cost", "saving"), (by, "")),
    )


SPEC = ReportSpec(
    name=NAME,
    zh="话费",
    en="Call cost",
    summary="outbound call cost per day/week/month by trunk, route or agent; LCR saving",
    run=run,
    agent_may_see=True,
    options=(Option("by", "group by trunk, route or agent", ("trunk", "route", "agent"), "trunk"),),
)
