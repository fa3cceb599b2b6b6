# `make run` and `make test` work on a fresh machine: both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench sample clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

# The app listens on this machine only unless told otherwise (`make run ADDRESS=0.0.0.0`); to serve
# an alliance put it behind an HTTPS reverse proxy instead (README, "Security").
ADDRESS ?= 127.0.0.1

run: setup
	$(PY) -m procurement bootstrap
	$(VENV)/bin/streamlit run app.py --server.headless true --server.address $(ADDRESS)

test: setup
	$(PY) -m pytest -q -n 2

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m benchmarks

sample: setup
	$(PY) sample_data/generate.py

clean:
	rm -rf $(VENV) data .pytest_cache
