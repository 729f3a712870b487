"""AMI throughput: our parser + decoder + tracker against panoramisk's bare parser, same run.

    .venv/bin/python -m bench.ami_tracker                 # 200k events, resync of 1,000 channels
    .venv/bin/python -m bench.ami_tracker --asterisk      # + resync from a real Asterisk (root)

1. Stream: the recorded transcripts copied and interleaved (bench/ami_stream.py), fed in
   64 KiB reads, on one core, timed in CPU seconds of this process. "tracked" = incremental UTF-8 parse + typed decode + tracker
   (every call finished, every agent interval produced). The baseline is panoramisk 1.4's
   ``AMIProtocol.data_received`` with a dispatch that does nothing: parsing only. Caller names
   are Chinese; the damaged ones panoramisk delivers are counted.
2. Resync of 1,000 live channels (500 bridged calls, 20 queues of 25 members and 10 callers):
   building the snapshot from the list events and replacing the tracker's state, on a fresh
   tracker and on one that already holds the same state.
3. With ``--asterisk``: 500 Local-channel calls (1,000 channels) on the sandbox Asterisk and the
   full resync over AMI (four list actions and the tracker), as after a reconnect.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

from panoramisk.ami_protocol import AMIProtocol

from bench.ami_stream import NAMES, build
from controller.ami.decode import decode
from controller.ami.filters import allows
from controller.ami.live import tracker_filters
from controller.ami.protocol import Message, Parser, parse_message
from controller.ami.replay import SnapshotBuilder
from controller.ami.tracker import Tracker

CHUNK = 65536
# The stream comparisons count this process's CPU time, not the wall clock: all three are
# single-threaded and CPU-bound, and on a shared machine the wall clock mostly measures how
# often the others' processes got the CPU (one run on a loaded 2-core machine: 16.8 s wall
# for 5.5 s of CPU).
cpu_time = time.process_time


class _Sink:
    """panoramisk's factory: counts events and damaged caller names, nothing else."""

    def __init__(self) -> None:
        self.events = 0
        self.damaged = 0

    def dispatch(self, message: Any) -> None:
        self.events += 1
        name = message.get("CallerIDName")
        if name is not None and not name.isdigit() and name not in NAMES:
            self.damaged += 1


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def panoramisk_parse(data: bytes) -> tuple[float, int, int]:
    protocol = AMIProtocol()
    protocol.connection_made(_Transport())
    sink = _Sink()
    protocol.factory = sink
    protocol.encoding = "utf8"
    started = cpu_time()
    for start in range(0, len(data), CHUNK):
        protocol.data_received(data[start : start + CHUNK])
    return cpu_time() - started, sink.events, sink.damaged


def ours_parse(data: bytes) -> tuple[float, int]:
    parser = Parser()
    count = 0
    started = cpu_time()
    for start in range(0, len(data), CHUNK):
        for message in parser.feed(data[start : start + CHUNK]):
            message.fields  # noqa: B018 - messages are split on first use: split every one
            count += 1
    return cpu_time() - started, count


def ours_tracked(data: bytes) -> tuple[float, int, Tracker, int]:
    parser = Parser()
    tracker = Tracker("bench", queue_wrapup={"sales": 15, "support": 10})
    count = 0
    finished = 0
    clock = 1_800_000_000.0
    started = cpu_time()
    for start in range(0, len(data), CHUNK):
        for message in parser.feed(data[start : start + CHUNK]):
            count += 1
            clock += 0.0005
            event = decode(message, clock)
            if event is not None:
                tracker.apply(event)
        finished += len(tracker.drain().finished)  # what LiveState does per read
    return cpu_time() - started, count, tracker, finished


