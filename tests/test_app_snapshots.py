"""In the app: the coordinator's first page reads the materialised report of the current data version,
and an import made outside the app (the command line, which makes no snapshot) is shown at once, never
hidden behind the snapshot of the version before; the page then keeps the new version's snapshot.
An upload through the app leaves the snapshot of its new version made before the page is shown again.
"""

from __future__ import annotations

import threading

import pytest
from app_helpers import metric, number, page, purchases_xlsx, sign_in

from procurement import store, workflow
from procurement.synthetic import generate_alliance
from webapp import snapshots

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def app_alliance():
    return generate_alliance(seed=13, n_hospitals=4, n_products=5, purchases_per_year=400)


def _lines(app_alliance, hospital: str, order: str, quantity: float) -> list[dict]:
    """One purchase line of ``hospital``'s first agreed product on the alliance's last purchase day."""
    product = app_alliance.agreements[app_alliance.agreements["hospital_id"] == hospital]["product_id"].iloc[0]
    day = app_alliance.purchases["date"].max().strftime("%Y-%m-%d")
    return [{"订单编号": order, "入库日期": day, "机构编码": hospital, "产品编码": product, "采购数量": quantity}]


def test_an_import_outside_the_app_is_shown_at_once(app_db, app_alliance) -> None:
    engine = store.get_engine(app_db)
    at = sign_in("coord")
    version = store.data_version(engine)
    assert snapshots.load(engine, version) is not None  # the first page made and kept it
    before = number(metric(at, "实际采购量"))
    # as `python -m procurement import` does (procurement.workflow): no snapshot for the new version
    hospital = str(app_alliance.hospitals["hospital_id"].iloc[2])
    checked = workflow.check([("cli.xlsx", purchases_xlsx(_lines(app_alliance, hospital, "SNAP-CLI", 700)))],
                             store.load_reference(engine), None, "coordinator")
    workflow.save(engine, checked, "cli", None, "coordinator")
    assert snapshots.load(engine, version + 1) is None
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert number(metric(at, "实际采购量")) == pytest.approx(before + 700)  # 700 units, written above
    assert snapshots.load(engine, version + 1) is not None


def test_an_upload_in_the_app_refreshes_the_snapshot(app_db, app_alliance) -> None:
    engine = store.get_engine(app_db)
    at = sign_in("h1")
    page(at, "upload")
    own = str(app_alliance.hospitals["hospital_id"].iloc[0])
    at.file_uploader[0].set_value(("m.xlsx", purchases_xlsx(_lines(app_alliance, own, "SNAP-APP", 300)),
                                   "application/octet-stream")).run()
    before = snapshots.refresh(engine)  # the current version's, whichever test ran first
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # a hospital's import leaves the alliance's refresh to a thread of the server: wait for it here
    for worker in [t for t in threading.enumerate() if t.name == "vbp-snapshot"]:
        worker.join(timeout=120)
    after = snapshots.load(engine, store.data_version(engine))
    assert after is not None and after.data_version == before.data_version + 1
    # 300 units of the hospital's own agreed product on a day already in the data
    assert after.report.total["purchased_volume"] == pytest.approx(before.report.total["purchased_volume"] + 300)
