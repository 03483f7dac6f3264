# ruff: noqa: RUF001
"""List import benchmark: a 1,000,000-row cp1251 `;` CSV, as Russian Excel writes it.

Measures parse + normalise (E.164, time zone) + de-duplicate + pre-filter + corporate
routing throughput of `dialer.lists.import_contacts`, against a baseline of plain
`csv.reader` over the same file in the same process, and peak memory (max RSS).

    .venv/bin/python bench/list_import_bench.py              # 1M rows, workers 1 and 2
    .venv/bin/python bench/list_import_bench.py --rows 200000 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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


def baseline(path: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    with path.open(encoding="cp1251", newline="") as fh:
        for _ in csv.reader(fh, delimiter=";"):
            n += 1
    return n, time.perf_counter() - t0


def cpu_seconds() -> tuple[float, float]:
    """(this process, its finished children = the helper processes), user+system CPU seconds."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


@dataclass
class Result:
    rows: int
    wall: float
    cpu_main: float
    cpu_helpers: float
    summary: str


def run_import(path: Path, workers: int) -> Result:
    rules = ImportRules(
        specialties=SpecialtyFilter.of(["Стоматология", "Ортодонтия"], {"Стоматология": ["стоматологическая клиника"]}),
        headcount=HeadcountRange(1, 2000),
        corporate=CorporateRules(headcount_threshold=1000, group_min_rows=3),
    )
    t0, (m0, k0) = time.perf_counter(), cpu_seconds()
    run = import_contacts(path, rules, dnc_global={"+74951000000"}, workers=workers)
    for _ in run:
        pass
    wall = time.perf_counter() - t0
    m1, k1 = cpu_seconds()
    return Result(run.report.rows_read, wall, m1 - m0, k1 - k0, run.report.summary())


def run_store(path: Path, tmp: Path) -> tuple[int, float]:
    """The whole import as `dialer lists import` does it: parse, classify and store in SQLite, one
    transaction (what a campaign manager waits for)."""
    from dialer.campaigns import apply_campaign, import_list
    from dialer.db import migrate, repository_for
    from dialer.rules.campaign import parse_campaign

    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate(url)
    repo = repository_for(url)
    definition = parse_campaign(
        {
            "name": "bench",
            "dial_string": "Local/{number}@x",
            "filters": {
                "specialties": {"allowed": ["Стоматология", "Ортодонтия"]},
                "headcount": {"min": 1, "max": 2000},
            },
            "corporate": {"headcount_threshold": 1000, "group_min_rows": 3},
        }
    )
    campaign_id = apply_campaign(repo, definition)
    t0 = time.perf_counter()
    report = import_list(repo, campaign_id, definition, path, "list")
    return report.rows_read, time.perf_counter() - t0


def max_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--store", action="store_true", help="also time the whole import into SQLite")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:.0f} MB, cp1251 ';') in {time.perf_counter() - t0:.1f}s")
        rss_before = max_rss_mb(resource.RUSAGE_SELF)
        c0 = time.process_time()
        n, base_s = baseline(path)
        base_cpu = time.process_time() - c0
        print(
            f"baseline csv.reader: {n - 1:,} rows in {base_s:.2f}s = {(n - 1) / base_s:,.0f} rows/s "
            f"({base_cpu:.2f} CPU-s)"
        )
        for workers in args.workers:
            r = run_import(path, workers)
            cpu = r.cpu_main + r.cpu_helpers
            # The critical path if every process had a CPU to itself: the busiest process.
            idle_estimate = max(r.cpu_main, r.cpu_helpers / max(1, workers - 1))
            print(
                f"\nimport_contacts(workers={workers}): {r.rows:,} rows in {r.wall:.1f}s wall = "
                f"{r.rows / r.wall:,.0f} rows/s ({r.wall / base_s:.0f}x the csv.reader wall time)\n"
                f"  CPU: {cpu:.1f}s total = {cpu / r.rows * 1e6:.0f} us/row ({cpu / base_cpu:.0f}x csv.reader's CPU); "
                f"main process {r.cpu_main:.1f}s, helpers {r.cpu_helpers:.1f}s\n"
                f"  on an otherwise idle machine: ~{idle_estimate:.1f}s "
                f"(~{r.rows / idle_estimate:,.0f} rows/s; the busiest process's CPU time)"
            )
            print(r.summary.split("\n    row")[0])
        if args.store:
            rows, wall = run_store(path, Path(tmp))
            print(
                f"\nimport into SQLite (parse + classify + store, one transaction): {rows:,} rows in {wall:.1f}s"
                f" = {rows / wall:,.0f} rows/s ({wall / base_s:.0f}x the csv.reader wall time)"
            )
        load = os.getloadavg()[0]
        print(f"\nload average during the run: {load:.1f} on {os.cpu_count()} CPUs (others' work skews wall time)")
        print(
            f"peak RSS: main process {max_rss_mb(resource.RUSAGE_SELF):.0f} MB "
            f"(was {rss_before:.0f} MB before importing), largest worker "
            f"{max_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
