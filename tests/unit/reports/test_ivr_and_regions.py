"""Pure parts of the IVR and regions reports: an IVR path's steps, a region's province."""

from __future__ import annotations

import pytest

from controller.reports.ivr import rows_of, steps
from controller.reports.regions import split


def test_an_ivr_path_read_step_by_step() -> None:
    assert steps("/main:1/sales:2") == [("main", "1"), ("sales", "2")]
    assert steps("/main:9/main:1/support") == [("main", "9"), ("main", "1"), ("support", "")]
    assert steps("/main:timeout") == [("main", "timeout")]
    assert steps("") == []


def test_each_call_counts_once_per_menu_and_key() -> None:
    assert rows_of("/main:9/main:1/support") == {
        ("main", "*"), ("main", "9"), ("main", "1"), ("support", "*"), ("support", ""),
    }  # fmt: skip
    assert rows_of("/main:1") == {("main", "*"), ("main", "1")}  # went on: no "left here"


@pytest.mark.parametrize(
    ("region", "province", "city"),
    [
        ("广东省深圳市", "广东省", "深圳市"),
        ("北京市", "北京市", "北京市"),
        ("上海市", "上海市", "上海市"),
        ("广西壮族自治区南宁市", "广西壮族自治区", "南宁市"),
        ("香港特别行政区", "香港特别行政区", ""),
        ("美国", "美国", ""),
        ("", "未知", ""),
        (None, "未知", ""),
    ],
)
def test_a_region_split_into_province_and_city(
    region: str | None, province: str, city: str
) -> None:
    assert split(region) == (province, city)
