"""The import summary: what each sheet was taken for, and every row that was left out and why.

Every expected count below is worked out by hand from the rows written in the test.
"""

from __future__ import annotations

from import_fixtures import reference, xlsx

from procurement.ingest.importer import parse_files

HEAD = ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"]


def test_a_column_the_tool_does_not_use_never_crashes_the_import():
    # Regression: an unused 备注 column whose every data row had all used cells filled made
    # extract() do ``bool_array[[]] |= []`` (a float array) -> TypeError, exit 1.
    rows = [HEAD + ["备注"], ["D1", "2020-03-01", "H001", "P001", 1, None], ["D2", "2020-03-01", "H001", "P001", 2, "急"]]
    result = parse_files([("a.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    # P001 is boxes of 14 片 but the quantity has no unit: 1 + 2 minimum units
    assert result.tables["purchases"]["quantity"].sum() == 3.0
