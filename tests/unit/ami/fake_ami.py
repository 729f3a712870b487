"""A scripted AMI server for client tests: login, Ping, list actions, Originate, Getvar, Filter.

It speaks the wire format from protocol.py over a real TCP socket on 127.0.0.1, so the
client's reconnects, keepalive and half-open detection run against real sockets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from controller.ami.protocol import Message, Parser


def _block(pairs: list[tuple[str, str]]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n").encode()


@dataclass
class FakeAmi:
    username: str = "ctl"
    secret: str = "right-secret"
    answer_pings: bool = True
    channels: set[str] = field(default_factory=set)  # ids Getvar finds
    actions: list[Message] = field(default_factory=list)
    logins: int = 0
    hold_originate: bool = False  # swallow Originate without answering
    refuse_filter: Callable[[Message], bool] | None = None  # Filter actions answered "Error"
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.drop_all()
        await asyncio.sleep(0.05)  # let the handlers see the end of their connections
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop_all(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    def push_event(self, pairs: list[tuple[str, str]]) -> None:
        for writer in self._writers:
            writer.write(_block([("Event", pairs[0][1]), *pairs[1:]]))

    def sent(self, action: str) -> list[Message]:
        return [m for m in self.actions if m.get("Action") == action]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        parser = Parser()
        parser.banner = ""  # our side sends no banner
        try:
            while data := await reader.read(65536):
                for message in parser.feed(data):
                    self.actions.append(message)
                    self._answer(message, writer)
        except ConnectionError:
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            writer.close()

    def _answer(self, m: Message, writer: asyncio.StreamWriter) -> None:
        action, aid = m.get("Action", ""), m.get("ActionID", "")
        ok = [("Response", "Success"), ("ActionID", aid)]
        if action == "Login":
            if (m.get("Username"), m.get("Secret")) != (self.username, self.secret):
                writer.write(_block([("Response", "Error"), ("ActionID", aid),
                                     ("Message", "Authentication failed")]))  # fmt: skip
                return
            self.logins += 1
            writer.write(_block([*ok, ("Message", "Authentication accepted")]))
            writer.write(_block([("Event", "FullyBooted"), ("Status", "Fully Booted")]))
        elif action == "Ping":
            if self.answer_pings:
                writer.write(_block([*ok, ("Ping", "Pong")]))
        elif action in ("CoreShowChannels", "Status", "QueueStatus", "QueueSummary"):
            writer.write(_block([*ok, ("EventList", "start"), ("Message", "will follow")]))
            complete = {"CoreShowChannels": "CoreShowChannelsComplete", "Status": "StatusComplete",
                        "QueueStatus": "QueueStatusComplete",
                        "QueueSummary": "QueueSummaryComplete"}[action]  # fmt: skip
            writer.write(
                _block([("Event", complete), ("ActionID", aid), ("EventList", "Complete")])
            )
        elif action == "Originate":
            if not self.hold_originate:
                self.channels.add(m.get("ChannelId", ""))
                writer.write(_block([*ok, ("Message", "Originate successfully queued")]))
        elif action == "Filter" and self.refuse_filter is not None and self.refuse_filter(m):
            writer.write(_block([("Response", "Error"), ("ActionID", aid),
                                 ("Message", "Permission denied")]))  # fmt: skip
        elif action == "Getvar":
            if m.get("Channel") in self.channels:
                writer.write(_block([*ok, ("Variable", "UNIQUEID"), ("Value", m["Channel"])]))
            else:
                writer.write(_block([("Response", "Error"), ("ActionID", aid),
                                     ("Message", "No such channel")]))  # fmt: skip
        else:
            writer.write(_block(ok))


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until ``condition()`` holds (a plain attribute of a client, polled)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polling a plain attribute of the client
            await asyncio.sleep(0.01)
