"""The cost of reading uploads in a limited worker (procurement/ingest/guard.py), and its memory.

``ratio``: a generated purchases workbook parsed three ways on the same cached file: bare calamine
``to_python`` (the floor bench_import compares with), ``parse_files`` reading in-process (the old
path, kept as ``reader.read_in_process``), and ``parse_files`` through the worker (what runs now).
CPU seconds include the worker's (RUSAGE_CHILDREN), since the parent alone would flatter it.

``memory``: every hostile file of tests/hostile_files.py and a 100 MB purchases CSV, each checked by
the app's upload handler in a fresh process: the server's peak resident memory (the bytes of the
upload included, as Streamlit holds them) and the worker's own growth over what it inherited.

    python -m benchmarks bench_guard [--quick]          # both; --quick: 50k rows
    python -m benchmarks.bench_guard ratio 200000
    python -m benchmarks.bench_guard memory
"""

from __future__ import annotations

import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parents[1]
CSV_MB = 100
BOUND_MB = 1024  # the server's peak while checking any upload (issue 15)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ratio(rows: int, repeats: int = 3) -> None:
    from benchmarks.bench_import import bare_parse, reference, write_purchases
    from procurement.ingest import importer, reader
    from procurement.ingest.guard import precheck

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"purchases_{rows}.xlsx"
    if not path.exists():
        write_purchases(path, rows)
    ref = reference()
    worker_read = importer.read_source

    def in_process(source):
        data, name = reader.source_bytes(source), reader.source_name(source)
        return reader.read_in_process(name, precheck(name, data), data)

    def parse_in_process():
        importer.read_source = in_process
        try:
            importer.parse_files([path], reference=ref)
        finally:
            importer.read_source = worker_read

    runs = {"bare calamine to_python": lambda: bare_parse(path), "parse_files, read in-process": parse_in_process,
            "parse_files, read in the worker": lambda: importer.parse_files([path], reference=ref)}
    figures: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            t, c = time.perf_counter(), _cpu()
            run()
            figures[label].append((time.perf_counter() - t, _cpu() - c))
    bare_wall = min(w for w, _ in figures["bare calamine to_python"])
    bare_cpu = min(c for _, c in figures["bare calamine to_python"])
    print(f"{rows:,} rows, {path.stat().st_size / 1e6:.1f} MB; best of {repeats} (all runs in brackets)")
    for label, fig in figures.items():
        wall, cpu = min(w for w, _ in fig), min(c for _, c in fig)
        print(f"  {label:32s} wall {wall:6.2f} s ({bare_wall and wall / bare_wall:.2f}x)  "
              f"cpu {cpu:6.2f} s ({cpu / bare_cpu:.2f}x)  [{', '.join(f'{w:.2f}/{c:.2f}' for w, c in fig)}]")


def write_csv(path: Path, megabytes: int = CSV_MB) -> None:
    """Purchase lines with long order ids (~100 bytes a line) up to ``megabytes``: under 1,048,576 lines."""
    rng = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("订单编号,入库日期,机构编码,产品编码,采购数量,单位\r\n")
        size, i = 0, 0
        while size < megabytes * 1_000_000:
            line = (f"PLATFORM-2020-ORDER-{i:012d}-{rng.randrange(10**12):012d}-{'X' * 20},"
                    f"2020-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d},H{rng.randrange(200):04d},"
                    f"P{rng.randrange(60):03d},{rng.randrange(1, 500)},{'盒' if i % 2 else '片'}\r\n")
            f.write(line)
            size += len(line.encode())
            i += 1


def one_case(path: Path) -> None:
    """In a fresh process: the upload check of one file, then peak RSS lines for the parent."""
    from benchmarks.bench_import import reference
    from procurement.ingest import guard
    from procurement.workflow import check as check_uploads

    data = path.read_bytes()
    ref = reference()
    with open("/proc/self/statm") as f:
        before = int(f.read().split()[1]) * resource.getpagesize()
    t = time.perf_counter()
    check = check_uploads([(path.name, data)], ref, None)
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    forked, worker_peak = guard.last_worker_memory
    outcome = "ok" if check.ok else (check.result.problems[0].message_en[:60] if check.result.problems else "?")
    print(f"{path.name:32s} {len(data) / 1e6:8.2f} MB  server before {before / 2**20:6.0f} MB, peak "
          f"{peak / 2**20:6.0f} MB; worker +{max(0, worker_peak - forked) / 2**20:5.0f} MB; {took:5.2f} s; "
          f"{outcome}", flush=True)


def memory() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_files import CORPUS

    folder = OUT / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (build, _) in CORPUS.items():
        (folder / name).write_bytes(build())
    big = folder / f"purchases_{CSV_MB}MB.csv"
    if not big.exists():
        write_csv(big)
    print("file, size, server (parent) resident memory before the check and at its peak, worker growth")
    peaks: dict[str, float] = {}
    for path in sorted(folder.iterdir()):
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_guard", "case", str(path)], cwd=ROOT,
                              check=True, capture_output=True, text=True)
        print(done.stdout, end="", flush=True)
        found = re.search(r"peak\s+(\d+) MB", done.stdout)
        if found:
            peaks[path.name] = float(found.group(1))
    worst = max(peaks, key=peaks.__getitem__)
    verdict = "within" if peaks[worst] < BOUND_MB else "OVER"
    print(f"highest server peak: {peaks[worst]:.0f} MB ({worst}); bound {BOUND_MB} MB (issue 15): {verdict}")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["case"]:
        one_case(Path(argv[1]))
    elif argv[:1] == ["ratio"]:
        ratio(int(argv[1]) if len(argv) > 1 else 200_000)
    elif argv[:1] == ["memory"]:
        memory()
    else:
        ratio(50_000 if "--quick" in argv else 200_000)
        memory()


if __name__ == "__main__":
    main()
