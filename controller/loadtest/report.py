"""The load test's summary table."""

from __future__ import annotations

import csv
from pathlib import Path

from controller.loadtest.calls import CallBook, Summary


def write_csv(book: CallBook, path: Path) -> None:
    """One row per call; times are seconds since that call was originated."""

    def since(record_time: float | None, start: float) -> str:
        return "" if record_time is None else f"{record_time - start:.3f}"

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["call", "outcome", "queue", "agent", "joined", "connected", "ended", "reason"]
        )
        for r in book.calls.values():
            writer.writerow(
                [r.id, r.outcome.value, r.queue or "", r.agent or "", since(r.joined_at, r.sent_at),
                 since(r.connected_at, r.sent_at), since(r.ended_at, r.sent_at), r.reason]
            )  # fmt: skip


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def render(
    summary: Summary,
    elapsed: float,
    cpu: dict[str, float | None],
    concurrency: int,
    controller_events: int | None = None,
) -> str:
    rows = [
        ("attempted", str(summary.attempted)),
        ("answered by an agent", str(summary.answered)),
        ("abandoned in the queue", str(summary.abandoned)),
        ("ended without an agent", str(summary.unanswered)),
        ("failed", str(summary.failed)),
        ("concurrency", str(concurrency)),
        ("elapsed", f"{elapsed:.1f} s"),
        (
            "setup to agent p50 / p95",
            f"{_seconds(summary.setup_p50)} / {_seconds(summary.setup_p95)}",
        ),
        (
            "routing to queue p50 / p95",
            f"{_seconds(summary.routing_p50)} / {_seconds(summary.routing_p95)}",
        ),
    ]
    for name, used in cpu.items():
        rows.append((f"CPU used by {name}", "-" if used is None else f"{used:.2f} s"))
    asterisk, controller = cpu.get("Asterisk"), cpu.get("controller")
    if asterisk and controller is not None:
        rows.append(("controller CPU / Asterisk CPU", f"{controller / asterisk:.1%}"))
    if controller_events is not None and summary.attempted:
        rows.append(
            (
                "AMI events to the controller",
                f"{controller_events:,} ({controller_events / summary.attempted:.1f} per call)",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
