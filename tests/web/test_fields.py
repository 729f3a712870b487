"""The API's field types against the configuration's and the AMI encoder's: an agent code the
API accepts is one the configuration accepts, and whatever the API accepts the encoder sends
unchanged (the API boundary is the narrower of the two)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from controller.ami import encode
from controller.pbxconfig import types as config_types
from controller.web.api import fields

SAMPLES = ["8001", "00", "1", "12345678901", "1001", "0100", "sales", "Sales", "a_b-c", "-x",
           "8001\n", "８００１", "²", "", "中文", "a" * 49, "break", "a|b"]  # fmt: skip


def _accepts(adapter: TypeAdapter[Any], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("api_type", "config_type"),
    [
        (fields.AgentCode, config_types.AgentCode),
        (fields.ExtensionNumber, config_types.ExtensionNumber),
        (fields.PauseReason, config_types.Name),
    ],
)
def test_api_and_configuration_agree_on_a_value(api_type: Any, config_type: Any) -> None:
    api, config = TypeAdapter(api_type), TypeAdapter(config_type)
    for value in SAMPLES:
        assert _accepts(api, value) == _accepts(config, value), value


def test_every_configured_queue_name_is_an_api_queue_name() -> None:
    api, config = TypeAdapter(fields.QueueName), TypeAdapter(config_types.Name)
    assert all(_accepts(api, value) for value in SAMPLES if _accepts(config, value))


def _values(api_type: Any) -> st.SearchStrategy[str]:
    pattern = TypeAdapter(api_type).json_schema()["pattern"]
    return st.from_regex(pattern.removeprefix("^").removesuffix("$"), fullmatch=True)


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(
    code=_values(fields.AgentCode),
    queue=_values(fields.QueueName),
    reason=_values(fields.PauseReason),
    number=_values(fields.DialNumber),
    device=_values(fields.Device),
    caller_id=_values(fields.CallerIdText),
)
def test_what_the_api_accepts_the_encoder_sends_unchanged(
    code: str, queue: str, reason: str, number: str, device: str, caller_id: str
) -> None:
    assert encode.name("MemberName", code) == code
    assert encode.variable("__PBX_AGENT", code) == f"__PBX_AGENT={code}"
    assert encode.name("Queue", queue) == queue
    assert encode.name("Reason", reason) == reason
    assert encode.exten("Exten", number) == number
    assert encode.device("Channel", device) == device
    encode.caller_id("CallerID", *fields.caller_id_parts(caller_id))  # raises if it cannot


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("13800138000", ("13800138000", "13800138000")),
        ("Sales <4008001234>", ("Sales", "4008001234")),
        ('"Zhang, San" <1001>', ("Zhang, San", "1001")),
        ('"say \\"hi\\"" <1001>', ('say "hi"', "1001")),
        ("张伟<+8613800138000>", ("张伟", "+8613800138000")),
    ],
)
def test_caller_ids_are_read_as_a_person_writes_them(text: str, parts: tuple[str, str]) -> None:
    assert TypeAdapter(fields.CallerIdText).validate_python(text) == text
    assert fields.caller_id_parts(text) == parts
