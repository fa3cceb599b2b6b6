"""Cached loaders: every read the app makes goes through here, always with the signed-in account's scope
(its hospital, or the region of a region-scoped leader).

Keys are (database url, data_version, hospital scope, filters/as-of, region): an import bumps data_version,
so stale figures are never served, and two hospitals (or two regions) never share an entry.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from procurement import store
from procurement.model import Dataset
from procurement.settings import Settings
from webapp import snapshots
from webapp.filters import Filters, filter_dataset, options

Source = tuple[str, bytes]


def db_url() -> str:
    """The database the app reads (VBP_DB_URL, else the store's default embedded file)."""
    return os.environ.get("VBP_DB_URL") or store.default_url()


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    """One engine (connection pool) per database for the whole server: thread-safe and shared."""
    return store.get_engine(url)


def version(url: str) -> int:
    """The data version, read on every rerun (cheap) so an import anywhere invalidates the caches."""
    return int(store.data_version(engine(url)))


@st.cache_resource(show_spinner=False, max_entries=4)
def dataset(url: str, data_version: int, scope: str | None, region: str | None = None) -> Dataset:
    """All tables, limited to ``scope`` (a hospital id) when given; data_version only keys the cache.

    Held as a shared resource, not copied per use: at a million purchase rows the pickled copy that
    st.cache_data makes on every hit is 160 MB and ~5 s. It is safe to share because nothing mutates
    it: filters, scoping and the report all build new frames. Pages read only the small derived
    caches below (report, names, options), which are st.cache_data.
    """
    ds = store.load_dataset(engine(url), hospital_id=scope, region=region, aggregated=True)
    if region is not None:  # belt and braces: only rows of the region's own hospitals
        ds = in_hospitals(ds, set(ds.hospitals["hospital_id"].astype(str)))
    return ds.scoped(scope)  # belt and braces: another hospital's row can never reach a page


def in_hospitals(ds: Dataset, hospitals: set[str]) -> Dataset:
    """Only the rows of ``hospitals`` in every table that has a hospital (the catalogue stays whole)."""
    from dataclasses import fields, replace

    changes = {}
    for f in fields(ds):
        frame = getattr(ds, f.name)
        if "hospital_id" in frame.columns:
            keep = frame["hospital_id"].astype("string").isin(hospitals).to_numpy(dtype=bool)
            if not keep.all():
                changes[f.name] = frame[keep].reset_index(drop=True)
    return replace(ds, **changes) if changes else ds


@st.cache_data(show_spinner=False, max_entries=8)
def reference(url: str, data_version: int) -> Dataset:
    """Hospitals and products, for resolving names in uploads."""
    return store.load_reference(engine(url))


@st.cache_resource(show_spinner=False, max_entries=2)
def snapshot(url: str, data_version: int) -> snapshots.Snapshot:
    """The whole alliance's default report of this data version (webapp.snapshots): read from the
    database when an import or another server made it, else computed once and kept there. A refresh
    a hospital's import started in this server is waited for first, not run a second time beside it."""
    running = _REFRESHING.get(url)
    if running is not None and running.is_alive():
        running.join()
    kept = snapshots.load(engine(url), data_version)
    if kept is None:
        kept = snapshots.compute(dataset(url, data_version, None), data_version)
        snapshots.save(engine(url), kept)
    return kept


def is_default(scope: str | None, region: str | None, filters: Filters | None = None,
               settings: Settings | None = None) -> bool:
    """Whether a read is the one the snapshot holds: whole alliance, no filter, default rules."""
    return scope is None and region is None and (filters is None or filters == Filters()) and (
        settings is None or settings == Settings())


_REFRESHING: dict[str, threading.Thread] = {}


def refresh_snapshot(url: str, *, wait: bool = True) -> threading.Thread | None:
    """After an import through the app: the new version's snapshot, computed now rather than by the
    next person to open a page.

    A coordinator waits for it (``wait``): the page they see next is that report. A hospital account
    does not: its own pages never read the alliance's report, so the refresh runs in a thread of the
    server (no Streamlit inside, webapp.snapshots) and the hospital sees its summary at once. At most
    one refresh per database runs at a time; a refresh that finds a newer import when it is done keeps
    nothing, and the first page that needs the newer version computes it.
    """
    if wait:
        snapshot(url, version(url))
        return None
    running = _REFRESHING.get(url)
    if running is not None and running.is_alive():
        return running
    worker = threading.Thread(target=snapshots.refresh, args=(engine(url),), name="vbp-snapshot", daemon=True)
    _REFRESHING[url] = worker
    worker.start()
    return worker


@st.cache_data(show_spinner=False, max_entries=8)
def names(url: str, data_version: int, scope: str | None, region: str | None = None) -> Dataset:
    """Only the hospitals and products tables (small), to put names on ids without copying purchases."""
    ds = reference(url, data_version) if is_default(scope, region) else dataset(url, data_version, scope, region)
    return Dataset(hospitals=ds.hospitals, products=ds.products)


@st.cache_data(show_spinner=False, max_entries=8)
def filter_options(url: str, data_version: int, scope: str | None, region: str | None = None) -> dict[str, Any]:
    if is_default(scope, region):
        return snapshot(url, data_version).options
    return options(dataset(url, data_version, scope, region))


@st.cache_data(show_spinner=False, max_entries=32)
def report(url: str, data_version: int, scope: str | None, filters: Filters, settings: Settings | None = None,
           region: str | None = None):
    """The full report (metrics.md) for the filtered, scoped data."""
    from procurement.report import build_report

    if is_default(scope, region, filters, settings):
        return snapshot(url, data_version).report
    ds = filter_dataset(dataset(url, data_version, scope, region), filters)
    return build_report(ds, as_of=filters.as_of, settings=settings or Settings(), year=filters.year)


def report_xlsx(url: str, data_version: int, scope: str | None, filters: Filters,
                settings: Settings | None = None, region: str | None = None) -> bytes:
    """The Excel report for exactly what the page shows (built on click, from the cached report)."""
    from procurement.excel import write_report_xlsx

    buffer = io.BytesIO()
    write_report_xlsx(report(url, data_version, scope, filters, settings, region), buffer)
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=16)
def template_xlsx(kind: str) -> bytes:
    from procurement.excel import write_template

    buffer = io.BytesIO()
    write_template(kind, buffer)
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=4)
def imports(url: str, data_version: int, scope: str | None):
    return store.list_imports(engine(url), hospital_id=scope)


