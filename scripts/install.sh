#!/usr/bin/env bash
# Install pbx-controller into ./.venv (idempotent). Usage: scripts/install.sh [--test]
# Installs everything the README's commands need, the PostgreSQL and MariaDB drivers included.
#   --test  also install the test tools (pytest, ruff, build).
set -euo pipefail
cd "$(dirname "$0")/.."

extras="postgresql,mariadb"
if [[ "${1:-}" == "--test" ]]; then
    extras="postgresql,mariadb,test"
fi

need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt+=(python3-venv)
# PDF reports are printed by Debian's headless Chromium, with the fonts that draw Chinese (the
# pages are also tested in it: Playwright drives it and downloads nothing).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
# Uploaded prompts (MP3, M4A, OGG) are converted to what Asterisk plays by ffmpeg.
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if [[ "${1:-}" == "--test" ]]; then
    # A real SIP phone for the end-to-end tests (the Asterisk chroot is built by the tests).
    command -v baresip >/dev/null 2>&1 || need_apt+=(baresip-core)
    # The report pages' test renders the downloaded PDF (pdftoppm) to look at it.
    command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
fi
if ((${#need_apt[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "error: ${need_apt[*]} missing; run as root or: sudo apt-get install ${need_apt[*]}" >&2
        exit 1
    fi
    echo "installing ${need_apt[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: pbx-controller needs Python 3.11 or newer, found $(python3 --version)" >&2
    exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "creating .venv"
    python3 -m venv .venv
fi
stamp=".venv/.installed-$extras"
# Reinstall only when the package metadata changed since the last install.
if [[ ! -f "$stamp" || setup.cfg -nt "$stamp" || pyproject.toml -nt "$stamp" ]]; then
    echo "installing pbx-controller[$extras] into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
    touch "$stamp"
fi
