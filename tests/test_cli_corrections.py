"""``import --replace-period`` (preview by default, ``--yes`` writes) and ``report --as-of-import N``.

The alliance of test_cli_commands: H1 bought O1 (100 units, 1 March) and O2 (40 units, 2 March) of P1,
agreed 1000. The corrected export covers 1-2 March and lacks O2: O2 is removed, 100 units remain.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_cli_commands import run, write_alliance

from procurement import store


def _corrected(folder: Path) -> str:
    path = folder / "03_采购_更正.csv"
    pd.DataFrame({"订单编号": ["O1", "O9"], "入库日期": ["2020-03-01", "2020-03-02"], "机构编码": ["H1", "H1"],
                  "产品编码": ["P1", "P1"], "采购数量": [100, 0], "采购金额": [50, 0]}).to_csv(path, index=False)
    return str(path)


def test_preview_lists_the_removed_line_and_writes_nothing(tmp_path, cli_db, capsys):
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    assert run(["import", *files], capsys)[0] == 0
    fixed = _corrected(tmp_path / "in")
    code, out, err = run(["import", fixed, "--replace-period"], capsys)
    assert code == 0, err
    assert "removes 1 stored row" in out and "H1  O2  2020-03-02" in out and "nothing written" in out
    assert store.data_version(store.get_engine(cli_db)) == 1
    code, out, _ = run(["import", fixed, "--replace-period", "--json"], capsys)
    payload = json.loads(out)
    assert payload["written"] is False
    assert [(r["hospital_id"], r["order_id"], r["quantity"]) for r in payload["would_remove"]["purchases"]] == [
        ("H1", "O2", 40.0)]


def test_yes_writes_and_the_old_report_can_be_regenerated(tmp_path, cli_db, capsys):
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    assert run(["import", *files], capsys)[0] == 0
    code, before, _ = run(["report", "--json", "--as-of", "2020-03-31"], capsys)
    assert code == 0 and json.loads(before)["total"]["purchased_volume"] == 140
    code, out, err = run(["import", _corrected(tmp_path / "in"), "--replace-period", "--yes", "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["written"] is True and summary["removed"] == {"purchases": 1} and summary["added"]["purchases"] == 1
    code, now, _ = run(["report", "--json", "--as-of", "2020-03-31"], capsys)
    assert json.loads(now)["total"]["purchased_volume"] == 100  # 140 - O2's 40 (O9 is 0 units)
    code, then, err = run(["report", "--json", "--as-of", "2020-03-31", "--as-of-import", "1"], capsys)
    assert code == 0, err
    assert then == before


@pytest.mark.parametrize("argv_tail", [["--as-of-import", "9"]])
def test_unknown_import_exits_2(tmp_path, cli_db, capsys, argv_tail):
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    assert run(["import", *files], capsys)[0] == 0
    code, _, err = run(["report", *argv_tail], capsys)
    assert code == 2 and "import #9" in err
