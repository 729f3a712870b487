"""The report pages over HTTP: figures equal the API's, drill-down links list exactly that
many calls, the scope of the reader (a supervisor of sales sees no support figure), bad
filters shown at their field, saved filters per user, one call's page with its recordings."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import select

from controller.access.store import UserInput, create_user
from controller.db.models import AuditEvent, Call, QueueLeg, Recording, User
from controller.web.pages.reports import period_window
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

DAY = "2026-11-24"  # the conftest's recorded calls, in Shanghai
PASSWORD = "report pages password 1"


async def _page(
    api: Api, path: str, headers: dict[str, str] | None = None, **query: str | list[str]
) -> tuple[int, str]:
    params = [
        (k, v)
        for k, value in query.items()
        for v in (value if isinstance(value, list) else [value])
    ]
    response = await api.client.get(
        path,
        params=params,
        headers=api.auth if headers is None else headers,
        allow_redirects=False,
    )
    return response.status, await response.text()


def _cell(page: str, row: int, key: str) -> str:
    """The text of column ``key`` in body row ``row`` of the report's table."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr.*?</tr>", body, re.S)
    cell = re.search(rf'<td[^>]*data-key="{re.escape(key)}"[^>]*>(.*?)</td>', rows[row], re.S)
    assert cell is not None, rows[row]
    return unescape(re.sub(r"<[^>]+>", "", cell.group(1))).strip()


def _drill(page: str, row: int, key: str) -> str | None:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr.*?</tr>", body, re.S)
    cell = re.search(rf'<td[^>]*data-key="{re.escape(key)}"[^>]*><a href="([^"]+)"', rows[row])
    return unescape(cell.group(1)) if cell else None


