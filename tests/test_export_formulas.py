"""No user text becomes a live formula in any workbook the tool writes (issue 15 item 5).

A coordinator imports, through the real importer, an alliance whose first hospital is named
``=HYPERLINK("http://x","click")``, whose region is ``@SUM(1,1)``, whose first drug is called ``=1+1`` and
whose first supplier is ``+1+1``. The report, the plan (with scenarios and a disruption), every template
and the marked copy of a refused upload are written and read back with openpyxl: not one formula cell
(``data_type == 'f'``), the names present as the exact text, numbers still numbers.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from optimizer.excel import write_plan_xlsx
from optimizer.inputs import PlanInput, PlanSettings
from optimizer.scenarios import compare_scenarios, replan_disruption
from optimizer.solve import allocate
from procurement import store
from procurement.excel import write_report_xlsx, write_template
from procurement.excel_safety import FORMULA_TRIGGERS, is_formula_text, keep_as_text
from procurement.ingest.headers import FIELDS
from procurement.ingest.importer import parse_files
from procurement.ingest.marking import mark_problems
from procurement.labels import KIND_LABELS_ZH
from procurement.model import TABLE_KINDS
from procurement.problems import Problem
from procurement.report import build_report
from procurement.synthetic import generate_alliance

HOSPITAL = '=HYPERLINK("http://x","click")'
REGION = "@SUM(1,1)"
DRUG = "=1+1"
SUPPLIER = "+1+1"


def formula_cells(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def texts(data: bytes) -> dict[str, set[str]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
            for ws in wb.worksheets}


@pytest.fixture(scope="module")
def hostile():
    """The synthetic alliance with hostile names, written to spreadsheets and imported as a coordinator."""
    ds = generate_alliance(seed=11, n_hospitals=4, n_products=4, purchases_per_year=400)
    first_hospital = ds.hospitals["hospital_id"].iloc[0]
    drug = ds.products["generic_name"].iloc[0]
    supplier = ds.products["supplier"].iloc[0]
    files = []
    for kind in TABLE_KINDS:
        table = ds.table(kind).copy()
        if table.empty or kind not in FIELDS:
            continue
        if kind == "hospitals":
            table.loc[table["hospital_id"] == first_hospital, ["hospital_name", "region"]] = [HOSPITAL, REGION]
        for col, old, new in (("generic_name", drug, DRUG), ("supplier", supplier, SUPPLIER),
                              ("current_supplier", supplier, SUPPLIER)):
            if col in table.columns:
                table[col] = table[col].mask(table[col] == old, new)
        zh = {f.name: f.zh for f in FIELDS[kind]}
        frame = pd.DataFrame({zh[c]: table[c].astype(object).where(table[c].notna(), None)
                              for c in table.columns if c in zh})
        # CSV: text as typed (pandas' own xlsx writer would itself store "=..." as a formula)
        files.append((f"{KIND_LABELS_ZH[kind]}.csv", frame.to_csv(index=False).encode("utf-8")))
    result = parse_files(files)
    assert result.ok, [str(p) for p in result.problems][:5]
    assert HOSPITAL in set(result.tables["hospitals"]["hospital_name"])  # read as text, as typed
    assert DRUG in set(result.tables["products"]["generic_name"])
    return result


def test_report_has_no_formula_cell(hostile, tmp_path) -> None:
    engine = store.get_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    store.import_tables(engine, hostile.tables, source_name="hostile", file_hash="h", user="office")
    dataset = store.load_dataset(engine)
    report = build_report(dataset)
    buffer = io.BytesIO()
    write_report_xlsx(report, buffer)
    data = buffer.getvalue()
    assert formula_cells(data) == []
    shown = texts(data)
    assert HOSPITAL in shown["按医疗机构"] and REGION in shown["按医疗机构"]
    assert DRUG in shown["按产品"] and SUPPLIER in shown["按企业"]
    # sheets that named the hostile text in issue 15 all still hold it, as text
    for sheet in ("按医疗机构", "按产品", "按企业", "明细"):
        assert shown[sheet] & {HOSPITAL, DRUG, SUPPLIER}, sheet
    # numbers stay numbers: every cell under 约定采购量 is numeric
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["按医疗机构"]
    header = [c.value for c in ws[1]]
    col = header.index("约定采购量") + 1
    kinds = {ws.cell(r, col).data_type for r in range(2, ws.max_row + 1) if ws.cell(r, col).value is not None}
    assert kinds == {"n"}
    # and the hostile text carries Excel's quote prefix: it stays text when someone edits the cell
    hit = next(c for row in ws.iter_rows() for c in row if c.value == HOSPITAL)
    assert hit.quotePrefix and hit.data_type == "s"


def test_plan_workbook_has_no_formula_cell(hostile) -> None:
    tables = hostile.tables
    inp = PlanInput(demand=tables["demand"], offers=tables["offers"], hospitals=tables["hospitals"])
    settings = PlanSettings(workers=1, time_limit=20)
    plan = allocate(inp, settings)
    assert len(plan.allocations)
    comparison = compare_scenarios(inp, {"基准": settings, "=2+2": PlanSettings(workers=1, max_suppliers=2)})
    disruption = replan_disruption(inp, plan, SUPPLIER, pd.Timestamp("2020-06-01"), settings=settings)
    buffer = io.BytesIO()
    write_plan_xlsx(plan, buffer, inp=inp, comparison=comparison, disruption=disruption)
    data = buffer.getvalue()
    assert formula_cells(data) == []
    shown = texts(data)
    assert HOSPITAL in shown["分配方案"] and DRUG in shown["分配方案"]


@pytest.mark.parametrize("kind", [k for k in TABLE_KINDS if k in FIELDS])
def test_templates_have_no_formula_cell(kind) -> None:
    buffer = io.BytesIO()
    write_template(kind, buffer)
    assert formula_cells(buffer.getvalue()) == []


def test_marked_copy_of_a_csv_keeps_hostile_text_as_text() -> None:
    csv = pd.DataFrame({"机构编码": ["H001", "H002"], "机构名称": [HOSPITAL, DRUG]}).to_csv(index=False).encode()
    marked = mark_problems(("h.csv", csv), [Problem("h.csv", "h", 3, "机构名称", "坏", "bad")])
    assert formula_cells(marked) == []
    ws = openpyxl.load_workbook(io.BytesIO(marked)).worksheets[0]
    assert [ws.cell(r, 2).value for r in (2, 3)] == [HOSPITAL, DRUG]


def workbook_with_formulas(uncached: bool = True) -> bytes:
    """An .xlsx whose B2 is ``=1+2`` with the value 3 cached (as Excel saves it), B3 ``=HYPERLINK(..)``
    with nothing cached (or plain text when not ``uncached``), and B4 the text ``=1+1`` written as an
    (inline) string."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "医疗机构"
    ws.append(["机构编码", "机构名称"])
    ws.append(["H001", "=1+2"])
    ws.append(["H002", HOSPITAL if uncached else "第二医院"])
    ws.append(["H003", "text"])
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r'(<c r="B2"[^>]*>)<f>1\+2</f>(<v\s*/>|<v></v>)?', r"\1<f>1+2</f><v>3</v>", text)
                text = re.sub(r'<c r="B4" t="inlineStr"><is><t>text</t></is></c>',
                              '<c r="B4" t="inlineStr"><is><t>=1+1</t></is></c>', text)
                data = text.encode()
            dst.writestr(item, data)
    return out.getvalue()


