"""Requests from an attacker (issue 12 §4 a and b): every one gets a 4xx naming the field, no
value reaches Asterisk other than as meant, and nothing answers 500.

a. AMI injection: a field that would set channel variables, add AMI headers or actions, or
   change what Asterisk dials is refused at the API boundary; a legitimate value reaches the
   AMI wire exactly as Asterisk should read it (checked with ports of manager.c's parsers).
b. Hostile requests: integers beyond the database's range, ids that are not ASCII digits,
   bodies that are not UTF-8, nest too deep or are too large.
"""

from __future__ import annotations

import json

import pytest

from controller.ami.encode import AmiValueError
from controller.ami.protocol import format_action
from controller.ami.tracker import CallView
from tests.unit.ami.asterisk_parsers import (
    callerid_parse,
    header_value,
    manager_headers,
    manager_variables,
)
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

ORIGINATE = "/api/v1/calls/originate"


def _talking(api: Api) -> tuple[CallView, str]:
    call = next(c for c in api.services.tracker.calls() if c.state == "talking")
    return call, next(ch.uniqueid for ch in call.channels if ch.agent == "8001")


async def _problem_fields(response: object) -> list[str]:
    body = await response.json()  # type: ignore[attr-defined]
    return [problem["field"] for problem in body["error"]["problems"]]


# -- a. nothing but the meant value reaches AMI ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"agent": "8001,__X=1"}, "agent"),
        ({"agent": "8001\r\nAction: Hangup"}, "agent"),
        ({"agent": "8001\x00"}, "agent"),
        ({"device": "PJSIP/1001&PJSIP/1002"}, "device"),
        ({"device": "PJSIP/1001,tT"}, "device"),
        ({"device": "PJSIP/1001\r\nAction: Command\r\nCommand: core stop now"}, "device"),
        ({"number": "1001,tT"}, "number"),
        ({"number": "1001\nVariable: __PBX_AGENT=8002"}, "number"),
        ({"caller_id": "x\r\n\r\nAction: Hangup\r\nChannel: /.*/ <1001>"}, "caller_id"),
        ({"caller_id": "Boss <1001>, <1002>"}, "caller_id"),
        ({"caller_id": "x" * 60 + " <1001>"}, "caller_id"),
        ({"request_id": "crm-1\r\nAction: Hangup"}, "request_id"),
    ],
)
async def test_originate_injection_attempts_are_400_naming_the_field(
    api: Api, body: dict[str, str], field: str
) -> None:
    sent = len(api.fake_ami.sent)
    request = {"number": "13800138000", "device": "PJSIP/1001", **body}
    response = await api.client.post(ORIGINATE, json=request, headers=api.auth)
    assert response.status == 400
    assert await _problem_fields(response) == [field]
    assert len(api.fake_ami.sent) == sent  # nothing went to Asterisk


async def test_a_legitimate_originate_is_exactly_what_asterisk_should_read(api: Api) -> None:
    response = await api.client.post(
        ORIGINATE, headers=api.auth,
        json={"number": "13800138000", "device": "PJSIP/1001", "agent": "8001",
              "caller_id": '"张伟, \\"VIP\\"" <+8613900001111>', "request_id": "crm-7"},
    )  # fmt: skip
    assert response.status == 202
    name, fields = api.fake_ami.sent[-1]
    wire = format_action(name, {"ActionID": "pbx-1", **fields})  # type: ignore[dict-item]
    uid = (await response.json())["uniqueid"]
    assert (
        wire
        == (
            "Action: Originate\r\nActionID: pbx-1\r\nChannelId: " + uid + "\r\nAsync: true\r\n"
            "Channel: PJSIP/1001\r\nContext: pbx-phones\r\nExten: 13800138000\r\nPriority: 1\r\n"
            'Timeout: 30000\r\nCallerID: "张伟, \\"VIP\\"" <+8613900001111>\r\n'
            "Variable: __PBX_AGENT=8001\r\n\r\n"
        ).encode()
    )
    (message,) = manager_headers(wire)  # one action, as manager.c reads it
    assert manager_variables(header_value(message, "Variable")) == {"__PBX_AGENT": "8001"}
    (caller_id,) = header_value(message, "CallerID")
    assert callerid_parse(caller_id) == ('张伟, "VIP"', "+8613900001111")


