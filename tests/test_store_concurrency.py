"""No data lost under concurrent imports or a killed import (issue 15, item 2), on SQLite and PostgreSQL.

8 hospitals each upload 4 files at once (32 imports, each through an engine of its own as separate
processes would): every line must be stored, no import may fail or see "database is locked", and the
daily series the reports read must equal the sum of the stored lines. An import killed with SIGKILL at
any moment must leave the database as it was before that import (and sound), and the next succeeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from store_fixtures import BACKENDS, hospitals, make_engine, products, purchases

from procurement import store

HOSPITALS = [f"H{i}" for i in range(1, 9)]
FILES_PER_HOSPITAL = 4
LINES_PER_FILE = 60
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def _file_lines(hospital: str, k: int) -> pd.DataFrame:
    """One hospital's k-th file: its own order ids, on days every file of that hospital also uses
    (so concurrent imports recount the same (hospital, day) buckets, where updates get lost)."""
    rows = [
        (f"{hospital}-F{k}-{i:03d}", f"2020-01-{1 + i % 5:02d}", hospital, "P1" if i % 3 else "P2",
         float(1 + (i + k) % 4), None)
        for i in range(LINES_PER_FILE)
    ]
    return purchases(rows)


def _assert_series_equal_lines(engine: sa.Engine) -> None:
    lines = store.load_dataset(engine, aggregated=False).purchases
    series = store.load_dataset(engine, aggregated=True).purchases
    key = ["hospital_id", "date"]
    want = lines.groupby(key)["quantity"].sum().sort_index()
    got = series.astype({"hospital_id": "string"}).groupby(key, observed=True)["quantity"].sum().sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False, check_index_type=False)


@pytest.mark.slow
def test_32_concurrent_imports_lose_nothing(engine):
    store.import_tables(engine, {"hospitals": hospitals(*HOSPITALS), "products": products()},
                        source_name="catalogue", file_hash="c")
    url = engine.url.render_as_string(hide_password=False)
    jobs = [(h, k) for h in HOSPITALS for k in range(FILES_PER_HOSPITAL)]

    def run(job: tuple[str, int]) -> int:
        hospital, k = job
        own = store.get_engine(url)  # as a separate process would: its own connections
        try:
            summary = store.import_tables(own, {"purchases": _file_lines(hospital, k)},
                                          source_name=f"{hospital}-{k}.xlsx", file_hash=f"{hospital}{k}",
                                          user=hospital, hospital_scope=hospital)
            return summary.added["purchases"]
        finally:
            own.dispose()

    for _round in range(2):  # the second round re-states every line: nothing added, nothing lost
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            added = list(pool.map(run, jobs))  # any failure (locked, unique violation) raises here
        assert added == ([LINES_PER_FILE] * len(jobs) if _round == 0 else [0] * len(jobs))
        lines = store.load_dataset(engine, aggregated=False).purchases
        assert len(lines) == len(jobs) * LINES_PER_FILE
        expected = sum(_file_lines(h, k)["quantity"].sum() for h, k in jobs)
        assert lines["quantity"].sum() == expected
        _assert_series_equal_lines(engine)


def _csv(path: Path, hospital: str, n: int, tag: str) -> Path:
    rows = ["订单编号,入库日期,机构编码,产品编码,入库数量"]
    rows += [f"{tag}{i:06d},2020-01-{1 + i % 28:02d},{hospital},P1,{1 + i % 7}" for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "procurement", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _stored(url: str) -> tuple[int, float]:
    eng = store.get_engine(url)
    try:
        lines = store.load_dataset(eng, aggregated=False).purchases
        _assert_series_equal_lines(eng)
        return len(lines), float(lines["quantity"].sum())
    finally:
        eng.dispose()


@pytest.mark.slow
def test_a_killed_import_leaves_the_database_as_it_was(engine, tmp_path):
    """SIGKILL at several moments of a CLI import: before or after, never between; sound; next succeeds."""
    store.import_tables(engine, {"hospitals": hospitals("H1"), "products": products()},
                        source_name="catalogue", file_hash="c")
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    n = 20_000
    base = _csv(tmp_path / "base.csv", "H1", n, "B")
    assert _cli("import", str(base), "--db", url).wait(timeout=120) == 0
    before = _stored(url)
    assert before == (n, float(sum(1 + i % 7 for i in range(n))))
    big = _csv(tmp_path / "big.csv", "H1", n, "K")
    outcomes = set()
    for delay in (0.3, 1.0, 1.8, 2.6, 3.4):
        proc = _cli("import", str(big), "--db", url)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        after = _stored(url)
        assert after in (before, (2 * n, 2 * before[1])), (delay, after)
        outcomes.add(after == before)
        if after != before:  # it had committed: put the database back for the next moment
            eng = store.get_engine(url)
            with eng.begin() as conn:
                conn.execute(sa.text("DELETE FROM purchases WHERE order_id LIKE :k"), {"k": "K%"})
                store.series.rebuild_series(conn)  # the series recounted from the lines left
            eng.dispose()
            assert _stored(url) == before
    if url.startswith("sqlite"):
        eng = sa.create_engine(url)
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        eng.dispose()
    assert True in outcomes  # at least one kill landed inside the import
    assert _cli("import", str(big), "--db", url).wait(timeout=120) == 0
    assert _stored(url) == (2 * n, 2 * before[1])
