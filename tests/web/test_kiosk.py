"""A wallboard screen: paired once by a link made with its token, then a read-only wallboard
for its queues; the link is spent, the token never in a URL, revoking the token ends it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from controller.db.models import ApiToken
from controller.web.auth import KIOSK_COOKIE
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


async def _link(api: Api, headers: dict[str, str]) -> str:
    response = await api.client.post("/api/v1/kiosk/link", headers=headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["expires_in"] == 600
    return str(body["link"])


async def test_a_screen_is_paired_once_and_reads_only_the_wallboard(api: Api) -> None:
    token = api.token_for("wallboard", ["sales"])
    link = await _link(api, token)
    assert token["Authorization"].split()[1] not in link
    api.client.session.cookie_jar.clear()
    paired = await api.client.get(link, allow_redirects=False)
    assert (paired.status, paired.headers["Location"]) == (303, "/wallboard")
    assert KIOSK_COOKIE in {c.key for c in api.client.session.cookie_jar}

    board = await api.client.get("/wallboard", allow_redirects=False)
    assert board.status == 200
    text = await board.text()
    assert '"sales": "' in text
    assert "support" not in text  # its queues only
    assert "/logout" not in text  # a screen has nobody to sign out

    for path in ("/api/v1/calls", "/api/v1/history/calls", "/api/v1/status"):
        assert (await api.client.get(path)).status == 403, path
    spy = await api.client.post("/api/v1/ws/ticket")
    assert spy.status == 403  # a screen changes nothing, not even by asking for a ticket

    socket = await api.client.ws_connect("/api/v1/ws")
    snapshot = (await socket.receive_json(timeout=5))["data"]
    await socket.close()
    assert snapshot["calls"] == []
    assert [t["queue"] for t in snapshot["board"]["tiles"]] == ["sales", ""]

    again = await api.client.get("/kiosk", allow_redirects=False)
    assert (again.status, again.headers["Location"]) == (303, "/wallboard")  # paired already
    api.client.session.cookie_jar.clear()
    spent = await api.client.get(link + "&lang=en", allow_redirects=False)
    assert spent.status == 403
    assert "used, expired or revoked" in await spent.text()


async def test_revoking_the_token_ends_the_screen(api: Api) -> None:
    token = api.token_for("wallboard")
    link = await _link(api, token)
    api.client.session.cookie_jar.clear()
    await api.client.get(link, allow_redirects=False)
    assert (await api.client.get("/wallboard", allow_redirects=False)).status == 200
    with api.factory() as session, session.begin():
        row = session.scalar(select(ApiToken).where(ApiToken.name == api.extra_tokens[-1]))
        assert row is not None
        row.revoked_at = row.created_at
    gone = await api.client.get("/wallboard", allow_redirects=False)  # the test has no cache
    assert (gone.status, gone.headers["Location"]) == (303, "/kiosk")
    assert (await api.client.get("/api/v1/queues")).status == 401


async def test_only_a_wallboard_token_itself_makes_a_link(api: Api) -> None:
    admin = await api.client.post("/api/v1/kiosk/link", headers=api.auth)
    assert admin.status == 409
    assert "only a token of the wallboard role" in (await admin.json())["error"]["message"]
    supervisor = await api.client.post("/api/v1/kiosk/link", headers=api.token_for("supervisor"))
    assert supervisor.status == 409
    agent = await api.client.post("/api/v1/kiosk/link", headers=api.token_for("agent"))
    assert agent.status == 403  # no wallboard scope at all


async def test_forged_or_unknown_codes_are_refused(api: Api) -> None:
    api.client.session.cookie_jar.clear()
    for code in ("p.1.99999999999.AAAA", "nonsense", "k.1.99999999999.AAAA"):
        response = await api.client.get(f"/kiosk?code={code}", allow_redirects=False)
        assert response.status == 403, code
    plain = await api.client.get("/kiosk")
    assert plain.status == 200
    assert "pbxctl kiosk link" in await plain.text()
    api.client.session.cookie_jar.update_cookies({KIOSK_COOKIE: "k.1.99999999999.AAAA"})
    forged = await api.client.get("/wallboard", allow_redirects=False)
    assert (forged.status, forged.headers["Location"]) == (303, "/kiosk")
