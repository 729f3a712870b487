"""Fixtures of the AMI client tests: a scripted AMI server on a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.unit.ami.fake_ami import FakeAmi


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = FakeAmi()
    server.port = await server.start()  # type: ignore[attr-defined]
    yield server
    await server.stop()
