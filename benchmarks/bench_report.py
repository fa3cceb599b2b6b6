"""How long a full report takes on a year of a large alliance's purchases, read from the store.

Fills a SQLite file (cached in benchmarks/out/) with 10,000,000 purchase lines (1,000,000 with
``--quick``) and a year of monthly payments through the store's own import path, then times
``load_dataset(aggregated=True)`` and ``build_report``. Also times importing 1,000,000 lines into an
empty store, re-importing them unchanged and changing a tenth of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from procurement import store  # noqa: E402
from procurement.model import Dataset, conform  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
N_PRODUCTS = 60
DAYS = pd.date_range("2020-01-01", "2020-12-31", freq="D")


def make_reference(n_hospitals: int) -> dict[str, pd.DataFrame]:
    """Hospitals, 60 winning products of two batches, and an agreement per hospital and product."""
    rng = np.random.default_rng(7)
    hospitals = pd.DataFrame(
        {
            "hospital_id": [f"H{i:03d}" for i in range(n_hospitals)],
            "hospital_name": [f"医院{i:03d}" for i in range(n_hospitals)],
            "region": [f"区{i % 12:02d}" for i in range(n_hospitals)],
        }
    )
    price = np.round(rng.uniform(0.05, 5.0, N_PRODUCTS), 3)
    products = pd.DataFrame(
        {
            "product_id": [f"P{j:02d}" for j in range(N_PRODUCTS)],
            "batch": ["第一批" if j < 25 else "第二批" for j in range(N_PRODUCTS)],
            "generic_name": [f"药品{j:02d}" for j in range(N_PRODUCTS)],
            "specification": ["10mg"] * N_PRODUCTS,
            "supplier": [f"企业{j % 17:02d}" for j in range(N_PRODUCTS)],
            "unit_price": price,
            "baseline_price": np.round(price * rng.uniform(1.2, 4.0, N_PRODUCTS), 3),
            "agreement_start": pd.Timestamp("2020-01-01"),
            "agreement_end": pd.Timestamp("2020-12-31"),
        }
    )
    hh, pp = np.meshgrid(np.arange(n_hospitals), np.arange(N_PRODUCTS), indexing="ij")
    agreements = pd.DataFrame(
        {
            "hospital_id": hospitals["hospital_id"].to_numpy()[hh.ravel()],
            "product_id": products["product_id"].to_numpy()[pp.ravel()],
            "agreed_volume": np.round(rng.uniform(1e4, 1e6, hh.size)),
        }
    )
    return {
        "hospitals": conform("hospitals", hospitals),
        "products": conform("products", products),
        "agreements": conform("agreements", agreements),
    }


def make_purchases(
    n_rows: int, n_hospitals: int, start: int = 0, seed: int = 0, days: tuple[int, int] = (0, len(DAYS))
) -> pd.DataFrame:
    """``n_rows`` order lines on days [days[0], days[1]) sorted by day; 10% non-winning (非中选)."""
    rng = np.random.default_rng(seed)
    day = np.sort(rng.integers(days[0], days[1], n_rows))
    weights = np.random.default_rng(3).pareto(1.5, n_hospitals) + 1  # a few big hospitals order most
    hospital = rng.choice(n_hospitals, n_rows, p=weights / weights.sum())
    product = rng.integers(0, N_PRODUCTS, n_rows)
    winning = rng.random(n_rows) >= 0.1
    quantity = rng.integers(1, 50, n_rows).astype(float) * 10
    price = np.linspace(0.05, 5.0, N_PRODUCTS)[product] * np.where(winning, 1.0, 2.5)
    codes = np.array([f"P{j:02d}" for j in range(N_PRODUCTS)], dtype=object)
    names = np.array([f"药品{j:02d}" for j in range(N_PRODUCTS)], dtype=object)
    suppliers = np.array([f"企业{j % 17:02d}" for j in range(N_PRODUCTS)], dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": pd.Series(np.arange(start, start + n_rows)).map("O{:09d}".format),
            "date": DAYS[day],
            "hospital_id": np.array([f"H{i:03d}" for i in range(n_hospitals)], dtype=object)[hospital],
            "product_id": np.where(winning, codes[product], None),
            "generic_name": names[product],
            "specification": "10mg",
            "supplier": np.where(winning, suppliers[product], "非中选企业"),
            "quantity": quantity,
            "amount": np.round(quantity * price, 2),
            "winning": winning,
        }
    )
    return conform("purchases", frame)


class Clock:
    """Wall and CPU seconds of a block: the machine is shared, CPU time is the steadier figure."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def fill(path: Path, n_rows: int, n_hospitals: int, chunks: int = 10) -> Clock:
    """Create the benchmark database through ``import_tables``, one import per run of whole days."""
    engine = store.get_engine(f"sqlite:///{path}")
    with Clock() as clock:
        store.import_tables(engine, make_reference(n_hospitals), source_name="reference", file_hash="bench")
        edges = np.linspace(0, len(DAYS), chunks + 1).round().astype(int)
        sizes = np.diff(np.linspace(0, n_rows, chunks + 1).round().astype(int))
        begin = 0
        for i in range(chunks):
            lines = make_purchases(
                int(sizes[i]), n_hospitals, begin, seed=i + 1, days=(edges[i], edges[i + 1])
            )
            store.import_tables(engine, {"purchases": lines}, source_name=f"chunk {i}", file_hash=str(i))
            begin += int(sizes[i])
    engine.dispose()
    return clock


