"""Exact money: amounts are integers of ten-thousandths of the currency ("units").

Tariffs have at most four decimal places (the configuration refuses more), so a per-minute
rate or a connection fee is a whole number of units; a call's cost is rounded once, half up,
to a whole unit. Integers add up exactly in SQL on every database; floats never appear.

A call's billed time is its answered duration rounded **up** to whole billing increments
(a 61-second call at 60-second increments is billed 120 s; at 6-second increments 66 s);
an answered call of any length is billed at least one increment; an unanswered attempt
costs nothing, not even the connection fee::

    billed_s   = ⌈duration_ms / (increment_s · 1000)⌉ · increment_s
    cost_units = fee_units + round_half_up(per_minute_units · billed_s / 60)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

UNITS_PER_CURRENCY = 10_000
_UNIT = Decimal("0.0001")


def to_units(amount: Decimal) -> int:
    """A tariff amount (at most 4 decimal places) in units; refuses anything finer."""
    scaled = amount * UNITS_PER_CURRENCY
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than 4 decimal places")
    return int(scaled)


def from_units(units: int) -> Decimal:
    """Units as an exact Decimal amount with 4 decimal places (12345 -> 1.2345)."""
    return (Decimal(units) / UNITS_PER_CURRENCY).quantize(_UNIT)


@dataclass(frozen=True, slots=True)
class Price:
    """One tariff line: what a number under ``prefix`` costs on one trunk."""

    prefix: str  # E.164 digits with "+", "" for every number
    per_minute_units: int
    increment_s: int
    fee_units: int  # per answered call

    def __post_init__(self) -> None:
        if self.increment_s < 1:
            raise ValueError(f"a billing increment must be at least 1 s, not {self.increment_s}")
        if self.per_minute_units < 0 or self.fee_units < 0:
            raise ValueError("a price cannot be negative")


@dataclass(frozen=True, slots=True)
class Bill:
    billed_s: int
    cost_units: int


def billed_seconds(duration_ms: int, increment_s: int) -> int:
    if duration_ms <= 0:
        return 0
    step_ms = increment_s * 1000
    return -(-duration_ms // step_ms) * increment_s


def bill(price: Price, duration_ms: int | None) -> Bill:
    """The cost of a call answered for ``duration_ms`` (None: never answered: free)."""
    if duration_ms is None:
        return Bill(0, 0)
    seconds = billed_seconds(duration_ms, price.increment_s)
    talk = Fraction(price.per_minute_units * seconds, 60)
    return Bill(seconds, price.fee_units + _half_up(talk))


def _half_up(value: Fraction) -> int:
    whole, rest = divmod(value.numerator, value.denominator)
    return whole + (1 if 2 * rest >= value.denominator else 0)


def format_units(units: int) -> str:
    """For tables: 12345 -> '1.2345'; the trailing zeros stay (amounts line up)."""
    return str(from_units(units))


def round_half_up(amount: Decimal, places: int = 2) -> Decimal:
    """An amount for display in the currency's usual precision (reports' totals)."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