async def _sign_in(api: Api, login: str, role: str, queues: list[str] | None = None) -> dict:
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == login)) is None:
            create_user(session, UserInput(login, PASSWORD, role, login, "en", None, queues))
    api.client.session.cookie_jar.clear()
    form = await (await api.client.get("/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    signed = await api.client.post(
        "/login",
        data={"login": login, "password": PASSWORD, "csrf_token": csrf.group(1)},
        allow_redirects=False,
    )
    assert signed.status == 303
    me = await (await api.client.get("/api/v1/me")).json()
    return {"csrf_token": me["csrf_token"]}


async def test_the_page_shows_the_api_figures_and_drills_down_to_as_many_calls(api: Api) -> None:
    status, page = await _page(api, "/reports/queues", **{"from": DAY, "lang": "en"})
    assert status == 200, page
    body = await (
        await api.client.get("/api/v1/reports/queues", params={"from": DAY}, headers=api.auth)
    ).json()
    for index, row in enumerate(body["rows"]):
        for key in ("offered", "answered", "abandoned", "handled"):
            assert _cell(page, index, key) == str(row[key])
    center = body["rows"][0]
    assert center["offered"] >= 3
    link = _drill(page, 0, "offered")
    assert link is not None
    assert link.startswith("/reports/detail?")
    status, detail = await _page(api, link.split("?")[0], **_query(link))
    assert status == 200, detail
    total = re.search(r'class="paging" data-total="(\d+)"', detail)
    assert total is not None
    assert int(total.group(1)) == center["offered"]
    assert detail.count('href="/reports/calls/') == center["offered"]  # one link per call
    back = re.search(r'<a href="([^"]+)" rel="up">', detail)
    assert back is not None
    assert (
        unescape(back.group(1)) == f"/reports/queues?from={DAY}&to={DAY}&interval=day&sl=E&lang=en"
    )


def _query(link: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(link).query)


async def test_the_page_carries_the_csp_and_the_chart_data(api: Api) -> None:
    response = await api.client.get(
        "/reports/queues", params={"from": DAY, "interval": "hour"}, headers=api.auth
    )
    assert response.status == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert 'src="/static/js/report_chart.js"' in page
    data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert '"links"' in data.group(1)  # chart points drill down too
    for name in ("xlsx", "csv", "pdf"):
        assert f'data-format="{name}"' in page
    xlsx = re.search(
        r'href="(/api/v1/reports/queues\?[^"]+)" class="export" data-format="xlsx"', page
    )
    assert xlsx is not None
    assert sorted(_query(unescape(xlsx.group(1))).items()) == [
        ("format", ["xlsx"]),
        ("from", [DAY]),
        ("interval", ["hour"]),
        ("lang", ["zh"]),
        ("to", [DAY]),
    ]


async def test_a_supervisor_of_sales_sees_no_support_figure(api: Api) -> None:
    sales = api.token_for("supervisor", ["sales"])
    status, page = await _page(api, "/reports/queues", sales, **{"from": DAY})
    assert status == 200
    assert 'value="support"' not in page  # not even offered as a filter
    queues = {_cell(page, i, "queue") for i in range(page.split("<tbody>")[1].count("<tr"))}
    assert queues == {"全部", "sales"}
    status, page = await _page(api, "/reports/queues", sales, **{"from": DAY, "queue": "support"})
    assert status == 403
    assert "support" in page
    assert 'role="alert"' in page
    status, page = await _page(
        api,
        "/reports/detail",
        sales,
        **{"from": DAY, "report": "queues", "figure": "offered", "row": "support"},
    )
    assert status == 403  # refused, not "0 calls": a figure of support they may not see
    assert "queue &#39;support&#39; is outside the queues you may see" in page
    assert 'role="alert"' in page
    assert 'data-total="0"' not in page
    api_answer = await api.client.get("/api/v1/reports/detail", headers=sales, params={
        "from": DAY, "report": "queues", "figure": "offered", "row": "support"})  # fmt: skip
    assert api_answer.status == 403
    status, page = await _page(
        api,
        "/reports/detail",
        sales,
        **{"from": DAY, "report": "queues", "figure": "offered", "row": "sales"},
    )
    assert status == 200  # their own queue's drill-down


async def test_a_bad_filter_is_shown_at_its_field(api: Api) -> None:
    status, page = await _page(api, "/reports/queues", **{"from": "1999-12-31"})
    assert status == 400
    assert 'data-field="from"' in page
    status, page = await _page(api, "/reports/queues", **{"from": DAY, "period": "someday"})
    assert status == 400
    assert 'data-field="period"' in page
    status, page = await _page(api, "/reports/detail", **{"from": DAY})
    assert status == 400
    assert "figure" in page


async def test_an_agent_opens_only_the_reports_of_their_own_figures(api: Api) -> None:
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == "pages-agent")) is None:
            create_user(session, UserInput("pages-agent", PASSWORD, "agent", agent_code="8002"))
    api.client.session.cookie_jar.clear()
    form = await (await api.client.get("/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    await api.client.post(
        "/login", data={"login": "pages-agent", "password": PASSWORD, "csrf_token": csrf.group(1)}
    )
    status, page = await _page(api, "/reports/agents", {}, **{"from": DAY})
    assert status == 200
    assert 'value="8001"' not in page
    status, _ = await _page(api, "/reports/queues", {}, **{"from": DAY})
    assert status == 403


async def test_periods_are_relative_to_the_sites_today() -> None:
    wednesday = dt.date(2026, 5, 6)
    assert period_window("last_week", wednesday) == (dt.date(2026, 4, 27), dt.date(2026, 5, 3))
    assert period_window("this_week", wednesday) == (dt.date(2026, 5, 4), wednesday)
    assert period_window("last_month", wednesday) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert period_window("last7", wednesday) == (dt.date(2026, 4, 30), wednesday)


async def test_saved_filters_belong_to_their_user(api: Api) -> None:
    form = await _sign_in(api, "pages-manager", "reports")
    saved = await api.client.post(
        "/reports/filters",
        data={
            **form,
            "report": "queues",
            "name": "  sales   last week ",
            "query": "period=last_week&queue=sales&interval=hour",
        },
        allow_redirects=False,
    )
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"] == "/reports/queues?queue=sales&interval=hour&period=last_week"
    status, page = await _page(api, "/reports/queues", {}, period="last_week")
    assert status == 200
    assert ">sales last week</a>" in page
    filter_id = re.search(r'action="/reports/filters/(\d+)/delete"', page)
    assert filter_id is not None
    # Saved again under the same name: replaced, not doubled.
    again = await api.client.post(
        "/reports/filters",
        data={**form, "report": "queues", "name": "sales last week", "query": "period=yesterday"},
        allow_redirects=False,
    )
    assert again.status == 303
    _, index = await _page(api, "/reports", {})
    assert index.count(": sales last week</a>") == 1
    # A bad filter is refused naming its field; nothing is saved.
    bad = await api.client.post(
        "/reports/filters",
        data={**form, "report": "queues", "name": "bad", "query": "interval=fortnight"},
    )
    assert bad.status == 400
    assert "interval" in await bad.text()
    empty = await api.client.post(
        "/reports/filters", data={**form, "report": "queues", "name": "   ", "query": ""}
    )
    assert empty.status == 400
    assert "name" in (await empty.json())["error"]["problems"][0]["field"]
    # Another user cannot delete it; its owner can.
    other = await _sign_in(api, "pages-other", "reports")
    refused = await api.client.post(
        f"/reports/filters/{filter_id.group(1)}/delete", data=other, allow_redirects=False
    )
    assert refused.status == 404
    form = await _sign_in(api, "pages-manager", "reports")
    gone = await api.client.post(
        f"/reports/filters/{filter_id.group(1)}/delete",
        data={**form, "back": "/reports/queues"},
        allow_redirects=False,
    )
    assert (gone.status, gone.headers["Location"]) == (303, "/reports/queues")
    _, page = await _page(api, "/reports/queues", {})
    assert "sales last week" not in page
    # A machine token has no user to save for.
    api.client.session.cookie_jar.clear()
    token = await api.client.post(
        "/reports/filters", data={"report": "queues", "name": "x"}, headers=api.auth
    )
    assert token.status == 403


async def test_a_supervisor_cannot_save_a_filter_of_another_queue(api: Api) -> None:
    form = await _sign_in(api, "pages-sales-lead", "supervisor", ["sales"])
    refused = await api.client.post(
        "/reports/filters",
        data={**form, "report": "queues", "name": "theirs", "query": "queue=support"},
    )
    assert refused.status == 403


async def test_a_calls_page_has_its_legs_and_plays_its_recordings(api: Api) -> None:
    with api.factory() as session:
        recording = session.scalars(select(Recording).where(Recording.call_id.isnot(None))).first()
        assert recording is not None
        call_id = recording.call_id
        queue = session.scalar(select(QueueLeg.queue_name).where(QueueLeg.call_id == call_id))
        caller = session.scalar(select(Call.caller_number).where(Call.id == call_id))
    status, page = await _page(api, f"/reports/calls/{call_id}", lang="en")
    assert status == 200, page
    assert caller in page
    assert f'src="/api/v1/recordings/{recording.id}/file"' in page
    # Playing it is the recording API's download: written to the audit log.
    target = api.services.recordings_dir / recording.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"RIFF0000WAVE")
    played = await api.client.get(f"/api/v1/recordings/{recording.id}/file", headers=api.auth)
    assert played.status == 200
    with api.factory() as session:
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "recording.download")
        ).all()
    assert any(e.object_id == str(recording.id) for e in audited)
    other = "support" if queue == "sales" else "sales"
    narrowed = api.token_for("supervisor", [other])
    status, _ = await _page(api, f"/reports/calls/{call_id}", narrowed)
    assert status == 404
    status, _ = await _page(api, "/reports/calls/999999999")
    assert status == 404


