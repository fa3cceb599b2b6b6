"""Shared test settings and fixtures.

In CI, hypothesis draws the same examples every run (derandomize), so a submission's result does not
depend on which random examples that run happened to draw; locally each run still explores new ones.

The repository root and tests/ are on the import path through pyproject's ``[tool.pytest.ini_options]
pythonpath``, so no test file patches ``sys.path``.

The app tests' fixtures: ``app_alliance`` (a module overrides it when it needs another alliance),
``app_db`` (that alliance stored with one account per role, the app pointed at it through
``VBP_DB_URL``) and ``shortage_db`` (the same with a shortage register). Everything they change --
bcrypt's cost, the environment -- is put back when the module ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import seed_database
from hypothesis import settings

from procurement import auth, store
from procurement.model import Dataset, conform
from procurement.synthetic import generate_alliance

settings.register_profile("ci", derandomize=True)
# Under mutmut (which runs the tests from its copy in mutants/, see docs/mutation.md), property tests
# draw few, fixed examples: a mutant's verdict must not depend on the draw, and the hand cases are
# what pin the boundaries; the many-example runs stay in the ordinary suite.
settings.register_profile("mutation", derandomize=True, max_examples=10, deadline=None)
UNDER_MUTMUT = Path(__file__).resolve().parents[1].name == "mutants"
if UNDER_MUTMUT:
    settings.load_profile("mutation")
elif os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutmut, the fastest test files first, and the fastest tests first within a file.

    mutmut stops a mutant's run at its first failing test (-x) and hands pytest the tests in no
    particular order; hand cases in small files usually kill first, so trying them first makes a killed
    mutant cost about a second instead of the minute every reaching test takes together (a surviving
    mutant still runs them all). Tests stay grouped by file so module fixtures are set up once.
    Durations are mutmut's own (mutants/mutmut-stats.json, measured when it mapped tests to functions).
    """
    stats = Path(__file__).resolve().parents[1] / "mutmut-stats.json"
    if not UNDER_MUTMUT or not stats.exists():
        return
    took = json.loads(stats.read_text()).get("duration_by_test", {})
    per_file: dict[str, float] = {}
    for item in items:
        per_file[item.path.name] = per_file.get(item.path.name, 0.0) + took.get(item.nodeid, 0.0)
    items.sort(key=lambda item: (per_file[item.path.name], item.path.name, took.get(item.nodeid, 0.0)))


FAST_BCRYPT_ROUNDS = 4  # bcrypt's lowest cost: accounts made in tests hash in a millisecond


@pytest.fixture(scope="module")
def cheap_bcrypt() -> Iterator[None]:
    """bcrypt at its lowest cost for one module, restored after it (left at 4, a later test of the
    configured cost would pass or fail depending on which module ran first)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "BCRYPT_ROUNDS", FAST_BCRYPT_ROUNDS)
        yield


@pytest.fixture(scope="module")
def app_alliance() -> Dataset:
    """The app tests' synthetic alliance: 5 hospitals, 6 products, 600 purchases a year."""
    return generate_alliance(seed=7, n_hospitals=5, n_products=6, purchases_per_year=600)


@pytest.fixture(scope="module")
def app_db(tmp_path_factory, app_alliance: Dataset, cheap_bcrypt: None) -> Iterator[str]:
    """``app_alliance`` stored with accounts coord, lead, h1 (first hospital) and h2 (second); the app
    reads it through VBP_DB_URL for the whole module, and the variable is restored afterwards."""
    url = f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'vbp.sqlite'}"
    seed_database(url, app_alliance)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VBP_DB_URL", url)
        yield url


@pytest.fixture(scope="module")
def shortage_db(app_db: str, app_alliance: Dataset) -> tuple[str, str, str, str]:
    """``app_db`` with a shortage register: the first hospital's first product's winner is short from
    2026-01-10 and still open (S1); the second hospital's shortage of it closed on 2026-01-20 (S2).
    Returns (url, the failing supplier, first hospital, second hospital)."""
    first, second = app_alliance.hospitals["hospital_id"].iloc[:2]
    product = app_alliance.agreements[app_alliance.agreements["hospital_id"] == first].iloc[0]["product_id"]
    p = app_alliance.products.set_index("product_id").loc[product]
    shortages = conform("shortages", pd.DataFrame({
        "shortage_id": ["S1", "S2"], "hospital_id": [first, second], "product_id": product,
        "generic_name": p["generic_name"], "specification": p["specification"], "supplier": p["supplier"],
        "start_date": pd.to_datetime(["2026-01-10", "2026-01-10"]),
        "end_date": pd.to_datetime([None, "2026-01-20"]), "orders": [3.0, 1.0]}))
    engine = store.get_engine(app_db)
    store.import_tables(engine, {"shortages": shortages}, source_name="register", file_hash="r", user="test")
    engine.dispose()
    return app_db, str(p["supplier"]), first, second


@pytest.fixture
def cli_db(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty SQLite file the command line uses through VBP_DB_URL for one test."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("VBP_DB_URL", url)
    return url
