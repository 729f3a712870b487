"""Who was on which call, remembered for a while: the agents and queues a call reached.

A live view names only the agents talking now, and the history has a call only once it is
written (after the call, in batches): an agent who transferred a call away, or who writes
the disposition in after-call work a second after hanging up, is found here. A LiveState
sink, like the websocket hub; pure (no I/O), bounded by age and count.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from controller.ami.tracker import CallView, FinishedCall, Outbox, Tracker


@dataclass
class CallFacts:
    linkedid: str
    agents: set[str] = field(default_factory=set)  # every agent who handled or took it
    queues: set[str] = field(default_factory=set)  # every queue it went through
    seen_at: float = 0.0  # last change (tracker time)
    ended_at: float | None = None

    def merge(self, other: CallFacts) -> CallFacts:
        return CallFacts(
            self.linkedid,
            self.agents | other.agents,
            self.queues | other.queues,
            max(self.seen_at, other.seen_at),
            self.ended_at or other.ended_at,
        )


def facts_of_view(view: CallView) -> CallFacts:
    agents = set(view.agents) | {c.agent for c in view.channels if c.agent}
    return CallFacts(view.linkedid, agents, {view.queue} if view.queue else set())


def facts_of_finished(call: FinishedCall) -> CallFacts:
    agents = set(call.agents) | {
        leg.answered_by_agent for leg in call.legs if leg.answered_by_agent
    }
    queues = {leg.queue for leg in call.legs}
    return CallFacts(call.linkedid, agents, queues, call.ended_at, call.ended_at)


class RecentCalls:
    """The facts of live calls and of calls that ended within ``keep_seconds``."""

    def __init__(
        self, tracker: Tracker, keep_seconds: float = 12 * 3600, max_calls: int = 100_000
    ) -> None:
        self.tracker = tracker
        self.keep_seconds = keep_seconds
        self.max_calls = max_calls
        self._calls: OrderedDict[str, CallFacts] = OrderedDict()

    def on_outbox(self, outbox: Outbox) -> None:
        now = self.tracker.now
        for linkedid in outbox.calls:
            # Who is on it, as its view would say (facts_of_view), without building the view:
            # this runs for every call that changed, after every batch of events.
            people = self.tracker.call_people(linkedid)
            if people is not None:
                self._note_live(linkedid, people, now)
        for call in outbox.finished:
            self._note(facts_of_finished(call), now)
        self._prune(now)

    def _note_live(
        self, linkedid: str, people: tuple[tuple[str, ...], tuple[str, ...], str | None], now: float
    ) -> None:
        """:meth:`_note` of the live call's facts, added to what is known in place (a live
        call changes after nearly every batch of events: no new objects for the same facts)."""
        talking, on_phones, queue = people
        known = self._calls.get(linkedid)
        if known is None:
            self._calls[linkedid] = CallFacts(
                linkedid, {*talking, *on_phones}, {queue} if queue else set(), now
            )
            return
        known.agents.update(talking, on_phones)
        if queue:
            known.queues.add(queue)
        known.seen_at = max(known.seen_at, now)
        self._calls.move_to_end(linkedid)

    def _note(self, facts: CallFacts, now: float) -> None:
        known = self._calls.pop(facts.linkedid, None)
        facts.seen_at = now
        self._calls[facts.linkedid] = known.merge(facts) if known is not None else facts

    def _prune(self, now: float) -> None:
        while self._calls:
            oldest = next(iter(self._calls.values()))
            too_many = len(self._calls) > self.max_calls
            if not too_many and now - oldest.seen_at <= self.keep_seconds:
                break
            self._calls.popitem(last=False)

    def get(self, linkedid: str) -> CallFacts | None:
        """What is known of the call: live now, or remembered."""
        view = self.tracker.call(linkedid)
        known = self._calls.get(linkedid)
        if view is None:
            return known
        live = facts_of_view(view)
        return live if known is None else known.merge(live)

    def __len__(self) -> int:
        return len(self._calls)