async def test_a_bare_number_as_caller_id_is_name_and_number(api: Api) -> None:
    response = await api.client.post(
        ORIGINATE, headers=api.auth,
        json={"number": "1002", "device": "PJSIP/1001", "caller_id": "4008001234"},
    )  # fmt: skip
    assert response.status == 202
    assert api.fake_ami.sent[-1][1]["CallerID"] == '"4008001234" <4008001234>'


async def test_a_caller_id_name_with_a_backslash_arrives_as_written(api: Api) -> None:
    """Sent raw, Asterisk would drop the backslash (ast_unescape_quoted)."""
    response = await api.client.post(
        ORIGINATE, headers=api.auth,
        json={"number": "1002", "device": "PJSIP/1001", "caller_id": "Sales\\Support <4008001234>"},
    )  # fmt: skip
    assert response.status == 202
    (message,) = manager_headers(format_action("Originate", api.fake_ami.sent[-1][1]))  # type: ignore[arg-type]
    (caller_id,) = header_value(message, "CallerID")
    assert callerid_parse(caller_id) == ("Sales\\Support", "4008001234")


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"kind": "agent", "value": "8002,__X=1"}, "target.value"),
        ({"kind": "agent", "value": "sales"}, "target.value"),  # not an agent code
        ({"kind": "queue", "value": "sales|x"}, "target.value"),
        ({"kind": "extension", "value": "1002\r\nAction: Hangup"}, "target.value"),
        ({"kind": "number", "value": "138,00"}, "target.value"),
        ({"kind": "planet", "value": "mars"}, "target.kind"),
    ],
)
async def test_transfer_targets_are_checked_by_their_kind(
    api: Api, target: dict[str, str], field: str
) -> None:
    _call, uniqueid = _talking(api)
    response = await api.client.post(
        f"/api/v1/channels/{uniqueid}/transfer", json={"target": target}, headers=api.auth
    )
    assert response.status == 400
    assert await _problem_fields(response) == [field]


async def test_a_queue_transfer_reaches_the_queue_context(api: Api) -> None:
    _call, uniqueid = _talking(api)
    response = await api.client.post(
        f"/api/v1/channels/{uniqueid}/transfer", headers=api.auth,
        json={"kind": "attended", "target": {"kind": "queue", "value": "support"}},
    )  # fmt: skip
    assert response.status == 200
    assert api.fake_ami.sent[-1][0] == "Atxfer"
    assert api.fake_ami.sent[-1][1]["Context"] == "pbx-queue-support"


async def test_spy_refuses_a_supervisor_device_with_options(api: Api) -> None:
    _call, uniqueid = _talking(api)
    response = await api.client.post(
        f"/api/v1/channels/{uniqueid}/spy", headers=api.auth,
        json={"mode": "listen", "supervisor_device": "PJSIP/1009,B"},
    )  # fmt: skip
    assert response.status == 400
    assert await _problem_fields(response) == ["supervisor_device"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/agents/8005/login", {"device": "PJSIP/1005&PJSIP/1001"}, "device"),
        ("/api/v1/agents/8005/login", {"device": "Local/x@ctx,tT"}, "device"),
        ("/api/v1/agents/8005/pause", {"reason": "break|PAUSEALL"}, "reason"),
        ("/api/v1/agents/8005/pause", {"reason": "break\r\nAction: Hangup"}, "reason"),
        ("/api/v1/agents/8005,x/login", None, "code"),
        ("/api/v1/agents/%E2%91%A0/logout", None, "code"),  # a circled digit: not a code
    ],
)
async def test_agent_actions_refuse_what_would_reach_asterisk_otherwise(
    api: Api, path: str, body: dict[str, str] | None, field: str
) -> None:
    sent = len(api.agents_ami.sent)
    response = await api.client.post(path, json=body, headers=api.auth)
    assert response.status == 400
    assert await _problem_fields(response) == [field]
    assert len(api.agents_ami.sent) == sent


