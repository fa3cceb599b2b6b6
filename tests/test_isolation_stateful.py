"""Isolation under any sequence of uploads, re-uploads and corrections by several accounts (issue 15,
item 4 and "Done when": a hypothesis stateful test keeps its invariants), on SQLite and PostgreSQL.

Three hospital accounts (H1, H2, H3) and a coordinator upload purchase and payment files through the
entry points the app uses (``procurement.workflow.check``: ``parse_files`` with the account's scope, then
``workflow.save``: ``store.import_tables`` with the account's role and scope; a correction previews its
removals with ``workflow.removals`` and saves with ``replace_period`` and the previewed counts, as the
page does). The test keeps its own model: per table and hospital, a dict of id -> row, with every
upload applied as an upsert and every correction removing the hospital's rows of that table dated
within the file's period that the file no longer has (the rule of procurement/history.py, written
out again here).

After every step, for every hospital:
- its stored purchase lines and payments (``load_dataset(hospital_id=H)``) equal the model, row for
  row, and hold no row of another hospital (foreign rows read: 0);
- a payment takes the delivery day and product of the order it names from its own hospital's lines
  only (none when only another hospital holds that order id);
- no step by one hospital changed a row of another (foreign rows changed: 0);
- its daily totals (what reports read) equal the sum of its stored lines, day by day;
- the removal trail and the import log it sees are its own.
Each import's summary (added / replaced / unchanged / removed) is predicted from the uploader's own
model only, so a summary that told whether another hospital uses an id would fail the step.
An upload naming another hospital is refused, by the page's check and by the store when a page skips
the check, with nothing written and messages identical whether the named order id exists there or not.

Order and payment ids are drawn from small pools shared by all hospitals (ids are scoped by
hospital), so most sequences reuse another hospital's ids, and payments name its orders. The figures
(steps, refusals, foreign rows) are printed at the end of each run (``pytest -s``) for the issue's
closing note.
"""

from __future__ import annotations

import io
import itertools
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from store_fixtures import BACKENDS, hospitals, make_engine

from procurement import history, store, workflow
from procurement.model import conform
from procurement.problems import InputError

HOSPITALS = ("H1", "H2", "H3")
ACCOUNTS = {"h1": "H1", "h2": "H2", "h3": "H3"}  # user name -> hospital scope; "office" is the coordinator
# Unit prices of the catalogue below; amounts in the files are quantity x price to the fen, so the
# model's amount is the same decimal the file says.
PRICES = {"P1": 0.5, "P2": 0.1}
ORDER_IDS = tuple(f"O{i}" for i in range(1, 9))  # shared by every hospital
PAYMENT_IDS = tuple(f"Y{i}" for i in range(1, 6))
DAYS = tuple(pd.Timestamp("2020-01-01") + pd.Timedelta(days=d) for d in range(12))
PAY_DAYS = tuple(pd.Timestamp("2020-01-10") + pd.Timedelta(days=d) for d in range(10))
KINDS = ("purchases", "payments")

