"""Reports over HTTP: JSON, CSV and Excel, the print page, bad inputs and who sees what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from controller.access.store import UserInput, create_user
from controller.db.models import User
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

DAY = "2026-11-24"  # the conftest's recorded calls, in Shanghai


async def _get(
    api: Api, path: str, headers: dict[str, str] | None = None, **query: str
) -> tuple[int, dict]:
    response = await api.client.get(
        path, params=query, headers=api.auth if headers is None else headers
    )
    return response.status, await response.json()


async def test_the_list_and_a_report_in_json(api: Api) -> None:
    status, body = await _get(api, "/api/v1/reports")
    assert status == 200
    names = [r["name"] for r in body["reports"]]
    assert names[:5] == ["queues", "agents", "timeline", "detail", "abandoned"]
    status, body = await _get(api, "/api/v1/reports/queues", **{"from": DAY})
    assert status == 200, body
    center = body["rows"][0]
    assert (center["queue"], center["interval"]) == ("", DAY)
    assert center["offered"] >= 3
    assert body["params"]["time_zone"] == "Asia/Shanghai"
    assert {"key": "service_level"}.items() <= body["columns"][14].items()


async def test_queue_filter_repeated_and_the_files(api: Api) -> None:
    response = await api.client.get(
        "/api/v1/reports/queues",
        params=[("from", DAY), ("queue", "sales"), ("queue", "support"), ("format", "csv")],
        headers=api.auth,
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = (await response.read()).decode("utf-8")
    assert text.startswith("\ufeff时段,队列,呼入量")
    assert [line.split(",")[1] for line in text.splitlines()[1:]] == ["全部", "sales", "support"]
    response = await api.client.get(
        "/api/v1/reports/agents", params={"from": DAY, "format": "xlsx", "lang": "en"},
        headers=api.auth,
    )  # fmt: skip
    assert response.status == 200
    assert (await response.read())[:2] == b"PK"
    assert 'filename="agents-2026-11-24-2026-11-24.xlsx"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": DAY, "to": "2026-11-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-03-01", "interval": "15m"}, "to"),
        ({"from": DAY, "colour": "red"}, "colour"),
        ({"from": "1999-12-31"}, "from"),
        ({"from": DAY, "sl": "Z"}, "sl"),
    ],
)
async def test_bad_inputs_are_400_naming_the_field(
    api: Api, query: dict[str, str], field: str
) -> None:
    status, body = await _get(api, "/api/v1/reports/queues", **query)
    assert status == 400, body
    assert field in str(body["error"])


async def test_an_unknown_queue_or_agent_is_404(api: Api) -> None:
    status, body = await _get(api, "/api/v1/reports/queues", **{"from": DAY, "queue": "nosuch"})
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert "nosuch" in body["error"]["message"]
    status, body = await _get(api, "/api/v1/reports/agents", **{"from": DAY, "agent": "99"})
    assert status == 404


async def test_a_detail_without_its_figure_is_refused(api: Api) -> None:
    status, body = await _get(api, "/api/v1/reports/detail", **{"from": DAY})
    assert status == 400
    assert "figure" in body["error"]["message"]
    status, body = await _get(api, "/api/v1/reports/detail", **{"from": DAY, "figure": "offered"})
    assert status == 200
    assert body["params"]["total"] == len(body["rows"]) >= 3


async def test_a_supervisor_sees_their_queues_only(api: Api) -> None:
    sales = api.token_for("supervisor", ["sales"])
    status, body = await _get(api, "/api/v1/reports/queues", sales, **{"from": DAY})
    assert status == 200
    assert {row["queue"] for row in body["rows"]} == {"", "sales"}
    status, body = await _get(
        api, "/api/v1/reports/queues", sales, **{"from": DAY, "queue": "support"}
    )
    assert status == 403
    assert "support" in body["error"]["message"]


async def test_an_agent_sees_their_own_figures(api: Api) -> None:
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == "wangfang")) is None:
            create_user(
                session, UserInput("wangfang", "agent password 2", "agent", agent_code="8002")
            )
    form = await (await api.client.get("/login")).text()
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    signed = await api.client.post("/login", data={"login": "wangfang", "password": "agent password 2",
                                                   "csrf_token": csrf}, allow_redirects=False)  # fmt: skip
    assert signed.status == 303
    status, body = await _get(api, "/api/v1/reports/agents", {}, **{"from": DAY})
    assert status == 200
    assert {row["agent"] for row in body["rows"]} == {"8002"}
    status, body = await _get(api, "/api/v1/reports/agents", {}, **{"from": DAY, "agent": "8001"})
    assert status == 403
    status, _ = await _get(api, "/api/v1/reports/queues", {}, **{"from": DAY})
    assert status == 403
    status, body = await _get(api, "/api/v1/reports", {})
    names = {r["name"] for r in body["reports"]}
    assert {"agents", "timeline", "detail"} <= names
    assert not names & {"queues", "abandoned"}


async def test_the_print_page(api: Api) -> None:
    response = await api.client.get(
        "/reports/queues/print", params={"from": DAY, "interval": "hour", "lang": "zh"},
        headers=api.auth,
    )  # fmt: skip
    assert response.status == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert "<h1>队列绩效</h1>" in page
    assert 'src="/static/js/report_chart.js"' in page
    assert page.count("<tr") == 1 + 24 * 2  # the header, every hour of the center and of sales