async def test_an_agents_figure_drills_down_to_that_agents_calls(api: Api) -> None:
    status, page = await _page(api, "/reports/agents", **{"from": DAY, "lang": "en"})
    assert status == 200, page
    body = await (await api.client.get("/api/v1/reports/agents", params={"from": DAY},
                                       headers=api.auth)).json()  # fmt: skip
    index, row = next((i, r) for i, r in enumerate(body["rows"]) if r["agent"] and r["handled"])
    assert _cell(page, index, "handled") == str(row["handled"])
    link = _drill(page, index, "handled")
    assert link is not None
    assert _query(link)["row"] == [row["agent"]]
    status, detail = await _page(api, "/reports/detail", **_query(link))
    assert status == 200, detail
    total = re.search(r'class="paging" data-total="(\d+)"', detail)
    assert total is not None
    assert int(total.group(1)) == row["handled"]
    on_calls = re.findall(r'data-key="agents">([^<]*)<', detail)
    assert len(on_calls) == row["handled"]
    assert all(row["agent"] in agents.split(",") for agents in on_calls)


async def test_the_language_links_and_the_pages_keep_the_filters(api: Api) -> None:
    status, page = await _page(api, "/reports/detail", **{
        "period": "yesterday", "figure": "offered", "limit": "1", "lang": "en"})  # fmt: skip
    assert status == 200, page
    links = re.search(r'<nav class="languages".*?</nav>', page, re.S)
    assert links is not None
    assert "/reports/detail?figure=offered&amp;limit=1&amp;period=yesterday&amp;lang=zh" in (
        links.group(0)
    )
    assert '<option value="yesterday" selected>' in page


