"""Validation of configuration files: every problem names line, object and field."""

from __future__ import annotations

import pytest

from controller.errors import ConfigFileError, ConfigIssue
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")

MINIMAL = """format: 1
site:
  name: Test Co
extensions:
  - number: '1001'
    name: Alice
queues:
  - name: support
ivr_menus:
  - name: main
    prompts: {zh: custom/main}
    options:
      '1': queue:support
inbound_routes:
  - name: main
    did: '4001'
    destination: ivr:main
"""


def issues_of(text: str) -> list[ConfigIssue]:
    with pytest.raises(ConfigFileError) as caught:
        parse_config(text, "f.yaml")
    return caught.value.issues


def only_issue(text: str) -> ConfigIssue:
    found = issues_of(text)
    assert len(found) == 1, found
    return found[0]


def test_example_and_minimal_files_are_valid() -> None:
    assert len(parse_config(EXAMPLE_TEXT).config.extensions) == 10
    minimal = parse_config(MINIMAL).config
    assert minimal.site.timezone == "Asia/Shanghai"
    assert minimal.extensions[0].phone is not None  # a phone by default


def test_customer_numbers_are_normalised_to_e164() -> None:
    text = (
        MINIMAL
        + "customers:\n  - code: C1\n    name: X\n    numbers: ['138 0013 8000', '010-6552 9988']\n"
    )
    customer = parse_config(text).config.customers[0]
    assert customer.numbers == ["+8613800138000", "+861065529988"]


@pytest.mark.parametrize(
    ("replace", "by", "line", "obj", "field", "message"),
    [
        (
            "  name: Test Co\n",
            "  name: Test Co\n  timezone: Mars/Olympus\n",
            4,
            "site",
            "timezone",
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            "    name: Alice\n",
            "    name: Alice\n    ring_seconds: -3\n",
            7,
            "extension '1001'",
            "ring_seconds",
            "greater than or equal to 1",
        ),
        (
            "    name: Alice\n",
            "    name: Alice\n    ringseconds: 3\n",
            7,
            "extension '1001'",
            "ringseconds",
            "unknown field 'ringseconds'; did you mean 'ring_seconds'?",
        ),
        (
            "  - name: support\n",
            "  - name: Support Team\n",
            8,
            "queue 'Support Team'",
            "name",
            "is not a valid name",
        ),
        (
            "      '1': queue:support\n",
            "      '1': queue:billing\n",
            13,
            "IVR menu 'main'",
            "options['1']",
            "destination queue:billing: queue does not exist",
        ),
        (
            "      '1': queue:support\n",
            "      '1x': queue:support\n",
            13,
            "IVR menu 'main'",
            "options['1x']",
            "is not a single key",
        ),
        (
            "    destination: ivr:main\n",
            "    destination: ivr\n",
            17,
            "inbound route 'main'",
            "destination",
            "needs a target",
        ),
        (
            "    prompts: {zh: custom/main}\n",
            "    prompts: {en: custom/main}\n",
            11,
            "IVR menu 'main'",
            "prompts",
            "no prompt for the site's default language 'zh'",
        ),
        (
            "    prompts: {zh: custom/main}\n",
            "    prompts: {zh: ../../etc/passwd}\n",
            11,
            "IVR menu 'main'",
            "prompts.zh",
            "is not a prompt name",
        ),
        (
            "    did: '4001'\n",
            "    did: '4001;x'\n",
            16,
            "inbound route 'main'",
            "did",
            "is not a DID number",
        ),
        ("format: 1\n", "format: 2\n", 1, None, "format", "reads format 1, not 2"),
    ],
)
def test_single_problem_is_located(
    replace: str, by: str, line: int, obj: str | None, field: str, message: str
) -> None:
    assert replace in MINIMAL
    issue = only_issue(MINIMAL.replace(replace, by, 1))
    assert (issue.line, issue.object, issue.field) == (line, obj, field)
    assert message in issue.message


def test_all_problems_are_reported_at_once() -> None:
    text = MINIMAL.replace("    name: Alice\n", "    name: Alice\n    ring_seconds: x\n").replace(
        "  - name: support\n", "  - name: support\n    strategy: random-ish\n"
    )
    found = issues_of(text)
    assert [(i.object, i.field) for i in found] == [
        ("extension '1001'", "ring_seconds"),
        ("queue 'support'", "strategy"),
    ]


