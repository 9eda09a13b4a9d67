# paperkg tasks. `make site` and `make test` work on a fresh machine with only Python.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# The example site's input: the seed feed plus every real arXiv API answer bundled in
# tests/fixtures (both API eras), except the HTTP 400 error feed, which holds no papers.
EXAMPLE_FEEDS := tests/fixtures/seed/seed-feed.xml \
	$(filter-out %/id_abc_s0_m100.xml,$(sort $(wildcard tests/fixtures/arxiv-api/*/*.xml)))

.PHONY: all site test serve bench clean

all: test

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -r requirements.lock
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
test: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/paperkg check
	$(BIN)/python -m pytest

## Run the benchmarks; each writes its section of BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python scripts/bench_store.py
	$(BIN)/python scripts/bench_kaggle.py

clean:
	rm -rf public $(VENV)
