"""tests/integration: tests against a real Asterisk 22, each marked ``@pytest.mark.asterisk``.

The sandbox fixtures (``asterisk_sandbox``, ``restart_asterisk``, ``ami_connect``, ``ami``,
``ami_events``) live in :mod:`tests.sandbox_fixtures`, a plugin shared with the browser tests.
Never import a fixture function into a test module or conftest: that defines it a second time.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    unmarked = [
        item.nodeid
        for item in items
        if here in item.path.parents and item.get_closest_marker("asterisk") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests in tests/integration must be marked @pytest.mark.asterisk: "
            + ", ".join(unmarked)
        )
