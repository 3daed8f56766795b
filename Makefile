# amreview — every target creates or updates the virtual environment it needs from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2026Q3
PACK   ?= build/sample-pack
REPORTS ?= reports
JOBS   ?=
LAB_FLAGS ?=
PIP_FLAGS ?= -q --disable-pip-version-check

.PHONY: help venv demo sample reviews scorecard forms test scale-check document-check process-check lint lab clean docs bench bench-100m bench-reference

help:
	@echo "make demo   - install, build the sample data pack, produce the $(PERIOD) reviews and review forms under $(REPORTS)/"
	@echo "make forms  - write the $(PERIOD) review forms (self-assessment, manager's review) under $(REPORTS)/$(PERIOD)/forms/"
	@echo "make test   - install with the test extras (and the document checkers in tests/js) and run the whole test suite"
	@echo "make scale-check - the 10-million-line pack's scorecard against the code before the in-place data step (a few minutes)"
	@echo "make process-check - the tests that kill a run's processes or start a Dask cluster (about two minutes)"
	@echo "make document-check - the document tests, axe-core and the page layout over the whole organisation's run, not one review of each kind (a few minutes)"
	@echo "make lint   - check the layers and import circles (import-linter), the code and its layout (ruff) and its types (mypy)"
	@echo "make lab    - open the notebooks in JupyterLab (headless: make lab LAB_FLAGS=--no-browser)"
	@echo "make clean  - remove generated reports, the sample pack, the virtual environment and the document checkers"

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

# The scorecard first: the run's index links the scorecard.xlsx its folder holds when it is written.
reviews: scorecard
	$(BIN)/amreview run --data $(PACK) --period $(PERIOD) --out $(REPORTS) --pdf $(if $(JOBS),--jobs $(JOBS),)

# The quarter-end review forms (self-assessment and manager's review, one .xlsx per person and
# kind) of every account manager in role in $(PERIOD): the start of the review cycle (README).
forms: sample
	$(BIN)/amreview forms --data $(PACK) --period $(PERIOD) --out $(REPORTS)
	@echo "Forms:     $(abspath $(REPORTS))/$(PERIOD)/forms/  (fill them, then: amreview collect --data $(PACK) --period $(PERIOD) --forms DIR --out PACK2)"

demo: reviews scorecard forms
	@echo
	@echo "Reviews:   $(abspath $(REPORTS))/$(PERIOD)/index.html  (reviews, team overviews, PDFs)"
	@echo "Scorecard: $(abspath $(REPORTS))/$(PERIOD)/scorecard.xlsx"
	@echo "Forms:     $(abspath $(REPORTS))/$(PERIOD)/forms/  (the review forms to fill: see 'Quarter-end review cycle' in README.md)"

# The document checkers the accessibility tests run (tests/js/package.json, pinned by its lock file):
# axe-core, injected into Chromium, and the W3C validator's vnu.jar, run with java. Its install
# script (which would look for a Java to download) is not run: java is Debian's (.ci/setup-documents.sh).
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

test: $(VENV)/.installed-test tests/js/node_modules/.installed
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=20 -m "not processes"

# The tests that kill a run's processes (the runner, a worker, a kernel) or start a Dask cluster and
# wait for them to go (marked `processes`: tests/test_run_batch.py, test_outputs.py, test_distributed.py,
# test_kernels.py: a killed kernel and the deadlines, timed, so better away from make test's load;
# about two minutes, mostly waiting, so apart from `make test`; CI runs it).
process-check: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --dist loadgroup -q -p no:cacheprovider -m processes

# The document tests and the real checkers (tests/test_documents.py, tests/test_accessibility.py) over a
# run of the whole organisation: every review and the calibration page, which only such a run makes.
# `make test` runs them over a run of one review of each kind and every team overview (a few minutes
# more, so apart from `make test`; CI runs it).
document-check: $(VENV)/.installed-test tests/js/node_modules/.installed
	AMREVIEW_DOCUMENT_SWEEP=1 $(BIN)/python -m pytest tests/test_documents.py tests/test_accessibility.py -n auto --dist loadgroup -q -p no:cacheprovider

# Figures unchanged at scale (issue 16): the scorecard of the 10-million-line benchmark pack, read in
# place, against the one the code before the data step wrote (tests/test_scale_reference.py; a few
# minutes and a few GB of disk, so apart from `make test`; CI runs it).
scale-check: $(VENV)/.installed-test
	AMREVIEW_SCALE_CHECK=1 $(BIN)/python -m pytest tests/test_scale_reference.py -q -p no:cacheprovider

# The lint installs the cluster extra too: mypy checks amreview.batch.distributed against dask's own types.
$(VENV)/.installed-lint: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install $(PIP_FLAGS) -e '.[lint,cluster]'
	@touch $@

# The import contract in pyproject.toml: layers, no circles, private modules kept private; then
# ruff's rules ([tool.ruff] in pyproject.toml) over the code, the tests, the benchmarks and the notebooks,
# and ruff's layout (`ruff format amreview tests benchmarks` applies it); then mypy's type check of the library ([tool.mypy] in pyproject.toml: which files, which options).
lint: $(VENV)/.installed-lint
	$(BIN)/lint-imports
	$(BIN)/ruff check amreview tests benchmarks notebooks
	$(BIN)/ruff format --check amreview tests benchmarks
	$(BIN)/mypy

# JupyterLab on notebooks/; the notebooks open on the built-in sample pack. Jupyter refuses
# to run as root unless told (containers, CI).
lab: $(VENV)/.installed
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_FLAGS)

clean:
	rm -rf $(REPORTS)/*/ build $(VENV) tests/js/node_modules

docs: $(VENV)/.installed
	$(BIN)/amreview kpis --out docs/kpis.md

# bench_scale.py: the data step at 1, 10 and 30 million lines against issue 16's goals (the packs
# written once under build/bench-scale; each scorecard compared with the reference of its pack, when
# `make bench-reference` wrote one). 100 million lines apart (`make bench-100m`): its pack alone takes
# about 8 minutes to write, and each step may run until its timeout or memory limit.
bench: $(VENV)/.installed-test
	$(BIN)/pip install $(PIP_FLAGS) -e '.[bench]'
	$(BIN)/python benchmarks/bench_scorecard.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_review.py
	$(BIN)/python benchmarks/bench_scale.py

bench-100m: $(VENV)/.installed-test
	$(BIN)/pip install $(PIP_FLAGS) -e '.[bench]'
	$(BIN)/python benchmarks/bench_scale.py --sizes 100M --duckdb-variant none

# The reference scorecards bench_scale.py compares with, written by the code of $(REF) (git archive).
REF ?= main
bench-reference: $(VENV)/.installed
	$(BIN)/pip install $(PIP_FLAGS) -e '.[bench]'
	$(BIN)/python benchmarks/bench_scale.py --write-references $(REF)
