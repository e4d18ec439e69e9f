# convlab: `make lab` opens the notebooks, `make test` runs every test.
# Both create .venv and install the locked environment (requirements.lock) when needed: again only
# when the lock or pyproject.toml changes, so re-runs are fast.

SHELL := /bin/bash
PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip --disable-pip-version-check
INSTALLED := $(VENV)/.installed
LOCK := requirements.lock
# The lock pins the CPU build of torch (a local version, 2.13.0+cpu), which PyPI does not serve:
# where pip's own configuration does not find it, the install is retried with PyTorch's CPU index.
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
# pip-tools, only for `make lock`, in a venv of its own
PIPTOOLS := $(VENV)/pip-tools
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# one notebook (`make notebooks NB=notebooks/04_dilation.ipynb`) or, by default, all of them, in both editions
NB ?= notebooks/*.ipynb notebooks/zh/*.ipynb
# prefix of a phase's command: bash prints its wall time after it, e.g. "[time] unit: 201.4 s"
timed = TIMEFORMAT='[time] $(1): %1R s'; time

.PHONY: lab test lint unit notebooks-test browser bench notebooks chromium fonts present html lock

$(INSTALLED): $(LOCK) pyproject.toml
	test -x $(PYTHON) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(call timed,install) { $(PIP) install --quiet -r $(LOCK) || \
	  { echo "Retrying with PyTorch's CPU index ($(TORCH_CPU_INDEX)) for torch's CPU build"; \
	    $(PIP) install --quiet --extra-index-url $(TORCH_CPU_INDEX) -r $(LOCK); }; }
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Rewrite requirements.lock from pyproject.toml with the command in the lock's header. Pins already
# in the lock are kept where they still fit (delete the lock first to take newer releases). Where
# pip is not configured to find torch's CPU build, add its index:
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu make lock
lock:
	test -x $(PIPTOOLS)/bin/pip-compile || \
	  { $(PYTHON_SYSTEM) -m venv $(PIPTOOLS) && $(PIPTOOLS)/bin/pip install --quiet pip-tools==7.6.2; }
	$(PIPTOOLS)/bin/pip-compile --all-extras --constraint=lock-constraints.txt --no-emit-find-links --no-emit-index-url --output-file=requirements.lock --strip-extras --unsafe-package=convlab pyproject.toml

lab: $(INSTALLED) fonts
	$(PYTHON) -m jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

# Presentation mode: the notebooks in Voila (code hidden, explorers live) on 127.0.0.1 with a
# random token; open the URL it prints and start with 00_index.ipynb (中文版: zh/00_index.ipynb).
present: $(INSTALLED)
	@echo "Presentation mode (Voila): open the URL printed below, then 00_index.ipynb (中文版: zh/00_index.ipynb). Ctrl-C stops it."
	JUPYTER_PATH=$(CURDIR)/share $(PYTHON) -m voila notebooks --no-browser --Voila.ip=127.0.0.1 --token --template=convlab

# A static site in site/: every notebook as HTML with its pictures and animations, and an index
# page; open site/index.html from the file system, no server needed.
html: $(INSTALLED)
	$(PYTHON) tools/static_site.py

# Every phase prints its wall time. Each test has a time limit (pytest-timeout, `timeout` in
# pyproject.toml; longer for the browser phase), so nothing can hang CI.
test: lint unit notebooks-test browser

lint: $(INSTALLED)
	$(call timed,lint) $(PYTHON) -m ruff check convlab tests tools notebooks examples

# the docstring examples of every convlab module, then the unit and property tests on two workers,
# each taking whole files (module fixtures are built once)
unit: $(INSTALLED)
	$(call timed,doctest) $(PYTHON) -m pytest -q --doctest-modules convlab
	$(call timed,unit) $(PYTHON) -m pytest -n 2 --dist loadfile -m "not browser" tests

# each notebook re-executed in a fresh kernel, two notebooks at a time (a notebook's cells stay
# together, in order, on one worker)
notebooks-test: $(INSTALLED)
	$(call timed,notebooks) $(PYTHON) -m pytest -n 2 --dist loadfile --nbval-lax --nbval-cell-timeout=300 \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

# JupyterLab's tests first, alone: they time an explorer against a plain `interact` one, which a busy machine
# skews; then the rest (Voila's two editions, the static site) on two workers, each taking whole files. The
# figures the tests measure are printed at the end of each.
browser: $(INSTALLED) chromium
	$(call timed,browser) { $(PYTHON) -m pytest -m browser --timeout=600 tests/test_browser.py && \
	  $(PYTHON) -m pytest -m browser -n 2 --dist loadfile --timeout=600 --ignore=tests/test_browser.py tests; }

# Chromium from Debian, and a CJK font so that the Chinese in the notebooks is not drawn as boxes
chromium:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk; }

# The CJK font alone (`make lab`: the explorers' pictures of the Chinese edition are drawn in the kernel)
fonts:
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-noto-cjk; }

bench: $(INSTALLED)
	$(PYTHON) -m convlab.bench

# Re-execute the notebooks (NB, default all) top to bottom in a fresh kernel and save them with
# their outputs; first the Chinese edition is built again from the English one and its translations.
notebooks: $(INSTALLED)
	$(PYTHON) tools/notebooks.py translate
	$(PYTHON) tools/notebooks.py execute $(NB)