# Bounded for CI: about 50 steps, some 25 s of CPU per database (measured on the shared 2-core machine,
# where a load of 12 stretched that to 2 minutes of wall-clock time).
MACHINE_SETTINGS = settings(max_examples=6, stateful_step_count=8, deadline=None, database=None,
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# A row of a file: (hospital, id, record). A purchase line's record is (day, product, quantity, amount),
# a payment's (day, order id it names, amount): the day comes first in both (corrections go by day).
Row = tuple[str, str, tuple]
Model = dict[str, dict[str, dict[str, tuple]]]  # kind -> hospital -> id -> record


def amount_of(product: str, quantity: int) -> float:
    return float(f"{quantity * PRICES[product]:.2f}")


def purchase(hospital: str, line: tuple) -> Row:
    order, day, product, quantity = line
    return hospital, order, (day, product, float(quantity), amount_of(product, quantity))


def payment(hospital: str, line: tuple) -> Row:
    payment_id, day, order, yuan = line
    return hospital, payment_id, (day, order, float(yuan))


purchase_line = st.tuples(st.sampled_from(ORDER_IDS), st.sampled_from(DAYS), st.sampled_from(sorted(PRICES)),
                          st.integers(min_value=1, max_value=500))
payment_line = st.tuples(st.sampled_from(PAYMENT_IDS), st.sampled_from(PAY_DAYS), st.sampled_from(ORDER_IDS),
                         st.integers(min_value=1, max_value=100))
LINES = {"purchases": purchase_line, "payments": payment_line}
MAKE = {"purchases": purchase, "payments": payment}
file_format = st.sampled_from(["csv", "xlsx"])


@st.composite
def own_file(draw, kind: str) -> list[tuple]:
    return draw(st.lists(LINES[kind], min_size=1, max_size=5, unique_by=lambda x: x[0]))


@st.composite
def alliance_file(draw, kind: str) -> list[Row]:
    pairs = draw(st.lists(st.tuples(st.sampled_from(HOSPITALS), LINES[kind]), min_size=1, max_size=8,
                          unique_by=lambda x: (x[0], x[1][0])))
    return [MAKE[kind](h, line) for h, line in pairs]


def export(kind: str, rows: list[Row], fmt: str) -> bytes:
    """A purchase export (订单编号, 入库日期, 机构编码, 产品编码, 采购数量, 采购金额) or a payment export
    (回款单号, 回款日期, 机构编码, 订单编号, 回款金额), as CSV or xlsx."""
    def day(d: pd.Timestamp) -> object:
        return d.strftime("%Y-%m-%d") if fmt == "csv" else d.to_pydatetime()

    if kind == "purchases":
        records = [{"订单编号": i, "入库日期": day(r[0]), "机构编码": h, "产品编码": r[1], "采购数量": int(r[2]),
                    "采购金额": r[3]} for h, i, r in rows]
    else:
        records = [{"回款单号": i, "回款日期": day(r[0]), "机构编码": h, "订单编号": r[1], "回款金额": r[2]}
                   for h, i, r in rows]
    frame = pd.DataFrame(records)
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name="采购记录" if kind == "purchases" else "回款记录")
    return buffer.getvalue()


def catalogue() -> dict[str, pd.DataFrame]:
    products = pd.DataFrame({
        "product_id": ["P1", "P2"], "batch": ["第一批"] * 2, "generic_name": ["阿莫西林", "氨氯地平"],
        "specification": ["0.25g", "5mg"], "supplier": ["甲药业", "乙药业"], "unit_price": [0.5, 0.1],
        "agreement_start": pd.to_datetime(["2020-01-01"] * 2), "agreement_end": pd.to_datetime(["2020-12-31"] * 2),
    })
    return {"hospitals": hospitals(*HOSPITALS), "products": conform("products", products)}


def predicted_summary(held: dict[str, dict[str, tuple]], rows: list[Row]) -> tuple[int, int, int]:
    """(added, replaced, unchanged) of an upsert of ``rows``, worked out from the model alone."""
    added = replaced = unchanged = 0
    for h, i, record in rows:
        before = held[h].get(i)
        if before is None:
            added += 1
        elif before == record:
            unchanged += 1
        else:
            replaced += 1
    return added, replaced, unchanged


def predicted_removals(held: dict[str, dict[str, tuple]], rows: list[Row]) -> set[tuple[str, str]]:
    """(hospital, id) of the rows a correction with ``rows`` removes: per hospital of the file, its rows
    dated from the file's first to its last day of that hospital that the file does not hold."""
    gone = set()
    for h in {h for h, _, _ in rows}:
        days = [r[0] for hh, _, r in rows if hh == h]
        sent = {i for hh, i, _ in rows if hh == h}
        gone |= {(h, i) for i, r in held[h].items() if min(days) <= r[0] <= max(days) and i not in sent}
    return gone


def apply(held: dict[str, dict[str, tuple]], rows: list[Row], removed: set[tuple[str, str]]) -> None:
    for h, i in removed:
        del held[h][i]
    for h, i, record in rows:
        held[h][i] = record


