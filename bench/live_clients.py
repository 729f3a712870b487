"""Bench (issue 14 §7): 200 websocket clients of the live pages while 100 calls run.

    PBXCTL_SANDBOX_ROOT=... .venv/bin/python -m bench.live_clients
    .venv/bin/python -m bench.live_clients --clients 200 --calls 300 --concurrency 100 --talk 20

The example company on the sandbox Asterisk with ``pbxctl serve`` as its own process (the
demo's site, as ``pbxctl loadtest``). The same load runs three times: without clients (the
baseline), with ``--clients`` websocket clients connected, half of them agents'
workspaces (signed-in agent sessions of 8001-8003, subscribed as /agent subscribes) and
half wallboards (a paired screen's cookie, subscribed as /wallboard is: the board and
today's figures), and without clients again. The clients run in their own process so their
reading costs neither the controller nor the measuring. ``--clients 0`` shows what the
order of the loads alone costs.

The site's data directory (a temporary directory ``pbx-bench-live-*``: database, logs, journal) is deleted at
the end unless ``--keep``. ``--py-spy BIN`` samples the controller with that py-spy binary
during each load (``py-spy record --nonblocking``, 200 Hz, native frames off) and writes the
collapsed stacks to ``--profile-dir`` (``load1-baseline.txt``, ``load2-clients.txt``,
``load3-again.txt``): the difference between the second and the mean of the others is what
the clients cost, function by function.

Printed:

- **latency** from the event to the message in a client: ``AgentCalled`` (as this bench's
  own AMI session received it) to the ``screen_pop`` of that call and agent in each of the
  agent's workspaces; for the wallboards (whose tiles name no caller), the arrival in the
  controller of the oldest change of a queue or an agent a ``board`` shows (``changes_since``,
  stamped by the hub) to the board in each client, split at the board's ``server_time``
  (when the hub built it) into the time held (coalescing, computing) and the delivery
  (sending, the client reading it). p50, p95, max (target: p95 <= 300 ms);
- **CPU** of the controller's process during each run and the ratio of the run with clients
  to the mean of the runs without, one before it and one after it (a later load costs more
  than an earlier one as the history grows) (target: with clients <= 1.5x without).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from controller.access.store import UserInput, create_token, create_user
from controller.ami.filters import EventFilter, add_filters
from controller.ami.protocol import Message
from controller.ami.session import AmiSession
from controller.config import load_settings
from controller.db.engine import make_engine, session_factory
from controller.demo.site import DEMO_AGENT, DEMO_DID, DemoSite
from controller.dialplan.service import ami_credentials
from controller.loadtest.calls import Summary, percentile
from controller.loadtest.cpu import CpuMeter
from controller.loadtest.runner import LoadPlan, LoadRunner

AGENTS = ("8001", "8002", "8003")  # the example company's sales agents, as workspaces
PASSWORD = "bench password 1"  # noqa: S105 - the bench's own throwaway accounts


# -- the clients (their own process) ----------------------------------------------------------


async def _client(
    http: aiohttp.ClientSession, url: str, cookie: str, hello: dict[str, Any], client: int,
    out: list[tuple[float, int, str, list[str]]], ready: asyncio.Event, counter: list[int],
    total: int,
) -> None:  # fmt: skip
    """One page's websocket: subscribe as the page does, note when each message arrives."""
    async with http.ws_connect(url, headers={"Cookie": cookie}, max_msg_size=0) as socket:
        await socket.send_json(hello)
        first = True
        async for message in socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            now = time.time()
            data = json.loads(message.data)
            if first:
                first = False
                counter[0] += 1
                if counter[0] == total:
                    ready.set()
            kind_of = data["type"]
            if kind_of == "screen_pop":
                body = data["data"]
                out.append((now, client, "pop", [f"{body['linkedid']}|{body['agent']}"]))
            elif kind_of == "board" and data["data"].get("changes_since") is not None:
                # The oldest change in it, as the controller stamped it on arrival, and when
                # the controller built it.
                body = data["data"]
                out.append((now, client, "board", [str(body["changes_since"]),
                                                   str(body["server_time"])]))  # fmt: skip


