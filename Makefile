# unsuplab — every set-up step in one place. `make lab` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# A second environment with Keras on JAX and *no* TensorFlow: the backend that accelerator
# machines often have. `make test` runs the unit tests and the notebooks there too.
VENV_JAX ?= .venv-jax
JAX_STAMP := $(VENV_JAX)/.installed
export UNSUPLAB_FIGURES ?= $(CURDIR)/build/figures

.PHONY: lab test lint unit nbtest unit-jax nbtest-jax test-jax notebooks data venv venv-jax bench \
	clean help

help:
	@echo "make lab        set up, then open JupyterLab on your copies in workspace/ (the main job;"
	@echo "                quick mode with the shipped full-mode models; MODE=full for the real"
	@echo "                results, PRETRAINED=0 to train every model here, PORT=8888)"
	@echo "make pretrained retrain (or take from the model cache) the shipped full-mode models"
	@echo "make test       set up, then lint, unit tests, every notebook in quick mode (nbval),"
	@echo "                on TensorFlow and again on JAX (without TensorFlow)"
	@echo "make test-jax   the JAX half alone"
	@echo "make browser    every notebook in JupyterLab in headless Chromium (screenshots in"
	@echo "                build/browser/); part of make test"
	@echo "make notebooks  execute every notebook into build/ with HTML (FULL=1 for full mode)"
	@echo "make slides     execute every notebook (quick mode; FULL=1 for full) into reveal.js"
	@echo "                slides in build/slides/, one slide per section"
	@echo "make bench      run every benchmark (full mode, long) and append to benchmarks/RESULTS.md"

# --- set-up: a virtual environment with the package, its extras and the data ----------------
# setuptools prints a 10-line banner for every editable install of a flat layout ("be careful
# with folders named like the package"): expected here, so filtered by its exact message.
EDITABLE := PYTHONWARNINGS="ignore:Editable installation"
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(EDITABLE) $(PY) -m pip install --quiet -e ".[cpu,lab,dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

$(JAX_STAMP): pyproject.toml
	@test -x $(VENV_JAX)/bin/python || $(PYTHON) -m venv $(VENV_JAX)
	$(VENV_JAX)/bin/python -m pip install --quiet --upgrade pip
	$(EDITABLE) $(VENV_JAX)/bin/python -m pip install --quiet -e ".[jax,dev]"
	@! $(VENV_JAX)/bin/python -c "import tensorflow" 2>/dev/null || \
	  { echo "$(VENV_JAX) must not have TensorFlow"; exit 1; }
	@touch $(JAX_STAMP)

venv-jax: $(JAX_STAMP)

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

# Students work on copies in workspace/ (ignored by git), so the collection updates cleanly.
# MODE=quick (the default: about a minute per notebook) or MODE=full (the real results); a
# notebook can switch itself with config.set_mode("full").
MODE ?= quick
PORT ?= 8888
# PRETRAINED=1 (the default in quick mode, as on Binder and Colab): the shipped full-mode models
# stand in for the ones the notebooks would train; PRETRAINED=0 trains every model here. MODE=full
# trains everything unless PRETRAINED=1 is given.
PRETRAINED ?= $(if $(filter full,$(MODE)),0,1)
lab: data
	@$(PY) -m tools.workspace
	@token=$$($(PY) -c "import secrets; print(secrets.token_hex(16))"); \
	echo; echo "  unsuplab in $(MODE) mode$(if $(filter 1,$(PRETRAINED)), with the shipped full-mode models,). Open this address in your browser:"; \
	echo "    http://localhost:$(PORT)/lab?token=$$token"; echo; \
	UNSUPLAB_QUICK=$(if $(filter full,$(MODE)),0,1) UNSUPLAB_PRETRAINED=$(PRETRAINED) $(BIN)/jupyter lab --notebook-dir=workspace \
	  --port=$(PORT) --ServerApp.port_retries=0 --IdentityProvider.token=$$token \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# --- checks -----------------------------------------------------------------------------------
# Tests run in WORKERS processes (pytest-xdist; default: the machine's cores, at most 4): a
# test file stays on one worker, in order (--dist loadfile), and a notebook's cells share one
# worker and kernel (--dist loadscope), as nbval requires. WORKERS=0 runs in this process.
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
XDIST_UNIT := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadfile)
XDIST_NB := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadscope)
# the browser test: each worker starts its own JupyterLab and Chromium; notebooks are dealt out
XDIST_BROWSER := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist load)
lint: $(STAMP)
	$(BIN)/ruff check unsuplab tests benchmarks solutions tools notebooks/py
	$(PY) -m tools.sync_notebooks --check

unit: data
	$(BIN)/pytest -q $(XDIST_UNIT) --durations=15 tests

