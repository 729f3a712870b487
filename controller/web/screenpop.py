"""The customer record shown with a screen pop: by the code routing found, else by number."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from controller.ami.tracker import ScreenPop
from controller.history.queries import customer_for
from controller.routing.region import to_e164
from controller.web.hub import CustomerLookup


def customer_lookup(factory: sessionmaker[Session], country: str) -> CustomerLookup:
    def find(pop: ScreenPop) -> dict[str, Any] | None:
        number = to_e164(pop.caller_num, country) if pop.caller_num else None
        with factory() as session:
            return customer_for(session, pop.customer_code, number)

    async def lookup(pop: ScreenPop) -> dict[str, Any] | None:
        return await asyncio.to_thread(find, pop)

    return lookup
