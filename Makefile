# `make run` and `make test` work on a fresh machine: both set up .venv first. `make run` installs only
# what running needs (requirements.txt); the test tools (requirements-dev.txt: pytest, hypothesis, scipy,
# playwright, ruff) come with the first `make test`, `make lint` or `make bench`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: setup setup-dev run test lint bench bench-guard sample clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $(RUN_STAMP)

$(DEV_STAMP): requirements-dev.txt $(RUN_STAMP)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(DEV_STAMP)

setup: $(RUN_STAMP)

setup-dev: $(DEV_STAMP)

# The app listens on this machine only unless told otherwise (`make run ADDRESS=0.0.0.0`); to serve
# an alliance put it behind an HTTPS reverse proxy instead (README, "Security").
ADDRESS ?= 127.0.0.1

run: setup
	$(PY) -m procurement bootstrap
	$(VENV)/bin/streamlit run app.py --server.headless true --server.address $(ADDRESS)

test: setup-dev
	$(PY) -m pytest -q -n 2

lint: setup-dev
	$(VENV)/bin/ruff check .

bench: setup-dev
	$(PY) -m benchmarks

# The upload guard alone: its cost against the bare parse, and the server's peak memory while it checks
# every hostile file of tests/hostile_files.py and a valid 100 MB CSV (bound: 1 GB, issue 15).
bench-guard: setup-dev
	$(PY) -m benchmarks bench_guard

sample: setup
	$(PY) sample_data/generate.py

clean:
	rm -rf $(VENV) data .pytest_cache