def problems_of(err: InputError | list) -> list[tuple]:
    problems = err.problems if isinstance(err, InputError) else err
    return [(p.file, p.sheet, p.row, p.column, p.message_zh, p.message_en) for p in problems]


class AllianceUploads(RuleBasedStateMachine):
    """Accounts uploading, re-uploading and correcting; ``backend`` and ``figures`` set per test."""

    backend = "sqlite"
    figures: Counter = Counter()

    def __init__(self) -> None:
        super().__init__()
        self._folder = tempfile.TemporaryDirectory()
        self._engines = make_engine(self.backend, Path(self._folder.name))
        self.engine = next(self._engines)
        store.import_tables(self.engine, catalogue(), source_name="catalogue.xlsx", file_hash="seed", user="office")
        self.reference = store.load_reference(self.engine)
        self.model: Model = {kind: {h: {} for h in HOSPITALS} for kind in KINDS}
        self.sent: list[tuple[str | None, str, list[Row], str]] = []  # (account, kind, rows, format) uploaded
        self.fresh = itertools.count(1)
        self.actor: str | None = None  # hospital of the last step's account (None: coordinator)
        self.figures["examples"] += 1

    def teardown(self) -> None:
        next(self._engines, None)  # disposes the engine (and drops the PostgreSQL schema)
        self._folder.cleanup()

    # --- the entry points the app uses ---------------------------------------------------------

    def _check(self, account: str | None, kind: str, rows: list[Row], fmt: str):
        scope = ACCOUNTS.get(account) if account else None
        role = "hospital" if scope else "coordinator"
        name = f"{'采购' if kind == 'purchases' else '回款'}.{fmt}"
        return workflow.check([(name, export(kind, rows, fmt))], self.reference, scope, role), scope, role

    def _import(self, account: str | None, kind: str, rows: list[Row], fmt: str, *, correction: bool) -> None:
        """Upload (or correct with) ``rows`` as ``account`` and check the summary against the model."""
        check, scope, role = self._check(account, kind, rows, fmt)
        assert check.ok, [str(p) for p in check.result.problems]
        assert set(check.result.tables) == {kind}
        held = self.model[kind]
        expected = predicted_summary(held, rows)
        gone = predicted_removals(held, rows) if correction else set()
        expect_removed = None
        if correction:
            preview = workflow.removals(self.engine, check, scope)
            shown = preview.get(kind)
            row_id = "order_id" if kind == "purchases" else "payment_id"
            listed = set() if shown is None else set(zip(shown["hospital_id"].astype(str),
                                                         shown[row_id].astype(str), strict=True))
            assert listed == gone
            self.figures["foreign rows in a preview"] += sum(h != scope for h, _ in listed) if scope else 0
            expect_removed = {k: len(v) for k, v in preview.items()}
        summary = workflow.save(self.engine, check, account or "office", scope, role,
                                     replace_period=correction, expect_removed=expect_removed)
        got = (summary.added.get(kind, 0), summary.replaced.get(kind, 0), summary.unchanged.get(kind, 0))
        assert got == expected
        assert summary.removed.get(kind, 0) == len(gone)
        apply(held, rows, gone)
        self.sent.append((account, kind, rows, fmt))
        self.actor = scope
        self.figures[f"{kind} {'corrections' if correction else 'uploads'}"] += 1
        self.figures["rows removed by corrections"] += len(gone)
        self.figures["steps"] += 1

    # --- rules ---------------------------------------------------------------------------------

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), lines=own_file("purchases"), fmt=file_format,
          correction=st.booleans())
    def hospital_uploads_purchases(self, account: str, lines: list[tuple], fmt: str, correction: bool) -> None:
        self._import(account, "purchases", [purchase(ACCOUNTS[account], x) for x in lines], fmt,
                     correction=correction)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), lines=own_file("payments"), fmt=file_format,
          correction=st.booleans())
    def hospital_uploads_payments(self, account: str, lines: list[tuple], fmt: str, correction: bool) -> None:
        """Payments name orders from the shared pool: often an order only another hospital holds."""
        self._import(account, "payments", [payment(ACCOUNTS[account], x) for x in lines], fmt,
                     correction=correction)

    @rule(kind=st.sampled_from(KINDS), data=st.data(), fmt=file_format, correction=st.booleans())
    def coordinator_uploads(self, kind: str, data: st.DataObject, fmt: str, correction: bool) -> None:
        self._import(None, kind, data.draw(alliance_file(kind)), fmt, correction=correction)

    @precondition(lambda self: bool(self.sent))
    @rule(pick=st.integers(min_value=0), correction=st.booleans())
    def re_upload(self, pick: int, correction: bool) -> None:
        """The same file sent again by the account that sent it (as is, or as a correction)."""
        account, kind, rows, fmt = self.sent[pick % len(self.sent)]
        self._import(account, kind, rows, fmt, correction=correction)
        self.figures["re-uploads"] += 1

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), victim=st.sampled_from(HOSPITALS), pick=st.integers(0),
          day=st.sampled_from(DAYS), quantity=st.integers(1, 500), fmt=file_format)
    def hospital_uses_another_hospitals_order_id(self, account: str, victim: str, pick: int, day: pd.Timestamp,
                                                 quantity: int, fmt: str) -> None:
        """Its own row under an id another hospital holds: stored as its own, the summary predicted from
        its own lines only (so the same as for an id nobody holds), the other hospital untouched."""
        mine = ACCOUNTS[account]
        held = self.model["purchases"]
        theirs = sorted(set(held[victim]) - set(held[mine])) if victim != mine else []
        order = theirs[pick % len(theirs)] if theirs else f"NEW{next(self.fresh)}"
        self.figures["own rows under another hospital's order id"] += bool(theirs)
        self._import(account, "purchases", [purchase(mine, (order, day, "P1", quantity))], fmt, correction=False)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), victim=st.sampled_from(HOSPITALS), kind=st.sampled_from(KINDS),
          pick=st.integers(0), fmt=file_format, correction=st.booleans())
    def hospital_names_another_hospital(self, account: str, victim: str, kind: str, pick: int, fmt: str,
                                        correction: bool) -> None:
        """A row naming another hospital, once under an id that hospital holds (when it holds any) and
        once under an id nobody holds: refused both times by the page's check and by the store, nothing
        written, and the messages the same (they do not tell whether the id exists)."""
        mine = ACCOUNTS[account]
        if victim == mine:
            victim = HOSPITALS[(HOSPITALS.index(mine) + 1) % len(HOSPITALS)]
        held = sorted(self.model[kind][victim])
        ids = [held[pick % len(held)] if held else f"NEW{next(self.fresh)}", f"NEVER{next(self.fresh)}"]
        version = store.data_version(self.engine)
        checked, stored = [], []
        for i in ids:
            line = (i, DAYS[3], "P1", 10) if kind == "purchases" else (i, PAY_DAYS[3], "O1", 5)
            rows = [MAKE[kind](victim, line)]
            check, _, _ = self._check(account, kind, rows, fmt)
            assert not check.ok
            checked.append(problems_of(check.result.problems))
            # a page that skipped the check: the coordinator's reading of the file, saved as the hospital
            unchecked, _, _ = self._check(None, kind, rows, fmt)
            assert unchecked.ok
            with pytest.raises(InputError) as err:
                workflow.save(self.engine, unchecked, account, mine, "hospital", replace_period=correction)
            stored.append(problems_of(err.value))
            self.figures["refusals"] += 2
        assert checked[0] == checked[1] and stored[0] == stored[1]
        assert store.data_version(self.engine) == version  # nothing written, not even the import log
        self.actor = mine
        self.figures["steps"] += 1

    # --- invariants ----------------------------------------------------------------------------

    def _foreign(self, h: str, frame: pd.DataFrame) -> int:
        foreign = int((frame["hospital_id"].astype(str) != h).sum())
        self.figures["foreign rows read"] += foreign
        return foreign

    def _changed(self, h: str, stored: dict, model: dict) -> None:
        if h != self.actor and self.actor is not None:  # a step of another hospital's account
            self.figures["foreign rows changed"] += len(set(stored.items()) ^ set(model.items()))

    @invariant()
    def every_hospital_sees_exactly_its_own_rows(self) -> None:
        for h in HOSPITALS:
            ds = store.load_dataset(self.engine, h, aggregated=False)
            lines, pay = ds.purchases, ds.payments
            assert self._foreign(h, lines) == 0 and self._foreign(h, pay) == 0
            stored = {o: (pd.Timestamp(d), str(p), float(q), float(a)) for o, d, p, q, a in zip(
                lines["order_id"].astype(str), lines["date"], lines["product_id"], lines["quantity"],
                lines["amount"], strict=True)}
            self._changed(h, stored, self.model["purchases"][h])
            assert stored == self.model["purchases"][h]
            paid = {y: (pd.Timestamp(d), str(o), float(a)) for y, d, o, a in zip(
                pay["payment_id"].astype(str), pay["date"], pay["order_id"], pay["amount"], strict=True)}
            self._changed(h, paid, self.model["payments"][h])
            assert paid == self.model["payments"][h]
            self.figures["rows checked"] += len(stored) + len(paid)
            self._links_are_own(h, pay)

    def _links_are_own(self, h: str, pay: pd.DataFrame) -> None:
        """The order a payment names is looked up among its own hospital's lines: the delivery day and
        product of that line, or none when only another hospital holds that order id."""
        own = self.model["purchases"][h]
        for order, day, product in zip(pay["order_id"].astype(str), pay["order_date"], pay["product_id"],
                                       strict=True):
            if order in own:
                assert (pd.Timestamp(day), str(product)) == (own[order][0], own[order][1])
            else:
                assert pd.isna(day) and pd.isna(product)
                others = any(order in self.model["purchases"][o] for o in HOSPITALS if o != h)
                self.figures["checks of a payment naming an order only another hospital holds"] += others

    @invariant()
    def daily_totals_equal_the_sum_of_stored_lines(self) -> None:
        for h in HOSPITALS:
            series = store.load_dataset(self.engine, h).purchases  # the daily series reports read
            assert self._foreign(h, series) == 0
            by_day = series.groupby(series["date"])[["quantity", "amount"]].sum()
            lines = pd.DataFrame([(r[0], r[2], r[3]) for r in self.model["purchases"][h].values()],
                                 columns=["date", "quantity", "amount"])
            expected = lines.groupby("date")[["quantity", "amount"]].sum()
            by_day = by_day[by_day["quantity"] != 0]
            assert list(by_day.index) == list(expected.index)
            assert by_day["quantity"].tolist() == pytest.approx(expected["quantity"].tolist())
            assert by_day["amount"].tolist() == pytest.approx(expected["amount"].tolist())

    @invariant()
    def trails_a_hospital_sees_are_its_own(self) -> None:
        for h in HOSPITALS:
            trail = history.removals(self.engine, h)
            log = store.list_imports(self.engine, h)
            foreign = int((trail["hospital_id"].astype(str) != h).sum())
            foreign += int((log["hospital_scope"].astype(str) != h).sum())
            self.figures["foreign rows read"] += foreign
            assert foreign == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_uploads_reuploads_and_corrections_keep_every_hospital_to_itself(backend) -> None:
    figures: Counter = Counter()
    machine = type("Machine", (AllianceUploads,), {"backend": backend, "figures": figures})
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)
    print(f"\n[{backend}] " + ", ".join(f"{k}: {v}" for k, v in sorted(figures.items())))
    assert figures["foreign rows read"] == 0 and figures["foreign rows changed"] == 0
    assert figures["steps"] >= MACHINE_SETTINGS.max_examples  # the machine really ran its steps
