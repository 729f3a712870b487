"""The apply tells its progress step by step (the admin page's Apply shows it as it goes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from controller.dialplan import apply
from controller.dialplan.apply import ApplyStep, Module, Outcome, apply_files


class _FakeAmi:
    async def __aenter__(self) -> _FakeAmi:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None


@pytest.fixture
def fake_asterisk(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """An Asterisk that reloads every module; ``verdicts[module]`` is what its check finds."""
    verdicts: dict[str, list[str]] = {}

    async def open_session(*_args: object, **_kwargs: object) -> _FakeAmi:
        return _FakeAmi()

    async def reload(_ami: object, _module: Module) -> str | None:
        return None

    def check(module: Module):  # type: ignore[no-untyped-def]
        async def verify(*_args: object) -> list[str]:
            return verdicts.pop(module.value, [])

        return verify

    monkeypatch.setattr(apply.AmiSession, "open", open_session)
    monkeypatch.setattr(apply, "_reload", reload)
    monkeypatch.setattr(apply, "_VERIFY", {m: check(m) for m in Module})
    return verdicts


def _files() -> dict[str, str]:
    return {spec.name: f"; {spec.name}\n" for spec in apply.FILES}


def test_steps_come_in_order(tmp_path: Path, fake_asterisk: dict[str, list[str]]) -> None:
    steps: list[ApplyStep] = []
    files = _files()
    asyncio.run(apply_files(files, tmp_path, None, progress=steps.append))  # type: ignore[arg-type]
    steps.clear()
    files["queues.conf"] = "; changed\n"
    files["extensions_ivr.conf"] = "; changed\n"
    report = asyncio.run(apply_files(files, tmp_path, None, progress=steps.append))  # type: ignore[arg-type]
    assert report.outcome is Outcome.APPLIED
    seen = [(s.step, s.status, s.module) for s in steps]
    assert seen == [
        ("write", "start", ""),
        ("write", "done", ""),
        ("reload", "start", "pbx_config"),
        ("reload", "done", "pbx_config"),
        ("reload", "start", "app_queue"),
        ("reload", "done", "app_queue"),
        ("confirm", "done", "pbx_config"),
        ("confirm", "done", "app_queue"),
    ]
    assert "queues.conf" in steps[0].detail


def test_a_failed_confirmation_is_told_then_the_rollback(
    tmp_path: Path, fake_asterisk: dict[str, list[str]]
) -> None:
    files = _files()
    asyncio.run(apply_files(files, tmp_path, None))  # type: ignore[arg-type]
    files["queues.conf"] = "[sales]\nstrategy=bogus\n"
    fake_asterisk["app_queue"] = ["queues.conf: queue 'sales' did not take its settings"]
    steps: list[ApplyStep] = []
    report = asyncio.run(apply_files(files, tmp_path, None, progress=steps.append))  # type: ignore[arg-type]
    assert report.outcome is Outcome.ROLLED_BACK
    seen = [(s.step, s.status) for s in steps]
    assert seen.index(("confirm", "failed")) < seen.index(("rollback", "start"))
    assert seen[-1] == ("rollback", "done")
    failed = next(s for s in steps if s.status == "failed")
    assert "sales" in failed.detail


def test_nothing_changed_tells_nothing(tmp_path: Path, fake_asterisk: dict[str, list[str]]) -> None:
    files = _files()
    asyncio.run(apply_files(files, tmp_path, None))  # type: ignore[arg-type]
    steps: list[ApplyStep] = []
    report = asyncio.run(apply_files(files, tmp_path, None, progress=steps.append))  # type: ignore[arg-type]
    assert report.outcome is Outcome.APPLIED
    assert not report.changed
    assert steps == []
