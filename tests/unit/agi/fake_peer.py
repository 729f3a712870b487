"""A fake Asterisk for FastAGI tests: real TCP, scripted answers, and ways to misbehave."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Answer = Callable[[str], Sequence[str]]  # command line -> lines to send back


def ok(_command: str) -> Sequence[str]:
    return ["200 result=1"]


def headers(
    script: str, args: Sequence[str] = (), caller: str = "13800138000", uniqueid: str = "1700.1"
) -> bytes:
    lines = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        f"agi_request: agi://127.0.0.1/{script}",
        "agi_channel: PJSIP/trunk-00000001",
        "agi_language: zh",
        f"agi_uniqueid: {uniqueid}",
        f"agi_callerid: {caller}",
        "agi_calleridname: unknown",
        *(f"agi_arg_{i}: {a}" for i, a in enumerate(args, 1)),
    ]
    return ("\n".join(lines) + "\n\n").encode()


@dataclass
class Session:
    commands: list[str] = field(default_factory=list)
    closed_by_server: bool = False


async def call(
    port: int,
    script: str,
    args: Sequence[str] = (),
    caller: str = "13800138000",
    uniqueid: str = "1700.1",
    answer: Answer = ok,
    line_by_line: bool = False,
    sock: socket.socket | None = None,
) -> Session:
    """One AGI session: headers, then answer every command until the server closes.

    ``sock``: an unconnected socket to use (made while a descriptor was free)."""
    if sock is None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    else:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock)
    try:
        return await _converse(
            reader, writer, headers(script, args, caller, uniqueid), answer, line_by_line
        )
    finally:
        writer.close()


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    block: bytes,
    answer: Answer,
    line_by_line: bool,
) -> Session:
    if line_by_line:  # what res_agi really does: one write per header line
        for line in block.split(b"\n")[:-1]:
            writer.write(line + b"\n")
            await writer.drain()
            await asyncio.sleep(0)
    else:
        writer.write(block)
    session = Session()
    while True:
        raw = await asyncio.wait_for(reader.readline(), 10)
        if not raw:
            session.closed_by_server = True
            return session
        command = raw.decode().rstrip("\n")
        session.commands.append(command)
        for line in answer(command):
            writer.write(line.encode() + b"\n")


async def raw_connection(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def wait_until(predicate: Callable[[], bool], turns: int = 500) -> None:
    """Let the loop run until ``predicate`` holds (bounded, so a bug fails instead of hanging)."""
    for _ in range(turns):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")
