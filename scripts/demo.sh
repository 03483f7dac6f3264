#!/usr/bin/env bash
# The main job on a fresh machine: set up, provision the Asterisk lab, dial the sample campaign.
# Extra arguments go to `dialer demo` (e.g. --quick for the short CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/dialer demo "$@"
