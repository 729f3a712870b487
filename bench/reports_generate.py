"""Generate the report benchmark's history as TSV files (see bench/reports_data.py).

.venv/bin/python -m bench.reports_generate var/bench/reports/10m --calls 10000000 --days 730
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from bench.reports_data import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--last-day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30))
    args = parser.parse_args()
    started = time.monotonic()
    counts = generate(args.target, args.calls, args.days, args.last_day)
    print(f"generated in {time.monotonic() - started:.0f} s: {counts}")


if __name__ == "__main__":
    main()