def add_payments(engine: sa.Engine) -> int:
    """Pay each hospital's monthly deliveries of each product, as ``bench_compute`` does, in one import.

    Real alliances pay: without payments the ledger is one unpaid piece per delivery day, which
    would flatter the report's time.
    """
    from benchmarks.bench_compute import make_payments

    dataset = store.load_dataset(engine)
    payments = make_payments(dataset.purchases, dataset.products)
    store.import_tables(engine, {"payments": payments}, source_name="payments", file_hash="payments")
    return len(payments)


def time_import(n_rows: int, n_hospitals: int, url: str | None = None) -> tuple[Clock, Clock, Clock]:
    """Import ``n_rows`` lines into an empty store, re-import them unchanged, change a tenth of them.

    ``url``: a PostgreSQL database to time instead of a scratch SQLite file (a scratch schema is
    created in it and dropped afterwards).
    """
    lines = make_purchases(n_rows, n_hospitals, seed=99)
    changed = lines.iloc[: n_rows // 10].copy()
    changed["quantity"] += 10
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        if url:
            schema = f"bench_{os.getpid()}"
            admin = sa.create_engine(url)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            sep = "&" if "?" in url else "?"
            engine = store.get_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
        else:
            engine = store.get_engine(f"sqlite:///{folder}/import.sqlite")
        try:
            store.import_tables(engine, make_reference(n_hospitals), source_name="reference", file_hash="r")
            with Clock() as first:
                store.import_tables(engine, {"purchases": lines}, source_name="bench", file_hash="b")
            with Clock() as again:
                summary = store.import_tables(
                    engine, {"purchases": lines}, source_name="bench", file_hash="b"
                )
            assert summary.unchanged["purchases"] == n_rows
            with Clock() as tenth:
                summary = store.import_tables(
                    engine, {"purchases": changed}, source_name="bench", file_hash="c"
                )
            assert summary.replaced["purchases"] == len(changed)
        finally:
            engine.dispose()
            if url:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()
    return first, again, tenth


def compute(dataset: Dataset, as_of: date | None) -> tuple[str, object]:
    """The report itself, or a pandas groupby stand-in while build_report is missing."""
    try:
        from procurement.report import build_report
    except ImportError:
        purchases = dataset.purchases
        done = purchases[purchases["winning"]].groupby(["hospital_id", "product_id"])["quantity"].sum()
        merged = dataset.agreements.set_index(["hospital_id", "product_id"]).join(done)
        return "pandas groupby stand-in (build_report not available)", merged
    return "build_report", build_report(dataset, as_of=as_of)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000,000 rows instead of 10,000,000")
    parser.add_argument("--hospitals", type=int, default=None, help="default 50 (--quick) or 200")
    parser.add_argument("--pg", metavar="URL", help="also time imports into this PostgreSQL database")
    parser.add_argument("--report-only", action="store_true", help="skip the import timings")
    parser.add_argument("--no-payments", action="store_true", help="do not add payments to a new database")
    parser.add_argument("--fresh", type=int, default=3, metavar="N",
                        help="also time the report in N more fresh processes and print their median (default 3)")
    args = parser.parse_args(argv)
    n_rows = 1_000_000 if args.quick else 10_000_000
    n_hospitals = args.hospitals or (50 if args.quick else 200)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"report_{n_rows}_{n_hospitals}.sqlite"

    import_rows = 200_000 if args.quick else 1_000_000
    if not args.report_only:
        first, again, tenth = time_import(import_rows, n_hospitals)
        print(f"import {import_rows:,} purchase lines into an empty store: {first}")
        print(f"re-import the same {import_rows:,} lines (all unchanged): {again}")
        print(f"re-import {import_rows // 10:,} of them with a changed quantity: {tenth}")
    if args.pg and not args.report_only:
        first, again, tenth = time_import(import_rows, n_hospitals, args.pg)
        print(f"PostgreSQL: import {import_rows:,} lines: {first} (CPU: this process only, not the server)")
        print(f"PostgreSQL: re-import unchanged: {again}")
        print(f"PostgreSQL: re-import {import_rows // 10:,} changed: {tenth}")

    if not path.exists():
        print(
            f"filling {path.name}: {n_rows:,} lines, {n_hospitals} hospitals x {N_PRODUCTS} products x 365 days"
        )
        part = path.with_name(path.stem + ".part.sqlite")
        part.unlink(missing_ok=True)
        clock = fill(part, n_rows, n_hospitals)
        part.rename(path)
        print(f"fill (10 imports through import_tables): {clock}, {n_rows / clock.wall:,.0f} lines/s")
    else:
        print(f"using cached {path.relative_to(ROOT)}")

    engine = store.get_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        has_payments = conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM payments)")).scalar_one()
    if not args.no_payments and not has_payments:
        with Clock() as clock:
            n_pay = add_payments(engine)
        print(f"added {n_pay:,} payments (monthly per hospital and product, ~90% paid, some late): {clock}")
    with Clock() as load:
        dataset = store.load_dataset(engine, aggregated=True)
    with Clock() as work:
        what, _ = compute(dataset, None)
    engine.dispose()
    print(f"daily purchase rows loaded: {len(dataset.purchases):,} (from {n_rows:,} order lines), "
          f"payments: {len(dataset.payments):,}")
    print(f"load_dataset(aggregated=True): {load}")
    print(f"compute ({what}): {work}")
    print(f"total (a fresh process, as `report` runs): {load.wall + work.wall:.2f} s wall, "
          f"{load.cpu + work.cpu:.2f} s CPU (target < 5 s)")
    # the same process again (as the app, which keeps running), and without the payment ledger
    with Clock() as again:
        compute(dataset, None)
    print(f"compute again in the same process: {again}")
    with Clock() as unpaid:
        compute(dataset.with_table("payments", dataset.payments.iloc[:0]), None)
    print(f"compute with the payments left out: {unpaid}")
    del dataset
    if args.fresh > 0:
        totals = [fresh_run(path) for _ in range(args.fresh)]
        print(f"total in {args.fresh} more fresh processes: {', '.join(f'{t:.2f}' for t in totals)} s wall; "
              f"median {statistics.median(totals):.2f} s (target < 5 s)")


FRESH = (
    "from procurement.runtime import tune_process; tune_process()\n"  # as `python -m procurement` does
    "import sys, time\n"
    "from procurement import store\n"
    "from procurement.report import build_report\n"
    "started = time.perf_counter()\n"
    "build_report(store.load_dataset(store.get_engine(sys.argv[1]), aggregated=True))\n"
    "print(time.perf_counter() - started)\n"
)


def fresh_run(path: Path) -> float:
    """Load and report in a new interpreter (imports not counted), as one `report` command would."""
    out = subprocess.run([sys.executable, "-c", FRESH, f"sqlite:///{path}"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


if __name__ == "__main__":
    main()
