"""Drive simulated callers into the real inbound flow over AMI and record what happens.

Each caller is ``Originate Local/<keys>@pbx-demo-caller`` into the inbound context at a DID:
the originated half runs the company's real flow (time condition, IVR, FastAGI, queue); the
other half answers, waits for the menu, presses ``keys`` and stays on the line until the
call ends. Calls are bounded in number, concurrency and time, and go to loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from controller.ami.filters import EventFilter
from controller.ami.protocol import Message
from controller.ami.session import AmiError, AmiSession
from controller.loadtest.calls import EVENTS, CallBook

MAX_CALLS = 10_000
MAX_CONCURRENCY = 500
MAX_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class LoadPlan:
    calls: int
    concurrency: int
    did: str
    keys: str = "1"
    max_seconds: float = 600.0  # stop waiting for calls after this, whatever happens
    caller_wait: int = 120  # seconds a simulated caller stays on the line at most
    inbound_context: str = "pbx-from-trunk"

    def check(self) -> None:
        if not 1 <= self.calls <= MAX_CALLS:
            raise ValueError(f"calls must be 1-{MAX_CALLS}, not {self.calls}")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be 1-{MAX_CONCURRENCY}, not {self.concurrency}")
        if not 0 < self.max_seconds <= MAX_SECONDS:
            raise ValueError(f"duration must be at most {MAX_SECONDS} s")
        if not self.keys or not all(k in "0123456789*#" for k in self.keys):
            raise ValueError(f"keys must be digits, * or #, not {self.keys!r}")


class LoadRunner:
    """Runs a :class:`LoadPlan` on an AMI session that receives events."""

    def __init__(self, ami: AmiSession, plan: LoadPlan, run_id: str) -> None:
        plan.check()
        if not re.fullmatch(r"[A-Za-z0-9_]+", run_id):
            raise ValueError(f"run id must be letters, digits and _, not {run_id!r}")
        self.ami = ami
        self.plan = plan
        self.run_id = run_id
        self.book = CallBook()
        self._done: dict[str, asyncio.Future[None]] = {}
        self._numbers = itertools.count(1)

    def event_filters(self) -> tuple[EventFilter, ...]:
        """What the session needs from Asterisk: the events the book reads, about our callers'
        channels only. Everything else (a hundred events per call) is not sent at all, so the
        load generator stays light beside the processes it measures."""
        ours = f"^{self.run_id}-[0-9]+$"  # ChannelId = Uniqueid; not the "-caller" halves
        return tuple(EventFilter(name, "Uniqueid", "regex", ours) for name in EVENTS)

    def on_event(self, event: Message) -> None:
        # Never raises: an AMI callback that raises would cost us the connection.
        call_id = event.get("Uniqueid", "")
        self.book.on_event(event, time.monotonic())
        self._settle(call_id)

    def _settle(self, call_id: str) -> None:
        record = self.book.calls.get(call_id)
        waiter = self._done.get(call_id)
        if record is not None and record.ended_at is not None and waiter and not waiter.done():
            waiter.set_result(None)

    async def _one_call(self, slots: asyncio.Semaphore) -> None:
        async with slots:
            number = next(self._numbers)
            call_id = f"{self.run_id}-{number}"
            caller = f"1380000{number:04d}"
            self.book.sent(call_id, time.monotonic())
            self._done[call_id] = asyncio.get_running_loop().create_future()
            try:
                await self.ami.action(
                    "Originate",
                    Channel=f"Local/{self.plan.keys}@pbx-demo-caller",
                    Context=self.plan.inbound_context,
                    Exten=self.plan.did,
                    Priority=1,
                    Async="true",
                    Timeout=30_000,
                    CallerID=f"{caller} <{caller}>",
                    ChannelId=call_id,
                    OtherChannelId=f"{call_id}-caller",
                    Variable=[f"PBX_DEMO_WAIT={self.plan.caller_wait}"],
                )
            except AmiError as exc:
                self.book.failed(call_id, time.monotonic(), str(exc))
                return
            # Hold the slot until the call has ended: concurrency means calls in progress.
            remaining = self._deadline - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._done[call_id]), max(remaining, 0.01))

    async def run(self, progress: Callable[[CallBook], None] | None = None) -> CallBook:
        self._deadline = time.monotonic() + self.plan.max_seconds
        slots = asyncio.Semaphore(self.plan.concurrency)
        tasks = [asyncio.create_task(self._one_call(slots)) for _ in range(self.plan.calls)]
        while not all(task.done() for task in tasks):
            await asyncio.wait(tasks, timeout=0.5)
            if progress is not None:
                progress(self.book)
        for task in tasks:
            task.result()  # surface a bug, not hide it
        return self.book
