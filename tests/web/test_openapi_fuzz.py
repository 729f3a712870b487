"""OpenAPI-driven fuzzing: schemathesis, run the way a user runs it, against the application
the other web tests use (tests/web/conftest.py), signed in with an admin token.

    schemathesis run openapi.json --url http://127.0.0.1:PORT/ --checks all \\
        -H "Authorization: Bearer <admin token>" --max-examples 25 --seed 20261123

Every check is on (no server error, every status and body as documented, invalid input
refused, valid input accepted, 405 with Allow for undeclared methods ...), so a failure here is
either a bug or a wrong document. The run is bounded and repeatable: a fixed number of
examples per operation and a fixed seed, no example database (about 20 s here). Real ids of
the test data (live calls and channels, agents, queues, history rows) are offered for half of
the path parameters, so the fuzzer reaches the handlers' own logic instead of stopping at 404.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from controller.access.throttle import Throttle
from controller.db.models import Call, Recording
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

EXAMPLES_PER_OPERATION = 25
SEED = 20261123
# A guard against a hang, not a speed check: ~100 s on a quiet machine, 4+ min on a busy one.
TIME_LIMIT_S = 900


def _config(api: Api) -> str:
    """schemathesis.toml: real ids, offered for half of the generated path parameters."""
    tracker = api.services.tracker
    calls = tracker.calls()
    with api.factory() as session:
        call_ids = session.scalars(select(Call.id)).all()
        recording_ids = session.scalars(select(Recording.id)).all()
    dictionaries = {
        "linkedid": [c.linkedid for c in calls],
        "uniqueid": [ch.uniqueid for c in calls for ch in c.channels],
        "code": ["8001", "8002", "8005"],
        "name": sorted({q.name for q in tracker.queues()}),
        "call_id": list(call_ids),
        "recording_id": list(recording_ids),
    }
    lines = []
    for name, values in dictionaries.items():
        assert values, f"the test data has no {name}"
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name in dictionaries:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    # A report's query has rules across its fields that OpenAPI cannot state (to not before
    # from, at most 31 days per 15 minutes, a drill-down's figure of the report it names):
    # a request valid field by field may get a 400 naming the rule. Every other check runs.
    lines += ["", "[[operations]]", 'include-path-regex = "^/api/v1/reports/"',
              "[operations.checks.positive_data_acceptance]",
              'expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]']  # fmt: skip
    # A webhook's address: whether a bracketed IPv6 host or a port is valid is checked by
    # the validator (a 400 naming 'url'), not by the pattern.
    lines += ["", "[[operations]]", 'include-path-regex = "^/api/v1/webhooks"',
              "[operations.checks.positive_data_acceptance]",
              'expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]']  # fmt: skip
    return "\n".join(lines) + "\n"


async def test_the_api_answers_as_its_openapi_document_says(api: Api, tmp_path: Path) -> None:
    # The ignored_auth check sends unknown tokens for every operation: past 30 a minute the
    # address would get 429 for everything (tested in test_login), and nothing else would be
    # tested.
    api.services.auth.bad_tokens = Throttle(10**9, 60.0)
    document = await (await api.client.get("/api/v1/openapi.json", headers=api.auth)).json()
    (tmp_path / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "schemathesis.toml").write_text(_config(api), encoding="utf-8")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", "schemathesis.toml", "--no-color",
        "run", "openapi.json", "--url", str(api.client.make_url("/")), "--checks", "all",
        "-H", f"Authorization: Bearer {api.token}",
        "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED),
        "--generation-database", "none", "--workers", "1",
    ]  # fmt: skip
    local = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    process = await asyncio.create_subprocess_exec(
        *command, cwd=tmp_path, env={**os.environ, **local},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), TIME_LIMIT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"schemathesis ran longer than {TIME_LIMIT_S} s")
    report = output.decode("utf-8", "replace")
    assert process.returncode == 0, report[-8000:]
    cases = re.search(r"(\d+) generated, (\d+) passed", report)
    assert cases is not None, report[-3000:]
    assert int(cases.group(1)) >= 1000, report[-3000:]  # it did test, and it all passed
    assert int(cases.group(1)) == int(cases.group(2)), report[-3000:]
    assert "Unresolvable" not in report
    assert "Server error" not in report
