"""The upload page shows a role's refusal (issue 13 item 1): a hospital uploading its agreed volumes halved."""

from __future__ import annotations

import io
import os

import pandas as pd
import pytest
from app_helpers import APP, PASSWORD, seed_database
from streamlit.testing.v1 import AppTest

from procurement import auth, store
from procurement.synthetic import generate_alliance

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=7, n_hospitals=3, n_products=4, purchases_per_year=200)


@pytest.fixture(scope="module")
def db(tmp_path_factory, alliance):
    auth.BCRYPT_ROUNDS = 4
    url = f"sqlite:///{tmp_path_factory.mktemp('roledb') / 'vbp.sqlite'}"
    seed_database(url, alliance)
    old = os.environ.get("VBP_DB_URL")
    os.environ["VBP_DB_URL"] = url
    yield url
    if old is None:
        os.environ.pop("VBP_DB_URL", None)
    else:
        os.environ["VBP_DB_URL"] = old


def test_hospital_sees_why_its_agreements_are_not_imported(db, alliance) -> None:
    own = alliance.hospitals["hospital_id"].iloc[0]
    mine = alliance.agreements[alliance.agreements["hospital_id"] == own]
    halved = pd.DataFrame({"机构编码": mine["hospital_id"], "产品编码": mine["product_id"],
                           "约定采购量": mine["agreed_volume"] / 2})
    buffer = io.BytesIO()
    halved.to_excel(buffer, index=False, sheet_name="约定采购量")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="signin_user").input("h1")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    at.switch_page("webapp/pages/upload.py").run()
    assert not at.exception, [e.value for e in at.exception]
    version = store.data_version(store.get_engine(db))
    at.file_uploader[0].set_value(("halved.xlsx", buffer.getvalue(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "the refusal must be shown"
    problems = next(df.value for df in at.dataframe if "问题" in df.value.columns)
    assert problems["问题"].str.contains("医疗机构账号不能导入约定采购量").any()
    assert not [b for b in at.button if b.key == "confirm_import"]
    engine = store.get_engine(db)
    assert store.data_version(engine) == version
    stored = store.load_dataset(engine, own).agreements.set_index("product_id")["agreed_volume"]
    assert stored.to_dict() == mine.set_index("product_id")["agreed_volume"].to_dict()
