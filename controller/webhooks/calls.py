"""Call events from the live model: ringing, answered, ended (a LiveState sink; no I/O).

- ``call.ringing`` once per agent whose phone rings with the call (the tracker's screen pops
  fire when the phone starts ringing);
- ``call.answered`` the first time the call's view has an answer time (or, for a call
  answered and ended between two looks, from its record);
- ``call.ended`` when its record arrives, held until each agent who handled it saved a
  disposition (:meth:`CallEvents.note_saved`) or ``wait`` seconds passed, and at least
  ``margin`` seconds (the history writer stores the call meanwhile, so the recording links
  are known); a note saved after that is sent as ``call.disposition``.

Work per outbox is in proportion to what changed; state is bounded by the live calls and a
day of ended ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from controller.ami.tracker import FinishedCall, Outbox, Tracker
from controller.webhooks import events
from controller.webhooks.events import Event

FORGET_AFTER = 24 * 3600.0


@dataclass
class _Seen:
    at: float
    rung: set[str] = field(default_factory=set)
    answered: bool = False
    disposed: set[str] = field(default_factory=set)  # agents who saved one during the call


@dataclass
class _Ending:
    call: FinishedCall
    waiting: set[str]  # agents whose disposition is not saved yet
    not_before: float
    deadline: float

    @property
    def due(self) -> float:
        """When :meth:`CallEvents.release` sends it at the earliest (as things stand)."""
        return self.deadline if self.waiting else min(self.not_before, self.deadline)


class CallEvents:
    def __init__(
        self,
        tracker: Tracker,
        emit: Callable[[Event], None],
        wait: float = 60.0,
        margin: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tracker = tracker
        self.emit = emit
        self.wait, self.margin, self.clock = wait, margin, clock
        self._seen: dict[str, _Seen] = {}
        self._ending: dict[str, _Ending] = {}
        self._ended: dict[str, tuple[float, tuple[str, ...]]] = {}  # sent: when, queues
        self._forgot_at = 0.0
        # No held call.ended can be released before this (the earliest _Ending.due): release()
        # runs after every batch of events and skips the held ones until then.
        self._next_due = float("inf")

    def on_outbox(self, outbox: Outbox) -> None:
        now = self.clock()
        for pop in outbox.screen_pops:
            seen = self._seen.setdefault(pop.linkedid, _Seen(now))
            if pop.agent not in seen.rung:
                seen.rung.add(pop.agent)
                self.emit(events.ringing(pop))
        for linkedid in sorted(outbox.calls):
            seen = self._seen.get(linkedid)
            if seen is not None and seen.answered:  # said once: not asked again (a call
                continue  # changes after nearly every batch of events while it lasts)
            talking = self.tracker.call_talking(linkedid)
            if talking is None:  # not live, or not answered
                continue
            if seen is None:
                seen = self._seen[linkedid] = _Seen(now)
            # The view (what call.answered says) is built once, when an agent talks on it.
            view = self.tracker.call(linkedid) if talking else None
            if view is not None and view.agents:
                seen.answered = True
                self.emit(events.answered_from_view(view))
        for call in outbox.finished:
            self._finished(call, now)
        self.release()

    def _finished(self, call: FinishedCall, now: float) -> None:
        seen = self._seen.pop(call.linkedid, None)
        answered = seen is not None and seen.answered
        if call.answered_at is not None and call.agents and not answered and call.source == "live":
            self.emit(events.answered_from_record(call))
        waiting = set(call.agents) - (seen.disposed if seen is not None else set())
        ending = _Ending(call, waiting, now + self.margin, now + max(self.wait, self.margin))
        self._ending[call.linkedid] = ending
        self._next_due = min(self._next_due, ending.due)

    def note_saved(self, note: dict[str, Any]) -> None:
        """An agent saved a note: it completes a held ``call.ended`` or, once that was
        sent, goes out as ``call.disposition``; a live call's note is remembered, so its
        ``call.ended`` does not wait for that agent (the body reads the notes when stored)."""
        linkedid = note["linkedid"]
        if note.get("disposition") and self.tracker.call(linkedid) is not None:
            seen = self._seen.setdefault(linkedid, _Seen(self.clock()))
            seen.disposed.add(note["agent"])
            return
        ending = self._ending.get(linkedid)
        if ending is not None:
            if note.get("disposition"):
                ending.waiting.discard(note["agent"])
                self._next_due = min(self._next_due, ending.due)
            self.release()
            return
        sent = self._ended.get(linkedid)
        if sent is not None:
            self.emit(events.disposition(note, sent[1]))

    def release(self, force: bool = False) -> None:
        """Send the ``call.ended`` events that are complete or waited long enough (all of
        them when ``force``: the service stops)."""
        now = self.clock()
        if force or now >= self._next_due:
            next_due = float("inf")
            for linkedid, ending in list(self._ending.items()):
                complete = not ending.waiting and now >= ending.not_before
                if force or complete or now >= ending.deadline:
                    del self._ending[linkedid]
                    event = events.ended(ending.call)
                    self._ended[linkedid] = (now, event.queues)
                    self.emit(event)
                else:
                    next_due = min(next_due, ending.due)
            self._next_due = next_due
        self._forget(now)

    def _forget(self, now: float) -> None:
        if now - self._forgot_at < 60.0:  # a sweep a minute, not one per outbox
            return
        self._forgot_at = now
        for table in (self._seen, self._ended):
            stale = [k for k, v in table.items() if now - _time(v) > FORGET_AFTER]
            for key in stale:
                del table[key]

    @property
    def held(self) -> int:
        return len(self._ending)


def _time(value: _Seen | tuple[float, tuple[str, ...]]) -> float:
    return value.at if isinstance(value, _Seen) else value[0]
