"""Is a change bit-identical? Pickle every field of the report before it, compare after it.

    .venv/bin/python -m benchmarks.report_snapshot save  DIR [--db URL ...]   # on the code before
    .venv/bin/python -m benchmarks.report_snapshot check DIR [--db URL ...]   # on the code after

Reports built: the sample alliance (``sample_data/`` bootstrapped into a new SQLite file in DIR,
read as day totals and as order lines), ``generate_alliance(n_hospitals=200,
purchases_per_year=300_000)`` as a Dataset, and each ``--db`` store (a benchmark database, say), at
the default as-of date and a couple of others. ``check`` compares frames with
``assert_frame_equal(check_exact=True)``, everything else exactly, and also the sample store's day
series rows (what the import wrote). Exit 1 when anything differs. Not one of the timed benchmarks.
"""

from __future__ import annotations

import argparse
import pickle
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from procurement import store  # noqa: E402
from procurement.model import Dataset  # noqa: E402
from procurement.report import build_report  # noqa: E402
from procurement.synthetic import generate_alliance  # noqa: E402

# Columns renamed on purpose since a snapshot may have been saved: compared under their new name.
# outside_period counts purchase days, not lines, since a6fd007 (the app's report equals the CLI's).
RENAMED = {"outside_period": {"rows": "days"}}

SERIES = "SELECT * FROM purchase_series ORDER BY 1, 2, 3, 4, 5, 6"


def datasets(folder: Path, dbs: list[str]) -> Iterator[tuple[str, Dataset, list[date | None]]]:
    """(name, dataset, as-of dates) of every report to snapshot."""
    sample = folder / "sample.sqlite"
    sample.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "procurement", "bootstrap", "--db", f"sqlite:///{sample}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    engine = store.get_engine(f"sqlite:///{sample}")
    yield (
        "sample_days",
        store.load_dataset(engine, aggregated=True),
        [None, date(2026, 6, 30), date(2026, 12, 31)],
    )
    yield "sample_lines", store.load_dataset(engine, aggregated=False), [None, date(2026, 6, 30)]
    engine.dispose()
    yield (
        "synthetic",
        generate_alliance(n_hospitals=200, purchases_per_year=300_000),
        [None, date(2026, 6, 30), date(2027, 3, 15)],
    )
    for i, url in enumerate(dbs):
        engine = store.get_engine(url)
        yield f"db{i}", store.load_dataset(engine, aggregated=True), [None]
        engine.dispose()


def same(a: Any, b: Any, where: str) -> None:
    """Raise AssertionError naming the first field where ``a`` and ``b`` differ."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    else:
        assert pickle.dumps(a) == pickle.dumps(b) or a == b, (where, a, b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["save", "check"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--db", action="append", default=[], metavar="URL", help="also a stored alliance")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    differ = 0
    for name, dataset, as_ofs in datasets(args.folder, args.db):
        if name == "sample_days":
            rows = sqlite3.connect(args.folder / "sample.sqlite").execute(SERIES).fetchall()
            saved = args.folder / "sample_series.pkl"
            if args.mode == "save":
                saved.write_bytes(pickle.dumps(rows))
            elif pickle.loads(saved.read_bytes()) != rows:
                differ += 1
                print("sample day series: DIFFERENT", flush=True)
        for as_of in as_ofs:
            started = time.perf_counter()
            fields = dict(vars(build_report(dataset, as_of=as_of)))
            key = f"{name}_{as_of or 'default'}"
            path = args.folder / f"{key}.pkl"
            if args.mode == "save":
                path.write_bytes(pickle.dumps(fields))
                print(f"{key}: saved ({time.perf_counter() - started:.1f} s)", flush=True)
                continue
            saved_fields = pickle.loads(path.read_bytes())
            for field, renames in RENAMED.items():
                if isinstance(saved_fields.get(field), pd.DataFrame):
                    saved_fields[field] = saved_fields[field].rename(columns=renames)
            fields_differ = 0
            for field in sorted(saved_fields.keys() | fields.keys()):
                try:
                    assert field in saved_fields and field in fields, f"{key}.{field} only on one side"
                    same(saved_fields[field], fields[field], f"{key}.{field}")
                except AssertionError as e:
                    fields_differ += 1
                    print(f"{key}.{field}: DIFFERENT {str(e)[:1500]}", flush=True)
            differ += bool(fields_differ)
            print(
                f"{key}: {'identical' if not fields_differ else f'{fields_differ} fields different'}"
                f" ({len(fields)} fields)",
                flush=True,
            )
    print(f"{differ} different" if args.mode == "check" else "saved")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
