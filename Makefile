# One Makefile for people and CI. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

NPM    ?= npm
HAVE_NPM := $(shell command -v $(NPM) 2>/dev/null)
WEB_BUILT := src/trackrecord/server/ui/index.html
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts \
	web/tsconfig.json web/package.json

.PHONY: setup demo demo-evaluation test lint typecheck webtest web bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

web/node_modules/.installed: web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): web/node_modules/.installed $(WEB_SOURCES)
	cd web && $(NPM) run build

ifeq ($(HAVE_NPM),)
web:
	@echo "npm not found: the web UI is not built (install Node.js 20 and npm, then: make web)"
webtest: web
else
web: $(WEB_BUILT)  ## build the web UI into the Python package (needs Node.js 20 and npm)

webtest: web  ## type-check the UI and run its unit tests (Vitest)
	cd web && $(NPM) run typecheck && $(NPM) test
endif

setup: $(STAMP) web  ## create .venv with TrackRecord and the dev tools; build the web UI

demo: $(STAMP) web  ## train a small model that logs to the embedded store, then show where it went
	$(BIN)/python examples/train.py
	$(BIN)/python examples/credit_scoring.py
	@echo "See the runs: trackrecord ui   (or $(BIN)/trackrecord ui, from this directory)"

demo-evaluation: $(STAMP)  ## only the declared-accuracy example: criteria, evaluation, groups
	$(BIN)/python examples/credit_scoring.py

test: $(STAMP) lint typecheck webtest  ## lint, type-check and run the whole test suite
	TRACKRECORD_STRICT=1 $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples contrib
	$(BIN)/ruff format --check src tests benchmarks examples contrib

typecheck: $(STAMP)
	$(BIN)/mypy

bench:  ## side-by-side benchmarks against MLflow and Aim (own virtualenv: .venv-bench)
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --upgrade pip
	.venv-bench/bin/pip install --quiet -e . -r benchmarks/requirements.txt
	.venv-bench/bin/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-bench .pytest_cache .mypy_cache .ruff_cache web/node_modules \
		src/trackrecord/server/ui
