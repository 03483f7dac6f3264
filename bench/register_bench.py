"""National register benchmark: load an N-number register file (`dialer registers load`) and
screen numbers against it the way an import does (batches of 2,000), on SQLite and, with
`--postgres`, on a scratch database of a PostgreSQL server.

Prints wall times and the ratio of the load to parsing the same file alone (`read_dnc_text`,
the baseline, run in the same process): what storing costs on top of reading.

    .venv/bin/python bench/register_bench.py --numbers 1000000 \
        --postgres postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.compliance_store import load_register_file, registers_listing
from dialer.dnc import read_dnc_text


def run(url: str, path: Path, numbers: int, baseline_s: float, label: str) -> None:
    migrate(url)
    sessions = make_session_factory(make_engine(url))
    t = time.perf_counter()
    loaded = load_register_file(sessions, "TPS", path)
    load_s = time.perf_counter() - t
    phones = [f"+4420{7000000 + (i * 97) % numbers:08d}" for i in range(10_000)]
    t = time.perf_counter()
    with sessions() as s:
        hits = sum(len(registers_listing(s, phones[i : i + 2000], ["TPS"])) for i in range(0, len(phones), 2000))
    screen_s = time.perf_counter() - t
    print(
        f"{label}: load {loaded.state.numbers:,} numbers in {load_s:.1f} s "
        f"({load_s / baseline_s:.2f}x parsing alone); screen 10,000 numbers in {screen_s * 1000:.0f} ms ({hits} listed)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--numbers", type=int, default=200_000)
    ap.add_argument("--postgres", help="server URL; a scratch database is created and dropped")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "tps.txt"
    path.write_text("\n".join(f"+4420{7000000 + i:08d}" for i in range(args.numbers)) + "\n", encoding="utf-8")
    t = time.perf_counter()
    parsed = sum(1 for _ in read_dnc_text(path.read_text(encoding="utf-8"), "GB"))
    baseline_s = time.perf_counter() - t
    print(f"baseline: parse {parsed:,} lines in {baseline_s:.1f} s ({parsed / baseline_s:,.0f}/s)")
    run(f"sqlite:///{tmp / 'bench.db'}", path, args.numbers, baseline_s, "sqlite")
    if args.postgres:
        name = f"dialer_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            run(url, path, args.numbers, baseline_s, "postgresql")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
