"""The plan page's disruption glue (webapp.disruption) on the hand-worked case of
tests/test_optimizer_replan.py:

    winners of 氨氯地平 5mg: A 1.00 yuan (unlimited), B 2.00 (capacity 100), C 1.50 (region 西 only);
    backup D 1.80 (备选企业=是, capacity 1000); hospitals H1, H2 in 东, H3 in 西, 100 units each.

The plan puts all three on A. A fails with nothing bought yet:
- with the backup: H3 -> C (+0.50 x 100), H1, H2 -> D (+0.80 x 200): extra 210, nothing short;
- the backup left out: H3 -> C (+50), one of H1, H2 -> B (capacity 100, +1.00 x 100), the other's
  100 units stay short: extra 150, short 100.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_optimizer_replan import _files

from optimizer import allocate
from optimizer.inputs import PlanSettings
from procurement.ingest.importer import parse_files
from procurement.model import Dataset
from webapp import disruption, planning


@pytest.fixture
def case(tmp_path):
    result = parse_files(_files(tmp_path))
    assert not result.problems
    inp = planning.plan_input(Dataset(**result.tables))
    settings = PlanSettings(workers=1)
    return inp, allocate(inp, settings), settings


def test_the_backup_is_offered_and_used(case) -> None:
    inp, plan, settings = case
    assert disruption.backup_suppliers(inp) == ["D"]
    result = disruption.run(inp, plan, ["A"], "2026-01-01", None, settings)
    moved = {(r.hospital_id, r.to_supplier): r.volume for r in result.moved.itertuples()}
    assert moved == {("H1", "D"): 100, ("H2", "D"): 100, ("H3", "C"): 100}
    assert result.extra_cost == pytest.approx(210.0)
    assert result.shortages.empty
    named = disruption.moved_by_hospital(result, {"H1": "东一院", "H2": "东二院", "H3": "西院"})
    assert named["hospital_name"].tolist() == ["东一院", "东二院", "西院"]  # largest extra cost first


def test_without_the_backup_part_remains_short(case) -> None:
    inp, plan, settings = case
    result = disruption.run(inp, plan, ["A"], "2026-01-01", None, settings, backups=[])
    assert result.extra_cost == pytest.approx(150.0)
    assert result.shortages["volume"].sum() == pytest.approx(100.0)
    assert set(result.moved["to_supplier"]) == {"B", "C"}


def test_open_shortages_propose_the_failed_suppliers() -> None:
    shortages = pd.DataFrame({
        "supplier": ["A", "C", "B", "Z", None],
        "start_date": pd.to_datetime(["2026-01-10", "2026-01-01", "2026-03-01", "2026-01-10", "2026-01-10"]),
        "end_date": pd.to_datetime([None, "2026-01-20", None, None, None]),
    })
    # on 1 Feb: A open; C closed on 20 Jan; B not yet started; Z open but not in the plan; a blank supplier
    assert disruption.open_shortage_suppliers(shortages, pd.Timestamp("2026-02-01"), ["A", "B", "C"]) == ["A"]
    # on 15 Jan C is still open; on 1 Mar B has started (the day itself counts)
    assert disruption.open_shortage_suppliers(shortages, pd.Timestamp("2026-01-15"), ["A", "B", "C"]) == ["A", "C"]
    assert disruption.open_shortage_suppliers(shortages, pd.Timestamp("2026-03-01"), ["A", "B", "C"]) == ["A", "B"]
    assert disruption.open_shortage_suppliers(shortages.iloc[0:0], pd.Timestamp("2026-03-01"), ["A"]) == []
