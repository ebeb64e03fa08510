# unsuplab — every set-up step in one place. `make lab` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
export UNSUPLAB_FIGURES ?= $(CURDIR)/build/figures

.PHONY: lab test lint unit nbtest notebooks data venv bench clean help

help:
	@echo "make lab        set up, then open JupyterLab on notebooks/ (the main job)"
	@echo "make test       set up, then lint, unit tests, every notebook in quick mode (nbval)"
	@echo "make notebooks  execute every notebook into build/ with HTML (FULL=1 for full mode)"
	@echo "make bench      run every benchmark (full mode, long) and append to benchmarks/RESULTS.md"

# --- set-up: a virtual environment with the package, its extras and the data ----------------
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[cpu,lab,dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

# Fashion-MNIST: cache, UNSUPLAB_DATA, Debian's copy, or download; as root on Debian without any
# of these, install Debian's dataset-fashion-mnist (offline-friendly: from the package mirror).
data: $(STAMP)
	@$(PY) -m unsuplab.data 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's dataset-fashion-mnist ..."; \
	    (apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null)); \
	  fi; \
	  $(PY) -m unsuplab.data; }

lab: data
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# --- checks -----------------------------------------------------------------------------------
lint: $(STAMP)
	$(BIN)/ruff check unsuplab tests benchmarks solutions tools notebooks/py
	$(PY) -m tools.sync_notebooks --check

unit: data
	$(BIN)/pytest -q tests

# Notebooks run with an empty model cache of their own, as on a fresh machine (no stale models).
nbtest: data
	rm -rf build/nbtest-cache
	UNSUPLAB_QUICK=1 UNSUPLAB_CACHE=$(CURDIR)/build/nbtest-cache MPLBACKEND=agg $(BIN)/pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env \
	  --nbval-cell-timeout=600 notebooks/*.ipynb

test: lint unit nbtest

# --- execute notebooks into build/ with HTML --------------------------------------------------
notebooks: data
	@mkdir -p build/notebooks
	@for nb in notebooks/*.ipynb; do \
	  echo "executing $$nb ($(if $(FULL),full,quick) mode)"; \
	  UNSUPLAB_QUICK=$(if $(FULL),0,1) $(BIN)/jupyter nbconvert --to html --execute \
	    --ExecutePreprocessor.timeout=3600 --output-dir build/notebooks "$$nb" || exit 1; \
	done

bench: data
	@for b in benchmarks/[a-z]*.py; do case $$b in *common.py) ;; *) $(PY) $$b || exit 1;; esac; done

clean:
	rm -rf build .pytest_cache
