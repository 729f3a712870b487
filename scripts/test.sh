#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, pytest on SQLite, PostgreSQL, MariaDB and a real
# Asterisk 22 (built once into a cached chroot), then two checks of what a user gets: the
# README's first command in a fresh clone, and the program installed from its wheel. Extra
# arguments go to pytest. Every step runs; the summary names the ones that failed (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test

failed=()
# step NAME COMMAND...: run one step, time it, remember its failure and carry on.
step() {
    local name=$1 started=$SECONDS status=0
    shift
    echo "=== step: $name"
    "$@" || status=$?
    if ((status == 0)); then
        echo "=== step passed: $name ($((SECONDS - started)) s)"
    else
        echo "=== step FAILED: $name (exit $status, $((SECONDS - started)) s)" >&2
        failed+=("$name")
    fi
}

# pytest on PBX_TEST_WORKERS processes (pytest-xdist; default 3 on these 2-core machines: the
# real-call tests mostly wait on Asterisk's timers). Each worker that runs a real-call test has
# its own sandbox Asterisk, a copy of the built root (tests/sandbox_fixtures.py).
pytest_step() {
    local status=0
    .venv/bin/python -m pytest -n "${PBX_TEST_WORKERS:-3}" "$@" || status=$?
    if ((status == 5)); then
        # pytest's "no tests collected": a run that tests nothing is not a pass.
        echo "error: pytest collected no tests" >&2
    fi
    return "$status"
}

step "ruff check" .venv/bin/ruff check .
step "ruff format" .venv/bin/ruff format --check .
step "pytest" pytest_step "$@"
# These two share the sandbox Asterisk with the pytest run: one after the other, never along.
step "README demo in a fresh clone" .venv/bin/python scripts/ci/fresh_clone_demo.py
step "wheel and sdist" .venv/bin/python scripts/ci/wheel_check.py

if ((${#failed[@]})); then
    printf 'FAILED steps:' >&2
    printf ' [%s]' "${failed[@]}" >&2
    printf '\n' >&2
    exit 1
fi
echo "all steps passed"
