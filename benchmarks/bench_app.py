"""How long each page takes to render once its data is cached (target < 2 s at 1,000,000 purchase rows).

Builds (once, cached under benchmarks/out/) a database with a synthetic alliance, then drives the
app with Streamlit's AppTest: for each role and page, one cold run (loads and computes) and the
median of a few warm runs (what a user waits for when clicking around).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"


def build_database(path: Path, purchases: int) -> str:
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    from procurement import auth, store
    from procurement.model import TABLE_KINDS
    from procurement.synthetic import generate_alliance

    n_hospitals = 1000 if purchases >= 500_000 else 100  # a province-sized alliance, as bench_synthetic
    ds = generate_alliance(n_hospitals=n_hospitals, purchases_per_year=purchases)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    engine = store.get_engine(f"sqlite:///{tmp}")
    store.import_tables(engine, {k: ds.table(k) for k in TABLE_KINDS if not ds.table(k).empty},
                        source_name="bench", file_hash="bench", user="bench")
    auth.create_user(engine, "coord", "bench-password", "coordinator")
    engine.dispose()
    tmp.rename(path)
    return url


def time_pages(url: str, warm_runs: int) -> list[tuple[str, str, float, float]]:
    from streamlit.testing.v1 import AppTest

    from procurement import auth, store

    os.environ["VBP_DB_URL"] = url
    engine = store.get_engine(url)
    first_hospital = str(store.load_reference(engine).hospitals["hospital_id"].iloc[0])
    auth.BCRYPT_ROUNDS = 4
    for name, role, hospital in (("h", "hospital", first_hospital), ("lead", "leadership", None)):
        if auth.get_user(engine, name) is None:
            auth.create_user(engine, name, "bench-password", role, hospital)
    users = {role: auth.get_user(engine, name) for role, name in
             (("coordinator", "coord"), ("hospital", "h"), ("leadership", "lead"))}
    pages = {"coordinator": ["track", "payments", "savings", "upload"], "hospital": ["track", "payments", "savings"],
             "leadership": ["savings"]}
    rows = []
    for role, names in pages.items():
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
        at.session_state["vbp_user"] = users[role]
        t0 = time.perf_counter()
        at.run()
        rows.append((role, "(sign-in)", time.perf_counter() - t0, float("nan")))
        for name in names:
            at.switch_page(f"webapp/pages/{name}.py")
            t0 = time.perf_counter()
            at.run()
            cold = time.perf_counter() - t0
            if at.exception:
                raise RuntimeError(f"{role}/{name}: {at.exception[0].value}")
            warm = []
            for _ in range(warm_runs):
                t0 = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - t0)
            rows.append((role, name, cold, statistics.median(warm)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50,000 purchase rows instead of 1,000,000")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args(argv)
    purchases = 50_000 if args.quick else 1_000_000
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    url = build_database(OUT / f"bench_app_{purchases}.sqlite", purchases)
    print(f"database with {purchases:,} purchase rows ready in {time.perf_counter() - t0:.1f} s ({url})")
    rows = time_pages(url, args.warm_runs)
    print(f"{'role':<12} {'page':<10} {'first load (s)':>15} {'cached render (s)':>18}")
    for role, name, cold, warm in rows:
        flag = "  <-- over the 2 s target" if warm >= 2.0 else ""
        print(f"{role:<12} {name:<10} {cold:>15.2f} {warm:>18.2f}{flag}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
