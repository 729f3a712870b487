"""Queue callback: placeholders that keep the caller's place (shared/asterisk/CALLBACK.md).

A request gets its placeholder at once, before the caller confirms the number: an AMI
Originate of ``Local/<id>@pbx-cb-hold/n`` that waits in the queue at the caller's position
with the caller's priority. When an agent answers it, ``callback-dial`` waits for the
confirmation, then the dialplan calls the customer. Fixed ChannelIds make a re-sent
Originate (after an AMI reconnect or a restart) harmless: Asterisk refuses a second channel
with the same id while the first lives.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from controller.agi.callback_store import CallbackStore, RequestRow
from controller.agi.placeholders import AmiActions, Placeholders
from controller.db.models.history import CallbackState
from controller.routing import callback as rules_cb
from controller.routing.rules import Rules

log = logging.getLogger("controller.agi")


@dataclass(frozen=True, slots=True)
class Verdict:
    dial: bool
    reason: str


class CallbackService:
    def __init__(
        self,
        store: CallbackStore,
        ami: AmiActions,
        rules: Callable[[], Rules | None],
        clock: Callable[[], dt.datetime],
        dialable: Callable[[str, str], str],
    ) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.placeholders = Placeholders(ami, store, rules, clock, dialable)
        self._confirmations: dict[int, asyncio.Future[bool]] = {}
        self._retries: dict[int, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._registering: set[tuple[str, str]] = set()  # (queue, number) being stored now
        # Told of each request the caller confirmed (the CRM webhooks: callback.requested).
        self.on_confirmed: list[Callable[[RequestRow], None]] = []

    # -- the caller asks ---------------------------------------------------------------------

    async def is_waiting(self, queue: str, number: str) -> bool:
        """A request for this number is waiting in this queue, or is being registered now
        (two calls from one number pressing the key at once must not both get one)."""
        if (queue, number) in self._registering:
            return True
        return await asyncio.to_thread(self.store.is_waiting, queue, number, self.clock())

    async def register(
        self, queue: str, number: str, position: int, priority: int, linkedid: str | None
    ) -> RequestRow:
        """Store the request and put its placeholder into the queue (before answering)."""
        rules = self._rules()
        now = self.clock()
        timing = rules_cb.placeholder_for(rules.queues[queue], now)
        key = (queue, number)
        if key in self._registering:
            raise RuntimeError(f"a callback for {number} in queue {queue} is being registered")
        self._registering.add(key)
        try:
            row = await asyncio.to_thread(
                self.store.create, queue, number, position, priority, linkedid, now,
                timing.expires_at,
            )  # fmt: skip
        finally:
            self._registering.discard(key)
        self._confirmations[row.id] = asyncio.get_running_loop().create_future()
        try:
            await self.placeholders.place(row, position)
        except Exception:
            self._settle(row.id, False)
            await asyncio.to_thread(self.store.finish, row.id, CallbackState.FAILED, self.clock())
            raise
        return row

    def confirm(self, row: RequestRow) -> None:
        self._settle(row.id, True)
        for listener in self.on_confirmed:
            try:
                listener(row)
            except Exception:  # a listener's fault never reaches the caller's call
                log.exception("event=callback_listener_failed id=%d", row.id)

    async def withdraw(self, row: RequestRow) -> int | None:
        """The caller did not confirm: remove the placeholder; return its position (the
        caller takes it back), or None when it was not found."""
        self._settle(row.id, False)
        position = await self.placeholders.position(row)
        await self.placeholders.hang_up(row)
        await asyncio.to_thread(self.store.finish, row.id, CallbackState.CANCELED, self.clock())
        return position

    def _settle(self, request_id: int, confirmed: bool) -> None:
        future = self._confirmations.pop(request_id, None)
        if future is not None and not future.done():
            future.set_result(confirmed)

    # -- an agent took the placeholder -------------------------------------------------------

    async def may_dial(self, request_id: int, agent: str | None, wait: float) -> Verdict:
        future = self._confirmations.get(request_id)
        if future is not None:
            # The agent answered while the caller is still confirming: hold on.
            try:
                if not await asyncio.wait_for(asyncio.shield(future), wait):
                    return Verdict(False, "the caller withdrew the request")
            except TimeoutError:
                return Verdict(False, "the caller did not confirm in time")
        row = await asyncio.to_thread(self.store.get, request_id)
        if row is None or row.state is not CallbackState.PENDING:
            return Verdict(False, f"request is {row.state if row else 'unknown'}")
        now = self.clock()
        if row.expires_at <= now:
            await asyncio.to_thread(self.store.finish, row.id, CallbackState.EXPIRED, now)
            return Verdict(False, "the request expired")
        if not self._callable_now(row.queue):
            # The wait ran past the calling hours: try again later, not now.
            self._schedule(row.id, self._retry_delay(row.queue))
            return Verdict(False, "outside the callback's calling hours")
        await asyncio.to_thread(self.store.start_attempt, row.id, agent, now)
        return Verdict(True, "")

    def _callable_now(self, queue_name: str) -> bool:
        return rules_cb.callable_now(self.rules(), queue_name, self.clock())

    def _retry_delay(self, queue_name: str) -> float:
        return rules_cb.retry_delay(self.rules(), queue_name)

    async def dialled(self, request_id: int, dial_status: str) -> rules_cb.NextStep:
        now = self.clock()
        await asyncio.to_thread(self.store.end_attempt, request_id, dial_status, now)
        row = await asyncio.to_thread(self.store.get, request_id)
        if row is None:
            return rules_cb.NextStep.GIVE_UP
        rules = self.rules()
        queue = rules.queues.get(row.queue) if rules is not None else None
        step = rules_cb.after_attempt(queue, dial_status, row.attempts, row.expires_at <= now)
        if step is rules_cb.NextStep.DONE:
            await asyncio.to_thread(self.store.finish, row.id, CallbackState.DONE, now)
        elif step is rules_cb.NextStep.GIVE_UP:
            final = CallbackState.EXPIRED if row.expires_at <= now else CallbackState.FAILED
            await asyncio.to_thread(self.store.finish, row.id, final, now)
        else:
            await asyncio.to_thread(self.store.back_to_pending, row.id)
            self._schedule(row.id, self._retry_delay(row.queue))
        log.info("event=callback_attempt id=%d status=%s next=%s attempts=%d",
                 row.id, dial_status, step.value, row.attempts)  # fmt: skip
        return step

    def _schedule(self, request_id: int, delay: float) -> None:
        loop = asyncio.get_running_loop()
        old = self._retries.pop(request_id, None)
        if old is not None:
            old.cancel()
        self._retries[request_id] = loop.call_later(delay, self._spawn_retry, request_id)

    def _spawn_retry(self, request_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._retry(request_id))
        self._tasks.add(task)  # keep a reference until it ends
        task.add_done_callback(self._tasks.discard)

    async def _retry(self, request_id: int) -> None:
        self._retries.pop(request_id, None)
        try:
            row = await asyncio.to_thread(self.store.get, request_id)
            if row is None or row.state is not CallbackState.PENDING:
                return
            if row.expires_at <= self.clock():
                await asyncio.to_thread(
                    self.store.finish, row.id, CallbackState.EXPIRED, self.clock()
                )
            elif self._callable_now(row.queue):
                await self.placeholders.place(row, 1)
            else:  # an agent must not get it while we may not call: wait for the hours
                self._schedule(row.id, self._retry_delay(row.queue))
        except Exception:
            log.exception("event=callback_retry_failed id=%d", request_id)

    async def resync(self) -> None:
        """After a (re)connection: re-create placeholders Asterisk no longer has."""
        for row in await asyncio.to_thread(self.store.active, self.clock()):
            if row.id in self._retries or row.id in self._confirmations:
                continue
            if not self._callable_now(row.queue):
                self._schedule(row.id, self._retry_delay(row.queue))
                continue
            try:
                if await self.placeholders.position(row) is None:
                    await self.placeholders.place(row, row.position)
            except Exception:
                log.exception("event=callback_resync_failed id=%d", row.id)

    async def stop(self) -> None:
        for handle in self._retries.values():
            handle.cancel()
        self._retries.clear()
        for task in list(self._tasks):
            task.cancel()

    def _rules(self) -> Rules:
        rules = self.rules()
        if rules is None:
            raise RuntimeError("no routing rules loaded")
        return rules
