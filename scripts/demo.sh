#!/usr/bin/env bash
# Install, then run a complete call center on a sandbox Asterisk: `pbxctl demo`.
# Data goes to ./var/demo unless PBXCTL_DATA_DIR says otherwise. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PBXCTL_DATA_DIR="${PBXCTL_DATA_DIR:-$PWD/var/demo}"
exec .venv/bin/pbxctl demo "$@"
