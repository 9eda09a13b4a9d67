# paperkg tasks. `make site` and `make test` work on a fresh machine with only Python.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Debian's Chromium, for the tests that drive the site in a real browser (Playwright cannot
# download its own here); installed with apt-get when missing.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The example site's input: the seed feed plus every real arXiv API answer bundled in
# tests/fixtures (both API eras), except the HTTP 400 error feed, which holds no papers.
EXAMPLE_FEEDS := tests/fixtures/seed/seed-feed.xml \
	$(filter-out %/id_abc_s0_m100.xml,$(sort $(wildcard tests/fixtures/arxiv-api/*/*.xml)))

.PHONY: all site test serve bench clean

all: test

$(STAMP): pyproject.toml requirements.lock package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -r requirements.lock
	npm ci --no-audit --no-fund --loglevel=error  # Oxigraph's WebAssembly build, for the SPARQL page
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

## Build the example site from bundled data into public/ (serve it with `make serve`).
site: $(STAMP)
	$(BIN)/paperkg ingest $(EXAMPLE_FEEDS)
	$(BIN)/paperkg build
	@echo "Site built in public/. Serve it: make serve (http://127.0.0.1:8000/) or python3 -m http.server -d public"

serve: $(STAMP)
	$(BIN)/paperkg serve

## Run the whole test suite (lint and the example graph's SHACL check first: seconds).
test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check src tests scripts
	$(BIN)/paperkg check
	$(BIN)/python -m pytest

## Run the benchmarks; each writes its section of BENCHMARKS.md.
bench: $(STAMP) $(CHROMIUM)
	$(BIN)/python scripts/bench_store.py
	$(BIN)/python scripts/bench_kaggle.py
	$(BIN)/python scripts/bench_queries.py
	$(BIN)/python scripts/bench_load.py
	$(BIN)/python scripts/bench_views.py
	$(BIN)/python scripts/bench_update.py
	$(BIN)/python scripts/bench_dump.py
	$(BIN)/python scripts/bench_search.py
	$(BIN)/python scripts/bench_pipeline.py

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver

clean:
	rm -rf public $(VENV) node_modules
