"""The report people open first, materialised in the database per data version (issue 13 item 8).

The first page after sign-in (coordinator: progress, leadership: savings) shows the whole alliance's
report with no filter and the default rules. Computing it from the stored rows takes seconds at a
million purchase lines, and every import makes it stale. So it is computed once per data version,
right after an import made through the app (the importer waits, not the next person to open the app),
and kept in the table ``report_snapshots`` (procurement.db_schema, migration 0003); a server process that starts later, or another server on
the same database, reads it instead of computing it. A data version without a snapshot (an import by
the command line) gets one the first time a page needs it.

The snapshot is exactly what the page would otherwise compute: the same ``build_report`` on the same
``load_dataset`` of that version, pickled (tests/test_report_snapshots.py checks it equals a fresh
build bit for bit). It is keyed by the data version it was computed from, and saved only if no
import happened meanwhile, so a snapshot is never served for data it does not describe.

No Streamlit here: webapp/data.py caches it per server, the upload page refreshes it after an import.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from procurement import db_schema as schema
from procurement import store
from procurement.model import Dataset
from procurement.settings import Settings
from webapp.filters import options

KEEP = 2  # snapshots kept: the current version and the one before (a page still open on it)

report_snapshots = schema.report_snapshots  # made by the store's migrations (0003) when it opens the database


@dataclass(frozen=True)
class Snapshot:
    """The whole alliance's default report and the filter choices, as of one data version, made by the
    code whose fingerprint is ``code``."""

    data_version: int
    report: Any  # procurement.report.Report
    options: dict[str, Any]
    code: str = ""


def code_fingerprint() -> str:
    """A hash of the code that computes the report (every module of procurement, and the filters).

    A snapshot made by other code (before an upgrade that changed a metric) is not served: it is
    computed again, so a fix reaches the first page at once rather than at the next import.
    """
    if not _FINGERPRINT:
        import procurement
        from webapp import filters

        digest = hashlib.sha256()
        root = Path(procurement.__file__).parent
        for path in [*sorted(root.rglob("*.py")), Path(filters.__file__)]:
            digest.update(str(path.relative_to(root.parent)).encode() + b"\0" + path.read_bytes())
        _FINGERPRINT.append(digest.hexdigest())
    return _FINGERPRINT[0]


_FINGERPRINT: list[str] = []


def compute(dataset: Dataset, data_version: int) -> Snapshot:
    """The default report exactly as the page computes it (no filter, default rules, latest date)."""
    from procurement.report import build_report

    return Snapshot(data_version, build_report(dataset, as_of=None, settings=Settings(), year=None),
                    options(dataset), code_fingerprint())


def load(engine: Engine, data_version: int) -> Snapshot | None:
    """The snapshot of ``data_version``, or None when there is none (or it cannot be read)."""
    try:
        with engine.connect() as conn:
            store.scope.apply(conn)  # the whole alliance's report: an unscoped read, said so to the database
            payload = conn.execute(sa.select(report_snapshots.c.payload)
                                   .where(report_snapshots.c.data_version == data_version)).scalar_one_or_none()
    except sa.exc.SQLAlchemyError:  # a database the app may not read it from: computed as before
        return None
    if payload is None:
        return None
    try:
        snap = pickle.loads(payload)  # noqa: S301 - written by this module into the app's own database
    except Exception:  # noqa: BLE001 - written by another version of the code: computed again
        return None
    if not isinstance(snap, Snapshot) or snap.data_version != data_version or snap.code != code_fingerprint():
        return None  # another version's, or made by other code
    return snap


def save(engine: Engine, snap: Snapshot) -> bool:
    """Keep ``snap`` unless an import happened since its version (then it describes old data): True if kept."""
    payload = pickle.dumps(snap, protocol=pickle.HIGHEST_PROTOCOL)
    imports = schema.imports
    try:
        with engine.begin() as conn:
            store.scope.apply(conn)
            current = conn.execute(sa.select(sa.func.coalesce(sa.func.max(imports.c.id), 0))).scalar_one()
            if int(current) != snap.data_version:
                return False
            conn.execute(sa.delete(report_snapshots).where(report_snapshots.c.data_version == snap.data_version))
            conn.execute(sa.insert(report_snapshots).values(data_version=snap.data_version,
                                                            created_at=datetime.now(UTC).replace(tzinfo=None),
                                                            payload=payload))
            versions = conn.execute(sa.select(report_snapshots.c.data_version)
                                    .order_by(report_snapshots.c.data_version.desc())).scalars().all()
            if len(versions) > KEEP:
                conn.execute(sa.delete(report_snapshots).where(report_snapshots.c.data_version.in_(versions[KEEP:])))
    except sa.exc.SQLAlchemyError:  # a concurrent import or another server saving the same version
        return False
    return True


def refresh(engine: Engine) -> Snapshot | None:
    """Compute and keep the snapshot of the current data version (after an import); None when an import
    happened while it was computed (the next page computes the newer one)."""
    version = store.data_version(engine)
    snap = load(engine, version)
    if snap is not None:
        return snap
    snap = compute(store.load_dataset(engine, aggregated=True), version)
    return snap if save(engine, snap) else None
