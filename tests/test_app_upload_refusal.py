"""The upload page shows a role's refusal (issue 13 item 1): a hospital uploading its agreed volumes halved."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from app_helpers import page, sign_in

from procurement import store
from procurement.synthetic import generate_alliance

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def app_alliance():
    return generate_alliance(seed=7, n_hospitals=3, n_products=4, purchases_per_year=200)


def test_hospital_sees_why_its_agreements_are_not_imported(app_db, app_alliance) -> None:
    own = app_alliance.hospitals["hospital_id"].iloc[0]
    mine = app_alliance.agreements[app_alliance.agreements["hospital_id"] == own]
    halved = pd.DataFrame({"机构编码": mine["hospital_id"], "产品编码": mine["product_id"],
                           "约定采购量": mine["agreed_volume"] / 2})
    buffer = io.BytesIO()
    halved.to_excel(buffer, index=False, sheet_name="约定采购量")
    at = page(sign_in("h1"), "upload")
    version = store.data_version(store.get_engine(app_db))
    at.file_uploader[0].set_value(("halved.xlsx", buffer.getvalue(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "the refusal must be shown"
    problems = next(df.value for df in at.dataframe if "问题" in df.value.columns)
    assert problems["问题"].str.contains("医疗机构账号不能导入约定采购量").any()
    assert not [b for b in at.button if b.key == "confirm_import"]
    engine = store.get_engine(app_db)
    assert store.data_version(engine) == version
    stored = store.load_dataset(engine, own).agreements.set_index("product_id")["agreed_volume"]
    assert stored.to_dict() == mine.set_index("product_id")["agreed_volume"].to_dict()
