"""In the app: the coordinator's first page reads the materialised report of the current data version,
and an import made outside the app (the command line, which makes no snapshot) is shown at once, never
hidden behind the snapshot of the version before; the page then keeps the new version's snapshot.
An upload through the app leaves the snapshot of its new version made before the page is shown again.
"""

from __future__ import annotations

import os

import pytest
from app_helpers import metric, number, page, seed_database, sign_in
from app_helpers import purchases_xlsx as _purchases_xlsx

from procurement import auth, store
from procurement.synthetic import generate_alliance
from webapp import snapshots

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=13, n_hospitals=4, n_products=5, purchases_per_year=400)


@pytest.fixture(scope="module")
def db(tmp_path_factory, alliance):
    auth.BCRYPT_ROUNDS = 4
    url = f"sqlite:///{tmp_path_factory.mktemp('snapdb') / 'vbp.sqlite'}"
    seed_database(url, alliance)
    old = os.environ.get("VBP_DB_URL")
    os.environ["VBP_DB_URL"] = url
    yield url
    if old is None:
        os.environ.pop("VBP_DB_URL", None)
    else:
        os.environ["VBP_DB_URL"] = old


def _lines(alliance, hospital: str, order: str, quantity: float) -> list[dict]:
    """One purchase line of ``hospital``'s first agreed product on the alliance's last purchase day."""
    product = alliance.agreements[alliance.agreements["hospital_id"] == hospital]["product_id"].iloc[0]
    day = alliance.purchases["date"].max().strftime("%Y-%m-%d")
    return [{"订单编号": order, "入库日期": day, "机构编码": hospital, "产品编码": product, "采购数量": quantity}]


def test_an_import_outside_the_app_is_shown_at_once(db, alliance) -> None:
    engine = store.get_engine(db)
    at = sign_in("coord")
    version = store.data_version(engine)
    assert snapshots.load(engine, version) is not None  # the first page made and kept it
    before = number(metric(at, "实际采购量"))
    # as `python -m procurement import` does: the store alone, no snapshot for the new version
    from procurement import workflow

    hospital = str(alliance.hospitals["hospital_id"].iloc[2])
    check = workflow.check([("cli.xlsx", _purchases_xlsx(_lines(alliance, hospital, "SNAP-CLI", 700)))],
                           store.load_reference(engine), None)
    workflow.save(engine, check, "cli", None, "coordinator")
    assert snapshots.load(engine, version + 1) is None
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert number(metric(at, "实际采购量")) == pytest.approx(before + 700)  # 700 units, written above
    assert snapshots.load(engine, version + 1) is not None


def test_an_upload_in_the_app_refreshes_the_snapshot(db, alliance) -> None:
    engine = store.get_engine(db)
    at = sign_in("h1")
    page(at, "upload")
    own = str(alliance.hospitals["hospital_id"].iloc[0])
    at.file_uploader[0].set_value(("m.xlsx", _purchases_xlsx(_lines(alliance, own, "SNAP-APP", 300)),
                                   "application/octet-stream")).run()
    before = snapshots.refresh(engine)  # the current version's, whichever test ran first
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = snapshots.load(engine, store.data_version(engine))
    assert after is not None and after.data_version == before.data_version + 1
    # 300 units of the hospital's own agreed product on a day already in the data
    assert after.report.total["purchased_volume"] == pytest.approx(before.report.total["purchased_volume"] + 300)
