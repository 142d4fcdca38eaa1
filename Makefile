# evforge: `make demo` and `make test` set everything up on a fresh machine (Python >= 3.11).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_CAR := examples/chevrolet_bolt_ev_2017.yaml
DEMO_CYCLES := --cycle wltc_class3b --cycle cltc_p --cycle udds --cycle hwfet

.PHONY: demo test lint typecheck pytest docs browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/evforge simulate $(DEMO_CAR) $(DEMO_CYCLES)
	$(BIN)/evforge report $(DEMO_CAR)
	$(BIN)/evforge optimize examples/studies/ev6_pareto.yaml --out demo-pareto

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

# The documentation site (mkdocs.yml) into site/; strict: a broken link or API name fails.
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The headless browser of the web workbench's tests (tests/test_web_browser.py): Debian's
# chromium package, which Playwright launches through executable_path (no browser downloads).
browser:
	command -v chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

test: browser lint typecheck docs pytest

# Kernel speed: one table, 1 to 100,000 designs on WLTC class 3b against FASTSim 3.1.0 (the
# optional extra, installed here if missing), also in benchmark-results/bench_kernel.md (~2 min);
# then the full evaluation (evforge.evaluate per procedure, 1,000 specs through the CLI, the
# start-up), in benchmark-results/bench_evaluate.md (~2 min); then 65,536 designs of the
# million-design sweep, scaled up, in benchmark-results/bench_sweep.md (~3 min).
bench: $(VENV)/.installed-dev
	@$(BIN)/python -c "import fastsim" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[fastsim]' || echo "FASTSim could not be installed: its rows are left out"
	$(BIN)/python benchmarks/bench_kernel.py
	$(BIN)/python benchmarks/bench_evaluate.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