def test_marked_copy_of_an_xlsx_drops_the_uploaders_formulas() -> None:
    source = workbook_with_formulas(uncached=False)
    assert len(formula_cells(source)) == 1  # the upload itself is hostile
    cached = openpyxl.load_workbook(io.BytesIO(source), data_only=True)["医疗机构"]
    assert (cached["B2"].value, cached["B4"].value) == (3, "=1+1")  # the fixture is as described
    marked = mark_problems(("f.xlsx", source), [Problem("f.xlsx", "医疗机构", 3, "机构名称", "坏", "bad")])
    assert formula_cells(marked) == []
    ws = openpyxl.load_workbook(io.BytesIO(marked))["医疗机构"]
    assert ws["B2"].value == 3 and ws["B2"].data_type == "n"  # the value the import read
    assert ws["B4"].value == "=1+1" and ws["B4"].quotePrefix
    assert ws["B3"].comment is not None  # still marked


def test_marked_copy_of_a_refused_workbook_carries_no_formula() -> None:
    """A formula without a cached value gets the whole file refused by the guard (the import would read
    it as a blank): its marked copy is the list of problems, never the uploader's cells."""
    source = workbook_with_formulas()
    assert len(formula_cells(source)) == 2
    marked = mark_problems(("f.xlsx", source), [Problem("f.xlsx", "医疗机构", 3, "机构名称", "坏", "bad")])
    assert formula_cells(marked) == []


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@A1", "\tx", "\rx", "{=A1}"])
def test_every_trigger_is_kept_as_text(text) -> None:
    assert text.startswith(FORMULA_TRIGGERS) and is_formula_text(text)
    wb = openpyxl.Workbook()
    keep_as_text(wb.active.cell(1, 1, text))
    buffer = io.BytesIO()
    wb.save(buffer)
    back = openpyxl.load_workbook(buffer).active["A1"]
    assert (back.value, back.data_type, back.quotePrefix) == (text, "s", True)


@pytest.mark.parametrize("value", [-5.0, -1, 0, 3.25, "普通文本", "a=b", " =1"])
def test_numbers_and_plain_text_are_left_alone(value) -> None:
    """A negative number is a number, not text; text not starting with a trigger is untouched."""
    wb = openpyxl.Workbook()
    cell = keep_as_text(wb.active.cell(1, 1, value))
    assert cell.value == value and not cell.quotePrefix
    assert cell.data_type == ("n" if isinstance(value, (int, float)) else "s")
