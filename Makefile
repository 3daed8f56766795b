# amreview — every target creates or updates the virtual environment it needs from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2026Q3
PACK   ?= build/sample-pack
REPORTS ?= reports
JOBS   ?=
PIP_FLAGS ?= -q --disable-pip-version-check

.PHONY: help venv demo sample reviews scorecard test lab clean docs bench

help:
	@echo "make demo   - install, build the sample data pack, produce the $(PERIOD) reviews under $(REPORTS)/"
	@echo "make test   - install with the test extras and run the whole test suite"
	@echo "make lab    - open the notebooks in JupyterLab"
	@echo "make clean  - remove generated reports, the sample pack and the virtual environment"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install $(PIP_FLAGS) -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

sample: $(VENV)/.installed
	$(BIN)/amreview sample --out $(PACK)

scorecard: sample
	$(BIN)/amreview scorecard --data $(PACK) --period $(PERIOD) --out $(REPORTS)/$(PERIOD)/scorecard.xlsx

reviews: sample
	$(BIN)/amreview run --data $(PACK) --period $(PERIOD) --out $(REPORTS) $(if $(JOBS),--jobs $(JOBS),)

demo: reviews scorecard
	@echo
	@echo "Reviews:   $(abspath $(REPORTS))/$(PERIOD)/index.html"
	@echo "Scorecard: $(abspath $(REPORTS))/$(PERIOD)/scorecard.xlsx"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(REPORTS)/*/ build $(VENV)

docs: $(VENV)/.installed
	$(BIN)/amreview kpis --out docs/kpis.md

bench: $(VENV)/.installed-test
	$(BIN)/pip install $(PIP_FLAGS) -e '.[bench]'
	$(BIN)/python benchmarks/bench_scorecard.py
