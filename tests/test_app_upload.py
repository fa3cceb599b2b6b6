"""The upload handler without a browser: check, list problems, mark the file, save only when clean."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from procurement import store, workflow
from procurement.ingest.importer import combined_sha256
from procurement.model import TABLE_KINDS
from procurement.problems import InputError
from procurement.synthetic import generate_alliance
from webapp import upload


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=5, n_hospitals=4, n_products=5, purchases_per_year=300)


@pytest.fixture
def engine(tmp_path, alliance):
    eng = store.get_engine(f"sqlite:///{tmp_path / 'u.sqlite'}")
    store.import_tables(eng, {k: alliance.table(k) for k in TABLE_KINDS if not alliance.table(k).empty},
                        source_name="seed", file_hash="seed", user="test")
    return eng


def xlsx(rows: list[dict], sheet: str = "采购记录") -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, sheet_name=sheet)
    return buffer.getvalue()


def row(alliance, hospital_pos: int, quantity: object = 100, order: str = "U-1", day: str | None = None) -> dict:
    hospital = alliance.hospitals["hospital_id"].iloc[hospital_pos]
    product = alliance.agreements[alliance.agreements["hospital_id"] == hospital]["product_id"].iloc[0]
    day = day or alliance.purchases["date"].max().strftime("%Y-%m-%d")
    return {"订单编号": order, "入库日期": day, "机构编码": hospital, "产品编码": product, "采购数量": quantity}


def test_clean_file_is_saved_on_confirmation(engine, alliance) -> None:
    sources = [("mine.xlsx", xlsx([row(alliance, 0), row(alliance, 0, 50, "U-2")]))]
    check = workflow.check(sources, store.load_reference(engine), alliance.hospitals["hospital_id"].iloc[0])
    assert check.ok and not check.files_with_problems()
    sheets = upload.sheets_frame(check)
    assert sheets[["类型", "表头行", "行数", "问题数"]].iloc[0].tolist() == ["采购记录", 1, 2, 0]
    before = store.data_version(engine)
    summary = workflow.save(engine, check, "h1", alliance.hospitals["hospital_id"].iloc[0])
    assert upload.summary_counts(summary) == {"added": 2, "replaced": 0, "unchanged": 0}
    assert store.data_version(engine) > before
    # the same file again changes nothing
    again = workflow.save(engine, check, "h1", alliance.hospitals["hospital_id"].iloc[0])
    assert upload.summary_counts(again) == {"added": 0, "replaced": 0, "unchanged": 2}


def test_other_hospital_rows_are_problems_and_nothing_is_saved(engine, alliance) -> None:
    mine = alliance.hospitals["hospital_id"].iloc[0]
    sources = [("mixed.xlsx", xlsx([row(alliance, 0), row(alliance, 1, 10, "U-3")]))]
    check = workflow.check(sources, store.load_reference(engine), mine)
    assert not check.ok
    problems = upload.problems_table(check)
    assert problems["行"].tolist() == [3]  # header on row 1, the other hospital's row is Excel row 3
    assert problems["文件"].tolist() == ["mixed.xlsx"]
    with pytest.raises(ValueError):
        workflow.save(engine, check, "h1", mine)


def test_store_refuses_other_hospital_even_if_the_check_was_skipped(engine, alliance) -> None:
    mine = alliance.hospitals["hospital_id"].iloc[0]
    sources = [("other.xlsx", xlsx([row(alliance, 1, 10, "U-4")]))]
    unscoped = workflow.check(sources, store.load_reference(engine), None)
    assert unscoped.ok
    with pytest.raises(InputError):
        workflow.save(engine, unscoped, "h1", mine)


def test_marked_copy_marks_the_bad_cells(engine, alliance) -> None:
    sources = [("bad.xlsx", xlsx([row(alliance, 0), row(alliance, 0, "很多", "U-5")]))]
    check = workflow.check(sources, store.load_reference(engine), None)
    assert not check.ok
    problems = check.problems_of("bad.xlsx")
    assert [(p.row, p.column) for p in problems] == [(3, "采购数量")]
    marked = openpyxl.load_workbook(io.BytesIO(upload.marked_copy(check, "bad.xlsx")))
    ws = marked["采购记录"]
    headers = [c.value for c in ws[1]]
    cell = ws.cell(row=3, column=headers.index("采购数量") + 1)
    assert cell.value == "很多"
    assert cell.comment is not None or cell.fill.fgColor.rgb not in (None, "00000000")


def test_combined_hash_ignores_order() -> None:
    a, b = ("a.csv", b"x,y\n1,2\n"), ("b.csv", b"x,y\n3,4\n")
    assert combined_sha256([a, b]) == combined_sha256([b, a])
    assert combined_sha256([a]) != combined_sha256([a, b])


def test_cli_and_app_log_the_same_hash_for_the_same_files(tmp_path) -> None:
    """An upload through the app and an import from the command line are recognised as the same."""
    import hashlib

    from procurement.cli import main

    text = "机构编码,机构名称,所属地区\nH001,第一人民医院,东区\n"
    path = tmp_path / "h.csv"
    path.write_bytes(text.encode("utf-8"))
    url = f"sqlite:///{tmp_path / 'vbp.sqlite'}"
    assert main(["import", str(path), "--db", url]) == 0
    logged = store.list_imports(store.get_engine(url))["file_hash"].tolist()
    assert logged == [hashlib.sha256(text.encode("utf-8")).hexdigest()]
    assert workflow.check([("h.csv", text.encode("utf-8"))], None, None).file_hash == logged[0]
