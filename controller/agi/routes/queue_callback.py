"""``queue-callback``: the caller pressed the callback key in a queue (args: queue, position).

Refused (duplicate, outside calling hours, no number): the caller goes back to the same
place (no ``PBX_AGI_OK``). Taken: the placeholder enters the queue at the caller's
position at once, then the caller hears the number and confirms with 1. Confirmed: thanks
and goodbye. Anything else (another key, silence): the placeholder is removed and the
caller takes its current position back (``PBX_CB_POSITION_LEFT``).
"""

from __future__ import annotations

import asyncio
import logging

from controller.agi import variables as v
from controller.agi.connection import AgiError, AgiRequest
from controller.agi.services import AgiServices
from controller.routing import callback as rules_cb
from controller.routing.region import to_e164

log = logging.getLogger("controller.agi")

CONFIRM_KEY = "1"
CONFIRM_WAIT_MS = 6000


def _key(result: str) -> str:
    """The key in a STREAM FILE / SAY DIGITS result (its character code), "" for none."""
    return chr(int(result)) if result.isdigit() and result != "0" else ""


async def _play(request: AgiRequest, prompt: str, keys: str = "") -> str:
    """Play a prompt; return the key pressed during it, if one of ``keys`` was."""
    return _key((await request.command(f'STREAM FILE {prompt} "{keys}"')).result)


async def confirm_number(request: AgiRequest, digits: str) -> bool:
    """You entered <number>; if correct press 1. True only for the key 1."""
    key = await _play(request, "you-entered", CONFIRM_KEY + "2")
    if not key and digits:
        key = _key((await request.command(f'SAY DIGITS {digits} "{CONFIRM_KEY}2"')).result)
    if not key:
        key = await _play(request, "if-correct-press", CONFIRM_KEY + "2")
    if not key:
        response = await request.command(f"GET DATA digits/{CONFIRM_KEY} {CONFIRM_WAIT_MS} 1")
        key = response.result if response.result not in ("", "-1") else ""
    return key == CONFIRM_KEY


async def handle(services: AgiServices, request: AgiRequest) -> None:
    callbacks = services.callbacks
    if callbacks is None:
        return  # no AMI connection configured: the caller re-enters the queue
    rules = services.rules()
    queue_name = request.arg(1)
    position = int(request.arg(2)) if request.arg(2).isdigit() else 1
    number = to_e164(request.caller_number, rules.country)
    queue = rules.queues.get(queue_name)
    waiting = number is not None and await callbacks.is_waiting(queue_name, number)
    why = rules_cb.refusal(rules, queue, number, services.clock(), waiting)
    if why is not None:
        log.info("event=callback_refused queue=%s uniqueid=%s reason=%r",
                 queue_name, request.uniqueid, why.value)  # fmt: skip
        await _play(request, "sorry")
        return
    assert number is not None
    priority_text = await request.get_variable("QUEUE_PRIO") or "0"
    priority = int(priority_text) if priority_text.lstrip("-").isdigit() else 0
    linkedid = await request.get_variable("CHANNEL(linkedid)")
    row = await callbacks.register(queue_name, number, position, priority, linkedid)
    try:
        digits = "".join(ch for ch in request.caller_number if ch.isdigit())
        confirmed = await confirm_number(request, digits)
    except (AgiError, asyncio.CancelledError):
        # The caller hung up before confirming: the placeholder must not call them.
        await asyncio.shield(callbacks.withdraw(row))
        raise
    if confirmed:
        callbacks.confirm(row)
        await _play(request, "auth-thankyou")
        await request.set_variables(
            [(v.DEST_CONTEXT, v.HANGUP_CONTEXT), (v.DEST_EXTEN, "s"), (v.AGI_OK, "1")]
        )
        return
    left = await callbacks.withdraw(row)
    await request.set_variables([(v.CALLBACK_POSITION_LEFT, str(left or position))])
