# ruff: noqa: RUF001
"""List import benchmark: a 1,000,000-row cp1251 `;` CSV, as Russian Excel writes it.

Times the whole import as `dialer lists import` runs it (`dialer.campaigns.import_list`:
read, map, E.164 + time zones, tax-id pre-pass, de-duplication, DNC, corporate routing,
pre-filters, and the contacts stored in one transaction) into SQLite and, with
`--postgres`, into a scratch database on a PostgreSQL server. Prints wall time, CPU
seconds of every process involved (this one, the parsing helper, the PostgreSQL backend),
the ratio to a plain `csv.reader` pass over the same file in the same run, and peak RSS.

    .venv/bin/python bench/list_import_bench.py --reimport \
        --postgres postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/list_import_bench.py --rows 200000 --parse-only 1 2
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.load_events import proc_cpu_seconds, proc_status_mb
from dialer.lists import CorporateRules, HeadcountRange, ImportRules, SpecialtyFilter, import_contacts

SPECIALTIES = ["Стоматология", "Ортодонтия", "Косметология", "Ветеринария", "Автосервис", "стоматологическая клиника"]
REGIONS = ["Москва", "Новосибирская область", "Красноярский край", "Свердловская область", "", "Приморский край"]
AREA = ["495", "383", "391", "343", "423", "812", "916", "926", "903", "985"]


def valid_inn(base: int) -> str:
    """A 10-digit ИНН with a correct check digit (real lists rarely have broken ones)."""
    digits = f"{base // 10:09d}"
    check = sum(int(d) * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return digits + str(check)


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Realistic mix: formatted numbers, alternates, ~2% invalid, ~3% duplicates, repeated tax ids."""
    rnd = random.Random(seed)
    with path.open("w", encoding="cp1251", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(
            [
                "Телефон",
                "Доп. телефон",
                "Компания",
                "Контактное лицо",
                "Специализация",
                "Численность",
                "ИНН",
                "Регион",
                "Комментарий",
            ]
        )
        for i in range(rows):
            area = rnd.choice(AREA)
            sub = 1_000_000 + (i * 7919) % 9_000_000  # unique per row
            if rnd.random() < 0.03 and i > 10:
                sub = 1_000_000 + ((i - rnd.randint(1, 10)) * 7919) % 9_000_000  # duplicate of a recent row
            s = f"{sub:07d}"
            fmt = i % 3
            if fmt == 0:
                phone = f"8 ({area}) {s[:3]}-{s[3:5]}-{s[5:]}"
            elif fmt == 1:
                phone = f"+7 {area} {s}"
            else:
                phone = f"7{area}{s}"
            if rnd.random() < 0.02:
                phone = phone[:-3]  # too short: invalid
            alt = f"8{rnd.choice(AREA)}{rnd.randint(1_000_000, 9_999_999)}" if rnd.random() < 0.2 else ""
            inn = valid_inn(7_700_000_000 + (i // 3) * 10) if rnd.random() < 0.5 else ""
            w.writerow(
                [
                    phone,
                    alt,
                    f"ООО «Компания {i}»",
                    "Иванов Иван",
                    rnd.choice(SPECIALTIES),
                    str(rnd.choice([5, 12, 40, 250, 1200, 5000])),
                    inn,
                    rnd.choice(REGIONS),
                    "тест",
                ]
            )


def baseline(path: Path) -> tuple[int, float, float]:
    """A plain csv.reader pass over the file: (rows, wall seconds, CPU seconds)."""
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    with path.open(encoding="cp1251", newline="") as fh:
        for _ in csv.reader(fh, delimiter=";"):
            n += 1
    return n, time.perf_counter() - t0, time.process_time() - c0


def cpu_seconds() -> tuple[float, float]:
    """(this process, its finished children = the helper processes), user+system CPU seconds."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def process_cpu(pid: int) -> float:
    """user+system CPU seconds of another process (the PostgreSQL backend serving the import)."""
    return proc_cpu_seconds(Path(f"/proc/{pid}/stat").read_text(), os.sysconf("SC_CLK_TCK"))


@dataclass
class Result:
    rows: int
    wall: float
    cpu_main: float
    cpu_helpers: float
    summary: str
    cpu_server: float = 0.0  # the database server process (PostgreSQL), when it is another process
    added: int = 0
    rss_start_mb: float = 0.0  # this process when the import starts (Python, SQLAlchemy... loaded)
    rss_peak_mb: float = 0.0  # this process's peak during the import
    helper_peak_mb: float = 0.0  # the parsing helper's peak (sampled during the import)

    @property
    def cpu(self) -> float:
        return self.cpu_main + self.cpu_helpers + self.cpu_server


RULES = ImportRules(
    specialties=SpecialtyFilter.of(["Стоматология", "Ортодонтия"], {"Стоматология": ["стоматологическая клиника"]}),
    headcount=HeadcountRange(1, 2000),
    corporate=CorporateRules(headcount_threshold=1000, group_min_rows=3),
)


def run_import(path: Path, workers: int) -> Result:
    """import_contacts alone: read, parse, normalise, classify; nothing stored."""
    t0, (m0, k0) = time.perf_counter(), cpu_seconds()
    run = import_contacts(path, RULES, dnc_global={"+74951000000"}, workers=workers)
    for _ in run:
        pass
    wall = time.perf_counter() - t0
    m1, k1 = cpu_seconds()
    return Result(run.report.rows_read, wall, m1 - m0, k1 - k0, run.report.summary())


CAMPAIGN = {
    "name": "bench",
    "dial_string": "Local/{number}@x",
    "filters": {"specialties": {"allowed": ["Стоматология", "Ортодонтия"]}, "headcount": {"min": 1, "max": 2000}},
    "corporate": {"headcount_threshold": 1000, "group_min_rows": 3},
}


def run_store(path: Path, url: str, *, times: int = 1) -> list[Result]:
    """The whole import as `dialer lists import` does it (`import_list`: parse, classify, store
    in one transaction), `times` times into the same list: the second one must add nothing."""
    from sqlalchemy import func, select, text

    from dialer.campaigns import apply_campaign, import_list
    from dialer.db import migrate, repository_for
    from dialer.db.models import Contact
    from dialer.rules.campaign import parse_campaign

    migrate(url)
    repo = repository_for(url)
    definition = parse_campaign(CAMPAIGN)
    campaign_id = apply_campaign(repo, definition)
    results = []
    for _ in range(times):
        server_pid = None
        if url.startswith("postgresql"):
            with repo.sessions() as s:  # the pool's one connection: the backend the import will use
                server_pid = int(s.execute(text("select pg_backend_pid()")).scalar_one())
        s0 = process_cpu(server_pid) if server_pid else 0.0
        with repo.sessions() as s:
            before = s.scalar(select(func.count()).select_from(Contact)) or 0
        reset_peak_rss()
        rss_start = process_memory_mb("self", "VmRSS")
        helper_peak = [0.0]

        def sample_helpers(_rows: int, _fraction: float, peak: list[float] = helper_peak) -> None:
            for child in multiprocessing.active_children():
                peak[0] = max(peak[0], process_memory_mb(str(child.pid), "VmHWM"))

        t0, (m0, k0) = time.perf_counter(), cpu_seconds()
        report = import_list(repo, campaign_id, definition, path, "list", on_progress=sample_helpers)
        wall = time.perf_counter() - t0
        m1, k1 = cpu_seconds()
        s1 = process_cpu(server_pid) if server_pid else 0.0
        with repo.sessions() as s:
            after = s.scalar(select(func.count()).select_from(Contact)) or 0
        results.append(
            Result(
                report.rows_read,
                wall,
                m1 - m0,
                k1 - k0,
                report.summary(),
                cpu_server=s1 - s0,
                added=after - before,
                rss_start_mb=rss_start,
                rss_peak_mb=process_memory_mb("self", "VmHWM"),
                helper_peak_mb=helper_peak[0],
            )
        )
    repo.engine.dispose()
    return results


def max_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def process_memory_mb(pid: str, field: str) -> float:
    """VmRSS / VmHWM (peak) of a process, MB; 0 if it has gone."""
    try:
        return proc_status_mb(Path(f"/proc/{pid}/status").read_text(), field)
    except OSError:
        return 0.0


def reset_peak_rss() -> None:
    """Start this process's VmHWM afresh (Linux: clear_refs 5), so each import reports its own peak.
    (getrusage's children figure is useless for spawned helpers: it counts the fork before exec.)"""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def scratch_postgres(url: str) -> tuple[str, Callable[[], None]]:
    """A throw-away database on the server at `url`, and the function that drops it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"dialer_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def describe(label: str, r: Result, base_wall: float, base_cpu: float) -> str:
    server = f", database server {r.cpu_server:.1f}s" if r.cpu_server else ""
    return (
        f"\n{label}: {r.rows:,} rows in {r.wall:.1f}s wall = {r.rows / r.wall:,.0f} rows/s "
        f"({r.wall / base_wall:.0f}x the csv.reader wall time)\n"
        f"  CPU, all processes: {r.cpu:.1f}s = {r.cpu / r.rows * 1e6:.0f} us/row "
        f"({r.cpu / base_cpu:.0f}x csv.reader's CPU): main {r.cpu_main:.1f}s, helper {r.cpu_helpers:.1f}s{server}"
        + (f"\n  contacts added: {r.added:,}" if r.added or "store" in label else "")
        + (
            f"\n  memory: {r.rss_start_mb:.0f} MB at the start, peak {r.rss_peak_mb:.0f} MB; "
            f"helper peak {r.helper_peak_mb:.0f} MB"
            if r.rss_peak_mb
            else ""
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--parse-only",
        type=int,
        nargs="*",
        default=None,
        metavar="WORKERS",
        help="also time import_contacts alone (nothing stored) with these worker counts",
    )
    ap.add_argument("--no-sqlite", action="store_true", help="skip the import into SQLite")
    ap.add_argument("--postgres", metavar="URL", help="also import into a scratch database on this server")
    ap.add_argument("--reimport", action="store_true", help="import the same file a second time (adds nothing)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:.0f} MB, cp1251 ';') in {time.perf_counter() - t0:.1f}s")
        n, base_wall, base_cpu = baseline(path)
        print(
            f"baseline csv.reader: {n - 1:,} rows in {base_wall:.2f}s = {(n - 1) / base_wall:,.0f} rows/s "
            f"({base_cpu:.2f} CPU-s)"
        )
        times = 2 if args.reimport else 1
        for workers in args.parse_only or []:
            r = run_import(path, workers)
            print(describe(f"import_contacts(workers={workers}), nothing stored", r, base_wall, base_cpu))
            print(r.summary.split("\n    row")[0])
        if not args.no_sqlite:
            for i, r in enumerate(run_store(path, f"sqlite:///{Path(tmp) / 'bench.db'}", times=times)):
                print(describe(f"import_list into SQLite{' again' if i else ''} (store)", r, base_wall, base_cpu))
                if i == 0:
                    print(r.summary.split("\n    row")[0])
        if args.postgres:
            url, drop = scratch_postgres(args.postgres)
            try:
                for i, r in enumerate(run_store(path, url, times=times)):
                    print(
                        describe(f"import_list into PostgreSQL{' again' if i else ''} (store)", r, base_wall, base_cpu)
                    )
            finally:
                drop()
        load = os.getloadavg()[0]
        print(f"\nload average at the end: {load:.1f} on {os.cpu_count()} CPUs (others' work skews wall time)")
        print(f"peak RSS of this process over the whole run: {max_rss_mb(resource.RUSAGE_SELF):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
