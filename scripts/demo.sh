#!/usr/bin/env bash
# Install, create the database, import the example company and show what it holds.
# Data goes to ./var/demo unless PBXCTL_DATA_DIR says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PBXCTL_DATA_DIR="${PBXCTL_DATA_DIR:-$PWD/var/demo}"
pbxctl=.venv/bin/pbxctl
$pbxctl db upgrade
$pbxctl config import examples/company.yaml
echo
$pbxctl config summary
