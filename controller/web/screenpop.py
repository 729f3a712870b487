"""What a screen pop carries besides the call: the customer record (by the code routing
found, else by number) and the caller's last calls with who took them."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from controller.ami.tracker import ScreenPop
from controller.history.queries import customer_for
from controller.routing.region import to_e164
from controller.web.hub import CustomerLookup
from controller.web.popcontext import last_calls


def customer_lookup(factory: sessionmaker[Session], country: str) -> CustomerLookup:
    def find(pop: ScreenPop) -> dict[str, Any]:
        number = to_e164(pop.caller_num, country) if pop.caller_num else None
        with factory() as session:
            customer = customer_for(session, pop.customer_code, number)
            code = customer["code"] if customer else pop.customer_code
            return {"customer": customer, "last_calls": last_calls(session, number, code)}

    async def lookup(pop: ScreenPop) -> dict[str, Any]:
        return await asyncio.to_thread(find, pop)

    return lookup
