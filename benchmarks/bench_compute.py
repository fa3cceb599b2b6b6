"""How long ``build_report`` alone takes on a year of daily purchase totals, with and without payments.

Times the compute step only (no store, no import) on the frame the store returns for 10,000,000 order
lines (4.05M daily rows: 200 hospitals x 60 products x 366 days, 20% non-winning), once with
Categorical key columns (as ``store.load_dataset`` gives them) and once with ``string`` columns (as
parsed files give them). Uses ``benchmarks/out/ds10m_{cat,str}.pkl`` when present, else builds the
daily totals from ``bench_report``'s generator (1,000,000 lines and 50 hospitals with ``--quick``).
The payment variant pays each hospital's monthly deliveries of each product at about 90%, some
late, some naming the delivery day, some without a product (or without a supplier either).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_report import make_purchases, make_reference  # noqa: E402
from procurement.model import Dataset, conform  # noqa: E402
from procurement.report import build_report  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
KEYS = ("hospital_id", "product_id", "generic_name", "specification", "supplier", "order_id")


def daily_totals(lines: pd.DataFrame) -> pd.DataFrame:
    """Order lines summed per day, hospital and drug row, as the store keeps them (no order ids)."""
    keys = ["date", "hospital_id", "product_id", "generic_name", "specification", "supplier", "winning"]
    daily = lines.groupby(keys, dropna=False, sort=True, as_index=False)[["quantity", "amount"]].sum()
    daily["amount"] = daily["amount"].round(2)
    return conform("purchases", daily)


def as_categorical(purchases: pd.DataFrame) -> pd.DataFrame:
    """The same rows with sorted Categorical key columns (the store's load format)."""
    out = purchases.copy()
    for col in KEYS:
        values = out[col].astype(object).where(out[col].notna(), None)
        out[col] = pd.Categorical(values, categories=sorted(set(values.dropna())))
    return out


def as_strings(purchases: pd.DataFrame) -> pd.DataFrame:
    """The same rows with ``string`` key columns (the importer's format)."""
    out = purchases.copy()
    for col in KEYS:
        out[col] = out[col].astype("string")
    return out


def make_payments(purchases: pd.DataFrame, products: pd.DataFrame, seed: int = 5) -> pd.DataFrame:
    """Each hospital pays each product's deliveries of a month at ~90%, in the following weeks.

    A fifth of them name the month's first delivery day (order_date); one in twenty gives no
    product (supplier only), one in fifty neither; a tenth are paid 60-120 days late.
    """
    rng = np.random.default_rng(seed)
    win = purchases[purchases["winning"]]
    month = win["date"].dt.to_period("M").dt.to_timestamp()
    frame = pd.DataFrame({
        "hospital_id": win["hospital_id"].astype(object), "product_id": win["product_id"].astype(object),
        "month": month, "date": win["date"], "amount": win["amount"],
    })
    g = frame.groupby(["hospital_id", "product_id", "month"], sort=True, as_index=False)
    pay = g.agg(amount=("amount", "sum"), first_day=("date", "min"))
    n = len(pay)
    pay["amount"] = np.round(pay["amount"] * rng.uniform(0.85, 0.95, n), 2)
    late = rng.random(n) < 0.1
    delay = np.where(late, rng.integers(60, 120, n), rng.integers(0, 40, n))
    pay["date"] = pay["month"] + pd.offsets.MonthBegin(1) + pd.to_timedelta(delay, unit="D")
    supplier = pay["product_id"].map(products.set_index("product_id")["supplier"].astype(object))
    roll = rng.random(n)
    no_product = roll < 0.07
    pay["supplier"] = supplier.where(roll >= 0.02, None)
    pay["order_date"] = pay["first_day"].where((roll >= 0.8) & ~no_product)
    pay["product_id"] = pay["product_id"].where(~no_product, None)
    pay["payment_id"] = [f"PAY{i:07d}" for i in range(n)]
    return conform("payments", pay.drop(columns=["month", "first_day"]))


def datasets(quick: bool) -> dict[str, Dataset]:
    """Categorical and string variants, without and with payments."""
    cat_path, str_path = OUT / "ds10m_cat.pkl", OUT / "ds10m_str.pkl"
    if not quick and cat_path.exists() and str_path.exists():
        with open(cat_path, "rb") as f:
            cat = pickle.load(f)
        with open(str_path, "rb") as f:
            strings = pickle.load(f)
    else:
        n_rows, n_hospitals = (1_000_000, 50) if quick else (10_000_000, 200)
        reference = make_reference(n_hospitals)
        daily = daily_totals(make_purchases(n_rows, n_hospitals, seed=1))
        strings = Dataset(**reference, purchases=as_strings(daily))
        cat = Dataset(**reference, purchases=as_categorical(daily))
    payments = make_payments(strings.purchases, strings.products)
    return {
        "categorical": cat, "string": strings,
        "categorical+payments": cat.with_table("payments", payments),
        "string+payments": strings.with_table("payments", payments),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000,000 lines, 50 hospitals")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per variant (median shown)")
    parser.add_argument("--only", help="comma-separated variants (categorical, string, ...+payments)")
    args = parser.parse_args(argv)
    variants = datasets(args.quick)
    wanted = args.only.split(",") if args.only else list(variants)
    for name in wanted:
        ds = variants[name]
        times, cpu = [], []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                build_report(ds)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
        print(f"build_report {name:22s} {len(ds.purchases):>9,} purchase rows {len(ds.payments):>7,} payments: "
              f"median {statistics.median(times):.2f} s wall of {', '.join(f'{t:.2f}' for t in times)} "
              f"(median {statistics.median(cpu):.2f} s CPU); {len(caught)} warnings", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
