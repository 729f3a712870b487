"""Database edges of call cost: the tariff snapshot, charges written with the history, re-rates.

- :func:`load_plan` reads the tariffs and outbound routes of the configuration.
- :func:`write_charges` is called by the history writer in the transaction that stores
  finished calls: the charges of those calls are replaced by their rating. A rating that
  fails (a bug, an odd record) is logged and skipped, never holding up the history; the
  call can be rated later by :func:`rerate`.
- :func:`rerate` rates a period again with today's tariffs: stored charges keep their facts
  (trunk, route, number, duration) and get new money; answered outgoing trunk legs without
  a charge (calls stored before rating existed, or whose rating failed) are rated from the
  history's channels.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from controller.ami.tracker import FinishedCall
from controller.db.models import (
    Call,
    CallChannel,
    OutboundPattern,
    OutboundRoute,
    OutboundRouteTrunk,
    Site,
    Trunk,
    TrunkTariff,
)
from controller.db.models.rating import CallCharge
from controller.pbxconfig.revision import current_revision
from controller.rating.dialpattern import compile_pattern
from controller.rating.money import Price, from_units, to_units
from controller.rating.plan import RatingPlan, RoutePattern, RoutePlan, TrunkPrices
from controller.rating.rate import CallFacts, Charge, LegFacts, Pricing, price, rate_call

logger = logging.getLogger(__name__)

CHARGE = CallCharge.__table__
LocalDate = Callable[[dt.datetime], dt.date]


def load_plan(session: Session) -> RatingPlan:
    site = session.get(Site, 1)
    trunks = {}
    for trunk in session.scalars(select(Trunk).order_by(Trunk.position)):
        rows = session.scalars(select(TrunkTariff).where(TrunkTariff.trunk_id == trunk.id)).all()
        prices = sorted(
            (
                Price(
                    t.prefix,
                    to_units(t.per_minute),
                    t.increment_seconds,
                    to_units(t.connection_fee),
                )
                for t in rows
            ),
            key=lambda p: -len(p.prefix.removeprefix("+")),
        )
        trunks[trunk.name] = TrunkPrices(trunk.name, trunk.currency, tuple(prices))
    routes = []
    for route in session.scalars(select(OutboundRoute).order_by(OutboundRoute.position)):
        patterns = session.scalars(
            select(OutboundPattern)
            .where(OutboundPattern.route_id == route.id)
            .order_by(OutboundPattern.position)
        )
        names = session.scalars(
            select(Trunk.name)
            .join(OutboundRouteTrunk, OutboundRouteTrunk.trunk_id == Trunk.id)
            .where(OutboundRouteTrunk.route_id == route.id)
            .order_by(OutboundRouteTrunk.position)
        )
        routes.append(
            RoutePlan(
                route.name,
                tuple(
                    RoutePattern(compile_pattern(p.prefix + p.match), len(p.prefix), p.prepend)
                    for p in patterns
                ),
                tuple(names),
            )
        )
    return RatingPlan(
        country=site.country if site is not None else "CN",
        trunks=trunks,
        routes=tuple(routes),
        revision=current_revision(session),
    )


# -- rating finished calls, as the history writer stores them ---------------------------------


def _ms(start: float | None, end: float | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start) * 1000))


def facts_of(fc: FinishedCall) -> CallFacts:
    caller = next((c for c in fc.channels if c.role == "caller"), None)
    return CallFacts(
        dialled=fc.called_number,
        agent_code=caller.agent_code if caller is not None else None,
        legs=tuple(
            LegFacts(c.uniqueid, c.channel, c.role, _ms(c.answered_at, c.ended_at))
            for c in fc.channels
        ),
    )


def _row(
    call_id: int, day: dt.date, c: Charge, revision: int, now: dt.datetime
) -> dict[str, object]:
    return {
        "call_id": call_id,
        "channel_uid": c.channel_uid,
        "trunk": c.trunk,
        "route": c.route,
        "number_e164": c.number_e164,
        "agent_code": c.agent_code,
        "local_date": day,
        "duration_ms": c.duration_ms,
        "allowed_trunks": list(c.allowed_trunks),
        **_money(c.pricing),
        "rated_at": now,
        "rated_revision": revision,
    }


def _money(p: Pricing) -> dict[str, object]:
    return {
        "currency": p.currency,
        "tariff_prefix": p.tariff_prefix,
        "billed_seconds": p.billed_s,
        "cost_units": p.cost_units,
        "dearest_trunk": p.dearest_trunk,
        "dearest_units": p.dearest_units,
    }


def write_charges(
    conn: Connection,
    written: Sequence[tuple[FinishedCall, int]],
    plan: RatingPlan,
    local_date: LocalDate,
    now: dt.datetime | None = None,
) -> int:
    """Replace the charges of the calls just written (``(record, call id)``); return how
    many legs were rated."""
    now = now or dt.datetime.now(dt.UTC)
    rows = []
    ids = []  # calls with an outgoing trunk leg: the only ones that can have a charge
    for fc, call_id in written:
        if not any(c.role != "caller" and plan.trunk_of(c.channel) for c in fc.channels):
            continue
        ids.append(call_id)
        try:
            charges = rate_call(facts_of(fc), plan)
        except Exception as exc:  # never hold up the history: `pbxctl cost rerate` retries
            logger.error("rating=failed linkedid=%s error=%r", fc.linkedid, str(exc)[:200])
            continue
        if charges:
            day = local_date(dt.datetime.fromtimestamp(fc.started_at, dt.UTC))
            rows += [_row(call_id, day, c, plan.revision, now) for c in charges]
    for start in range(0, len(ids), 500):
        conn.execute(delete(CHARGE).where(CHARGE.c.call_id.in_(ids[start : start + 500])))
    if rows:
        conn.execute(CHARGE.insert(), rows)
    return len(rows)


# -- re-rating a period -----------------------------------------------------------------------


@dataclass
class RerateSummary:
    repriced: int = 0  # stored charges whose money was computed again
    changed: int = 0  # ... of which the money changed
    added: int = 0  # legs rated for the first time
    unpriced: int = 0  # legs no tariff prices
    before: dict[str, int] = field(default_factory=dict)  # currency -> units, stored charges
    after: dict[str, int] = field(default_factory=dict)  # currency -> units, all charges now

    def lines(self) -> list[str]:
        said = [
            f"repriced {self.repriced} charges ({self.changed} changed), rated {self.added}"
            f" legs for the first time, {self.unpriced} legs without a matching tariff"
        ]
        for currency in sorted(set(self.before) | set(self.after)):
            old = from_units(self.before.get(currency, 0))
            new = from_units(self.after.get(currency, 0))
            said.append(f"{currency}: {old} before, {new} now ({_signed(new - old)})")
        return said


def _signed(amount: Decimal) -> str:
    return f"+{amount}" if amount >= 0 else str(amount)


def _add(total: dict[str, int], currency: str, units: int | None) -> None:
    if units is not None:
        total[currency] = total.get(currency, 0) + units


def rerate(
    session: Session,
    first: dt.date,
    last: dt.date,
    plan: RatingPlan,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> RerateSummary:
    """Rate the calls of local days ``first``..``last`` with ``plan`` (the caller commits)."""
    now = now or dt.datetime.now(dt.UTC)
    summary = RerateSummary()
    stored = session.scalars(
        select(CallCharge).where(CallCharge.local_date >= first, CallCharge.local_date <= last)
    ).all()
    for charge in stored:
        _add(summary.before, charge.currency, charge.cost_units)
        pricing = price(
            plan, charge.trunk, charge.number_e164, charge.duration_ms, charge.allowed_trunks
        )
        money = _money(pricing)
        summary.repriced += 1
        if any(getattr(charge, key) != value for key, value in money.items()):
            summary.changed += 1
        _add(summary.after, pricing.currency, pricing.cost_units)
        summary.unpriced += pricing.cost_units is None
        if not dry_run:
            session.execute(
                update(CHARGE)
                .where(CHARGE.c.id == charge.id)
                .values(**money, rated_at=now, rated_revision=plan.revision)
            )
    for call, channels in _unrated(session, first, last, plan):
        facts = CallFacts(
            dialled=call.called_number,
            agent_code=next((c.agent_code for c in channels if c.role == "caller"), None),
            legs=tuple(
                LegFacts(c.uniqueid, c.channel, c.role, _db_ms(c.answered_at, c.ended_at))
                for c in channels
            ),
        )
        have = set(
            session.scalars(select(CallCharge.channel_uid).where(CallCharge.call_id == call.id))
        )
        for c in rate_call(facts, plan):
            if c.channel_uid in have:
                continue
            summary.added += 1
            summary.unpriced += c.pricing.cost_units is None
            _add(summary.after, c.pricing.currency, c.pricing.cost_units)
            if not dry_run:
                session.execute(
                    CHARGE.insert(), [_row(call.id, call.local_date, c, plan.revision, now)]
                )
    return summary


def _db_ms(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds() * 1000))


def _unrated(
    session: Session, first: dt.date, last: dt.date, plan: RatingPlan
) -> Iterable[tuple[Call, list[CallChannel]]]:
    """Calls of the period with an answered trunk channel that has no charge."""
    rated = select(CallCharge.id).where(
        CallCharge.call_id == CallChannel.call_id, CallCharge.channel_uid == CallChannel.uniqueid
    )
    candidates = (
        select(CallChannel.call_id, CallChannel.channel)
        .join(Call, Call.id == CallChannel.call_id)
        .where(
            Call.local_date >= first,
            Call.local_date <= last,
            CallChannel.role != "caller",
            CallChannel.answered_at.is_not(None),
            CallChannel.channel.like("PJSIP/%"),
            ~rated.exists(),
        )
    )
    call_ids = sorted(
        {call_id for call_id, channel in session.execute(candidates) if plan.trunk_of(channel)}
    )
    for start in range(0, len(call_ids), 500):
        part = call_ids[start : start + 500]
        calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(part)))}
        channels: dict[int, list[CallChannel]] = {}
        for ch in session.scalars(
            select(CallChannel).where(CallChannel.call_id.in_(part)).order_by(CallChannel.id)
        ):
            channels.setdefault(ch.call_id, []).append(ch)
        for call_id in part:
            yield calls[call_id], channels.get(call_id, [])