def test_duplicates_point_at_the_second_occurrence() -> None:
    text = MINIMAL.replace("queues:\n", "  - number: '1001'\n    name: Bob\nqueues:\n")
    issue = only_issue(text)
    assert issue.line == 7
    assert issue.message == "duplicate extension '1001' (first defined at line 5)"


def test_missing_required_field() -> None:
    issue = only_issue(MINIMAL.replace("    name: Alice\n", ""))
    assert (issue.line, issue.object, issue.field, issue.message) == (
        5,
        "extension '1001'",
        "name",
        "required field is missing",
    )


def test_references_between_objects_are_checked() -> None:
    text = MINIMAL + (
        "agents:\n  - code: '8001'\n    name: A\n    extension: '1999'\n    skills: {chinese: 5}\n"
        "customers:\n  - code: C1\n    name: X\n    numbers: ['+8613800138000']\n    owner: '8009'\n"
        "  - code: C2\n    name: Y\n    numbers: ['13800138000']\n"
    )
    messages = {(i.object, i.field): i.message for i in issues_of(text)}
    assert messages == {
        ("agent '8001'", "extension"): "extension '1999' does not exist",
        ("agent '8001'", "skills.chinese"): "skill 'chinese' does not exist",
        ("customer 'C1'", "owner"): "agent '8009' does not exist",
        (
            "customer 'C2'",
            "numbers[0]",
        ): "number +8613800138000 already belongs to customer 'C1' (line 26)",
    }


def test_time_condition_loop_is_refused() -> None:
    text = MINIMAL + (
        "time_conditions:\n"
        "  - name: a\n    rules: [{days: [mon], start: '09:00', end: '17:00'}]\n"
        "    open: time_condition:b\n    closed: hangup\n"
        "  - name: b\n    rules: [{days: [tue], start: '09:00', end: '17:00'}]\n"
        "    open: ivr:main\n    closed: time_condition:a\n"
    )
    found = issues_of(text)
    assert [i.message for i in found] == ["time conditions loop: a -> b -> a"]


def test_time_rule_must_not_run_backwards() -> None:
    text = MINIMAL + (
        "time_conditions:\n  - name: night\n    rules: [{days: [mon], start: '22:00', end: '06:00'}]\n"
    )
    issue = only_issue(text)
    assert issue.field == "rules[0]"
    assert "write an overnight opening as two rules" in issue.message


@pytest.mark.parametrize(
    "password", ["short", "123456789012345", "aaaaaaaaaaaaaaaa", "has space in it!"]
)
def test_weak_phone_passwords_are_refused(password: str) -> None:
    text = MINIMAL.replace(
        "    name: Alice\n", f"    name: Alice\n    phone:\n      password: '{password}'\n"
    )
    issue = only_issue(text)
    assert issue.field == "phone.password"


def test_a_file_that_is_not_a_mapping() -> None:
    issue = only_issue("- a\n- b\n")
    assert issue.message == "the file must be a mapping of sections"


def test_issue_rendering() -> None:
    issue = ConfigIssue("bad", 12, "queue 'sales'", "members[0].agent")
    assert issue.render("f.yaml") == "f.yaml:12: queue 'sales': field members[0].agent: bad"


def test_an_unknown_screen_pop_placeholder_names_the_queue_and_field() -> None:
    text = MINIMAL.replace(
        "  - name: support\n",
        "  - name: support\n    screen_pop_url: https://crm.example/c?phone={phone}\n",
    )
    issue = only_issue(text)
    assert (issue.object, issue.field) == ("queue 'support'", "screen_pop_url")
    assert "unknown placeholder {phone}" in issue.message


def test_a_queue_offers_only_configured_dispositions_each_once() -> None:
    text = (
        MINIMAL.replace(
            "  - name: support\n",
            "  - name: support\n    dispositions: [resolved, sold, resolved]\n",
        )
        + "dispositions:\n  - code: resolved\n    label: 已解决\n"
    )
    found = {(i.object, i.field, i.message) for i in issues_of(text)}
    assert found == {
        ("queue 'support'", "dispositions[1]", "disposition 'sold' does not exist"),
        ("queue 'support'", "dispositions[2]", "disposition 'resolved' is listed twice"),
    }
