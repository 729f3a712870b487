"""Real FastAGI calls during a flood of idle connections (issue 12 §4 e), same run.

    .venv/bin/python -m bench.agi_flood                        # 1,500 idle, 1,024 descriptors
    .venv/bin/python -m bench.agi_flood --flood 1500 --reconnect --sessions 40

The controller's FastAGI server (the real ``inbound`` decision over the benchmark's rule set,
``bench/agi_servers.py``) runs in its own process with RLIMIT_NOFILE soft = hard = ``--nofile``
(systemd's default soft limit is 1,024). From this process, on 127.0.0.1 only: ``--sessions``
real sessions one after the other (Asterisk's header block one line per write, then an
answer to every command), first alone, then while ``--flood`` connections are open that send
at most one header line and then nothing (``--reconnect``: each one the server closes is
opened again at once, so the flood never shrinks). Latency is connect to close. Prints the
medians and the worst, and the ratio flood / no flood. Everything stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import socket
import statistics
import time
from multiprocessing.connection import Connection

from bench import agi_dataset, agi_servers
from bench.agi_load import asterisk_headers

HOST = "127.0.0.1"


def _serve_limited(conn: Connection, nofile: int, lifetime: float) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    agi_servers.serve("controller", conn, None, lifetime)


async def _real_session(port: int, block: bytes) -> float | None:
    """One call's FastAGI session; its latency in seconds, None if it got no answer."""
    started = time.perf_counter()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
    answered = False
    try:
        # As res_agi does: one write (one segment) per header line, back to back.
        for line in block.split(b"\n")[:-1]:  # the last line sent is the empty one
            sock.send(line + b"\n")
    except OSError:  # closed by the server before the headers were out
        sock.close()
        return None
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        while raw := await asyncio.wait_for(reader.readline(), 30):
            answered = answered or raw.startswith(b"SET VARIABLE")
            writer.write(b"200 result=1\n")
    except OSError:  # reset by the server: this call was dropped
        return None
    finally:
        writer.close()
    return time.perf_counter() - started if answered else None


class Flood:
    """``size`` idle connections; with ``reconnect``, each one closed is opened again."""

    def __init__(self, port: int, size: int, reconnect: bool) -> None:
        self.port, self.size, self.reconnect = port, size, reconnect
        self.opened = 0
        self.closed_by_server = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = asyncio.Event()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._hold(n)) for n in range(self.size)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _hold(self, n: int) -> None:
        first = True
        while first or self.reconnect:
            first = False
            try:
                reader, writer = await asyncio.open_connection(HOST, self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            self.opened += 1
            if self.opened == self.size:
                self.ready.set()
            try:
                if n % 2:
                    writer.write(b"agi_network: yes\n")
                if await reader.read(1) == b"":
                    self.closed_by_server += 1
            except OSError:
                self.closed_by_server += 1
            finally:
                writer.close()


def _flood_process(conn: Connection, port: int, size: int, reconnect: bool) -> None:
    """Process entry point (it inherits the descriptor limit main() raised): flood until
    told to stop, then report what happened."""

    async def run() -> None:
        flood = Flood(port, size, reconnect)
        flood.start()
        await asyncio.wait_for(flood.ready.wait(), 120)
        conn.send("ready")
        stop = asyncio.Event()
        asyncio.get_running_loop().add_reader(conn.fileno(), stop.set)
        await asyncio.wait_for(stop.wait(), 600)
        await flood.stop()
        conn.recv()
        conn.send((flood.opened, flood.closed_by_server))

    asyncio.run(run())


async def _sessions(port: int, blocks: list[bytes]) -> tuple[list[float], int]:
    latencies, unanswered = [], 0
    for block in blocks:
        latency = await _real_session(port, block)
        if latency is None:
            unanswered += 1
        else:
            latencies.append(latency)
        await asyncio.sleep(0.02)
    return latencies, unanswered


def _ms(values: list[float], pick: str) -> str:
    if not values:
        return "-"
    value = statistics.median(values) if pick == "median" else max(values)
    return f"{value * 1000:.1f} ms"


async def _run(port: int, args: argparse.Namespace) -> None:
    rules = agi_dataset.rules()
    callers = agi_dataset.callers(rules, args.sessions * 2 + 5)
    blocks = [
        asterisk_headers("inbound", caller, ["hotline", "4008001234"], n)
        for n, caller in enumerate(callers)
    ]
    await _sessions(port, blocks[:5])  # warm-up
    alone, alone_failed = await _sessions(port, blocks[5 : 5 + args.sessions])
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    flooding = ctx.Process(
        target=_flood_process, args=(child, port, args.flood, args.reconnect), daemon=True
    )
    flooding.start()
    if not parent.poll(120) or parent.recv() != "ready":
        raise SystemExit("the flood did not start")
    flooded, flooded_failed = await _sessions(port, blocks[5 + args.sessions :])
    parent.send("stop")
    opened, closed_by_server = parent.recv() if parent.poll(60) else (0, 0)
    flooding.join(10)
    ratio = statistics.median(flooded) / statistics.median(alone) if alone and flooded else 0
    print(f"server RLIMIT_NOFILE {args.nofile}; flood {args.flood} idle connections"
          f"{' (reopened when closed)' if args.reconnect else ''}; {args.sessions} sessions each")  # fmt: skip
    print(f"{'':24}{'median':>12}{'worst':>12}{'unanswered':>12}")
    print(f"{'alone':24}{_ms(alone, 'median'):>12}{_ms(alone, 'max'):>12}{alone_failed:>12}")
    print(f"{'during the flood':24}{_ms(flooded, 'median'):>12}{_ms(flooded, 'max'):>12}"
          f"{flooded_failed:>12}")  # fmt: skip
    print(f"ratio flood / alone (median): {ratio:.2f}x")
    print(f"flood connections opened {opened}, closed by the server {closed_by_server}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=1500)
    parser.add_argument("--nofile", type=int, default=1024)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--reconnect", action="store_true")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * args.flood + 256  # closing and reopening flood sockets overlap
    if hard != resource.RLIM_INFINITY and hard < wanted:
        parser.error(f"this process needs {wanted} descriptors; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve_limited, args=(child, args.nofile, 600.0), daemon=True)
    server.start()
    try:
        if not parent.poll(60):
            raise SystemExit("the FastAGI server did not start")
        asyncio.run(_run(parent.recv(), args))
    finally:
        parent.close()
        server.join(10)
        if server.is_alive():
            server.terminate()


if __name__ == "__main__":
    main()
