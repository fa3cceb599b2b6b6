"""Import speed: a large purchases workbook, parsed and stored, against the bare calamine parse.

Targets (issue 2): parse_files within 1.5x of ``CalamineWorkbook...to_python()`` on the same file,
and the whole import (parse + one store transaction into a fresh SQLite file) under 20 s for
1,000,000 rows. All three are timed in one run on the same cached input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from procurement import store
from procurement.ingest.importer import parse_files
from procurement.model import Dataset, conform

OUT = Path(__file__).resolve().parent / "out"
N_HOSPITALS = 200
N_PRODUCTS = 60


def reference() -> Dataset:
    """A small catalogue: hospitals H0000.. and products P000.. sold by the box of 14 片."""
    hospitals = pd.DataFrame(
        {
            "hospital_id": [f"H{i:04d}" for i in range(N_HOSPITALS)],
            "hospital_name": [f"第{i}人民医院" for i in range(N_HOSPITALS)],
        }
    )
    products = pd.DataFrame(
        {
            "product_id": [f"P{i:03d}" for i in range(N_PRODUCTS)],
            "batch": "第一批",
            "generic_name": [f"药品{i}" for i in range(N_PRODUCTS)],
            "specification": "10mg",
            "pack_size": 14.0,
            "unit": "片",
            "supplier": [f"企业{i % 7}" for i in range(N_PRODUCTS)],
            "unit_price": [0.5 + i / 10 for i in range(N_PRODUCTS)],
        }
    )
    return Dataset(hospitals=conform("hospitals", hospitals), products=conform("products", products))


def write_purchases(path: Path, rows: int, seed: int = 7) -> None:
    """Write a purchases sheet like a platform export: a title row, then the data."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("采购记录")
    ws.append(["2020年带量采购入库明细"])
    ws.append(["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位"])
    start = dt.datetime(2020, 1, 1)
    for i in range(rows):
        ws.append(
            [
                f"D{i:08d}",
                start + dt.timedelta(days=rng.randrange(365)),
                f"H{rng.randrange(N_HOSPITALS):04d}",
                f"P{rng.randrange(N_PRODUCTS):03d}",
                rng.randrange(1, 500),
                "盒" if rng.random() < 0.5 else "片",
            ]
        )
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.rename(path)


def cpu_seconds() -> float:
    """This process's CPU time and its finished children's: the import reads in a forked worker."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bare_parse(path: Path) -> int:
    """The floor: calamine's own parse of the sheet into Python rows."""
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_index(0).to_python()
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k rows instead of 1M")
    args = parser.parse_args(argv)
    rows = 100_000 if args.quick else 1_000_000
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"purchases_{rows}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        write_purchases(path, rows)
        print(f"wrote {path.name} in {time.perf_counter() - t:.1f}s")
    ref = reference()
    t, c = time.perf_counter(), cpu_seconds()
    n = bare_parse(path)
    bare, bare_cpu = time.perf_counter() - t, cpu_seconds() - c
    t, c = time.perf_counter(), cpu_seconds()
    result = parse_files([path], reference=ref)
    full, full_cpu = time.perf_counter() - t, cpu_seconds() - c
    imported = len(result.tables.get("purchases", []))
    print(f"rows: {rows:,} (sheet rows {n:,}, imported {imported:,}, problems {len(result.problems)})")
    print(f"bare calamine to_python: {bare:.2f}s wall, {bare_cpu:.2f}s cpu")
    print(f"parse_files:             {full:.2f}s wall, {full_cpu:.2f}s cpu")
    print(f"ratio: {full / bare:.2f}x wall, {full_cpu / bare_cpu:.2f}x cpu (target <= 1.5x); "
          f"{rows / full:,.0f} rows/s")
    with tempfile.TemporaryDirectory() as folder:
        engine = store.get_engine(f"sqlite:///{folder}/bench.sqlite")
        store.import_tables(engine, {"hospitals": ref.hospitals, "products": ref.products},
                            source_name="reference", file_hash="reference")
        t, c = time.perf_counter(), cpu_seconds()
        summary = store.import_tables(engine, result.tables, source_name=path.name, file_hash="bench")
        stored, stored_cpu = time.perf_counter() - t, cpu_seconds() - c
        engine.dispose()
    print(f"store (one transaction): {stored:.2f}s wall, {stored_cpu:.2f}s cpu, "
          f"{summary.added.get('purchases', 0):,} rows added")
    print(f"import total (parse + store): {full + stored:.2f}s wall, {full_cpu + stored_cpu:.2f}s cpu "
          f"(target < 20 s for 1,000,000 rows)")


if __name__ == "__main__":
    main()
