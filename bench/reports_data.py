"""A generated call history for the report benchmarks: N calls over D days, written as TSV
files (one per history table) that bench/reports_load.py puts into a database in bulk.

Realistic by simulation, not by shuffling: each of Q queues has its agents in two shifts;
callers arrive per hour with a daily curve (peaks at 10:00 and 15:00, quieter weekends) and
wait in a first-come queue for the first free agent of the queue; a caller whose patience
(exponential, mean 90 s) runs out abandons; a few time out, leave by key for a callback or
find no agent. An agent talks 30 s to 10 min (a few minutes typically), holds some calls,
does 0-45 s of after-call work and transfers one call in 20 to a colleague; an unanswered
ring at another agent comes before some answers. Agents log in at the start of their shift,
pause for lunch and breaks, and their state spans (ready, on a call, after-call work,
paused) follow their calls. Plus a share of calls that never reach a queue (IVR hang-ups,
closed hours). Seeded: the same arguments give the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
SERVER = "pbx1"
QUEUES = ("sales", "support", "billing", "vip", "tech", "orders", "returns", "english",
          "corporate", "after_sales")  # fmt: skip
AGENTS_PER_QUEUE = 24
SHIFTS = ((8, 15), (15, 22))  # local hours
# Share of a day's calls per local hour (08:00-21:59).
HOURLY = {8: 4, 9: 8, 10: 11, 11: 10, 12: 6, 13: 7, 14: 9, 15: 11, 16: 10, 17: 8, 18: 6,
          19: 4, 20: 3, 21: 3}  # fmt: skip
REGIONS = ("广东省深圳市", "广东省广州市", "北京市", "上海市", "浙江省杭州市", "江苏省南京市",
           "四川省成都市", "湖北省武汉市", "广西壮族自治区南宁市", "美国", None)  # fmt: skip
DIDS = ("+8675586001000", "+8675586002000", "+862160001000")
PAUSES = ("lunch", "break", "training")

TABLES = {
    "call": ("id", "server_id", "linkedid", "direction", "caller_number", "caller_e164",
             "caller_name", "called_number", "did", "route", "region", "ivr_path", "vip",
             "started_at", "answered_at", "ended_at", "local_date", "local_hour", "outcome",
             "source"),
    "queue_leg": ("id", "call_id", "queue_name", "entry_channel_uid", "entered_at",
                  "connected_at", "ended_at", "wait_ms", "outcome", "exit_key", "orig_position",
                  "exit_position", "priority", "answered_by_agent", "member_channel_uid",
                  "ring_ms", "completed_by", "local_date", "local_hour"),
    "agent_attempt": ("id", "leg_id", "agent_code", "member_interface", "rang_at", "ended_at",
                      "ring_ms", "result"),
    "handling": ("id", "call_id", "leg_id", "agent_code", "channel_uid", "talk_start",
                 "talk_end", "hold_ms", "acw_start", "acw_end", "ended_by", "local_date"),
    "transfer": ("id", "call_id", "at", "kind", "method", "from_handling_id", "to_context",
                 "to_exten", "result"),
    "agent_state_interval": ("id", "server_id", "agent_code", "queue_name", "state",
                             "reason_code", "started_at", "ended_at", "source_event",
                             "local_date"),
}  # fmt: skip


def ts(at: float) -> str:
    """A UTC time as every backend reads it from a bulk load (naive, microseconds)."""
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@dataclass
class Writer:
    files: dict[str, TextIO]
    ids: dict[str, int]

    def row(self, table: str, *values: Any) -> int:
        self.ids[table] += 1
        number = self.ids[table]
        self.files[table].write("\t".join(cell(v) for v in (number, *values)) + "\n")
        return number


@dataclass(eq=False)
class Agent:
    code: str
    free_at: float = 0.0
    last_end: float = 0.0  # the end of their last state span


def local(at: float) -> tuple[dt.date, int]:
    here = dt.datetime.fromtimestamp(at, TZ)
    return here.date(), here.hour


class Simulation:
    def __init__(self, out: Writer, rng: random.Random) -> None:
        self.out, self.rng = out, rng
        self.agents = {
            q: [Agent(f"{6000 + n * AGENTS_PER_QUEUE + k}") for k in range(AGENTS_PER_QUEUE)]
            for n, q in enumerate(QUEUES)
        }
        self.calls = 0
        self.pauses: dict[str, list[tuple[float, float]]] = {}

    def state(
        self, agent: Agent, state: str, start: float, end: float, reason: str | None = None
    ) -> None:
        if end <= start:
            return
        self.out.row("agent_state_interval", SERVER, agent.code, "", state, reason, ts(start),
                     ts(end), "bench", local(start)[0])  # fmt: skip
        agent.last_end = end

    def day(self, day: dt.date, calls: int) -> None:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=TZ).timestamp()
        arrivals: list[tuple[float, str]] = []
        total = sum(HOURLY.values())
        for hour, weight in HOURLY.items():
            n = round(calls * weight / total)
            start = midnight + hour * 3600
            arrivals += [
                (start + self.rng.random() * 3600, self.rng.choice(QUEUES)) for _ in range(n)
            ]
        arrivals.sort()
        shifts = self._shifts(midnight)
        for at, queue in arrivals:
            self._call(at, queue, shifts)
        for on in shifts.values():
            for agent, (start, end) in on.items():
                self._pause_if_due(agent, end)
                self.state(agent, "ready", max(agent.last_end, start), end)

    def _shifts(self, midnight: float) -> dict[str, dict[Agent, tuple[float, float]]]:
        """Who works today: half the agents of each queue per shift; log in, lunch."""
        shifts: dict[str, dict[Agent, tuple[float, float]]] = {}
        for queue, agents in self.agents.items():
            on: dict[Agent, tuple[float, float]] = {}
            half = len(agents) // 2
            for n, agent in enumerate(agents):
                first, last = SHIFTS[0] if n < half else SHIFTS[1]
                if self.rng.random() < 0.15:  # a day off
                    continue
                start = midnight + first * 3600 + self.rng.random() * 300
                end = midnight + last * 3600 + self.rng.random() * 300
                agent.free_at, agent.last_end = start, start
                # Lunch or a break: a pause in the middle of the shift.
                pause = start + (end - start) * (0.4 + 0.2 * self.rng.random())
                length = 1800 if self.rng.random() < 0.5 else 600 + self.rng.random() * 600
                self.pauses.setdefault(agent.code, []).append((pause, pause + length))
                on[agent] = (start, end)
            shifts[queue] = on
        return shifts

    def _free_agent(
        self, on: dict[Agent, tuple[float, float]], at: float
    ) -> tuple[Agent, float] | None:
        best: tuple[float, Agent] | None = None
        for agent, (start, end) in on.items():
            free = max(agent.free_at, start)
            for p_start, p_end in self.pauses.get(agent.code, ()):
                if p_start <= free < p_end:
                    free = p_end
            if free >= end - 60:
                continue
            if best is None or free < best[0]:
                best = (free, agent)
        return None if best is None else (best[1], best[0])

    def _call(
        self, at: float, queue: str, shifts: dict[str, dict[Agent, tuple[float, float]]]
    ) -> None:
        rng, out = self.rng, self.out
        self.calls += 1
        linkedid = f"{at:.6f}.{self.calls}"
        caller = f"1{rng.randrange(30, 90)}{rng.randrange(10**8):08d}"
        did = rng.choice(DIDS)
        region = rng.choice(REGIONS)
        date, hour = local(at)
        kind = rng.random()
        if kind < 0.02:  # hung up in the IVR, or arrived while closed
            outcome, path = ("unanswered", "/main") if kind < 0.015 else ("closed", "")
            out.row("call", SERVER, linkedid, "inbound", caller, f"+86{caller}", "", did, did,
                    "main", region, path, False, ts(at), None, ts(at + 20), date, hour, outcome,
                    "live")  # fmt: skip
            return
        ivr = at + 8 + rng.random() * 10
        choice = rng.choice(("1", "2", "3"))
        agent_pick = self._free_agent(shifts[queue], ivr)
        patience = rng.expovariate(1 / 90)
        start_talk = agent_pick[1] if agent_pick else math.inf
        wait = max(0.0, start_talk - ivr)
        # The leg and its outcome.
        if agent_pick is None or wait > 600:
            outcome_leg, wait = ("exit_empty", 0.0) if agent_pick is None else ("timeout", 600.0)
        elif wait > patience:
            outcome_leg, wait = "abandoned", patience
        elif rng.random() < 0.01 and wait > 30:
            outcome_leg, wait = "exit_key", 30.0
        else:
            outcome_leg = "answered"
        ended_wait = ivr + wait
        answered = outcome_leg == "answered"
        talk = min(600.0, 30 + rng.expovariate(1 / 150)) if answered else 0.0
        hold = rng.choice((0.0, 0.0, 0.0, 15.0, 40.0)) if answered else 0.0
        acw = rng.random() * 45 if answered else 0.0
        transfer = answered and rng.random() < 0.05
        end = ended_wait + talk + (60 if transfer else 0) + 1
        call_outcome = ("transferred" if transfer else "answered") if answered else {
            "abandoned": "abandoned", "exit_key": "callback"}.get(outcome_leg, "unanswered")  # fmt: skip
        call_id = out.row("call", SERVER, linkedid, "inbound", caller, f"+86{caller}", "", did,
                          did, "main", region, f"/main:{choice}", False, ts(at),
                          ts(ended_wait) if answered else None, ts(end), date, hour,
                          call_outcome, "live")  # fmt: skip
        agent = agent_pick[0] if answered and agent_pick else None
        leg_date, leg_hour = local(ivr)
        leg_id = out.row("queue_leg", call_id, queue, f"{linkedid}-c", ts(ivr),
                         ts(ended_wait) if answered else None, ts(ended_wait + talk), round(wait * 1000),
                         outcome_leg, "1" if outcome_leg == "exit_key" else None, 1, 1, 0,
                         agent.code if agent else None, f"{linkedid}-m" if agent else None,
                         4000 if agent else None,
                         ("transfer" if transfer else "caller") if agent else None,
                         leg_date, leg_hour)  # fmt: skip
        if agent is None:
            return
        if rng.random() < 0.25:  # another agent rang first and did not answer
            other = rng.choice(self.agents[queue])
            out.row("agent_attempt", leg_id, other.code, f"Local/{other.code}@pbx-agent",
                    ts(ended_wait - 19), ts(ended_wait - 4), 15000, "no_answer")  # fmt: skip
        out.row("agent_attempt", leg_id, agent.code, f"Local/{agent.code}@pbx-agent",
                ts(ended_wait - 4), ts(ended_wait), 4000, "answered")  # fmt: skip
        self._pause_if_due(agent, ended_wait - 4)
        self.state(agent, "ready", agent.last_end, ended_wait - 4)
        talk_end = ended_wait + talk
        handling = out.row("handling", call_id, leg_id, agent.code, f"{linkedid}-a",
                           ts(ended_wait), ts(talk_end), round(hold * 1000), ts(talk_end),
                           ts(talk_end + acw), "transfer" if transfer else "caller",
                           local(ended_wait)[0])  # fmt: skip
        self.state(agent, "on_call", ended_wait - 4, talk_end)
        self.state(agent, "acw", talk_end, talk_end + acw)
        agent.free_at = talk_end + acw
        if transfer:
            colleague = rng.choice([a for a in self.agents[queue] if a is not agent])
            out.row("transfer", call_id, ts(talk_end), "blind", "", handling, "pbx-agent",
                    colleague.code, "success")  # fmt: skip
            out.row("handling", call_id, None, colleague.code, f"{linkedid}-b", ts(talk_end),
                    ts(talk_end + 60), 0, None, None, "caller", local(talk_end)[0])  # fmt: skip

    def _pause_if_due(self, agent: Agent, now: float) -> None:
        """Pause spans that began before ``now`` are written when the agent gets there."""
        pending = self.pauses.get(agent.code, [])
        while pending and pending[0][0] <= now:
            start, end = pending.pop(0)
            if start >= agent.last_end:
                self.state(agent, "ready", agent.last_end, start)
                self.state(agent, "paused", start, end, self.rng.choice(PAUSES))


TEMPLATE_DAYS = 7  # a week: the older history repeats it (same weekdays, shifted dates)


def generate(
    target: Path,
    calls: int,
    days: int,
    last_day: dt.date,
    seed: int = 13,
    generate_days: int | None = None,
) -> dict[str, int]:
    """Write the TSV files into ``target``; the rows written per table.

    With ``generate_days`` (fewer than ``days``), only the last ``generate_days`` days are
    simulated; the first week of them is the template that bench/reports_load.py copies
    inside the database, week by week further back, to fill the older days (dates shifted by
    whole weeks, ids after the generated ones). ``replicate.json`` says how: the ids that
    end the template week per table, the rows generated per table, the number of copies.
    """
    target.mkdir(parents=True, exist_ok=True)
    files = {name: (target / f"{name}.tsv").open("w", encoding="utf-8") for name in TABLES}
    out = Writer(files, dict.fromkeys(TABLES, 0))
    rng = random.Random(seed)
    sim = Simulation(out, rng)
    per_day = calls / days
    simulated = days if generate_days is None else min(days, generate_days)
    if simulated < days and simulated < TEMPLATE_DAYS:
        raise ValueError(f"--generate-days {simulated}: at least {TEMPLATE_DAYS} (the template)")
    first = last_day - dt.timedelta(days=simulated - 1)
    template: dict[str, int] = {}
    manifest = target / "replicate.json"
    manifest.unlink(missing_ok=True)
    try:
        for n in range(simulated):
            if n == TEMPLATE_DAYS:
                template = dict(out.ids)
            day = first + dt.timedelta(days=n)
            weekend = day.weekday() >= 5
            sim.pauses.clear()
            sim.day(day, round(per_day * (0.7 if weekend else 1.12)))
    finally:
        for f in files.values():
            f.close()
    if simulated < days:
        copies = -(-(days - simulated) // TEMPLATE_DAYS)
        manifest.write_text(json.dumps({
            "template_days": TEMPLATE_DAYS, "template_ids": template,
            "generated": dict(out.ids), "copies": copies,
            "first_day": str(first - dt.timedelta(days=copies * TEMPLATE_DAYS)),
        }, indent=1))  # fmt: skip
        return {t: out.ids[t] + copies * template[t] for t in TABLES}
    return dict(out.ids)


def rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            yield line.rstrip("\n").split("\t")
