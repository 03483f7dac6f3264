#!/usr/bin/env bash
# Sets up everything the dialer needs on a Debian machine, as root: system packages, a Python venv
# with the project installed. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# debootstrap builds the Asterisk lab's sid chroot; sip-tester is SIPp (the operators' softphones);
# ffmpeg encodes recordings; sqlite3 is handy for looking at the embedded database.
packages=(debootstrap sip-tester ffmpeg sqlite3 ca-certificates python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# constraints.txt pins every dependency exactly (scripts/lock.sh regenerates it), so an install next month
# gets what the tests ran with; a changed pyproject.toml or constraints.txt reinstalls.
stamp=.venv/.dialer-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
  touch "$stamp"
fi
