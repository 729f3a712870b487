"""Screen-pop URL templates: checked at import, filled per call with percent-encoded values."""

from __future__ import annotations

import pytest

from controller import urltemplate


def test_each_value_is_percent_encoded_whole() -> None:
    url = urltemplate.render(
        "https://crm.example/customer?phone={caller_e164}&name={caller_name}#{queue}",
        {"caller_e164": "+8613800138000", "caller_name": "张 三&x=1/#", "queue": "sales"},
    )
    assert url == (
        "https://crm.example/customer?phone=%2B8613800138000"
        "&name=%E5%BC%A0%20%E4%B8%89%26x%3D1%2F%23#sales"
    )


def test_an_unknown_value_is_empty_and_literal_braces_stay() -> None:
    url = urltemplate.render("https://crm.example/{{x}}/{customer_code}", {"customer_code": None})
    assert url == "https://crm.example/{x}/"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("https://crm.example/?p={phone}", "unknown placeholder {phone}; known: {caller_e164}"),
        ("https://crm.example/?p={}", "unknown placeholder {}"),
        ("https://crm.example/?p={0}", "unknown placeholder {0}"),
        ("https://crm.example/?p={queue.name}", "unknown placeholder {queue.name}"),
        ("https://crm.example/?p={queue!r}", "takes no format"),
        ("https://crm.example/?p={queue:>9}", "takes no format"),
        ("https://crm.example/?p={queue", "not a valid template"),
        ("https://{queue}.example/", "the host must be written out"),
        ("javascript:alert({queue})", "must start with http:// or https://"),
        ("/customer?p={queue}", "must start with http:// or https://"),
        ("https://crm.example/a b", "no spaces"),
        ("https://crm.example/" + "a" * 1000, "at most 1000"),
    ],
)
def test_a_bad_template_is_refused_saying_why(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        urltemplate.check(template)
