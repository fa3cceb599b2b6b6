"""Store writes and reads of a synthetic alliance: purchase lines and their payments.

``one``: lines and payments stored in ONE import (a coordinator's first bootstrap of a year's files
in one go), against ``two``: the lines first, the payments in a second import. Both into a fresh
SQLite file; the payment links (store.links) are worked out in either. Before the links were
written payment by payment, the one-transaction path scanned the lines and probed payments by
hospital: 124 s at 100,000 lines against 4 s for the two imports. ``load``: ``load_dataset`` of the
store the two imports made, purchases aggregated as the app reads them.

    python -m benchmarks bench_store [--quick]      # 100,000 lines (--quick: 20,000)
    python -m benchmarks.bench_store 1000000        # any size; hospitals: one per 1,000 lines
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from procurement import store, synthetic
from procurement.model import TABLE_KINDS, Dataset


def _import(db: Path, ds: Dataset, in_one: bool) -> list[float]:
    """Seconds per import: lines and payments together, or lines then payments."""
    engine = store.get_engine(f"sqlite:///{db}")
    batches = [TABLE_KINDS] if in_one else [[k for k in TABLE_KINDS if k != "payments"], ["payments"]]
    seconds = []
    for n, kinds in enumerate(batches):
        started = time.perf_counter()
        store.import_tables(engine, {k: ds.table(k) for k in kinds}, source_name=f"bench{n}", file_hash=str(n))
        seconds.append(time.perf_counter() - started)
    engine.dispose()
    return seconds


def run(lines: int) -> None:
    ds = synthetic.generate_alliance(n_hospitals=max(1, lines // 1000), purchases_per_year=lines)
    print(f"{len(ds.purchases):,} purchase lines, {len(ds.payments):,} payments, "
          f"{len(ds.hospitals):,} hospitals", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        one = _import(Path(tmp) / "one.sqlite", ds, in_one=True)
        print(f"one import (lines + payments):      {one[0]:6.1f} s", flush=True)
        two = _import(Path(tmp) / "two.sqlite", ds, in_one=False)
        print(f"two imports (lines, then payments): {sum(two):6.1f} s ({two[0]:.1f} + {two[1]:.1f})", flush=True)
        print(f"one / two: {one[0] / sum(two):.2f}", flush=True)
        engine = store.get_engine(f"sqlite:///{Path(tmp) / 'two.sqlite'}")
        started = time.perf_counter()
        loaded = store.load_dataset(engine, aggregated=True)
        print(f"load_dataset(aggregated=True): {time.perf_counter() - started:6.1f} s "
              f"({len(loaded.payments):,} payments)", flush=True)
        engine.dispose()


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv if a.isdigit()]
    run(sizes[0] if sizes else 20_000 if "--quick" in argv else 100_000)


if __name__ == "__main__":
    main(sys.argv[1:])
