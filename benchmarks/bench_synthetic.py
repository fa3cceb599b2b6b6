"""Generator speed: a province-sized synthetic alliance, which the other benchmarks and the app's demo use."""

from __future__ import annotations

import argparse
import time

from procurement.synthetic import generate_alliance


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 hospitals, 100,000 purchase lines")
    args = parser.parse_args(argv or [])
    hospitals, lines = (100, 100_000) if args.quick else (1000, 1_000_000)
    wall, cpu = time.perf_counter(), time.process_time()
    data = generate_alliance(n_hospitals=hospitals, purchases_per_year=lines)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"generate_alliance(n_hospitals={hospitals}, purchases_per_year={lines:,}): "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"  rows: {len(data.purchases):,} purchases, {len(data.payments):,} payments, "
          f"{len(data.agreements):,} agreements, {len(data.demand):,} demand, {len(data.offers)} offers")


if __name__ == "__main__":
    main()
