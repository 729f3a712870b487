#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, then pytest on SQLite, PostgreSQL, MariaDB and a
# real Asterisk 22 (built once into a cached chroot). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
    # pytest's "no tests collected": a run that tests nothing is not a pass.
    echo "error: pytest collected no tests" >&2
fi
exit $status
