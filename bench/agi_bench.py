"""FastAGI routing benchmark: the full ``inbound`` decision vs bare panoramisk, same run.

    .venv/bin/python -m bench.agi_bench                 # ~1 minute
    .venv/bin/python -m bench.agi_bench --rounds 5 --duration 5

Each round starts both servers (their own process, pinned to CPU 0; the load generator runs
on CPU 1) and loads each at 1 and at 50 concurrent sessions; the medians over rounds are
compared. Targets (issue 5): throughput at 50 sessions >= 80 % of bare panoramisk; p99 at 50
sessions <= 1.25x bare; one session at a time, the decision adds <= 1 ms to the round trip.
Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from dataclasses import dataclass

from bench import agi_dataset, agi_servers
from bench.agi_load import LoadResult, asterisk_headers, run_load

KINDS = ("bare", "controller")


@dataclass
class Figures:
    throughput: float
    p50_ms: float
    p99_ms: float
    generator_cpu: float = 0.0


def _headers(count: int = 2000) -> list[bytes]:
    rules = agi_dataset.rules()
    callers = agi_dataset.callers(rules, count)
    return [
        asterisk_headers("inbound", caller, ["hotline", "4008001234"], n)
        for n, caller in enumerate(callers)
    ]


def _measure(kind: str, levels: list[int], duration: float, headers: list[bytes], cpu: int | None):
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=agi_servers.serve, args=(kind, child, cpu), daemon=True)
    proc.start()
    try:
        if not parent.poll(60):
            raise RuntimeError(f"{kind} server did not start")
        port = parent.recv()
        results = {}
        for level in levels:
            result: LoadResult = run_load(port, headers, level, duration)
            if result.errors:
                print(f"  {kind}: {result.errors} failed sessions at {level}", file=sys.stderr)
            results[level] = Figures(
                result.throughput,
                result.percentile(50) * 1000,
                result.percentile(99) * 1000,
                result.generator_cpu,
            )
        return results
    finally:
        parent.close()  # the server exits when its pipe closes
        proc.join(10)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)


def _median(values: list[Figures]) -> Figures:
    return Figures(
        statistics.median(v.throughput for v in values),
        statistics.median(v.p50_ms for v in values),
        statistics.median(v.p99_ms for v in values),
    )


def _decision_cost(samples: int = 20000) -> float:
    """Microseconds per decision in-process (no network), for the record."""
    from controller.agi.routes.inbound import inbound_variables
    from controller.routing.decide import CallFacts, decide_inbound
    from controller.routing.region import RegionLookup

    rules = agi_dataset.rules()
    live = agi_dataset.live_state(rules, agi_dataset.NOW.timestamp())
    region = RegionLookup()
    callers = agi_dataset.callers(rules, samples)
    started = time.perf_counter()
    for caller in callers:
        facts = CallFacts("hotline", caller, agi_dataset.NOW, region)
        inbound_variables(decide_inbound(facts, rules, live), rules)
    return (time.perf_counter() - started) / samples * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args(argv)

    two_cpus = (os.cpu_count() or 1) >= 2
    server_cpu = 0 if two_cpus else None
    if two_cpus:
        os.sched_setaffinity(0, {1})
    levels = [1, args.concurrency]
    headers = _headers()
    runs: dict[tuple[str, int], list[Figures]] = {}
    for n in range(args.rounds):
        order = KINDS if n % 2 == 0 else tuple(reversed(KINDS))
        for kind in order:
            for level, figures in _measure(
                kind, levels, args.duration, headers, server_cpu
            ).items():
                runs.setdefault((kind, level), []).append(figures)
                print(f"round {n + 1} {kind:10} c={level:<3} {figures.throughput:8.0f}/s "
                      f"p50 {figures.p50_ms:6.3f} ms  p99 {figures.p99_ms:6.3f} ms  "
                      f"(load generator at {figures.generator_cpu:4.0%} of a CPU)")  # fmt: skip
    med = {key: _median(values) for key, values in runs.items()}
    bare1, ctrl1 = med[("bare", 1)], med[("controller", 1)]
    bareN, ctrlN = med[("bare", args.concurrency)], med[("controller", args.concurrency)]
    throughput_ratio = ctrlN.throughput / bareN.throughput
    p99_ratio = ctrlN.p99_ms / bareN.p99_ms
    added_ms = ctrl1.p50_ms - bare1.p50_ms
    print()
    print(f"decision in-process: {_decision_cost():.1f} us per call (no network)")
    print(f"{'':24}{'bare panoramisk':>18}{'controller':>14}{'ratio':>9}")
    rows = [
        (f"throughput c={args.concurrency} (/s)", bareN.throughput, ctrlN.throughput),
        (f"p50 c={args.concurrency} (ms)", bareN.p50_ms, ctrlN.p50_ms),
        (f"p99 c={args.concurrency} (ms)", bareN.p99_ms, ctrlN.p99_ms),
        ("throughput c=1 (/s)", bare1.throughput, ctrl1.throughput),
        ("p50 c=1 (ms)", bare1.p50_ms, ctrl1.p50_ms),
        ("p99 c=1 (ms)", bare1.p99_ms, ctrl1.p99_ms),
    ]
    for label, bare, ctrl in rows:
        print(f"{label:24}{bare:18.3f}{ctrl:14.3f}{ctrl / bare:9.2f}")
    checks = [
        (f"throughput at {args.concurrency} >= 0.80x bare", throughput_ratio >= 0.80,
         f"{throughput_ratio:.2f}x"),
        (f"p99 at {args.concurrency} <= 1.25x bare", p99_ratio <= 1.25, f"{p99_ratio:.2f}x"),
        ("one at a time: decision adds <= 1 ms", added_ms <= 1.0, f"{added_ms:+.3f} ms"),
    ]  # fmt: skip
    print()
    for label, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {value}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
