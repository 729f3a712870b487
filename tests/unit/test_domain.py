from __future__ import annotations

import pytest

from controller.domain import Destination, DestinationKind


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("queue:sales", DestinationKind.QUEUE, "sales"),
        ("extension:1001", DestinationKind.EXTENSION, "1001"),
        ("external:+8613800138000", DestinationKind.EXTERNAL, "+8613800138000"),
        ("hangup", DestinationKind.HANGUP, ""),
        ("time_condition:business-hours", DestinationKind.TIME_CONDITION, "business-hours"),
    ],
)
def test_parse_and_format_round_trip(text: str, kind: DestinationKind, target: str) -> None:
    dest = Destination.parse(text)
    assert (dest.kind, dest.target) == (kind, target)
    assert str(dest) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("queues:sales", "unknown destination 'queues:sales'"),
        ("queue", "needs a target"),
        ("queue:", "needs a target"),
        ("hangup:now", "takes no target"),
        ("external:12;34", "must be 3-20 digits"),
    ],
)
def test_bad_destinations_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Destination.parse(text)
