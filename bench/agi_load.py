"""A FastAGI load generator: N concurrent sessions on loopback, each playing Asterisk.

Every session connects, sends an Asterisk-like header block, answers every command line
with ``200 result=1`` and ends when the server closes the connection. Its latency is from
connect to close: what a channel waits for its routing answer.

Plain non-blocking sockets on one epoll, no asyncio: the generator must cost far less per
session than the servers it measures, or it measures itself. Loopback only (127.0.0.0/8),
and every run ends by itself after ``duration`` seconds.
"""

from __future__ import annotations

import errno
import ipaddress
import itertools
import select
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

ANSWER = b"200 result=1\n"


def asterisk_headers(script: str, caller: str, args: Sequence[str], n: int) -> bytes:
    """The header block res_agi sends (Asterisk 22), for one call."""
    lines = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        f"agi_request: agi://127.0.0.1/{script}",
        f"agi_channel: PJSIP/trunk-{n:08x}",
        "agi_language: zh",
        "agi_type: PJSIP",
        f"agi_uniqueid: 1764000000.{n}",
        "agi_version: 22.10.1",
        f"agi_callerid: {caller}",
        "agi_calleridname: unknown",
        "agi_callingpres: 0",
        "agi_callingani2: 0",
        "agi_callington: 0",
        "agi_callingtns: 0",
        "agi_dnid: 4008001234",
        "agi_rdnis: unknown",
        "agi_context: pbx-in-hotline",
        "agi_extension: s",
        "agi_priority: 2",
        "agi_enhanced: 0.0",
        "agi_accountcode: ",
        f"agi_threadid: {140000000000 + n}",
        *(f"agi_arg_{i}: {arg}" for i, arg in enumerate(args, 1)),
    ]
    return ("\n".join(lines) + "\n\n").encode()


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    latencies: list[float]  # seconds, sorted
    commands: int
    errors: int
    generator_cpu: float  # share of one CPU the generator itself used (near 1.0: saturated)

    @property
    def sessions(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.sessions / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        index = min(len(self.latencies) - 1, int(p / 100 * len(self.latencies)))
        return self.latencies[index]


class _Slot:
    __slots__ = ("commands", "header", "sock", "started")

    def __init__(self, sock: socket.socket, header: bytes, started: float) -> None:
        self.sock = sock
        self.header = header
        self.started = started
        self.commands = 0


def run_load(
    port: int,
    headers: Sequence[bytes],
    concurrency: int,
    duration: float,
    host: str = "127.0.0.1",
    warmup: float = 0.3,
) -> LoadResult:
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"load only goes to loopback addresses, not {host}")
    address = (host, port)
    source = itertools.cycle(headers)
    poller = select.epoll()
    slots: dict[int, _Slot] = {}
    latencies: list[float] = []
    commands = errors = 0
    clock = time.perf_counter
    cpu_start = time.process_time()
    start = clock()
    measure_from = start + warmup
    deadline = measure_from + duration
    hard_stop = deadline + 20.0  # a server that stops answering cannot keep the run alive

    def open_session() -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        slot = _Slot(sock, next(source), clock())
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            raise OSError(code, f"cannot connect to {host}:{port}")
        slots[sock.fileno()] = slot
        poller.register(sock.fileno(), select.EPOLLOUT)

    try:
        for _ in range(concurrency):
            open_session()
        while slots and clock() < hard_stop:
            for fd, events in poller.poll(1.0):
                slot = slots[fd]
                sock = slot.sock
                if events & select.EPOLLOUT:
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        data = b""  # refused: counts as an error below
                        slot.commands = -1
                    else:
                        sock.send(slot.header)
                        poller.modify(fd, select.EPOLLIN)
                        continue
                else:
                    try:
                        data = sock.recv(65536)
                    except ConnectionError:
                        data, slot.commands = b"", -1
                if data:
                    lines = data.count(b"\n")
                    slot.commands += lines
                    sock.send(ANSWER * lines)
                    continue
                # The server closed the session: one routing answer delivered.
                ended = clock()
                poller.unregister(fd)
                sock.close()
                del slots[fd]
                if slot.commands <= 0:  # refused, reset, or closed without an answer
                    errors += 1
                elif slot.started >= measure_from and ended <= deadline:
                    latencies.append(ended - slot.started)
                    commands += slot.commands
                if ended < deadline:
                    open_session()
    finally:
        for slot in slots.values():
            slot.sock.close()
        poller.close()
    cpu = (time.process_time() - cpu_start) / max(1e-9, clock() - start)
    latencies.sort()
    return LoadResult(concurrency, duration, latencies, commands, errors, cpu)
