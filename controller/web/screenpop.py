"""What a screen pop carries besides the call: the customer record (by the code routing
found, else by number), the caller's last calls with who took them, and the CRM page to open
(the queue's ``screen_pop_url`` filled for this call; docs/crm.md)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from controller import urltemplate
from controller.ami.tracker import ScreenPop
from controller.db.models import Queue
from controller.history.queries import customer_for
from controller.routing.region import to_e164
from controller.web.hub import CustomerLookup
from controller.web.popcontext import last_calls


def url_values(pop: ScreenPop, e164: str | None, customer_code: str | None) -> dict[str, str]:
    """The placeholders of a screen-pop URL for this pop (controller/urltemplate.py)."""
    return {
        "caller_e164": e164 or pop.caller_num,
        "caller_number": pop.caller_num,
        "caller_name": pop.caller_name,
        "customer_code": customer_code or "",
        "linkedid": pop.linkedid,
        "queue": pop.queue or "",
        "agent": pop.agent,
        "region": pop.region or "",
    }


def screen_pop_url(
    session: Session, pop: ScreenPop, e164: str | None, code: str | None
) -> str | None:
    """The queue's CRM page for this call, or None when the queue names none."""
    if not pop.queue:
        return None
    template = session.scalar(select(Queue.screen_pop_url).where(Queue.name == pop.queue))
    return urltemplate.render(template, url_values(pop, e164, code)) if template else None


def customer_lookup(factory: sessionmaker[Session], country: str) -> CustomerLookup:
    def find(pop: ScreenPop) -> dict[str, Any]:
        number = to_e164(pop.caller_num, country) if pop.caller_num else None
        with factory() as session:
            customer = customer_for(session, pop.customer_code, number)
            code = customer["code"] if customer else pop.customer_code
            return {
                "customer": customer,
                "last_calls": last_calls(session, number, code),
                "screen_pop_url": screen_pop_url(session, pop, number, code),
            }

    # Threads of their own: the default executor is shared with the FastAGI routes and the
    # history writer, and under load a pop queued behind them reached the agent seconds after
    # the phone started ringing.
    threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="screen-pop")

    async def lookup(pop: ScreenPop) -> dict[str, Any]:
        return await asyncio.get_running_loop().run_in_executor(threads, find, pop)

    return lookup
