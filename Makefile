# Everything a fresh machine needs: `make run` serves, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test check bench board clean chromium

install: $(STAMP)

# torch goes first, pinned to the CPU build on this machine's disk; installed later by another package's
# requirement, pip would fetch a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Lint and type-check: ruff (rules and format) and mypy, as configured in pyproject.toml.
check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

run: install
	HF_HUB_OFFLINE=1 $(BIN)/jobmatch serve --host $(HOST) --port $(PORT)

test: install chromium
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The web page's browser test drives Debian's chromium (Playwright must never download a browser of its own).
# Without it the test skips, or fails under JOBMATCH_REQUIRE_SERVICES=1: so a failed install only warns here.
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) \
		|| echo "warning: could not install Debian's chromium; the browser test will not run"

# Every benchmark by default; `make bench BENCH=pipeline` runs one.
BENCH ?= pipeline ranking evidence quality api scale
bench: install
	for name in $(BENCH); do echo "== bench/$$name.py"; HF_HUB_OFFLINE=1 $(BIN)/python -m bench.$$name || exit 1; done

board: install
	$(BIN)/jobmatch board --port 8765

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
