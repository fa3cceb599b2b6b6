"""How long the metrics take: FIFO payment matching on 500,000 deliveries, a full report on a
synthetic alliance with 500,000 purchase lines, and writing its Excel workbook.

``--quick`` uses 100,000 deliveries and 50,000 lines.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from procurement.excel import write_report_xlsx  # noqa: E402
from procurement.ledger import match_payments, payment_figures  # noqa: E402
from procurement.report import build_report  # noqa: E402
from procurement.synthetic import alliance_as_of, generate_alliance  # noqa: E402


def ledger_inputs(n_deliveries: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deliveries of 200 hospitals x 300 products over a year; 0.4 payments per delivery,
    one third of them naming only the supplier."""
    rng = np.random.default_rng(seed)
    n_pay = int(n_deliveries * 0.4)
    start = pd.Timestamp("2020-01-01")
    product = rng.integers(0, 300, n_deliveries)
    deliveries = pd.DataFrame({
        "hospital_id": pd.array([f"H{i:03d}" for i in rng.integers(0, 200, n_deliveries)], dtype="string"),
        "product_id": pd.array([f"P{j:03d}" for j in product], dtype="string"),
        "supplier": pd.array([f"S{j % 40:02d}" for j in product], dtype="string"),
        "date": start + pd.to_timedelta(rng.integers(0, 365, n_deliveries), unit="D"),
        "amount": rng.uniform(10, 1000, n_deliveries).round(2),
    })
    pay_product = rng.integers(0, 300, n_pay)
    supplier_only = np.arange(n_pay) % 3 == 0
    payments = pd.DataFrame({
        "hospital_id": pd.array([f"H{i:03d}" for i in rng.integers(0, 200, n_pay)], dtype="string"),
        "product_id": pd.array([None if s else f"P{j:03d}" for j, s in zip(pay_product, supplier_only, strict=True)], dtype="string"),
        "supplier": pd.array([f"S{j % 40:02d}" if s else None for j, s in zip(pay_product, supplier_only, strict=True)], dtype="string"),
        "order_date": pd.Series(pd.NaT, index=range(n_pay), dtype="datetime64[ns]"),
        "amount": rng.uniform(10, 2000, n_pay).round(2),
        "date": start + pd.to_timedelta(rng.integers(0, 400, n_pay), unit="D"),
    })
    return deliveries, payments


def _timed(label: str, fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    print(f"{label}: {best:.2f} s (best of {repeat})")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    args = parser.parse_args(argv)
    n_deliveries = 100_000 if args.quick else 500_000
    n_lines = 50_000 if args.quick else 500_000

    deliveries, payments = ledger_inputs(n_deliveries)
    ledger = _timed(f"match_payments: {n_deliveries:,} deliveries, {len(payments):,} payments", lambda: match_payments(deliveries, payments))
    print(f"  ledger rows: {len(ledger):,}")
    _timed("payment_figures on that ledger", lambda: payment_figures(ledger, pd.Timestamp("2020-12-31")))

    started = time.perf_counter()
    dataset = generate_alliance(n_hospitals=200, n_products=60, purchases_per_year=n_lines)
    print(f"synthetic alliance: {len(dataset.purchases):,} purchase lines, {len(dataset.payments):,} payments, "
          f"{len(dataset.agreements):,} agreements ({time.perf_counter() - started:.1f} s to generate)")
    report = _timed("build_report", lambda: build_report(dataset, alliance_as_of()), repeat=2)
    print(f"  detail rows: {len(report.detail):,}, execution rows: {len(report.execution):,}")
    _timed("write_report_xlsx", lambda: write_report_xlsx(report, io.BytesIO()), repeat=1)


if __name__ == "__main__":
    main(sys.argv[1:])
