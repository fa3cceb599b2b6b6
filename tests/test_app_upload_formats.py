"""The upload page's tables read like every other table (webapp.formats via widgets.dataframe): pinned
in AppTest through a hospital's whole upload: a refused file, a clean one with a drug outside the
procurement, then a correction that removes a line.

Hand-made lines on days after everything the synthetic alliance holds (as tests/test_app_corrections.py):
the first upload has F-1 (1,500 units) and F-2 (2,000 units) on day D; the correction keeps F-1 alone,
so F-2 is listed for removal with its 2,000 units.
"""

from __future__ import annotations

import json
import os

import pytest
from app_helpers import page, seed_database, sign_in
from app_helpers import purchases_xlsx as _purchases_xlsx
from test_app_corrections import _rows
from test_app_formats import check_tables

from procurement import auth
from procurement.synthetic import generate_alliance
from webapp import formats

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=11, n_hospitals=3, n_products=4, purchases_per_year=200)


@pytest.fixture(scope="module")
def db(tmp_path_factory, alliance):
    auth.BCRYPT_ROUNDS = 4
    url = f"sqlite:///{tmp_path_factory.mktemp('upfmt') / 'vbp.sqlite'}"
    seed_database(url, alliance)
    old = os.environ.get("VBP_DB_URL")
    os.environ["VBP_DB_URL"] = url
    yield url
    if old is None:
        os.environ.pop("VBP_DB_URL", None)
    else:
        os.environ["VBP_DB_URL"] = old


def _table(at, column: str):
    """The st.dataframe that has ``column``: its frame and its column formats."""
    df = next(d for d in at.dataframe if column in d.value.columns)
    config = json.loads(df.proto.columns or "{}")
    return df.value, {name: spec.get("type_config", {}).get("format") for name, spec in config.items()}


def test_upload_page_tables_use_the_app_formats(db, alliance) -> None:
    at = sign_in("h1")
    page(at, "upload")

    # 1. another hospital's line: refused, the problem on Excel row 2 (the header is row 1)
    other = _rows(alliance, 1, [("F-X", 1, 5)])
    at.file_uploader[0].set_value(("other.xlsx", _purchases_xlsx(other), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert check_tables(at, "h1/upload refused") >= 2
    problems, fmt = _table(at, "问题")
    assert problems["行"].tolist() == [2] and fmt["行"] == formats.COUNT_FORMAT
    sheets, fmt = _table(at, "工作表")
    assert fmt["行数"] == fmt["问题数"] == fmt["读取行数"] == formats.COUNT_FORMAT

    # 2. a clean file (its own lines and one drug outside the procurement): summary, preview, then saved
    own = _rows(alliance, 0, [("F-1", 1, 1500), ("F-2", 1, 2000)])
    outside = {**own[0], "订单编号": "F-OUT", "产品编码": "NOT-VBP-1", "通用名": "某非集采药"}
    at.file_uploader[0].set_value(("jan.xlsx", _purchases_xlsx([*own, outside]), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    check_tables(at, "h1/upload clean")
    preview, fmt = _table(at, "订单编号")  # the template's Chinese header where the column has no label
    assert "order_id" not in preview.columns and "quantity" not in preview.columns
    quantity = next(c for c in preview.columns if "数量" in c)
    assert sorted(preview[quantity].tolist()) == [1500, 2000] and fmt[quantity] == formats.VOLUME_FORMAT
    assert "winning" not in preview.columns and preview["是否中选产品"].tolist() == ["是", "是"]
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]

    # 3. the correction keeps F-1 alone: F-2 is listed with its 2,000 units, then removed and in the trail
    fixed = _rows(alliance, 0, [("F-1", 1, 1500)])
    at.file_uploader[0].set_value(("jan-fixed.xlsx", _purchases_xlsx(fixed), "application/octet-stream")).run()
    at.checkbox(key="replace_period").check().run()
    assert not at.exception, [e.value for e in at.exception]
    check_tables(at, "h1/upload correction")
    removals, fmt = _table(at, "单号")
    assert removals["单号"].tolist() == ["F-2"] and removals["数量"].tolist() == [2000]
    assert fmt["数量"] == formats.VOLUME_FORMAT
    assert fmt.get("金额（元）") in (formats.MONEY_FORMAT, None)  # None: no amount, drawn as blank text
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    check_tables(at, "h1/upload trail")
    history, fmt = _table(at, "新增行数")
    assert fmt["导入编号"] == fmt["新增行数"] == formats.COUNT_FORMAT
    trail, fmt = _table(at, "文件哈希")
    assert trail["单号"].tolist() == ["F-2"] and fmt["导入编号"] == formats.COUNT_FORMAT
