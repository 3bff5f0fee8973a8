# Two commands: `make run` and `make test`. Everything else is a building block.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench-ingest bench-english bench-query bench-bot bench-fingerprints bench-registry bench-rewrite clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kabar ingest seeds/
	$(BIN)/kabar start

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	./scripts/check

# e.g. make bench-ingest ARGS="--limit 50 --embed-servers 2"
bench-ingest: $(STAMP)
	$(BIN)/python scripts/bench_ingest.py $(ARGS)

# e.g. make bench-english ARGS="--source html --articles 24 --live-blogs 1"
bench-english: $(STAMP)
	$(BIN)/python scripts/bench_english.py $(ARGS)

# e.g. make bench-query ARGS="--limit 200 --data-dir /tmp/kabar-bench"
bench-query: $(STAMP)
	$(BIN)/python scripts/bench_query.py $(ARGS)

# e.g. make bench-bot ARGS="--limit 200 --data-dir /tmp/kabar-bench"
bench-bot: $(STAMP)
	$(BIN)/python scripts/bench_bot.py $(ARGS)

bench-fingerprints: $(STAMP)
	$(BIN)/python scripts/bench_fingerprints.py $(ARGS)

bench-registry: $(STAMP)
	$(BIN)/python scripts/bench_registry.py $(ARGS)

# e.g. make bench-rewrite ARGS="--data-dir /tmp/kabar-rewrite --limit 200"
bench-rewrite: $(STAMP)
	$(BIN)/python scripts/bench_rewrite.py $(ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache *.egg-info