# Notebooks run with an empty model cache of their own, as on a fresh machine (no stale models).
nbtest: data
	rm -rf build/nbtest-cache
	UNSUPLAB_QUICK=1 UNSUPLAB_CACHE=$(CURDIR)/build/nbtest-cache MPLBACKEND=agg $(BIN)/pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env \
	  $(XDIST_NB) --nbval-cell-timeout=600 notebooks/*.ipynb

# The same tests and notebooks on Keras's JAX backend, in an environment without TensorFlow
# (TF-only tests skip themselves; JAX-only ones, such as DataParallel on two devices, run).
# Tests that run no backend code (NumPy metrics, plots, repository checks: `BACKEND_FREE` in
# tests/conftest.py) ran on TensorFlow already and are not run twice; the chapter recipes'
# tests are left to nbtest-jax, which runs every chapter's notebook on JAX. JAX_ALL=1 runs all.
# JAX compiles every new model's steps with XLA; the tests and notebooks compile the same tiny
# programs again and again (one per test, per worker). XLA's persistent compilation cache,
# keyed by the program and jax's version, lets every later compile of one read the first.
JAX_CACHE := JAX_COMPILATION_CACHE_DIR=$(CURDIR)/build/jax-cache \
  JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
unit-jax: data $(JAX_STAMP)
	KERAS_BACKEND=jax $(JAX_CACHE) UNSUPLAB_BACKEND_TESTS_ONLY=$(if $(JAX_ALL),0,1) \
	  $(VENV_JAX)/bin/pytest -q -p no:cacheprovider $(XDIST_UNIT) --durations=15 tests

nbtest-jax: data $(JAX_STAMP)
	rm -rf build/nbtest-cache-jax
	KERAS_BACKEND=jax $(JAX_CACHE) UNSUPLAB_QUICK=1 UNSUPLAB_CACHE=$(CURDIR)/build/nbtest-cache-jax \
	  MPLBACKEND=agg \
	  $(VENV_JAX)/bin/pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env \
	  $(XDIST_NB) --nbval-cell-timeout=600 notebooks/*.ipynb

test-jax: unit-jax nbtest-jax

# A real browser: every notebook in JupyterLab in headless Chromium (Debian's chromium, driven by
# Playwright; no browser download), Run All in quick mode, then widgets, sliders, maths and
# figure titles checked as a student sees them (tests/browser). As root on Debian without
# chromium, installs it from the package mirror (like `make data`). Screenshots: build/browser/.
# In `make test` the browser's kernels start from a copy of the models that `nbtest` trained
# (the same quick recipes on the same backend): nbval has checked the training, the browser
# checks what a student sees. `make browser` alone trains every model, as on a fresh clone.
CHROMIUM ?= /usr/bin/chromium
BROWSER_MODELS ?= $(if $(filter test,$(MAKECMDGOALS)),$(CURDIR)/build/nbtest-cache,)
.PHONY: browser
browser: data
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium ..."; \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null)); \
	  fi; }
	UNSUPLAB_CHROMIUM=$(CHROMIUM) UNSUPLAB_BROWSER_MODELS=$(BROWSER_MODELS) \
	  $(BIN)/pytest -q -p no:cacheprovider $(XDIST_BROWSER) -m browser tests/browser

test: lint unit nbtest browser slides-check test-jax

# --- execute notebooks into build/ with HTML --------------------------------------------------
notebooks: data
	@mkdir -p build/notebooks
	@for nb in notebooks/*.ipynb; do \
	  echo "executing $$nb ($(if $(FULL),full,quick) mode)"; \
	  UNSUPLAB_QUICK=$(if $(FULL),0,1) $(BIN)/jupyter nbconvert --to html --execute \
	    --ExecutePreprocessor.timeout=3600 --output-dir build/notebooks "$$nb" || exit 1; \
	done

# --- slides from the same source (tools/slides.py): every `##` section a slide -----------------
# `make slides` runs each notebook first, so the slides carry its figures; `make test` builds the
# decks from the unexecuted notebooks (seconds), which checks they build without a second run.
.PHONY: slides slides-check
slides: data
	UNSUPLAB_QUICK=$(if $(FULL),0,1) $(PY) -m tools.slides --execute --out build/slides

slides-check: $(STAMP)
	$(PY) -m tools.slides --out build/slides

# The shipped full-mode models (unsuplab/pretrained/): from the recipes, in full mode, through the
# model cache (UNSUPLAB_CACHE); about 15 minutes from an empty cache on two CPU cores.
.PHONY: pretrained
pretrained: data
	$(PY) -m tools.pretrain

bench: data
	@for b in benchmarks/[a-z]*.py; do case $$b in *common.py) ;; *) $(PY) $$b || exit 1;; esac; done

clean:
	rm -rf build .pytest_cache
