"""A call by its Linkedid, wherever it is now: live, lately ended, or in the history.

Notes and follow-ups name a call that may have ended a second ago (after-call work) or long
ago: :func:`find_call` merges what the live model, the memory of recent calls
(:class:`~controller.notes.recent.RecentCalls`) and the history know of its agents and
queues; :func:`call_target` is what access decisions see of it.
"""

from __future__ import annotations

import asyncio

from controller.access.policy import Target
from controller.notes import store
from controller.notes.recent import CallFacts, facts_of_view
from controller.web.errors import not_found
from controller.web.keys import WebServices


async def find_call(services: WebServices, linkedid: str) -> CallFacts:
    """What is known of the call; a 404 when nothing is."""
    server_id = services.tracker.server_id

    def stored() -> CallFacts | None:
        with services.factory() as session:
            return store.history_facts(session, server_id, linkedid)

    recent = services.recent.get(linkedid) if services.recent is not None else None
    if recent is None:
        view = services.tracker.call(linkedid)
        recent = None if view is None else facts_of_view(view)
    history = await asyncio.to_thread(stored)
    if recent is None and history is None:
        raise not_found(f"no call {linkedid!r} live, lately ended or in the history")
    if recent is None or history is None:
        found = recent or history
        assert found is not None
        return found
    return recent.merge(history)


def call_target(services: WebServices, facts: CallFacts) -> Target:
    agents = frozenset(facts.agents)
    return Target(frozenset(facts.queues), agents, services.directory.queues_of(agents))
