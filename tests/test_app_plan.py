"""The plan page's glue to the optimizer: settings from the form, scenarios, workbook, disruption."""

from __future__ import annotations

import io

import openpyxl
import pytest

from procurement.synthetic import generate_alliance
from webapp import planning


@pytest.fixture(scope="module")
def inp():
    ds = generate_alliance(seed=3, n_hospitals=5, n_products=6, purchases_per_year=400)
    return planning.plan_input(ds), ds


def test_form_settings() -> None:
    s = planning.plan_settings(0.0, 2, 0.5, 1000.0, 30.0, 0.001)
    assert s.ratio is None and s.max_suppliers == 2 and s.switch_penalty == 0.5 and s.workers == 1
    assert planning.plan_settings(0.7, 1, 0, 1000, 30, 0).ratio == 0.7


def test_scenarios_start_with_the_current_settings() -> None:
    base = planning.plan_settings(0.0, 1, 0, 1000, 30, 0.0001)
    names = list(planning.scenario_settings(base, [0.6, 0.8], [1, 2]))
    assert names == ["当前设置", "比例 60%", "比例 80%", "K = 2"]
    same = planning.plan_settings(0.6, 2, 0, 1000, 30, 0.0001)
    assert list(planning.scenario_settings(same, [0.6], [2])) == ["当前设置"]


def test_nothing_to_plan_without_demand() -> None:
    from procurement.model import Dataset

    assert planning.plan_input(Dataset()) is None


def test_plan_workbook_and_disruption(inp) -> None:
    plan_input, ds = inp
    settings = planning.plan_settings(0.0, 1, 0, 1000, 30, 0.0001)
    seen: list[tuple[int, int]] = []
    plan = planning.run_plan(plan_input, settings, lambda done, total: seen.append((done, total)))
    assert len(plan.allocations) > 0
    assert seen and seen[-1][0] == seen[-1][1]  # the progress bar reaches the end
    supplier = plan.allocations["supplier"].iloc[0]
    result = planning.disruption(plan_input, plan, supplier, ds.purchases["date"].max(), ds.purchases, settings)
    assert result.supplier == supplier
    book = openpyxl.load_workbook(io.BytesIO(planning.plan_xlsx(plan, plan_input, None, result)))
    assert len(book.sheetnames) >= 3


def test_uploaded_tables_fall_back_on_stored_hospitals(inp) -> None:
    _, ds = inp
    uploaded = planning.dataset_from_tables({"demand": ds.demand, "offers": ds.offers}, ds.hospitals)
    assert len(uploaded.hospitals) == len(ds.hospitals) and len(uploaded.demand) == len(ds.demand)
    own = planning.dataset_from_tables({"hospitals": ds.hospitals.head(2), "demand": ds.demand}, ds.hospitals)
    assert len(own.hospitals) == 2  # an uploaded hospitals sheet wins
