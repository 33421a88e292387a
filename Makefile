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

.PHONY: run test unit browser bench bench-smoke screenshots vendor-plotly data install install-test system-deps browser-deps clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.runtime system-deps
install-test: $(VENV)/.test system-deps browser-deps tests/browser/node_modules/.installed

# Debian packages, installed only when missing: Pango, HarfBuzz and fonts for the report's PDF (WeasyPrint).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Debian's Chromium and its matching chromedriver (Selenium 4.2 cannot fetch drivers itself), npm for axe-core,
# and a Redis server for the shared-cache tests.
browser-deps:
	@missing=$$(for c in chromium chromedriver npm redis-server; do command -v $$c >/dev/null || echo $$c; done); \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			$$(echo "$$missing" | sed 's/^chromedriver$$/chromium-driver/'); \
	fi

# axe-core 4.x for the accessibility tests, pinned in tests/browser/package-lock.json.
tests/browser/node_modules/.installed: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $@

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

## Rebuild the embedded default data: the published reference files, then the synthetic data calibrated to them.
data: install
	$(PY) data/build_published.py
	$(PY) data/generate.py

## Refresh the README's screenshots (docs/screenshots) from the browser tests that take them; a plain test run
## writes them to a temporary folder instead.
screenshots: install-test
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser -q -k screenshots_for_the_readme

## Full benchmark run: writes bench/results.json and BENCHMARKS.md. On a shared machine, BENCH_PORTS=8090-8099 keeps
## every server the benchmark starts (the apps, Redis, chromedriver) within that range.
bench: install-test
	$(PY) -m bench

## That every part of the benchmark still runs (about a minute); results under bench/out/, not committed.
bench-smoke: install-test
	mkdir -p bench/out && $(PY) -m bench --smoke --results bench/out/smoke.json --markdown bench/out/smoke.md

# The partial plotly.js bundle the app serves (components/serving.py): npm's plotly.js-basic-dist-min (scatter, bar,
# pie) at the plotly.js version plotly.py bundles, vendored in assets/vendor/ so installing the app needs no npm.
# `make vendor-plotly` fetches it again, checked against this checksum; a new version needs a new checksum here.
PLOTLY_JS := 4.1.1
PLOTLY_BASIC_SHA256 := 99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba
vendor-plotly: assets/vendor/plotly-basic-$(PLOTLY_JS).min.js
assets/vendor/plotly-basic-$(PLOTLY_JS).min.js:
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent plotly.js-basic-dist-min@$(PLOTLY_JS) >/dev/null && \
		tar xzf plotly.js-basic-dist-min-$(PLOTLY_JS).tgz) && \
	echo "$(PLOTLY_BASIC_SHA256)  $$tmp/package/plotly-basic.min.js" | sha256sum --check --quiet && \
	cp $$tmp/package/plotly-basic.min.js $@ && rm -rf $$tmp

clean:
	rm -rf $(VENV) .pytest_cache
