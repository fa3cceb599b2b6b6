"""Run every benchmark in turn; each prints its own figures. `--quick` uses small sizes."""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time

from procurement.runtime import tune_process

# the process settings `python -m procurement` makes, before numpy is imported: the benchmarks time
# what the command does (procurement/runtime.py)
TUNED = tune_process()

BENCHES = (
    "bench_synthetic",
    "bench_import",
    "bench_guard",
    "bench_store",
    "bench_report",
    "bench_compute",
    "bench_metrics",
    "bench_optimizer",
    "bench_scenarios",
    "bench_app",
)


def main(argv: list[str]) -> int:
    only = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}; "
          f"process settings as `python -m procurement`: {TUNED}")
    for name in only or BENCHES:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module.main(flags)
        print(f"({name}: {time.perf_counter() - started:.1f} s wall)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
