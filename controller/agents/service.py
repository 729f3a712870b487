"""Agent login, logout, pause and unpause: what the API, the CLI and the AGI routes call.

The database row (:class:`~controller.db.models.AgentLogin`) is written first and is the truth;
Asterisk is then told over AMI: AstDB ``pbx-agent/<code>`` = the device ([pbx-agent] dials
it), ``QueueAdd`` of ``Local/<code>@pbx-agent/n`` with the configured penalty to every queue
that needs a login (but those the agent signed out of: per-queue login, ``queues_out``),
``QueuePause`` with the reason. After every AMI (re)connect
:meth:`AgentService.reapply` makes Asterisk match the database again (an Asterisk restart
forgets dynamic members), and adopts members added while the controller was away (the
dialplan's static fallback for *45) so the database stays the truth.

Every value sent to Asterisk passes :mod:`controller.ami.encode` (the agent code as a name, the
device as a device, queue names and pause reasons as names), checked before the database is
written, so a value Asterisk would read differently never leaves a login half applied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from controller.agents import store
from controller.agents.store import AgentError, AgentRecord, LoginState
from controller.ami import encode
from controller.ami.protocol import Message
from controller.ami.session import AmiSender

logger = logging.getLogger(__name__)

AGENT_CONTEXT = "pbx-agent"
T = TypeVar("T")


def member_interface(code: str) -> str:
    code = encode.name("MemberName", code)
    return encode.device("Interface", f"Local/{code}@{AGENT_CONTEXT}/n")


def _ok(response: Message, *tolerated: str) -> bool:
    if response.get("Response") == "Success":
        return True
    message = response.get("Message", "")
    return any(text in message for text in tolerated)


def _dynamic(record: AgentRecord) -> tuple[str, ...]:
    """The agent's queues that need a login (the others have the agent as a static member)."""
    return tuple(m.queue for m in record.memberships if m.dynamic)


def _login_queues(record: AgentRecord, queues: Collection[str] | None) -> set[str] | None:
    """``queues`` checked: each one of the agent's queues that need a login."""
    if queues is None:
        return None
    if not queues:
        raise AgentError("field queues: name at least one queue, or leave the field out")
    dynamic = _dynamic(record)
    for queue in queues:
        if queue not in dynamic:
            raise AgentError(
                f"field queues: agent {record.code!r} does not log in to queue {queue!r} "
                f"(its queues that need a login: {', '.join(dynamic) or 'none'})"
            )
    return set(queues)


