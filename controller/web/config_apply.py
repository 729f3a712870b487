"""The admin pages' pending changes and Apply: the ``dialplan diff`` and ``dialplan apply`` of
the CLI (:mod:`controller.dialplan.service`), run for a browser.

Apply never holds a request: ``POST /admin/apply`` starts it and answers at once; its
progress goes to the websocket (message ``apply``, topic ``apply``, scope ``config.read``)
and ends with one result: ``applied``, ``nothing`` (nothing to do), ``refused`` (Asterisk
was not touched; the lint or the reason says what is at fault) or ``rolled_back`` (Asterisk
did not take the new files and runs the previous ones; ``rollback_failed`` if even that
failed). One apply at a time; ``GET /admin/apply/state`` gives the last one to a page that
(re)connects. The render and the apply run in a thread of their own, so the server keeps
answering while a large site renders.
"""

from __future__ import annotations

import asyncio
import difflib
import itertools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controller.access import audit
from controller.config import Settings
from controller.dialplan import phones, service
from controller.dialplan.apply import ApplyStep, Outcome, Progress, changed_files

logger = logging.getLogger(__name__)

# Lines of the generated files that hold secrets: never shown in a page.
_SECRET_LINE = re.compile(r"^(\s*(?:password|secret)\s*=\s*).+$", re.IGNORECASE)
_MAILBOX_LINE = re.compile(r"^(\s*\d+\s*=>\s*)[^,]*(,.*)$")
MAX_DIFF_LINES = 2000  # per file: a page shows the start of a huge change, and says so


@dataclass(frozen=True, slots=True)
class PendingFile:
    name: str
    diff: str  # unified diff, secrets masked
    added: int
    removed: int
    truncated: bool


def _masked(line: str, name: str) -> str:
    line = _SECRET_LINE.sub(r"\1********", line)
    if name == "voicemail.conf":
        line = _MAILBOX_LINE.sub(r"\1****\2", line)
    return line


def file_diff(name: str, old: str, new: str) -> PendingFile:
    lines = list(
        difflib.unified_diff(
            [_masked(x, name) for x in old.splitlines()],
            [_masked(x, name) for x in new.splitlines()],
            f"a/{name}",
            f"b/{name}",
            lineterm="",
        )
    )
    added = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
    removed = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
    shown = lines[:MAX_DIFF_LINES]
    return PendingFile(name, "\n".join(shown), added, removed, len(lines) > len(shown))


class Dialplan(Protocol):
    """What the admin pages need of the dialplan service (a fake in tests)."""

    def pending(self) -> list[PendingFile]: ...

    async def apply(self, progress: Progress = None) -> service.Applied: ...


@dataclass
class AsteriskDialplan:
    """The real one: this server's settings and database."""

    settings: Settings
    engine: Engine

    def pending(self) -> list[PendingFile]:
        directory = service.generated_dir(self.settings)
        # As `pbxctl dialplan diff`: pjsip.conf as Asterisk gets it (the phones are rows of
        # phones.sqlite3), then the phone rows that would change, secrets not shown.
        rendered = service.render_from_database(self.settings, self.engine)
        prepared = phones.prepare(rendered, directory)
        files = prepared.files
        found = []
        for name in changed_files(files, directory):
            path = directory / name
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            found.append(file_diff(name, old, files[name]))
        rows = phones.describe(prepared.sync) if prepared.sync is not None else []
        if rows or (prepared.sync is not None and prepared.sync.changed):
            shown = rows[:MAX_DIFF_LINES] or ["~ phone templates"]
            added = sum(1 for x in shown if x.startswith("+"))
            removed = sum(1 for x in shown if x.startswith("-"))
            found.append(PendingFile(phones.DB_FILE, "\n".join(shown), added, removed,
                                     len(rows) > len(shown)))  # fmt: skip
        return found

    async def apply(self, progress: Progress = None) -> service.Applied:
        return await service.apply_from_database(self.settings, self.engine, progress=progress)


RESULTS = {
    Outcome.APPLIED: "applied",
    Outcome.REFUSED: "refused",
    Outcome.ROLLED_BACK: "rolled_back",
    Outcome.ROLLBACK_FAILED: "rollback_failed",
}


