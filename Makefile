# The two commands: `make run` (whole local stack, seeded) and `make test` (everything CI checks).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp's name changes whenever a requirements file does, so edits reinstall.
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")

.PHONY: run test lint format unit infra-check clean routes openapi bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/python -m devstack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The report rendering test opens the HTML in Debian's chromium (CI has python3 only; root is available).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium

unit: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest -q -n 2 tests

# Figures the issues name, as ratios and counts measured in one run (not part of make test).
bench: $(STAMP)
	$(BIN)/python -m devstack.bench $(ARGS)

# After adding or changing a route: regenerate the table the API function registers from.
routes: $(STAMP)
	$(BIN)/python -m devstack.route_table

# After changing a route's contract (request models, answers): regenerate docs/openapi.json.
openapi: $(STAMP)
	$(BIN)/python -m devstack.openapi

infra-check: $(STAMP)
	$(BIN)/python infra/synth_and_lint.py

test: lint unit infra-check

clean:
	rm -rf $(VENV) infra/cdk.out .mypy_cache .ruff_cache