def filtered_stream(data: bytes) -> tuple[bytes, int]:
    """The stream with only the events the controller's live filters let through."""
    filters = tracker_filters()
    text = data.decode("utf-8")
    banner, _, rest = text.partition("\r\n")
    blocks = [b for b in rest.split("\r\n\r\n") if b]
    kept = [b for b in blocks if allows(filters, parse_message(b).fields)]
    return (banner + "\r\n" + "".join(b + "\r\n\r\n" for b in kept)).encode("utf-8"), len(kept)


def _message(pairs: dict[str, str]) -> Message:
    return Message(list(pairs.items()))


def resync_lists(calls: int = 500, queues: int = 20, members: int = 25, waiting: int = 10):  # type: ignore[no-untyped-def]
    lists: list[Message] = []
    for n in range(calls):
        bridge = f"bridge-{n}"
        for side, name in ((0, f"PJSIP/trunk-{n:08x}"), (1, f"PJSIP/{1000 + n % 900}-{n:08x}")):
            lists.append(_message({
                "Event": "CoreShowChannel", "ActionID": "r1", "Channel": name,
                "Uniqueid": f"1800.{2 * n + side}", "Linkedid": f"1800.{2 * n}",
                "ChannelState": "6", "CallerIDNum": "13900001111", "CallerIDName": "张伟",
                "Context": "pbx-phones", "Exten": "s", "Application": "Dial" if side else "AppDial",
                "Duration": "00:01:10", "BridgeId": bridge,
            }))  # fmt: skip
    for q in range(queues):
        queue = f"q{q}"
        lists.append(_message({"Event": "QueueParams", "ActionID": "r3", "Queue": queue,
                               "Strategy": "rrmemory", "Calls": str(waiting)}))  # fmt: skip
        for m in range(members):
            code = str(8000 + q * members + m)
            lists.append(_message({
                "Event": "QueueMember", "ActionID": "r3", "Queue": queue, "Name": code,
                "Location": f"Local/{code}@pbx-agent/n", "StateInterface": f"PJSIP/{code}",
                "Membership": "dynamic", "Status": "1", "Paused": "1" if m % 5 == 0 else "0",
                "PausedReason": "lunch" if m % 5 == 0 else "", "InCall": "0",
            }))  # fmt: skip
        for w in range(waiting):
            lists.append(_message({
                "Event": "QueueEntry", "ActionID": "r3", "Queue": queue, "Position": str(w + 1),
                "Channel": f"Local/w@c-{q}-{w};1", "Uniqueid": f"1800.{2 * calls + q * waiting + w}",
                "Wait": str(w * 3),
            }))  # fmt: skip
        lists.append(_message({"Event": "QueueSummary", "ActionID": "r4", "Queue": queue}))
    return lists


def timed_resync(tracker: Tracker, lists: list[Message], at: float) -> float:
    started = time.perf_counter()
    builder = SnapshotBuilder(at)
    for message in lists:
        builder.add(message, at)
    tracker.resync(builder.build(at))
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


