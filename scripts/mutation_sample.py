"""A seeded random sample of mutmut's mutants per module, and the sample's mutation score.

mutmut generates ~15,000 mutants of the four modules issue 14 names; at 5-30 s a mutant (the tests
that reach a report or ledger function take a minute together) all of them take a day of this
machine's two cores. A uniform sample gives the score with a stated margin and every survivor in it
can be read by hand. See docs/mutation.md.

    .venv/bin/python scripts/mutation_sample.py names   > sample.txt   # after mutmut has generated mutants
    .venv/bin/mutmut run --max-children 2 $(cat sample.txt)
    .venv/bin/python scripts/mutation_sample.py score [OTHER/mutants]  # killed / survived per module
    .venv/bin/python scripts/mutation_sample.py survivors [OTHER/mutants]  # ... and the survivors' names
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

MUTANTS = Path("mutants")  # the first folder read; more may be named after the command
SEED = 14
SIZES = {"procurement.metrics": 150, "procurement.ledger": 250, "procurement.report": 250, "optimizer": 300}
NOT_RUN = {"not checked", "check was interrupted by user", "skipped"}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}  # mutmut counts timeouts as killed too


def results(folders: list[Path]) -> dict[str, int | None]:
    """Every generated mutant's name and exit code (None: not run yet), over one or more mutants/
    folders (the optimizer's sample may run in a copy of its own beside the others)."""
    out: dict[str, int | None] = {}
    for folder in folders:
        for meta in sorted(folder.rglob("*.meta")):
            for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
                if out.get(name) is None:
                    out[name] = code
    return out


def module_of(name: str) -> str | None:
    return next((m for m in SIZES if name.startswith(m + ".")), None)


def sample(names: list[str]) -> dict[str, list[str]]:
    """The sample: per module, SIZES[module] names drawn without replacement, seed SEED."""
    rng = random.Random(SEED)
    by_module: dict[str, list[str]] = {m: [] for m in SIZES}
    for name in sorted(names):
        if (m := module_of(name)) is not None:
            by_module[m].append(name)
    return {m: sorted(rng.sample(ns, min(SIZES[m], len(ns)))) for m, ns in by_module.items()}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(argv: list[str]) -> int:
    codes = results([MUTANTS, *(Path(a) for a in argv[1:])])
    drawn = sample(list(codes))
    if argv[:1] == ["names"]:
        print("\n".join(name for names in drawn.values() for name in names))
        return 0
    print(f"{'module':22} {'generated':>9} {'sample':>6} {'run':>5} {'killed':>6} {'survived':>8} {'no test':>7}  score (95% interval)")
    for module, names in drawn.items():
        generated = sum(module_of(n) == module for n in codes)
        done = [status_by_exit_code[codes[n]] for n in names if status_by_exit_code[codes[n]] not in NOT_RUN]
        killed = sum(s in KILLED for s in done)
        survived = sum(s == "survived" for s in done)
        no_tests = sum(s == "no tests" for s in done)
        low, high = wilson(killed, len(done))
        score = killed / max(1, len(done))
        print(f"{module:22} {generated:9} {len(names):6} {len(done):5} {killed:6} {survived:8} {no_tests:7}"
              f"  {score:.1%} ({low:.1%}-{high:.1%})")
    if argv[:1] == ["survivors"]:
        for names in drawn.values():
            for n in names:
                status = status_by_exit_code[codes[n]]
                if status not in KILLED | NOT_RUN:
                    print(status, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
