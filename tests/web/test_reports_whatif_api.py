"""Staffing what-ifs, call cost and satisfaction over HTTP: options as query fields, refusals
naming the option, money as exact text, Excel for every kind of column."""

from __future__ import annotations

import pytest

from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

DAY = "2026-11-24"


async def _get(api: Api, path: str, **query: str) -> tuple[int, dict]:
    response = await api.client.get(path, params=query, headers=api.auth)
    return response.status, await response.json()


async def test_staffing_what_if(api: Api) -> None:
    status, body = await _get(
        api, "/api/v1/reports/staffing", **{"from": DAY, "interval": "hour", "calls": "200",
                                            "aht": "180", "patience": "300",
                                            "max_abandon": "0.05"}
    )  # fmt: skip
    assert status == 200, body
    row = body["rows"][9]
    assert (row["calls"], row["load"], row["c_agents"], row["c_scheduled"]) == (200, 10, 14, 20)
    assert (row["a_agents"], row["a_scheduled"]) == (13, 19)
    assert body["params"]["calls"] == "200"
    kinds = {c["key"]: c["kind"] for c in body["columns"]}
    assert (kinds["load"], kinds["c_service_level"]) == ("number", "rate")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("staffing", {"interval": "day"}, "interval"),
        ("staffing", {"interval": "hour", "target": "1.5"}, "target"),
        ("staffing", {"interval": "hour", "shrinkage": "abc"}, "shrinkage"),
        ("cost", {"by": "queue"}, "by"),
        ("cost", {"interval": "hour"}, "interval"),
        ("satisfaction", {"by": "trunk"}, "by"),
    ],
)
async def test_bad_options_are_400_naming_them(
    api: Api, path: str, query: dict[str, str], field: str
) -> None:
    status, body = await _get(api, f"/api/v1/reports/{path}", **{"from": DAY, **query})
    assert status == 400, body
    assert field in str(body["error"])


async def test_cost_and_satisfaction_in_json_and_excel(api: Api) -> None:
    status, body = await _get(api, "/api/v1/reports/cost", **{"from": DAY, "by": "route"})
    assert status == 200, body
    assert {c["key"]: c["kind"] for c in body["columns"]}["cost"] == "money"
    assert all(isinstance(row["cost"], str) for row in body["rows"])
    status, body = await _get(api, "/api/v1/reports/satisfaction", **{"from": DAY})
    assert status == 200, body
    assert body["rows"][0]["queue"] == ""
    for name in ("staffing", "cost", "satisfaction"):
        response = await api.client.get(
            f"/api/v1/reports/{name}",
            params={"from": DAY, "interval": "hour" if name == "staffing" else "day",
                    "format": "xlsx", "aht": "180"} if name == "staffing"
            else {"from": DAY, "format": "xlsx"},
            headers=api.auth,
        )  # fmt: skip
        assert response.status == 200, name
        assert (await response.read())[:2] == b"PK"