async def test_an_agent_login_sends_the_device_once_per_field(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/agents/8005/login", json={"device": "PJSIP/1001"}, headers=api.auth
    )
    assert response.status == 200
    db_put = next(f for name, f in api.agents_ami.sent if name == "DBPut")
    assert db_put == {"Family": "pbx-agent", "Key": "8005", "Val": "PJSIP/1001"}
    await api.client.post("/api/v1/agents/8005/logout", headers=api.auth)


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (("login", "8005", "PJSIP/1005&PJSIP/1001"), "StateInterface"),
        (("login", "8005", "PJSIP/1005\r\nAction: Hangup"), "StateInterface"),
        (("pause", "8005", "break|PAUSEALL"), "Reason"),
        (("pause", "80,05", "break"), "MemberName"),
    ],
)
async def test_the_agent_service_itself_refuses_before_the_database_or_asterisk(
    api: Api, action: tuple[str, str, str], field: str
) -> None:
    """The CLI and the AGI routes call the service without the API's checks."""
    assert api.services.agents is not None
    method, code, value = action
    sent = len(api.agents_ami.sent)
    with pytest.raises(AmiValueError) as caught:
        await getattr(api.services.agents, method)(code, value)
    assert caught.value.field == field
    assert len(api.agents_ami.sent) == sent
    assert "8005" not in {state.code for state in await api.services.agents.logins()}


async def test_a_channel_path_with_a_line_break_is_400_naming_it(api: Api) -> None:
    response = await api.client.post("/api/v1/channels/x%0D%0AAction:%20Hangup/hangup",
                                      headers=api.auth)  # fmt: skip
    assert response.status == 400
    assert await _problem_fields(response) == ["uniqueid"]


# -- b. hostile requests get a 4xx, never a 500 ---------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": "100000000000000000000"}, "offset"),
        ({"offset": "9223372036854775808"}, "offset"),  # one beyond BIGINT
        ({"offset": "-1"}, "offset"),
        ({"offset": "١٢"}, "offset"),  # Arabic-Indic digits: int() takes them, we do not
        ({"limit": "1001"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"outcome": "0000000000000000"}, "outcome"),
        ({"agent": "8001\x00"}, "agent"),
        ({"number": "1\x00"}, "number"),
        ({"until": "0.5"}, "until"),  # a Unix time, not RFC 3339
        ({"since": "2026-11-23"}, "since"),
        ({"queue": "sales;drop"}, "queue"),
    ],
)
async def test_hostile_history_queries_are_400_naming_the_field(
    api: Api, params: dict[str, str], field: str
) -> None:
    for path in ("/api/v1/history/calls", "/api/v1/recordings"):
        if field in ("outcome", "queue") and path == "/api/v1/recordings":
            continue
        response = await api.client.get(path, params=params, headers=api.auth)
        assert response.status == 400, (path, await response.text())
        assert await _problem_fields(response) == [field]


async def test_the_largest_offset_and_times_at_the_ends_of_the_calendar_are_answered(
    api: Api,
) -> None:
    for params in (
        {"offset": "9223372036854775807"},
        {"since": "0001-01-01T00:00:00+23:59", "until": "9999-12-31T23:59:59-23:59"},
        {"since": "2026-01-01T00:00:00.1234567890+08:00"},
    ):
        response = await api.client.get("/api/v1/history/calls", params=params, headers=api.auth)
        assert response.status == 200, (params, await response.text())
    bounded = await api.client.get(
        "/api/v1/history/calls", params={"since": "9999-12-31T23:59:59-23:59"}, headers=api.auth
    )
    assert (await bounded.json())["calls"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/history/calls/²", "call_id"),
        ("/api/v1/history/calls/12345678901234567890", "call_id"),
        ("/api/v1/history/calls/0", "call_id"),
        ("/api/v1/history/calls/-1", "call_id"),
        ("/api/v1/history/calls/1e3", "call_id"),
        ("/api/v1/recordings/²/file", "recording_id"),
        ("/api/v1/recordings/99999999999999999999/file", "recording_id"),
    ],
)
async def test_ids_must_be_ascii_digits_within_bigint(api: Api, path: str, field: str) -> None:
    response = await api.client.get(path, headers=api.auth)
    assert response.status == 400
    assert await _problem_fields(response) == [field]
    deleted = await api.client.delete(path.removesuffix("/file"), headers=api.auth)
    if path.startswith("/api/v1/recordings"):
        assert deleted.status == 400


