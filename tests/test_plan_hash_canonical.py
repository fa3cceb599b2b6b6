"""The canonical text behind a plan's input hash (``optimizer.audit``), pinned byte for byte.

The plan log keeps input hashes for as long as the store lives: an auditor re-derives a recorded hash
from the same files months later, with a later version of the tool. So the canonical form is a
contract, not an implementation detail: every table in a fixed order, each as CSV with its columns
sorted by name and its rows sorted, an absent table written as "-", then the settings that shape the
plan as sorted JSON. The expected hash here is the SHA-256 of that text written out by hand.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from optimizer.audit import input_hash
from optimizer.inputs import PlanInput, PlanSettings


def test_input_hash_is_the_sha256_of_the_documented_canonical_text() -> None:
    demand = pd.DataFrame({"hospital_id": ["H2", "H1"], "generic_name": "药", "declared_volume": [5.0, 10.0]})
    inp = PlanInput(
        demand=demand,
        offers=pd.DataFrame({"supplier": ["甲"]}),
        hospitals=pd.DataFrame({"hospital_id": ["H1"]}),
    )
    # columns by name (declared_volume, generic_name, hospital_id); rows sorted as text ("10.0" < "5.0")
    text = (
        "demand\ndeclared_volume,generic_name,hospital_id\n10.0,药,H1\n5.0,药,H2\n\n"
        "offers\nsupplier\n甲\n\n"
        "hospitals\nhospital_id\nH1\n\n"
        "baseline\n-\nagreed\n-\nallowed\n-\nbackups\n-\n"  # tables not given
        # PlanSettings() without workers (it does not change the plan), keys sorted
        '{"gap": 0.0001, "max_suppliers": 1, "ratio": null, "region_mode": false, '
        '"shortage_penalty": 1000.0, "solver": "highs", "switch_penalty": 0.0, "time_limit": 60.0}'
    )
    assert input_hash(inp, PlanSettings()) == hashlib.sha256(text.encode()).hexdigest()
