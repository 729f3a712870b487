"""Generate the report benchmark's history as TSV files (see bench/reports_data.py).

.venv/bin/python -m bench.reports_generate var/bench/reports/10m --calls 10000000 --days 730
.venv/bin/python -m bench.reports_generate var/bench/reports/10m --calls 10000000 --days 730 \\
    --generate-days 37  # simulate the last 37 days; the loader copies their first week back
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
    parser.add_argument(
        "--generate-days",
        type=int,
        help="simulate only the last N days (the first week of them the template the loader "
        "copies back, week by week, inside the database to fill the older days)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    counts = generate(
        args.target, args.calls, args.days, args.last_day, generate_days=args.generate_days
    )
    print(f"generated in {time.monotonic() - started:.0f} s: {counts}")


if __name__ == "__main__":
    main()
