"""Property tests: any sequence of imports leaves the store equal to a plain dict model of it,
with counts that the model predicts and daily totals equal to a groupby of the order lines."""

from __future__ import annotations

import math
import tempfile

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_fixtures import purchases

from procurement import store

line = st.tuples(
    st.sampled_from([f"O{i}" for i in range(6)]),
    st.sampled_from(["2020-01-01", "2020-01-02", "2020-02-01"]),
    st.sampled_from(["H1", "H2"]),
    st.sampled_from(["P1", "P2", None]),
    st.integers(1, 4).map(float),
    st.one_of(st.none(), st.integers(0, 3).map(float)),
)
imports_ = st.lists(st.lists(line, min_size=1, max_size=8), min_size=1, max_size=3)


def same(a: tuple, b: tuple) -> bool:
    return all(
        x == y
        or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
        or (x is None and y is None)
        for x, y in zip(a, b, strict=True)
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(imports_)
def test_store_matches_a_dict_model(batches):
    with tempfile.TemporaryDirectory() as folder:
        engine = store.get_engine(f"sqlite:///{folder}/p.sqlite")
        model: dict[str, tuple] = {}
        for batch in batches:
            # the natural key is (hospital, order id): a key repeated in one file, the last row wins
            last = {(row[2], row[0]): row for row in batch}
            expect_added = sum(k not in model for k in last)
            expect_replaced = sum(k in model and not same(model[k], r) for k, r in last.items())
            summary = store.import_tables(
                engine, {"purchases": purchases(batch)}, source_name="f", file_hash="h"
            )
            assert summary.added["purchases"] == expect_added
            assert summary.replaced["purchases"] == expect_replaced
            assert summary.unchanged["purchases"] == len(last) - expect_added - expect_replaced
            model.update(last)

        detail = store.load_dataset(engine, aggregated=False).purchases
        expected = purchases(list(model.values()))
        key = ["hospital_id", "order_id"]
        pd.testing.assert_frame_equal(
            detail.sort_values(key).reset_index(drop=True), expected.sort_values(key).reset_index(drop=True)
        )

        daily = store.load_dataset(engine, aggregated=True).purchases
        assert isinstance(daily["hospital_id"].dtype, pd.CategoricalDtype)  # same values, compact dtype
        daily = daily.astype({c: "string" for c in ("hospital_id", "product_id", "supplier")})
        group = ["hospital_id", "date", "supplier", "winning"]  # supplier tells P1/P2/non-winning apart here
        want = expected.groupby(group)[["quantity", "amount"]].sum(min_count=1).sort_index()
        got = daily.groupby(group)[["quantity", "amount"]].sum(min_count=1).sort_index()
        assert len(daily) == len(want)
        pd.testing.assert_frame_equal(got, want)
        engine.dispose()
