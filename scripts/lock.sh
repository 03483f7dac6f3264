#!/usr/bin/env bash
# Regenerates constraints.txt: an exact pin of every dependency and dev dependency of the project, as pip
# resolves them today, for each Python the project supports. A package whose pin differs between those
# Pythons (or that only one of them needs, e.g. audioop-lts on 3.13) gets an environment marker.
#   scripts/lock.sh                                     # python3 and python3.13 when they are on PATH
#   LOCK_PYTHONS="/usr/bin/python3.11 /opt/py313/bin/python3" scripts/lock.sh
# Then reinstall with scripts/setup.sh (it notices the changed constraints.txt) and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

pythons=()
for py in ${LOCK_PYTHONS:-python3 python3.13}; do
  if command -v "$py" >/dev/null 2>&1; then pythons+=("$py"); else echo "lock: $py not found, skipped" >&2; fi
done
((${#pythons[@]})) || { echo "lock: no Python to resolve with" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
reports=()
for py in "${pythons[@]}"; do
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  echo "lock: resolving with Python $ver ($py)" >&2
  "$py" -m venv "$tmp/venv-$ver"
  "$tmp/venv-$ver/bin/python" -m pip install -q --upgrade pip
  # a dry run resolves without installing; --ignore-installed so nothing already present is taken as given
  "$tmp/venv-$ver/bin/python" -m pip install -q --dry-run --ignore-installed --report "$tmp/$ver.json" '.[dev]'
  reports+=("$tmp/$ver.json")
done

python3 - "${reports[@]}" >constraints.txt.new <<'PY'
import json
import sys
from pathlib import Path

pins: dict[str, dict[tuple[int, ...], str]] = {}
versions: list[tuple[int, ...]] = []
for report in sys.argv[1:]:
    py = tuple(int(p) for p in Path(report).stem.split("."))
    versions.append(py)
    for item in json.loads(Path(report).read_text())["install"]:
        meta = item["metadata"]
        name = meta["name"].lower().replace("_", "-")
        if name != "dialer":
            pins.setdefault(name, {})[py] = meta["version"]
versions.sort()


def marker(py: tuple[int, ...]) -> str:
    """The Pythons this resolution stands for: from its version up to the next resolved one."""
    i = versions.index(py)
    parts = []
    if i > 0:
        parts.append(f'python_version >= "{".".join(map(str, py))}"')
    if i + 1 < len(versions):
        parts.append(f'python_version < "{".".join(map(str, versions[i + 1]))}"')
    return " and ".join(parts)


print("# Exact pins of every dependency and dev dependency, as resolved by scripts/lock.sh for Python "
      + ", ".join(".".join(map(str, v)) for v in versions) + ".")
print("# Used by scripts/setup.sh: pip install -c constraints.txt -e '.[dev]'. Regenerate with scripts/lock.sh.")
for name in sorted(pins):
    by_py = pins[name]
    if len(by_py) == len(versions) and len(set(by_py.values())) == 1:
        print(f"{name}=={next(iter(by_py.values()))}")
        continue
    for py in versions:
        if py in by_py:
            m = marker(py)
            print(f"{name}=={by_py[py]}" + (f"; {m}" if m else ""))
PY
mv constraints.txt.new constraints.txt
echo "lock: wrote constraints.txt ($(grep -c '==' constraints.txt) pins)" >&2