async def test_the_index_offers_last_week_in_one_click(api: Api) -> None:
    status, page = await _page(api, "/reports", lang="en")
    assert status == 200
    assert 'href="/reports/queues?period=last_week&amp;lang=en" class="period"' in page
    assert 'href="/reports/detail?period=last_week' not in page  # a drill-down has no week


async def test_a_long_table_by_hour_hides_its_rows_without_calls_until_asked(api: Api) -> None:
    status, page = await _page(
        api, "/reports/queues", **{"from": DAY, "interval": "hour", "lang": "en"}
    )
    assert status == 200
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr class=\"([^\"]*)\">(.*?)</tr>", body, re.S)
    hidden = [cells for css, cells in rows if "empty-row" in css]
    shown = [cells for css, cells in rows if "empty-row" not in css and "empty-gap" not in css]
    gaps = [int(n) for n in re.findall(r"… (\d+) rows without calls hidden", body)]
    assert hidden
    assert shown
    assert sum(gaps) == len(hidden)  # each hidden run is said where it was
    switch = re.search(r'class="show-empty-rows"> Show the (\d+) rows without calls', page)
    assert switch is not None
    assert int(switch.group(1)) == len(hidden)
    offered = re.compile(r'data-key="offered"[^>]*>(?:<a [^>]*>)?([^<]*)<')
    for cells in hidden:
        assert offered.search(cells).group(1) == "0"  # type: ignore[union-attr]
    assert any(offered.search(c).group(1) != "0" for c in shown)  # type: ignore[union-attr]
    # The same figures as before: hidden, not dropped; the printed report shows every row.
    api_rows = (await (await api.client.get("/api/v1/reports/queues", headers=api.auth, params={
        "from": DAY, "interval": "hour"})).json())["rows"]  # fmt: skip
    assert len(api_rows) == len(hidden) + len(shown)
    status, printed = await _page(api, "/reports/queues/print", **{"from": DAY, "interval": "hour"})
    assert status == 200
    assert "empty-row" not in printed
    # By day (short): nothing hidden.
    status, page = await _page(api, "/reports/queues", **{"from": DAY, "interval": "day"})
    assert "empty-row" not in page