@dataclass(frozen=True)
class Context:
    """What a page needs to read data for the signed-in user."""

    url: str
    version: int
    scope: str | None
    settings: Settings = Settings()  # frozen and hashable: keys the report cache
    region: str | None = None  # a region-scoped leader's 所属地区 (procurement.account_regions)

    def dataset(self) -> Dataset:
        return dataset(self.url, self.version, self.scope, self.region)

    def names(self) -> Dataset:
        return names(self.url, self.version, self.scope, self.region)

    def options(self) -> dict[str, Any]:
        return filter_options(self.url, self.version, self.scope, self.region)

    def report(self, filters: Filters):
        return report(self.url, self.version, self.scope, filters, self.settings, self.region)

    def report_xlsx(self, filters: Filters) -> bytes:
        return report_xlsx(self.url, self.version, self.scope, filters, self.settings, self.region)

    def engine(self) -> Engine:
        return engine(self.url)


def context(scope: str | None, settings: Settings | None = None) -> Context:
    """The reads of the signed-in account: ``scope`` (its hospital) and, taken from the account itself so
    that no page can forget it, the region of a region-scoped leader."""
    url = db_url()
    return Context(url, version(url), scope, settings or Settings(), signed_in_region())


def signed_in_region() -> str | None:
    """The region the signed-in account is limited to (None: not limited, or nobody signed in)."""
    from webapp import state

    user = state.current_user()
    return None if user is None else user.region_scope


def ensure_sample_data(url: str) -> bool:
    """Load the sample alliance into an empty database, as ``procurement bootstrap`` does in ``make run``.

    Checked once per database and server process; the command's own output goes to the server log.
    """
    if url in _BOOTSTRAPPED:
        return False
    _BOOTSTRAPPED.add(url)
    if not store.is_empty(engine(url)):
        return False
    from procurement.cli import main as cli_main

    return cli_main(["bootstrap", "--db", url]) == 0


_BOOTSTRAPPED: set[str] = set()


def sources_of(files: Sequence[Any]) -> list[Source]:
    """Uploaded files as (name, bytes), the form the importer takes."""
    return [(f.name, f.getvalue()) for f in files]


def check_upload(url: str, data_version: int, scope: str | None, sources: tuple[Source, ...]):
    """Parse uploaded files once per content (reruns while the user reads the problems cost nothing).

    Kept in this session only, one upload at a time: a server-wide cache held up to 8 parsed
    uploads (a 100 MB CSV is ~1 GB parsed) for every session after their users had moved on.
    """
    from procurement import workflow

    key = (url, data_version, scope, hashlib.sha256(b"".join(
        hashlib.sha256(name.encode() + b"\0" + content).digest() for name, content in sources)).hexdigest())
    kept = st.session_state.get("_upload_check")
    if kept is not None and kept[0] == key:
        return kept[1]
    st.session_state.pop("_upload_check", None)  # the previous upload's frames go before parsing
    check = workflow.check(list(sources), reference(url, data_version), scope)
    st.session_state["_upload_check"] = (key, check)
    return check
