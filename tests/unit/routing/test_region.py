"""Caller numbers in E.164 and their region (归属地), offline."""

from __future__ import annotations

import pytest

from controller.routing.region import RegionLookup, region_matches, to_e164


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("075583219876", "+8675583219876"),
        ("0014155550123", "+14155550123"),
        ("+14155550123", "+14155550123"),
        ("anonymous", None),
        ("", None),
        ("unknown", None),
        ("12", None),
        ("not a number", None),
        ("1" * 40, None),
    ],
)
def test_to_e164(raw: str, e164: str | None) -> None:
    assert to_e164(raw, "CN") == e164


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("+8613800138000", "北京市"),
        ("+8675583219876", "广东省深圳市"),
        ("+862081234567", "广东省广州市"),
        ("+14155550123", "美国"),
    ],
)
def test_regions_in_chinese(number: str, region: str) -> None:
    assert RegionLookup()(number) == region


def test_lookups_are_cached_and_bounded() -> None:
    lookup = RegionLookup(cache_size=2)
    lookup.warm_up(["CN", "US"])
    for number in ("+8613800138000", "+8675583219876", "+862081234567"):
        lookup(number)
    assert list(lookup._cache) == ["+8675583219876", "+862081234567"]


def test_garbage_has_no_region() -> None:
    assert RegionLookup()("+999") == ""


@pytest.mark.parametrize(
    ("region", "wanted", "matches"),
    [
        ("广东省深圳市", ["广东"], True),
        ("广东省深圳市", ["深圳"], True),
        ("北京市", ["北京", "天津"], True),
        ("广东省广州市", ["深圳"], False),
        ("", ["北京"], False),
        ("北京市", [""], False),
    ],
)
def test_region_matching(region: str, wanted: list[str], matches: bool) -> None:
    assert region_matches(region, wanted) is matches