@dataclass
class ApplyState:
    id: int = 0
    state: str = "idle"  # idle, running, applied, nothing, refused, rolled_back, ...
    phase: str = ""  # while running: what it does now
    started_by: str = ""
    started_at: float = 0.0
    finished_at: float | None = None
    changed: list[str] = field(default_factory=list)
    reloaded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: str = ""  # the CLI's text of the outcome
    # Each step as it happened: {step, status, module, detail} (ApplyStep), in order.
    steps: list[dict[str, str]] = field(default_factory=list)
    # What a refusal is about, where it names an object: {section, key, field, message, link}
    # (and ``prompt``, the name of a prompt with no sound file).
    faults: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Busy(Exception):
    def __init__(self, state: ApplyState) -> None:
        super().__init__(f"an apply started by {state.started_by} is running")
        self.state = state


Publish = Callable[[dict[str, Any]], Awaitable[None]]


class ApplyRunner:
    """One apply at a time, its progress published as it goes."""

    def __init__(self, dialplan: Dialplan, factory: sessionmaker[Session]) -> None:
        self.dialplan = dialplan
        self.factory = factory
        self.state = ApplyState()
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None

    def start(self, actor: audit.Actor, publish: Publish) -> ApplyState:
        if self.state.state == "running":
            raise Busy(self.state)
        self.state = ApplyState(
            id=next(self._ids),
            state="running",
            phase="render",
            started_by=actor.name,
            started_at=time.time(),
        )
        self._task = asyncio.get_running_loop().create_task(self._run(actor, publish))
        return self.state

    async def wait(self) -> None:
        """Until the running apply ended (tests)."""
        if self._task is not None:
            await self._task

    async def _run(self, actor: audit.Actor, publish: Publish) -> None:
        state = self.state
        await publish(state.as_json())
        loop = asyncio.get_running_loop()
        published: list[asyncio.Future[None]] = []

        def step(done: ApplyStep) -> None:  # on the server's loop, in the order told
            if state.finished_at is not None:
                return
            state.steps.append(asdict(done))
            state.phase = done.step
            published.append(asyncio.ensure_future(publish(state.as_json())))

        def progress(done: ApplyStep) -> None:  # in the apply's thread
            loop.call_soon_threadsafe(step, done)

        try:
            # Its own thread and event loop: rendering a large site is CPU work that must not
            # stop the server's loop (pages, websockets) meanwhile.
            applied = await asyncio.to_thread(asyncio.run, self.dialplan.apply(progress=progress))
        except Exception as exc:  # the reason goes to the page; the trace to the log
            logger.exception("admin=apply_failed")
            state.state, state.problems = "refused", [str(exc) or type(exc).__name__]
            state.summary = "not applied: Asterisk was not touched"
        else:
            report = applied.report
            state.changed = list(report.changed)
            state.reloaded = [m.value for m in report.reloaded]
            state.problems = list(report.problems)
            state.warnings = [str(i) for i in applied.lint if not i.error][:50]
            state.summary = report.render()
            state.faults = [
                {"section": u.section, "key": u.key, "field": u.field, "prompt": u.name,
                 "message": u.problem, "link": f"/admin/objects/{u.section}/{quote(u.key)}"}
                for u in applied.missing_prompts
            ]  # fmt: skip
            outcome = RESULTS[report.outcome]
            state.state = "nothing" if outcome == "applied" and not report.changed else outcome
        await asyncio.sleep(0)  # the steps the thread told last are taken before the end
        await asyncio.gather(*published, return_exceptions=True)
        state.phase, state.finished_at = "", time.time()
        await asyncio.to_thread(self._audit, actor, state)
        await publish(state.as_json())

    def _audit(self, actor: audit.Actor, state: ApplyState) -> None:
        if state.state == "nothing":
            return  # as the CLI: "already current" is not an event
        entry = audit.Entry(
            "dialplan.apply",
            "dialplan",
            success=state.state == "applied",
            detail={
                "outcome": state.state,
                "changed": state.changed,
                "reloaded": state.reloaded,
                "problems": state.problems[:20],
            },
        )
        try:
            with self.factory() as session, session.begin():
                audit.record(session, actor, entry)
        except Exception:
            logger.exception("admin=apply_audit_failed")
