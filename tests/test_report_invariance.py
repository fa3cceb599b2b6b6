"""Property: the figures do not depend on how the spreadsheets are laid out.

The same purchases and payments, shuffled, split across sheets or files, and written with different
header dialects (canonical, Traditional, platform stock-in export, packs with a title row), must give
the same report, and importing them again into the store must change nothing.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement import store
from procurement.ingest.importer import parse_files
from procurement.model import Dataset
from procurement.report import build_report
from procurement.synthetic import generate_alliance

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _writer():
    """sample_data/generate.py: the sheet builders that write real-looking exports."""
    spec = importlib.util.spec_from_file_location("sample_generate_for_invariance", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GEN = _writer()
DATA = generate_alliance(seed=5, n_hospitals=4, n_products=6, purchases_per_year=300)
DIALECTS = {
    "plain": GEN._style_plain,
    "traditional": GEN._style_traditional,
    "stock_in": GEN._style_stock_in,
    "packs_with_title": GEN._style_packs,
}


def _write_reference_files(folder: Path) -> list[Path]:
    files = {
        folder / "hospitals.xlsx": [GEN.hospitals_sheet(DATA)],
        folder / "products.xlsx": GEN.products_sheets(DATA),
        folder / "agreements.xlsx": GEN.agreements_sheets(DATA),
    }
    for path, sheets in files.items():
        GEN.write_xlsx(path, sheets)
    return list(files)


def _write_purchases_and_payments(folder: Path, order: np.ndarray, cut: int, layout: str,
                                  dialects: tuple[str, str]) -> list[Path]:
    purchases = DATA.purchases.iloc[order]
    first, second = purchases.iloc[:cut], purchases.iloc[cut:]
    sheet_a = DIALECTS[dialects[0]](first, "合并导出", DATA.products)
    sheet_b = DIALECTS[dialects[1]](second, "合并导出", DATA.products)
    sheet_b.name = sheet_b.name + "2" if sheet_a.name == sheet_b.name else sheet_b.name
    pay_order = np.random.default_rng(len(order) + cut).permutation(len(DATA.payments))
    payments = DATA.with_table("payments", DATA.payments.iloc[pay_order])
    written = [folder / "payments.xlsx"]
    GEN.write_xlsx(written[0], [GEN.payments_sheet(payments)])
    if layout == "two_files":
        written += [folder / "purchases_a.xlsx", folder / "purchases_b.xlsx"]
        GEN.write_xlsx(written[-2], [sheet_a])
        GEN.write_xlsx(written[-1], [sheet_b])
    else:
        written.append(folder / "purchases.xlsx")
        GEN.write_xlsx(written[-1], [sheet_a, sheet_b])
    return written


def _figures(report_json: dict) -> dict:
    """Every level's figures keyed by their ids, so list order does not matter."""
    keyed = {"total": report_json["total"]}
    for level, key in (("batches", "batch"), ("hospitals", "hospital_id"), ("suppliers", "supplier"),
                       ("products", "product_id")):
        for row in report_json[level]:
            keyed[f"{level}:{row[key]}"] = row
    return keyed


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].keys() == b[name].keys(), name
        for key, left in a[name].items():
            right = b[name][key]
            if isinstance(left, float) and isinstance(right, float):
                assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-6), (name, key, left, right)
            else:
                assert left == right, (name, key, left, right)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    reference = _write_reference_files(folder)
    order = np.arange(len(DATA.purchases))
    files = reference + _write_purchases_and_payments(folder, order, len(order), "one_file", ("plain", "plain"))
    parsed = parse_files(files)
    assert parsed.ok, [str(p) for p in parsed.problems[:5]]
    assert len(parsed.tables["purchases"]) == len(DATA.purchases)
    return reference, files, _figures(build_report(_ds(parsed)).to_json())


def _ds(parsed) -> Dataset:
    return Dataset(**parsed.tables)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**16),
    cut_share=st.floats(0.0, 1.0),
    layout=st.sampled_from(["one_file_two_sheets", "two_files"]),
    dialects=st.tuples(st.sampled_from(sorted(DIALECTS)), st.sampled_from(sorted(DIALECTS))),
)
def test_report_does_not_depend_on_order_split_or_layout(baseline, tmp_path_factory, seed, cut_share, layout,
                                                         dialects):
    reference_files, _, expected = baseline
    folder = tmp_path_factory.mktemp("variant")
    order = np.random.default_rng(seed).permutation(len(DATA.purchases))
    cut = int(round(cut_share * len(order)))
    files = reference_files + _write_purchases_and_payments(folder, order, cut, layout, dialects)
    parsed = parse_files(files)
    assert parsed.ok, [str(p) for p in parsed.problems[:5]]
    _assert_same(expected, _figures(build_report(_ds(parsed)).to_json()))


def test_reimporting_a_reshuffled_export_changes_nothing(baseline, tmp_path):
    _, files, expected = baseline
    engine = store.get_engine(f"sqlite:///{tmp_path / 'vbp.sqlite'}")
    first = parse_files(files)
    store.import_tables(engine, first.tables, source_name="first", file_hash="1")
    order = np.random.default_rng(7).permutation(len(DATA.purchases))
    again = _write_reference_files(tmp_path) + _write_purchases_and_payments(
        tmp_path, order, len(order) // 2, "two_files", ("traditional", "stock_in"))
    summary = store.import_tables(engine, parse_files(again).tables, source_name="again", file_hash="2")
    assert sum(summary.added.values()) == 0
    assert sum(summary.replaced.values()) == 0
    _assert_same(expected, _figures(build_report(store.load_dataset(engine)).to_json()))
