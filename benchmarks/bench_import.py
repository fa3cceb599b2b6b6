"""Import speed: a large purchases workbook, parsed and stored, against the bare calamine parse.

Targets (issue 10): parse_files within 1.5x of the bare parse on the same file, and the whole
import (parse + one store transaction into a fresh SQLite file) under 20 s for 1,000,000 rows.

The bare parse, two ways, both without any check: ``CalamineWorkbook...to_python()`` (Python rows:
the stricter floor), and the same rows split into one object array per column (what parse_files
hands on is columns too). Each is run ``--repeat`` times (default 3) interleaved with parse_files on
the same cached file, and every run is printed with its ratio to the bare runs of the same round, so
a figure taken while the shared machine was busy shows as such. CPU seconds include the guarded
worker's (RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
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


def bare_columns(path: Path) -> int:
    """The same parse, its rows then split into one object array per column (what the import hands
    on too), with no check, conversion or resolution of any cell."""
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_index(0).to_python()
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    grid[:, :] = rows
    columns = [grid[:, j].copy() for j in range(grid.shape[1])]
    return len(columns[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k rows instead of 1M")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved (all are printed)")
    args = parser.parse_args(argv)
    rows = 100_000 if args.quick else 1_000_000
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"purchases_{rows}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        write_purchases(path, rows)
        print(f"wrote {path.name} in {time.perf_counter() - t:.1f}s")
    ref = reference()
    runs = {"bare calamine to_python": lambda: bare_parse(path),
            "bare to_python + columns": lambda: bare_columns(path),
            "parse_files": lambda: parse_files([path], reference=ref)}
    figures: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    result = None
    for _ in range(max(1, args.repeat)):
        for label, run in runs.items():
            t, c = time.perf_counter(), cpu_seconds()
            out = run()
            figures[label].append((time.perf_counter() - t, cpu_seconds() - c))
            if label == "parse_files":
                result = out
    assert result is not None
    imported = len(result.tables.get("purchases", []))
    print(f"rows: {rows:,} (imported {imported:,}, problems {len(result.problems)}); "
          f"{args.repeat} runs of each, interleaved")
    for label, fig in figures.items():
        print(f"{label:25s} wall {' '.join(f'{w:6.2f}' for w, _ in fig)} s; cpu {' '.join(f'{c:6.2f}' for _, c in fig)} s")
    for floor in ("bare calamine to_python", "bare to_python + columns"):
        walls = [p[0] / b[0] for p, b in zip(figures["parse_files"], figures[floor], strict=True)]
        cpus = [p[1] / b[1] for p, b in zip(figures["parse_files"], figures[floor], strict=True)]
        print(f"ratio to {floor:25s} wall {' '.join(f'{r:.2f}x' for r in walls)}; "
              f"cpu {' '.join(f'{r:.2f}x' for r in cpus)} (target <= 1.5x)")
    full, full_cpu = figures["parse_files"][-1]
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