async def _clients(spec: dict[str, Any], results: Path) -> None:
    out: list[tuple[float, int, str, list[str]]] = []
    ready, counter = asyncio.Event(), [0]
    url = spec["base"].replace("http", "ws", 1) + "/api/v1/ws"
    total = spec["clients"]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        tasks = []
        for n in range(total):
            if n % 2 == 0:
                agent = AGENTS[(n // 2) % len(AGENTS)]
                cookie = spec["sessions"][agent]
                hello = {"subscribe": ["calls", "agents", "screen_pops", "board"],
                         "agents": [agent]}  # fmt: skip
            else:
                cookie = spec["screen"]
                hello = {"subscribe": ["board", "figures"]}
            tasks.append(asyncio.create_task(
                _client(http, url, cookie, hello, n, out, ready, counter, total)
            ))  # fmt: skip
        if total:  # --clients 0: the same two loads, to see what the order alone costs
            await asyncio.wait_for(ready.wait(), 60)
        print("ready", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    _write(results, json.dumps(out))


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _take(path: Path) -> str:
    text = path.read_text()
    path.unlink()
    return text


# -- the site and the load ------------------------------------------------------------------


def _accounts(site: DemoSite) -> tuple[dict[str, tuple[str, str]], str]:
    """A login of each agent (the demo's own for its agent, bench users for the others) and
    a wallboard token (to pair a screen)."""
    logins = {DEMO_AGENT: site.agent_login}
    engine = make_engine(site.settings.effective_database_url)
    with session_factory(engine)() as session, session.begin():
        for code in AGENTS:
            if code not in logins:
                logins[code] = (f"bench-{code}", PASSWORD)
                create_user(session, UserInput(f"bench-{code}", PASSWORD, "agent", code, "zh",
                                               code))  # fmt: skip
        token = create_token(session, f"bench-screen-{int(time.time())}", "wallboard")
    engine.dispose()
    return logins, token


async def _cookies(
    site: DemoSite, logins: dict[str, tuple[str, str]], screen_token: str
) -> dict[str, Any]:
    """Each agent's session cookie (signed in through the form) and a paired screen's."""
    sessions = {}
    for code, (login, password) in logins.items():
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            form = await (await http.get(f"{site.api_url}/login")).text()
            found = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert found is not None
            signed = await http.post(f"{site.api_url}/login", data={
                "login": login, "password": password, "csrf_token": found.group(1),
            }, allow_redirects=False)  # fmt: skip
            assert signed.status == 303, await signed.text()
            cookie = next(c for c in jar if c.key == "pbx_session")
            sessions[code] = f"pbx_session={cookie.value}"
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        made = await http.post(f"{site.api_url}/api/v1/kiosk/link",
                               headers={"Authorization": f"Bearer {screen_token}"})  # fmt: skip
        link = (await made.json())["link"]
        await http.get(f"{site.api_url}{link}", allow_redirects=False)
        cookie = next(c for c in jar if c.key == "pbx_kiosk")
    return {"sessions": sessions, "screen": f"pbx_kiosk={cookie.value}"}


def _profiler(args: argparse.Namespace, pid: int, label: str) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the controller during one load (``--py-spy``), else None."""
    if not args.py_spy:
        return None
    out = Path(args.profile_dir) / f"{label}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [args.py_spy, "record", "--pid", str(pid), "--rate", "200", "--nonblocking",
         "--threads", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _stop_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()
            profiler.wait()


async def _run_load(
    site: DemoSite, plan: LoadPlan, run_id: str, args: argparse.Namespace, label: str
) -> tuple[Summary, float, list[tuple[float, Message]]]:
    """One load run; the controller's CPU seconds and every event (with when it arrived)."""
    credentials = ami_credentials(site.settings)
    events: list[tuple[float, Message]] = []
    async with (
        await AmiSession.open(credentials) as ami,
        await AmiSession.open(credentials) as watch,
    ):
        # Only what is measured, so this process stays light beside the ones it measures.
        await add_filters(watch, [EventFilter("AgentCalled"), EventFilter("QueueCallerJoin")])
        watch.on_event = lambda event: events.append((time.time(), event))
        runner = LoadRunner(ami, plan, run_id=run_id)
        await add_filters(ami, runner.event_filters())
        ami.on_event = runner.on_event
        assert site.controller is not None
        meter = CpuMeter({"controller": site.controller.pid})
        profiler = _profiler(args, site.controller.pid, label)
        meter.start()
        book = await runner.run()
        cpu = meter.stop()["controller"]
        _stop_profiler(profiler)
    assert cpu is not None
    return Summary.of(book), cpu, events


def _latencies(
    events: list[tuple[float, Message]], receipts: list[list[Any]]
) -> dict[str, list[float]]:
    """Screen pops: per workspace, the pop of a call and agent minus when this bench's AMI
    session got that AgentCalled. Boards: each board minus the arrival, in the controller,
    of the oldest change it carries (stamped by the hub: the wallboard has no caller to
    match)."""
    rang: dict[str, float] = {}
    for at, event in events:
        if event.get("Event") == "AgentCalled":
            rang.setdefault(f"{event.get('Linkedid')}|{event.get('MemberName')}", at)
    found: dict[str, list[float]] = {"pop": [], "board": [], "held": [], "delivered": []}
    popped: set[tuple[int, str]] = set()
    for at, client, what, keys in receipts:
        if what == "board":
            since, built = float(keys[0]), float(keys[1])
            found["board"].append(at - since)
            found["held"].append(built - since)  # coalescing, then computing the tiles
            found["delivered"].append(at - built)  # sending, and the client reading it
            continue
        for key in keys:
            if (client, key) not in popped and key in rang:
                popped.add((client, key))
                found["pop"].append(at - rang[key])
    return found


async def bench(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="pbx-bench-live-"))
    base = load_settings({"data_dir": data_dir})
    site = DemoSite(base, talk_seconds=args.talk, progress=lambda line: print(line, flush=True))
    worker: asyncio.subprocess.Process | None = None
    try:
        await site.start()
        logins, screen_token = _accounts(site)
        await site.login_agents(list(AGENTS))
        async with await AmiSession.open(ami_credentials(site.settings), events=False) as ami:
            for n in range(args.concurrency):  # simulated agents, so the load is answered
                await ami.action("QueueAdd", Queue="sales",
                                 Interface=f"Local/{9000 + n}@pbx-demo-agent/n",
                                 MemberName=f"load-{9000 + n}", Penalty=0)  # fmt: skip
        plan = LoadPlan(calls=args.calls, concurrency=args.concurrency, did=DEMO_DID,
                        max_seconds=args.duration)  # fmt: skip
        print(f"baseline: {args.calls} calls, {args.concurrency} at once, no clients", flush=True)
        alone, cpu_alone, _ = await _run_load(
            site, plan, f"base{int(time.time())}", args, "load1-baseline"
        )

        spec = {
            "base": site.api_url,
            "clients": args.clients,
            **await _cookies(site, logins, screen_token),
        }
        spec_file = Path(tempfile.mkstemp(prefix="pbx-bench-spec-")[1])
        _write(spec_file, json.dumps(spec))
        results = spec_file.with_suffix(".results")
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.live_clients", "--worker", str(spec_file), str(results),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert worker.stdout is not None
        line = await asyncio.wait_for(worker.stdout.readline(), 120)
        if line.strip() != b"ready":
            raise RuntimeError(f"the clients did not connect: {line!r}")
        print(f"with clients: {args.clients} connected", flush=True)
        loaded, cpu_loaded, events = await _run_load(
            site, plan, f"live{int(time.time())}", args, "load2-clients"
        )
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), 60)
        receipts = json.loads(_take(results))
        _take(spec_file)
        # The same load again without clients: a later load costs more than the first (the
        # history has grown; 1.26x with no clients at all, 2026-12-03), so the clients' run
        # is compared with the mean of a baseline before it and one after it.
        print(f"baseline again: {args.calls} calls, no clients", flush=True)
        again, cpu_again, _ = await _run_load(
            site, plan, f"again{int(time.time())}", args, "load3-again"
        )
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
        site.stop()
        if args.keep:
            print(f"kept the site's data directory: {data_dir}", flush=True)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    lat = _latencies(events, receipts)
    every = lat["pop"] + lat["board"]
    print()
    print(f"calls: baseline {alone.answered}/{alone.attempted} answered, "
          f"with clients {loaded.answered}/{loaded.attempted}, "
          f"baseline again {again.answered}/{again.attempted}")  # fmt: skip
    print(f"{'event -> client message':<34} {'n':>6} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, values in (("AgentCalled -> screen_pop", lat["pop"]),
                         ("change -> wallboard board", lat["board"]),
                         ("  of which change -> board built", lat["held"]),
                         ("  of which built -> in the client", lat["delivered"]),
                         ("all", every)):  # fmt: skip
        if values:
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            print(f"{name:<34} {len(values):>6} {p50 * 1000:>6.0f}ms {p95 * 1000:>6.0f}ms "
                  f"{max(values) * 1000:>6.0f}ms")  # fmt: skip
    base = (cpu_alone + cpu_again) / 2
    ratio = cpu_loaded / base if base else float("inf")
    print(f"controller CPU: {cpu_alone:.1f} s without clients, {cpu_loaded:.1f} s with "
          f"{args.clients}, {cpu_again:.1f} s without again: ratio {ratio:.2f}x to their "
          f"mean (target <= 1.5x); to the first alone {cpu_loaded / cpu_alone:.2f}x")  # fmt: skip
    p95_all = percentile(every, 0.95) if every else None
    print(f"p95 {p95_all * 1000:.0f} ms (target <= 300 ms)" if p95_all is not None else "no data")
    ok = p95_all is not None and p95_all <= 0.3 and ratio <= 1.5
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--talk", type=int, default=20)
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--keep", action="store_true", help="keep the site's data directory")
    parser.add_argument("--py-spy", metavar="BIN", help="profile the controller with py-spy")
    parser.add_argument("--profile-dir", default="var/live-clients-profile")
    parser.add_argument("--worker", nargs=2, metavar=("SPEC", "RESULTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(Path(args.worker[0]).read_text())
        asyncio.run(_clients(spec, Path(args.worker[1])))
        return 0
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(bench(args))
    return 130


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
