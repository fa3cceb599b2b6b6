"""One audit trail over everything recorded (issue 15 item 8): imports, corrections, the rows they
removed, accepted declarations, allocation plans and account changes, each with who, when and the
hash of the file (or, for a plan, of its inputs) it came from.

Each kind of event is kept where it belongs (the import log and the history tables of the store,
``procurement.plan_log``, the account log of ``procurement.auth``); this reads them side by side, for
the coordinator who must answer "who changed this, when, from what".
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from procurement import auth, history, plan_log, store

COLUMNS = ["at", "user", "event", "subject", "hash"]


def audit_trail(engine: Engine) -> pd.DataFrame:
    """Every recorded event, newest first: at (UTC), user, event, subject (what it concerned), hash
    (the import's file hash; a plan's input hash; blank for account changes, which have no file)."""
    parts = [_imports(engine), _removals(engine), _plans(engine), _accounts(engine)]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame(columns=COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"])
    return frame.sort_values("at", ascending=False, kind="stable").reset_index(drop=True)[COLUMNS]


def _imports(engine: Engine) -> pd.DataFrame:
    log = store.list_imports(engine)
    event = log["replace_period"].map({True: "correction", False: "import"})
    accepted = log["source_name"].str.contains("declarations accepted", regex=False, na=False)
    return pd.DataFrame({"at": log["imported_at"], "user": log["user"],
                         "event": event.where(~accepted, "declarations accepted"),
                         "subject": log["source_name"], "hash": log["file_hash"]})


def _removals(engine: Engine) -> pd.DataFrame:
    gone = history.removals(engine)
    subject = gone["kind"].astype(str) + " " + gone["hospital_id"].astype(str) + " " + gone["row_id"].astype(str)
    return pd.DataFrame({"at": gone["imported_at"], "user": gone["user"], "event": "removal", "subject": subject,
                         "hash": gone["file_hash"]})


def _plans(engine: Engine) -> pd.DataFrame:
    plans = plan_log.plan_events(engine)
    return pd.DataFrame({"at": plans["at"], "user": plans["user"], "event": "plan " + plans["action"],
                         "subject": plans["source"] + " output " + plans["output_hash"].str[:12],
                         "hash": plans["input_hash"]})


def _accounts(engine: Engine) -> pd.DataFrame:
    events = auth.account_events(engine)
    return pd.DataFrame({"at": events["at"], "user": events["actor"], "event": "account " + events["action"],
                         "subject": events["username"] + " " + events["detail"].fillna(""), "hash": None})
