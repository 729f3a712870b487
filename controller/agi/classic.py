"""Classic (process-per-call) AGI: what Asterisk runs when the FastAGI server is away.

``AGI(pbx-agi.py,<route>,<arg>...)`` (``${PBX_CLASSIC_AGI}``, see docs/dialplan-contract.md)
starts :func:`main` through ``agi_scripts/pbx-agi.py``. It reads the rules from the database
(no cache survives a process) and decides with the same code as the FastAGI routes, with no
live state: no sticky ring and no callback offer, the rest as usual. Routes that need the
FastAGI service's memory answer conservatively: ``queue-callback`` declines (the caller keeps
their place in the queue); ``callback-result`` leaves a retry PENDING for the service to
re-queue. Anything that fails leaves ``PBX_AGI_OK`` unset, so the static dialplan takes over.

pyst2's ``AGI()`` must be created in the main thread (it installs a SIGHUP handler).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from controller.agi import variables as v
from controller.agi.callback_store import CallbackStore
from controller.agi.protocol import array_assignments
from controller.agi.routes import caller_lookup, inbound, outbound
from controller.agi.rules_cache import load_rules
from controller.agi.services import AgiServices, FixedRules
from controller.agi.stores import SurveyStore
from controller.db.models.history import CallbackState
from controller.routing import callback as rules_cb

log = logging.getLogger("controller.agi.classic")

Pairs = list[tuple[str, str]]


@dataclass
class ClassicCall:
    env: Mapping[str, str]  # the agi_* headers
    args: tuple[str, ...]  # the route's own arguments (after the route name)
    engine: Engine
    server_id: str
    now: dt.datetime
    get_variable: Callable[[str], str]  # a channel variable, "" when unset

    def services(self) -> AgiServices:
        return AgiServices(FixedRules(load_rules(self.engine)), clock=lambda: self.now)

    @property
    def caller(self) -> str:
        number = self.env.get("agi_callerid", "")
        return "" if number == "unknown" else number

    def arg(self, index: int) -> str:
        return self.args[index - 1] if 0 < index <= len(self.args) else ""


def _inbound(call: ClassicCall) -> Pairs:
    decision, rules = inbound.decide(call.services(), call.arg(1), call.caller)
    return inbound.inbound_variables(decision, rules)


def _caller_lookup(call: ClassicCall) -> Pairs:
    return caller_lookup.lookup_variables(call.services(), call.caller)


def _outbound(call: ClassicCall) -> Pairs:
    return outbound.outbound_variables(call.services(), call.arg(1), call.arg(2))


def _queue_callback(call: ClassicCall) -> Pairs:
    return []  # keeping a place needs the service's placeholder: back into the queue


def _callback_dial(call: ClassicCall) -> Pairs:
    store = CallbackStore(call.engine, call.server_id)
    row = store.get(int(call.arg(1))) if call.arg(1).isdigit() else None
    if row is not None and row.state is CallbackState.PENDING and row.expires_at > call.now:
        store.start_attempt(row.id, None, call.now)
        return [(v.AGI_OK, "1")]
    if row is None:
        return []  # unknown to us: the dialplan dials anyway
    return [(v.DEST_CONTEXT, v.HANGUP_CONTEXT), (v.DEST_EXTEN, "s"), (v.AGI_OK, "1")]


def _callback_result(call: ClassicCall) -> Pairs:
    if not call.arg(1).isdigit():
        return []
    store = CallbackStore(call.engine, call.server_id)
    request_id, status = int(call.arg(1)), call.arg(2) or "HANGUP"
    store.end_attempt(request_id, status, call.now)
    row = store.get(request_id)
    if row is None:
        return []
    queue = load_rules(call.engine).queues.get(row.queue)
    step = rules_cb.after_attempt(queue, status, row.attempts, row.expires_at <= call.now)
    if step is rules_cb.NextStep.DONE:
        store.finish(request_id, CallbackState.DONE, call.now)
    elif step is rules_cb.NextStep.GIVE_UP:
        store.finish(request_id, CallbackState.FAILED, call.now)
    else:
        store.back_to_pending(request_id)  # the FastAGI service re-queues it when it is back
    return [(v.AGI_OK, "1")]


def _survey(call: ClassicCall) -> Pairs:
    from controller.agi.routes.survey import answer_of, survey_of

    queue = call.arg(3) or None
    survey = survey_of(load_rules(call.engine) if queue else None, queue)
    if survey is None:
        return []
    linkedid = call.get_variable("CHANNEL(linkedid)") or call.env.get("agi_uniqueid", "")
    answer = answer_of(call.arg(1), call.arg(2), queue, survey, linkedid, call.now)
    if answer is None:
        return []
    SurveyStore(call.engine, call.server_id).save_sync(answer)
    return [(v.AGI_OK, "1")]


ROUTES: dict[str, Callable[[ClassicCall], Pairs]] = {
    "inbound": _inbound,
    "caller-lookup": _caller_lookup,
    "outbound": _outbound,
    "queue-callback": _queue_callback,
    "callback-dial": _callback_dial,
    "callback-result": _callback_result,
    "survey": _survey,
}


def run(agi: Any, engine: Engine, server_id: str, now: dt.datetime) -> int:
    """Decide for the call ``agi`` (a pyst2 AGI) describes; 0 when variables were set."""
    env: Mapping[str, str] = agi.env
    args = [env.get(f"agi_arg_{i}", "") for i in range(1, 10)]
    while args and not args[-1]:
        args.pop()
    route = args[0] if args else ""
    handler = ROUTES.get(route)
    if handler is None:
        log.error("event=classic_agi_unknown_route route=%r", route)
        return 2
    call = ClassicCall(env, tuple(args[1:]), engine, server_id, now, agi.get_variable)
    pairs = handler(call)
    for line in array_assignments(pairs):
        agi.execute(line)
    return 0


def main(stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    from asterisk.agi import AGI

    from controller.config import load_settings
    from controller.db.engine import make_engine

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="pbx-agi: %(message)s")
    with Path(os.devnull).open("w") as quiet:  # pyst2 writes its debug chatter to stderr
        agi = AGI(stdin=stdin or sys.stdin, stdout=stdout or sys.stdout, stderr=quiet)
        try:
            settings = load_settings()
            engine = make_engine(settings.effective_database_url)
            try:
                return run(agi, engine, settings.server_id, dt.datetime.now(dt.UTC))
            finally:
                engine.dispose()
        except Exception as exc:
            # No PBX_AGI_OK: the dialplan's static fallback takes the call.
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error("event=classic_agi_failed uniqueid=%s error=%r",
                      agi.env.get("agi_uniqueid", ""), detail)  # fmt: skip
            return 1