class AgentService:
    def __init__(
        self,
        factory: sessionmaker[Session],
        ami: AmiSender,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._factory = factory
        self._ami = ami
        self._clock = clock
        self._lock = asyncio.Lock()  # one change at a time: AMI steps must not interleave

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self._factory() as session, session.begin():
                return work(session)

        return await asyncio.to_thread(run)

    async def _act(self, name: str, fields: dict[str, str | int | list[str]], *ok: str) -> None:
        response, _ = await self._ami.send(name, fields)
        if not _ok(response, *ok):
            raise AgentError(f"Asterisk refused {name}: {response.get('Message', '?')}")

    # -- the four actions -----------------------------------------------------------------

    async def login(
        self, code: str, device: str | None = None, queues: Collection[str] | None = None
    ) -> LoginState:
        """Log in at ``device`` (default: the usual phone, or where the agent is logged in).
        ``queues``: sign in to these of the agent's login queues, besides those the agent is
        already in (a new login: only to these); None: to every one."""
        async with self._lock:
            record = await self._db(lambda s: store.agent_record(s, code))
            chosen = _login_queues(record, queues)
            current = await self._db(lambda s: store.get_login(s, code))
            device = device or (current.device if current and queues else record.usual_device)
            if not device:
                raise AgentError(f"agent {code!r} has no usual phone: give the device to log in at")
            member_interface(code)
            encode.device("StateInterface", device)
            out: set[str] = set()
            if chosen is not None:
                before = current.queues_out if current else _dynamic(record)
                out = set(before) - chosen
            at = self._clock()
            state = await self._db(lambda s: store.save_login(s, code, device, at, out))
            await self._apply(record, state)
            logger.info("agent=%s action=login device=%s queues_out=%s", code, device,
                        ",".join(state.queues_out) or "-")  # fmt: skip
            return state

    async def logout(self, code: str, queues: Collection[str] | None = None) -> LoginState | None:
        """Log out of every queue; ``queues``: only of these (out of the last one: logged
        out). The login left, or None."""
        async with self._lock:
            record = await self._db(lambda s: store.agent_record(s, code))
            chosen = _login_queues(record, queues)
            if chosen is not None:
                current = await self._db(lambda s: store.get_login(s, code))
                if current is None:
                    raise AgentError(f"agent {code!r} is not logged in")
                out = set(current.queues_out) | chosen
                if not set(_dynamic(record)) <= out:
                    at = self._clock()
                    state = await self._db(
                        lambda s: store.save_login(s, code, current.device, at, out)
                    )
                    for queue in sorted(chosen):
                        await self._remove(code, queue)
                    logger.info("agent=%s action=logout queues=%s", code, ",".join(sorted(chosen)))
                    return state
            await self._db(lambda s: store.delete_login(s, code))
            for queue in _dynamic(record):
                await self._remove(code, queue)
            key = encode.name("Key", code)
            await self._act("DBDel", {"Family": AGENT_CONTEXT, "Key": key}, "not found", "Not")
            logger.info("agent=%s action=logout", code)
            return None

    async def _remove(self, code: str, queue: str) -> None:
        fields: dict[str, str | int | list[str]] = {
            "Queue": encode.name("Queue", queue),
            "Interface": member_interface(code),
        }
        await self._act("QueueRemove", fields, "Not there", "not found")

    async def pause(self, code: str, reason: str) -> LoginState:
        if not reason:
            raise AgentError("field reason: a pause needs a reason")
        encode.name("Reason", reason)
        member_interface(code)
        async with self._lock:
            await self._db(lambda s: store.check_reason(s, reason))
            at = self._clock()
            state = await self._db(lambda s: store.save_pause(s, code, True, reason, at))
            await self._pause_in_asterisk(code, True, reason)
            logger.info("agent=%s action=pause reason=%s", code, reason)
            return state

    async def unpause(self, code: str) -> LoginState:
        async with self._lock:
            at = self._clock()
            state = await self._db(lambda s: store.save_pause(s, code, False, None, at))
            await self._pause_in_asterisk(code, False, None)
            logger.info("agent=%s action=unpause", code)
            return state

    async def agent_for_extension(self, number: str) -> str:
        return await self._db(lambda s: store.agent_for_extension(s, number))

    async def phone_pause_reason(self) -> str:
        return await self._db(store.phone_pause_reason)

    async def logins(self) -> list[LoginState]:
        return await self._db(store.all_logins)

    # -- Asterisk ---------------------------------------------------------------------------

    async def _pause_in_asterisk(self, code: str, paused: bool, reason: str | None) -> None:
        fields: dict[str, str | int | list[str]] = {
            "Interface": member_interface(code),
            "Paused": "true" if paused else "false",
        }
        if reason:
            fields["Reason"] = encode.name("Reason", reason)
        await self._act("QueuePause", fields)

    async def _apply(self, record: AgentRecord, state: LoginState) -> None:
        code, interface = record.code, member_interface(record.code)
        device = encode.device("StateInterface", state.device)
        await self._act("DBPut", {"Family": AGENT_CONTEXT, "Key": code, "Val": device})
        for membership in record.memberships:
            if not membership.dynamic:
                continue
            if membership.queue in state.queues_out:  # signed out of this one
                await self._remove(code, membership.queue)
                continue
            fields: dict[str, str | int | list[str]] = {
                "Queue": encode.name("Queue", membership.queue),
                "Interface": interface,
                "Penalty": membership.penalty,
                "MemberName": code,
                "StateInterface": device,
                "Paused": "true" if state.paused else "false",
            }
            if state.paused and state.pause_reason:
                fields["Reason"] = encode.name("Reason", state.pause_reason)
            response, _ = await self._ami.send("QueueAdd", fields)
            if _ok(response):
                continue
            if "Already there" not in response.get("Message", ""):
                raise AgentError(
                    f"Asterisk refused QueueAdd to {membership.queue}: {response.get('Message')}"
                )
            # Already a member (maybe at another device): replace it, so device and penalty
            # are the ones of this login.
            await self._act(
                "QueueRemove", {"Queue": membership.queue, "Interface": member_interface(code)}
            )
            await self._act("QueueAdd", fields)
        if state.paused:
            await self._pause_in_asterisk(code, True, state.pause_reason)

    async def reapply(self, members: Callable[[], dict[str, str]]) -> None:
        """After a (re)connect: make Asterisk match the database.

        ``members()``: agent code -> state interface of the dynamic members Asterisk has now
        (from the tracker). Logins missing in Asterisk are added; members Asterisk has but the
        database does not (a phone login while the controller was away) are adopted. Asked
        once the lock is held: a login that ran meanwhile is already a member then, and is
        not removed and added again (which, on a call, lost the agent's phone for a moment).
        """
        async with self._lock:
            logins = await self._db(store.all_logins)
            members = members()
            known = {state.code for state in logins}
            for state in logins:
                if state.code in members and members[state.code] == state.device:
                    continue
                try:
                    record = await self._db(lambda s, code=state.code: store.agent_record(s, code))
                    await self._apply(record, state)
                    logger.info("agent=%s action=reapplied device=%s", state.code, state.device)
                except (AgentError, encode.AmiValueError) as exc:
                    logger.error("agent=%s action=reapply_failed error=%r", state.code, str(exc))
            at = self._clock()
            for code, device in members.items():
                if code not in known and device:
                    try:
                        member_interface(code)
                        encode.device("StateInterface", device)
                        await self._db(lambda s, c=code, d=device: store.save_login(s, c, d, at))
                        logger.info("agent=%s action=adopted device=%s", code, device)
                    except (AgentError, encode.AmiValueError):
                        pass  # a member that is no agent of ours (added by hand)
