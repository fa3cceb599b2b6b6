"""Plans in the audit trail (issue 15 item 8): every run, save and download of an allocation plan is
recorded with user, time and the hashes of its inputs, its result and its workbook, from the command
line (``python -m optimizer plan|replan``) and from the app (the plan page's glue, ``webapp.planning``),
on SQLite and PostgreSQL; and one trail shows imports, corrections, removals, plans and account
changes side by side.

Hashes are checked against what they must equal, worked out here from outside the code: a saved
workbook's hash is the SHA-256 of the file on disk, a plan's result hash the SHA-256 of the plan's
JSON (``--json``) without its timings; input hashes are checked by what must and must not move them.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_fixtures import BACKENDS, hospitals, make_engine, products, purchases

from optimizer.cli import main as optimizer_main
from procurement import auth, plan_log, store
from procurement.audit_trail import audit_trail
from procurement.synthetic import generate_alliance
from webapp import planning

HOSPITALS_CSV = "机构编码,机构名称,所属地区\nH1,一院,东区\nH2,二院,西区\n"
DEMAND_CSV = "机构编码,通用名,规格,申报量,现用企业\nH1,阿莫西林胶囊,0.25g,100,甲药业\nH2,阿莫西林胶囊,0.25g,1000,\n"
OFFERS_CSV = ("通用名,规格,中选企业,中选单价,供应能力,供应地区\n阿莫西林胶囊,0.25g,甲药业,0.5,,东区\n"
              "阿莫西林胶囊,0.25g,乙药业,0.4,300,\n")


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    return write_files(tmp_path / "in", DEMAND_CSV)


def write_files(folder: Path, demand: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("hosp.csv", HOSPITALS_CSV), ("demand.csv", demand), ("offers.csv", OFFERS_CSV)):
        (folder / name).write_text(text, encoding="utf-8")
    return [str(folder / n) for n in ("hosp.csv", "demand.csv", "offers.csv")]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = optimizer_main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def json_hash(plan_json: dict) -> str:
    """The result hash the log must hold: the plan's JSON without timings, keys sorted, compact."""
    plan_json = dict(plan_json)
    plan_json.pop("timings", None)
    plan_json["drugs"] = [{k: v for k, v in d.items() if k not in ("build_time", "solve_time")}
                          for d in plan_json.get("drugs", [])]
    text = json.dumps(plan_json, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def db_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# --- the command line ------------------------------------------------------------------------------


def test_cli_plan_with_db_records_run_and_save(engine, files, tmp_path) -> None:
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    out_path = tmp_path / "方案.xlsx"
    code, out, err = run(["plan", *files, "--json", "--db", db_url(engine), "--user", "alice",
                          "--xlsx", str(out_path)])
    assert code == 0, err
    events = plan_log.plan_events(engine)
    assert events["action"].tolist() == ["save", "run"]  # newest first
    assert set(events["user"]) == {"alice"} and set(events["source"]) == {"cli"}
    assert ((events["at"] >= before) & (events["at"] <= datetime.now(UTC).replace(tzinfo=None))).all()
    save, ran = events.iloc[0], events.iloc[1]
    assert save["file_hash"] == hashlib.sha256(out_path.read_bytes()).hexdigest()
    assert ran["file_hash"] is None
    assert save["input_hash"] == ran["input_hash"] and save["output_hash"] == ran["output_hash"]
    assert ran["output_hash"] == json_hash(json.loads(out))
    # the headline a person reads in the log: H1 60 from 甲, H2 300 from 乙 (capacity), 300 short
    # (tests/test_optimizer_cli.py works these out): cost 60 x 0.5 + 300 x 0.4 = 150
    assert ran["detail"]["status"] == "optimal" and ran["detail"]["total_cost"] == pytest.approx(150.0)
    assert ran["detail"]["volume"] == 360 and ran["detail"]["shortage_volume"] == 300
    assert ran["detail"]["settings"]["max_suppliers"] == 1 and "workers" not in ran["detail"]["settings"]


def test_input_hash_moves_with_the_inputs_and_settings_only(engine, files, tmp_path) -> None:
    url = db_url(engine)
    for argv in (["plan", *files],  # 1
                 ["plan", *files, "--workers", "1"],  # 2: same plan, fewer processes
                 ["plan", *write_files(tmp_path / "copy", DEMAND_CSV)],  # 3: the same tables in other files
                 ["plan", *files, "--ratio", "0.5"],  # 4: another setting
                 ["plan", *write_files(tmp_path / "more", DEMAND_CSV.replace(",100,", ",200,"))]):  # 5: H1 declares 200
        code, _, err = run([*argv, "--db", url, "--user", "bob"])
        assert code == 0, err
    log = plan_log.plan_events(engine).iloc[::-1].reset_index(drop=True)  # oldest first
    inputs, outputs = log["input_hash"].tolist(), log["output_hash"].tolist()
    assert inputs[0] == inputs[1] == inputs[2] and outputs[0] == outputs[1] == outputs[2]
    assert len({inputs[0], inputs[3], inputs[4]}) == 3
    # ratio 0.5: A = 50 + 500 (H1 60 -> 50): another plan; H1 declaring 200: A = 120 for H1
    assert len({outputs[0], outputs[3], outputs[4]}) == 3
    assert all(len(h) == 64 for h in inputs + outputs)


def test_cli_plan_without_a_database_records_nothing_and_opens_none(files, monkeypatch) -> None:
    """A calculation over files: no database named, none opened (not even the default embedded one)."""
    monkeypatch.delenv("VBP_DB_URL", raising=False)
    opened: list[str | None] = []
    monkeypatch.setattr(store, "get_engine", lambda url=None: opened.append(url))
    code, _, err = run(["plan", *files])
    assert code == 0, err
    assert opened == []


def test_cli_plan_records_in_vbp_db_url_under_the_os_user(files, tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("VBP_DB_URL", url)
    code, _, err = run(["plan", *files])
    assert code == 0, err
    engine = store.get_engine(url)
    events = plan_log.plan_events(engine)
    assert events["action"].tolist() == ["run"]
    assert events["user"].iloc[0] == auth.default_actor() and events["user"].iloc[0].startswith("os:")
    engine.dispose()


def test_bad_input_records_nothing(engine, tmp_path) -> None:
    bad = write_files(tmp_path / "bad", DEMAND_CSV.replace(",100,", ",很多,"))
    code, _, err = run(["plan", *bad, "--db", db_url(engine), "--user", "alice"])
    assert code == 2 and err
    assert plan_log.plan_events(engine).empty


def test_cli_replan_is_recorded_with_its_own_result(engine, files, tmp_path) -> None:
    url = db_url(engine)
    code, out, err = run(["replan", *files, "--disrupted", "甲药业", "--since", "2024-01-01", "--json",
                          "--db", url, "--user", "carol"])
    assert code == 0, err
    (event,) = plan_log.plan_events(engine).to_dict("records")
    assert (event["user"], event["action"], event["source"]) == ("carol", "run", "cli")
    assert event["output_hash"] == json_hash(json.loads(out))  # the re-plan's JSON, not the plan's
    assert event["detail"]["disrupted"] == ["甲药业"] and event["detail"]["since"] == "2024-01-01"
    assert event["detail"]["replan"] is True
    code, _, err = run(["plan", *files, "--db", url, "--user", "carol"])
    assert code == 0, err
    plain = plan_log.plan_events(engine).iloc[0]
    assert plain["input_hash"] != event["input_hash"]  # a re-plan also reads the failed suppliers and day


# --- the app's plan page -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alliance_input():
    ds = generate_alliance(seed=3, n_hospitals=4, n_products=4, purchases_per_year=200)
    return planning.plan_input(ds), ds


def test_app_run_replan_and_download_are_recorded(engine, alliance_input) -> None:
    inp, ds = alliance_input
    settings = planning.plan_settings(0.0, 1, 0, 1000, 30, 0.0001)
    plan = planning.run_plan(inp, settings)
    planning.record_run(engine, "coord", inp, settings, plan)
    supplier = plan.allocations["supplier"].iloc[0]
    since = ds.purchases["date"].max()
    from webapp import disruption

    result = disruption.run(inp, plan, [supplier], since, ds.purchases, settings)
    planning.record_replan(engine, "coord", inp, settings, plan, result, [supplier], since, ds.purchases)
    workbook = planning.recorded_plan_xlsx(engine, "coord", plan, inp, None, result.steps, settings)
    events = plan_log.plan_events(engine)
    assert events["action"].tolist() == ["download", "run", "run"]
    assert set(events["user"]) == {"coord"} and set(events["source"]) == {"app"}
    download, replanned, ran = (events.iloc[i] for i in range(3))
    assert download["file_hash"] == hashlib.sha256(workbook).hexdigest()
    assert download["input_hash"] == ran["input_hash"] and download["output_hash"] == ran["output_hash"]
    assert ran["output_hash"] == json_hash(plan.to_json())
    assert replanned["output_hash"] == json_hash(result.to_json()) != ran["output_hash"]
    assert replanned["detail"]["disrupted"] == [supplier]


def test_the_plan_page_records_the_run_under_the_signed_in_coordinator(tmp_path, monkeypatch) -> None:
    from app_helpers import APP, PASSWORD, seed_database
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    seed_database(url, generate_alliance(seed=7, n_hospitals=4, n_products=4, purchases_per_year=200))
    monkeypatch.setenv("VBP_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="signin_user").input("coord")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("webapp/pages/plan.py").run()
    [b for b in at.button if "计算分配方案" in (b.label or "")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    engine = store.get_engine(url)
    events = plan_log.plan_events(engine)
    assert events[["user", "action", "source"]].values.tolist() == [["coord", "run", "app"]]
    engine.dispose()
    (shown,) = [df.value for df in at.dataframe if "结果哈希" in df.value.columns]  # the page's plan log
    assert shown[["用户", "操作", "来源"]].values.tolist() == [["coord", "计算", "app"]]
    assert shown["结果哈希"].tolist() == events["output_hash"].tolist()


# --- one trail -----------------------------------------------------------------------------------------


def test_one_trail_holds_imports_corrections_removals_plans_and_account_changes(engine, files, monkeypatch) -> None:
    store.import_tables(engine, {"hospitals": hospitals("H1"), "products": products(),
                                 "purchases": purchases([("A1", "2020-01-10", "H1", "P1", 10.0, 5.0),
                                                         ("A2", "2020-01-12", "H1", "P1", 4.0, 2.0)])},
                        source_name="一月.xlsx", file_hash="hash-january", user="office")
    # the corrected file covers 10-12 January without A2: A2 is removed
    store.import_tables(engine, {"purchases": purchases([("A1", "2020-01-10", "H1", "P1", 10.0, 5.0),
                                                         ("A3", "2020-01-12", "H1", "P1", 4.0, 2.0)])},
                        source_name="一月更正.xlsx", file_hash="hash-correction", user="h1", hospital_scope="H1",
                        replace_period=True)
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    auth.create_user(engine, "h1", "a-long-passphrase", "hospital", "H1", actor="office")
    code, _, err = run(["plan", *files, "--db", db_url(engine), "--user", "office"])
    assert code == 0, err
    trail = audit_trail(engine)
    got = {(r["event"], r["user"]) for r in trail.to_dict("records")}
    assert got == {("import", "office"), ("correction", "h1"), ("removal", "h1"),
                   ("account create", "office"), ("plan run", "office")}
    assert trail["at"].notna().all() and trail["user"].map(bool).all()
    by_event = trail.set_index("event")
    assert by_event.loc["import", "hash"] == "hash-january"
    assert by_event.loc["correction", "hash"] == by_event.loc["removal", "hash"] == "hash-correction"
    assert by_event.loc["removal", "subject"] == "purchases H1 A2"
    assert len(by_event.loc["plan run", "hash"]) == 64
    assert trail["at"].is_monotonic_decreasing  # newest first


def test_each_scenario_the_compare_button_runs_is_recorded(engine, alliance_input) -> None:
    inp, _ = alliance_input
    settings = planning.plan_settings(0.0, 1, 0, 1000, 30, 0.0001)
    plan = planning.run_plan(inp, settings)
    planning.record_run(engine, "coord", inp, settings, plan)
    scenarios = planning.scenario_settings(settings, [0.6], [], "zh")
    assert list(scenarios) == ["当前设置", "比例 60%"]
    comparison = planning.compare(inp, scenarios)
    planning.record_comparison(engine, "coord", inp, scenarios, comparison)
    log = plan_log.plan_events(engine).iloc[::-1].reset_index(drop=True)  # oldest first
    assert [d.get("scenario") for d in log["detail"]] == [None, "当前设置", "比例 60%"]
    # the current settings' scenario is the plan already run: the same inputs, the same result
    assert log["input_hash"][1] == log["input_hash"][0] and log["output_hash"][1] == log["output_hash"][0]
    assert log["input_hash"][2] != log["input_hash"][0]  # another ratio
    assert log["detail"][2]["settings"]["ratio"] == 0.6