async def asterisk_resync(calls: int) -> tuple[float, dict[str, int]]:
    """Resync over AMI from the sandbox Asterisk holding ``calls`` Local-channel calls."""
    import secrets
    import socket

    from controller.ami.client import AmiClient
    from controller.ami.live import LiveState
    from controller.ami.session import AmiCredentials, AmiSession
    from controller.config import load_settings
    from controller.sandbox import AsteriskSandbox, ensure_built, host_mirror

    settings = load_settings()
    ensure_built(settings.sandbox_root, settings.sandbox.mirror or host_mirror())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    dialplan = "[bench]\nexten => hold,1,Answer()\n same => n,Wait(600)\n same => n,Hangup()\n"
    sandbox = AsteriskSandbox(settings.sandbox_root)
    sandbox.start({"extensions.conf": dialplan}, "bench", secrets.token_urlsafe(12), port)
    try:
        account = sandbox.ami
        credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
        async with await AmiSession.open(credentials) as ami:
            for n in range(calls):
                await ami.action(
                    "Originate", Channel="Local/hold@bench", Application="Wait", Data="600",
                    Async="true", ChannelId=f"bench-{n}",
                )  # fmt: skip
            # Wait until the channel count stops growing (a few Originates may fail under
            # this burst; the figure printed is for the channels that are really there).
            seen, stable_since = -1, time.monotonic()
            while time.monotonic() - stable_since < 2.0:
                listed = await ami.list_action("CoreShowChannels")
                if len(listed) != seen:
                    seen, stable_since = len(listed), time.monotonic()
                await asyncio.sleep(0.2)
        tracker = Tracker("bench")
        live = LiveState(tracker)
        client = AmiClient(credentials, live.on_message, on_connected=live.resync)
        task = asyncio.create_task(client.run())
        await asyncio.wait_for(live.synced.wait(), 60)
        client.stop()
        await task
        assert live.last_resync_ms is not None
        return live.last_resync_ms, tracker.counts()
    finally:
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=870, help="copies of the transcripts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--asterisk", action="store_true", help="also resync from real Asterisk")
    parser.add_argument("--calls", type=int, default=500, help="calls on the real Asterisk")
    args = parser.parse_args()

    data, events = build(args.copies)
    print(f"stream: {events:,} events, {len(data) / 1e6:.1f} MB, {CHUNK // 1024} KiB reads")
    gc.collect()
    pano, parse, tracked = [], [], []
    for _ in range(args.runs):
        seconds, pano_events, damaged = panoramisk_parse(data)
        pano.append(seconds)
        parse.append(ours_parse(data)[0])
        seconds, count, _tracker, finished = ours_tracked(data)
        tracked.append(seconds)
    assert count == events, (count, events)
    rows = [
        ("panoramisk 1.4 parse only (baseline)", median(pano), pano_events),
        ("ours: parse only", median(parse), events),
        ("ours: parse + decode + tracker", median(tracked), events),
    ]
    for label, seconds, n in rows:
        print(f"  {label:<40} {n / seconds:>10,.0f} events/s  ({seconds:.2f} s)")
    print(f"  tracked / panoramisk parse: {median(pano) / median(tracked):.2f}x; "
          f"calls finished: {finished:,}; panoramisk damaged caller names: {damaged:,}")  # fmt: skip

    # The same comparison on what the live session receives: only the events its filters let
    # through (the decoder then uses nearly all of them, so nothing is left unsplit).
    filtered, kept = filtered_stream(data)
    print(f"filtered as the live session is: {kept:,} events, {len(filtered) / 1e6:.1f} MB")
    pano_f, tracked_f = [], []
    for _ in range(args.runs):
        pano_f.append(panoramisk_parse(filtered)[0])
        tracked_f.append(ours_tracked(filtered)[0])
    print(
        f"  panoramisk parse {kept / median(pano_f):,.0f} events/s, ours tracked "
        f"{kept / median(tracked_f):,.0f} events/s: {median(pano_f) / median(tracked_f):.2f}x"
    )

    lists = resync_lists()
    fresh = [timed_resync(Tracker("bench"), lists, 1.0) for _ in range(5)]
    warm_tracker = Tracker("bench")
    timed_resync(warm_tracker, lists, 1.0)
    warm = [timed_resync(warm_tracker, lists, 2.0 + i) for i in range(5)]
    counts = warm_tracker.counts()
    print(f"resync of {counts['channels']:,} channels, {counts['queues']} queues, "
          f"{counts['queue_callers']} callers: fresh {median(fresh) * 1000:.1f} ms, "
          f"already in sync {median(warm) * 1000:.1f} ms")  # fmt: skip
    if args.asterisk:
        ms, counts = asyncio.run(asterisk_resync(args.calls))
        print(f"resync over AMI from Asterisk with {counts['channels']:,} live channels: "
              f"{ms:.0f} ms (four list actions + tracker)")  # fmt: skip


if __name__ == "__main__":
    main()
