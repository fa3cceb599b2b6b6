"""The upload handler as each role (issue 13 item 1, issue 15 item 4): what the page checks and what it saves.

Every role uploads one sheet of every table kind, made from the alliance's own rows (a hospital's
sheet holds only its own hospital's rows, so the only reason to refuse is the kind). The check shows
the refusal on the sheet before the user confirms; saving anyway (a page that skipped the check)
is refused by the store with nothing written.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from procurement import roles, store, workflow
from procurement.ingest.headers import FIELDS
from procurement.labels import KIND_LABELS_ZH
from procurement.model import TABLE_KINDS
from procurement.problems import InputError
from procurement.synthetic import generate_alliance
from webapp import upload

KINDS = ("hospitals", "products", "agreements", "purchases", "payments", "demand", "offers")
# What each role may upload, worked out from the issue, not from procurement.roles.
ALLOWED = {
    "coordinator": set(KINDS),
    "hospital": {"purchases", "payments", "demand"},
    "leadership": set(),
}


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=5, n_hospitals=4, n_products=5, purchases_per_year=300)


@pytest.fixture
def engine(tmp_path, alliance):
    eng = store.get_engine(f"sqlite:///{tmp_path / 'roles.sqlite'}")
    store.import_tables(eng, {k: alliance.table(k) for k in TABLE_KINDS if not alliance.table(k).empty},
                        source_name="seed", file_hash="seed", user="test")
    return eng


def sheet_of(alliance, kind: str, hospital: str) -> bytes:
    """Two rows of ``kind`` (the hospital's own where the table has hospitals) under the template's headers."""
    table = alliance.table(kind)
    if "hospital_id" in table.columns:
        table = table[table["hospital_id"] == hospital]
    table = table.head(2)
    zh = {f.name: f.zh for f in FIELDS[kind]}
    frame = pd.DataFrame({zh[c]: table[c].astype(object).where(table[c].notna(), None)
                          for c in table.columns if c in zh})
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name=KIND_LABELS_ZH[kind])
    return buffer.getvalue()


def account(alliance, role: str) -> tuple[str, str | None]:
    """(user name, hospital scope) of an account of ``role``."""
    return {"coordinator": ("office", None), "hospital": ("h1", alliance.hospitals["hospital_id"].iloc[0]),
            "leadership": ("boss", None)}[role]


@pytest.mark.parametrize("role", ["coordinator", "hospital", "leadership"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_role_uploads_only_what_it_may(engine, alliance, role, kind) -> None:
    user, scope = account(alliance, role)
    sources = [(f"{kind}.xlsx", sheet_of(alliance, kind, scope or alliance.hospitals["hospital_id"].iloc[0]))]
    reference = store.load_reference(engine)
    check = workflow.check(sources, reference, scope, role)
    version = store.data_version(engine)
    if kind in ALLOWED[role]:
        assert check.ok, [str(p) for p in check.result.problems]
        summary = workflow.save(engine, check, user, scope, role)
        assert summary.total_added + summary.total_replaced + summary.total_unchanged >= 1
        return
    # refused on the sheet, before confirming ...
    assert not check.ok
    (problem,) = check.result.problems
    assert (problem.file, problem.sheet) == (f"{kind}.xlsx", KIND_LABELS_ZH[kind])
    assert "未写入任何数据" in problem.message_zh and "nothing was written" in problem.message_en
    assert upload.sheets_frame(check)["问题数"].tolist() == [1]
    with pytest.raises(ValueError):
        workflow.save(engine, check, user, scope, role)
    # ... and by the store when a page skips the check
    unchecked = workflow.check(sources, reference, scope)
    assert unchecked.ok
    with pytest.raises(InputError) as err:
        workflow.save(engine, unchecked, user, scope, role)
    assert [p.message_en for p in err.value.problems] == [problem.message_en]
    assert store.data_version(engine) == version


def test_the_page_passes_the_role_without_being_told_the_scope_rule(engine, alliance) -> None:
    """A hospital account saving through the handler without a role is still a hospital (it has a scope)."""
    hospital = alliance.hospitals["hospital_id"].iloc[0]
    sources = [("a.xlsx", sheet_of(alliance, "agreements", hospital))]
    unchecked = workflow.check(sources, store.load_reference(engine), hospital)
    with pytest.raises(InputError):
        workflow.save(engine, unchecked, "h1", hospital)


def test_templates_offered_follow_the_role() -> None:
    assert roles.writable_kinds("hospital", KINDS) == ("purchases", "payments", "demand")
    assert roles.writable_kinds("leadership", KINDS) == ()
    assert roles.writable_kinds("coordinator", KINDS) == KINDS


# --- nothing tells whether another hospital's id exists (issue 15 item 4) ---------------------------


def purchase_file(hospital: str, product: str, order: str, day: str) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame([{"订单编号": order, "入库日期": day, "机构编码": hospital, "产品编码": product, "采购数量": 5}]
                 ).to_excel(buffer, index=False, sheet_name="采购记录")
    return buffer.getvalue()


def test_summary_is_the_same_for_another_hospitals_order_id_and_a_fresh_one(engine, alliance) -> None:
    """Ids are scoped by hospital: an id another hospital uses is, for this one, simply new."""
    mine, other = alliance.hospitals["hospital_id"].iloc[:2]
    theirs = alliance.purchases.loc[alliance.purchases["hospital_id"] == other, "order_id"].iloc[0]
    assert theirs not in set(alliance.purchases.loc[alliance.purchases["hospital_id"] == mine, "order_id"])
    product = alliance.agreements.loc[alliance.agreements["hospital_id"] == mine, "product_id"].iloc[0]
    day = alliance.purchases["date"].max().strftime("%Y-%m-%d")
    counts = []
    for order in (theirs, "NEVER-USED-1"):
        check = workflow.check([("p.xlsx", purchase_file(mine, product, order, day))],
                                     store.load_reference(engine), mine, "hospital")
        counts.append(upload.summary_counts(workflow.save(engine, check, "h1", mine, "hospital")))
    assert counts == [{"added": 1, "replaced": 0, "unchanged": 0}] * 2
    stored = store.load_dataset(engine, other, aggregated=False).purchases
    original = alliance.purchases[(alliance.purchases["hospital_id"] == other)
                                  & (alliance.purchases["order_id"] == theirs)]["quantity"].iloc[0]
    assert stored.loc[stored["order_id"] == theirs, "quantity"].tolist() == [original]


def test_a_row_naming_another_hospital_is_refused_alike_whether_its_id_exists(engine, alliance) -> None:
    mine, other = alliance.hospitals["hospital_id"].iloc[:2]
    theirs = alliance.purchases.loc[alliance.purchases["hospital_id"] == other, "order_id"].iloc[0]
    product = alliance.agreements.loc[alliance.agreements["hospital_id"] == other, "product_id"].iloc[0]
    day = alliance.purchases["date"].max().strftime("%Y-%m-%d")
    messages = []
    for order in (theirs, "NEVER-USED-2"):
        check = workflow.check([("p.xlsx", purchase_file(other, product, order, day))],
                                     store.load_reference(engine), mine, "hospital")
        assert not check.ok
        messages.append([(p.row, p.column, p.message_zh, p.message_en) for p in check.result.problems])
    assert messages[0] == messages[1]


def test_no_message_tells_a_hospital_which_other_hospitals_exist(engine, alliance) -> None:
    """Another hospital's code is answered exactly as a code nobody has (only the code differs)."""
    mine, other = alliance.hospitals["hospital_id"].iloc[:2]
    assert "H-NOBODY" not in set(alliance.hospitals["hospital_id"])
    product = alliance.products["product_id"].iloc[0]
    messages = []
    for code in (other, "H-NOBODY"):
        check = workflow.check([("p.xlsx", purchase_file(code, product, "X-1", "2024-01-05"))],
                                     store.load_reference(engine), mine, "hospital")
        assert not check.ok
        messages.append([(p.row, p.column, p.message_zh.replace(code, "?"), p.message_en.replace(code, "?"))
                         for p in check.result.problems])
    assert messages[0] == messages[1]


def test_the_role_check_leaves_a_cached_check_as_it_was(engine, alliance) -> None:
    """The page adds the role's refusals to a check that may be cached between reruns: never twice."""
    hospital = alliance.hospitals["hospital_id"].iloc[0]
    plain = workflow.check([("a.xlsx", sheet_of(alliance, "agreements", hospital))],
                                 store.load_reference(engine), hospital)
    assert plain.ok
    for _ in range(2):
        refused = workflow.for_role(plain, "hospital", hospital)
        assert len(refused.result.problems) == 1 and len(refused.result.sheets[0].problems) == 1
    assert plain.ok and not plain.result.sheets[0].problems
    assert workflow.for_role(plain, "coordinator") is plain
