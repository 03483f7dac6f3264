#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, types, unit, database (SQLite and PostgreSQL) and the
# tests against the real Asterisk lab. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# PostgreSQL: use the server on 127.0.0.1:5432 if there is one; otherwise install Debian's and start it.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test: installing PostgreSQL"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
fi
# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
command -v chromium >/dev/null 2>&1 || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
}

# Docker's engine and docker-compose (Debian's): tests/deploy builds the images on local Debian base images
# and runs `docker-compose up` (the test starts dockerd itself, with no bridge and no iptables changes).
command -v dockerd >/dev/null 2>&1 && command -v docker-compose >/dev/null 2>&1 || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io docker-compose >/dev/null
}
export DIALER_TEST_POSTGRES_URL=${DIALER_TEST_POSTGRES_URL:-postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres}

# The Asterisk lab: built once (about a minute), cached in /var/cache/dialer-lab afterwards.
.venv/bin/dialer lab up >/dev/null

.venv/bin/ruff check .
.venv/bin/mypy
if [ $# -gt 0 ]; then
  exec .venv/bin/pytest "$@"
fi
# The whole suite as two pytest runs side by side: the tests on the Asterisk lab, softphones or docker
# (marked `lab`/`docker`; tests/conftest.py marks every user of the lab fixtures) one after another, as they
# share ports and one lab, and the rest beside them. The lab tests mostly wait on real time.
lab_log=$(mktemp)
.venv/bin/pytest -m "lab or docker" --durations=15 --basetemp=/tmp/dialer-pytest-lab >"$lab_log" 2>&1 &
lab_pid=$!
rest=0
.venv/bin/pytest -m "not lab and not docker" --durations=15 --basetemp=/tmp/dialer-pytest-rest || rest=$?
lab=0
wait "$lab_pid" || lab=$?
echo "=== the lab, softphone and docker tests (run beside the above) ==="
cat "$lab_log"
rm -f "$lab_log"
echo "test: pytest exit codes: rest $rest, lab $lab"
[ "$rest" -eq 0 ] && [ "$lab" -eq 0 ]