async def test_the_largest_id_is_a_404(api: Api) -> None:
    response = await api.client.get("/api/v1/history/calls/9223372036854775807", headers=api.auth)
    assert response.status == 404


def _json_headers(api: Api, content_type: str = "application/json") -> dict[str, str]:
    return {**api.auth, "Content-Type": content_type}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"number": "1001", "device": "PJSIP/1001", "caller_id": "\xff\xfe"}', "UTF-8"),
        (b"[" * 60_000, "nests 60000 levels"),  # within 64 KiB: json.loads would recurse
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nests 40 levels"),
        (b'{"number": NaN}', "NaN"),
        (b'{"number": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"number": "1001", "device": "PJSIP/1001", "caller_id": "\\ud800"}', "surrogate"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),  # a byte order mark
        (b"", "not valid JSON"),
    ],
)
async def test_bodies_that_are_not_plain_utf8_json_are_400(
    api: Api, data: bytes, message: str
) -> None:
    response = await api.client.post(ORIGINATE, data=data, headers=_json_headers(api))
    assert response.status == 400
    error = (await response.json())["error"]
    assert message in error["message"]
    assert error["problems"][0]["field"] in ("(body)", "caller_id")


async def test_a_body_beyond_64_kib_is_413(api: Api) -> None:
    body = json.dumps({"number": "1001", "device": "PJSIP/1001", "caller_id": "x" * 70_000})
    response = await api.client.post(ORIGINATE, data=body, headers=_json_headers(api))
    assert response.status == 413
    assert "64 KiB" in (await response.json())["error"]["message"]


async def test_a_body_in_another_charset_is_415(api: Api) -> None:
    response = await api.client.post(
        ORIGINATE, data=b"{}", headers=_json_headers(api, "application/json; charset=latin-1")
    )
    assert response.status == 415
    unknown = await api.client.post(
        ORIGINATE, data=b"{}", headers=_json_headers(api, "application/json; charset=x-nonsense")
    )
    assert unknown.status == 415


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/calls", {"GET", "HEAD"}),
        ("TRACE", "/api/v1/status", {"GET", "HEAD"}),
        ("GET", "/api/v1/calls/originate", {"POST"}),
        ("OPTIONS", "/api/v1/calls/originate", {"POST"}),
        ("PUT", "/api/v1/recordings/1", {"DELETE"}),
    ],
)
async def test_undeclared_methods_are_405_with_allow(
    api: Api, method: str, path: str, allowed: set[str]
) -> None:
    response = await api.client.request(method, path, headers=api.auth)
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == allowed
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_an_unexpected_failure_is_a_json_500_without_a_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[CallView]:
        raise RuntimeError("secret detail from /etc/pbx-controller/settings.toml")

    monkeypatch.setattr(api.services.tracker, "calls", broken)
    response = await api.client.get("/api/v1/calls", headers=api.auth)
    assert response.status == 500
    text = await response.text()
    assert "Traceback" not in text
    assert "secret" not in text
    assert json.loads(text)["error"]["code"] == "internal_error"


async def test_the_websocket_refuses_a_deeply_nested_message_and_stays_up(api: Api) -> None:
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=api.auth)).json()
    socket = await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    try:
        assert (await socket.receive_json(timeout=5))["type"] == "snapshot"
        await socket.send_str("[" * 30_000 + "]" * 30_000)
        error = await socket.receive_json(timeout=5)
        assert error["type"] == "error"
        assert "nests" in error["data"]["message"]
        await socket.send_json({"subscribe": ["calls"]})
        assert (await socket.receive_json(timeout=5))["type"] == "subscribed"
    finally:
        await socket.close()
