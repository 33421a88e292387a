# The two commands of the README's quick start: `make run` and `make test`.
# Everything either needs is installed here, so a fresh machine needs nothing done by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export DASH_TEST_CHROMEPATH ?= /usr/bin/chromium

.PHONY: run test unit browser bench data install install-test browser-deps clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test browser-deps

# Debian's Chromium and its matching chromedriver (Selenium 4.2 cannot fetch drivers itself).
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	fi

## Start the app on the embedded default data at http://127.0.0.1:8050
run: install
	HOST=$(HOST) PORT=$(PORT) $(PY) app.py

## Install the test needs and run the whole suite (unit tests on both cores, then browser tests).
test: install-test
	$(PY) -m pytest tests/unit -n 2 -q
	$(PY) -m pytest tests/browser -q

unit: $(VENV)/.test
	$(PY) -m pytest tests/unit -n 2 -q

browser: install-test
	$(PY) -m pytest tests/browser -q

## Rebuild the embedded default data: synthetic record-level extracts, then the published reference files.
data: install
	$(PY) data/generate.py
	$(PY) data/build_published.py

## Full benchmark run: writes bench/results.json and BENCHMARKS.md.
bench: install-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache
