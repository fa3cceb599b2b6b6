"""Persistence of the canonical tables in SQLite (default) or PostgreSQL.

Every import is one transaction: rows are bulk-loaded into a temporary staging table, compared with
what is stored by natural key (so re-importing a file adds nothing), upserted, and the daily purchase
totals the reports read (one binary series per hospital and drug, :mod:`procurement.daily`) are
recounted for the (hospital, day) buckets the import touched.

One job per module; this package re-exports what callers use:

- :mod:`.database`: where the store lives, the engine, the schema created or upgraded on opening;
- :mod:`.transaction`: the import transaction (checks, natural-key upserts, corrections' hooks) and
  accepting declarations; :mod:`.bulk` its fast loads, :mod:`.series` the daily series it keeps in
  step, :mod:`.links` the payment links it keeps in step;
- :mod:`.read`: datasets, reference tables, the import log, cache keys;
- :mod:`.scope` whose rows a hospital account owns, :mod:`.sql` driver-level helpers.
"""

from __future__ import annotations

from procurement.store.database import REPO_ROOT, default_url, get_engine
from procurement.store.read import (
    data_version,
    demand_status,
    is_empty,
    list_imports,
    load_dataset,
    load_reference,
)
from procurement.store.scope import CATALOGUE_KINDS, HOSPITAL_KINDS, Scope
from procurement.store.transaction import ImportSummary, accept_demand, import_tables

__all__ = [
    "CATALOGUE_KINDS",
    "HOSPITAL_KINDS",
    "REPO_ROOT",
    "ImportSummary",
    "Scope",
    "accept_demand",
    "data_version",
    "default_url",
    "demand_status",
    "get_engine",
    "import_tables",
    "is_empty",
    "list_imports",
    "load_dataset",
    "load_reference",
]
