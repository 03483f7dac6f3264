# ruff: noqa: RUF001
"""How fast the numbering plan classifies numbers: `dialer.lists.numbering` on a synthetic register.

The real register has a few hundred thousand ranges (DEF-9xx.csv is the largest). This writes a
register file of `--ranges` ranges in the register's format (UTF-8 BOM, `;`), reads it with
`read_register`, builds the `NumberingPlan`, and looks up `--numbers` random +7 9xx numbers:

    .venv/bin/python bench/numbering_bench.py                      # 500,000 ranges, 1,000,000 numbers
    .venv/bin/python bench/numbering_bench.py --ranges 50000 --numbers 200000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from dialer.lists.numbering import NumberingPlan, NumberingRange, read_register
from dialer.lists.subjects import SUBJECTS

OPERATORS = ('ПАО "МТС"', 'ПАО "МегаФон"', 'ПАО "Вымпел-Коммуникации"', 'ООО "Т2 Мобайл"', 'ООО "М2М"')


def write_register(path: Path, ranges: int, rng: random.Random) -> None:
    """`ranges` ranges over DEF codes 900-999, each code cut into equal blocks, a few left unassigned."""
    per_code = max(1, ranges // 100)
    size = 10_000_000 // per_code
    lines = ["\ufeffАВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН"]
    for code in range(900, 1000):
        for k in range(per_code):
            if rng.random() < 0.02:
                continue  # unassigned
            lo, hi = k * size, k * size + size - 1
            region = rng.choice(SUBJECTS).name
            lines.append(f"{code};{lo:07d};{hi:07d};{size};{rng.choice(OPERATORS)};{region};;7700000000")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ranges", type=int, default=500_000)
    ap.add_argument("--numbers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "DEF-9xx.csv"
        write_register(path, args.ranges, rng)
        t0 = time.perf_counter()
        ranges = [r for r in read_register(path) if isinstance(r, NumberingRange)]
        t1 = time.perf_counter()
        plan = NumberingPlan(ranges)
        t2 = time.perf_counter()
    numbers = [f"+79{rng.randrange(10**9):09d}" for _ in range(args.numbers)]
    t3 = time.perf_counter()
    found = sum(1 for n in numbers if (info := plan.lookup(n)) is not None and info.assigned)
    t4 = time.perf_counter()
    print(f"register: {len(ranges):,} ranges read in {t1 - t0:.2f} s, plan built in {t2 - t1:.2f} s")
    print(
        f"lookups: {args.numbers:,} numbers in {t4 - t3:.2f} s ({(t4 - t3) / args.numbers * 1e6:.2f} µs each),"
        f" {found:,} in an assigned range"
    )


if __name__ == "__main__":
    main()
