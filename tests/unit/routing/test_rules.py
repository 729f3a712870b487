"""The rules snapshot built from a configuration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from controller.pbxconfig.load import parse_config
from controller.routing.rules import Rules, build_rules

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "company.yaml"


@pytest.fixture(scope="module")
def example() -> Rules:
    return build_rules(parse_config(EXAMPLE.read_text(encoding="utf-8")).config, revision=3)


def test_customers_by_every_number(example: Rules) -> None:
    assert example.revision == 3
    assert example.customers["+8613800138000"] is example.customers["+8675583219876"]
    assert example.customers["+8617000001111"].blacklisted


def test_holiday_ranges_are_expanded(example: Rules) -> None:
    schedule = example.schedules["business-hours"]
    assert dt.date(2026, 10, 4) in schedule.holidays
    assert dt.date(2026, 10, 10) in schedule.workdays
    assert len([d for d in schedule.holidays if d.month == 10]) == 7


def test_agents_queues_and_trunks(example: Rules) -> None:
    assert example.agent_queues["8003"] == ("sales", "support")
    assert example.queues["sales"].required_skills == {"sales": 5}
    assert example.queues["sales"].callback is not None
    assert example.queues["support"].callback is not None
    prefixes = [t.prefix for t in example.trunks["telecom"].tariffs]
    assert prefixes == sorted(prefixes, key=len, reverse=True)


def test_snapshot_is_read_only(example: Rules) -> None:
    with pytest.raises(TypeError):
        example.customers["+1"] = example.customers["+8613800138000"]  # type: ignore[index]
