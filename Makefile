# convlab: `make lab` opens the notebooks, `make test` runs every test.
# Both create .venv and install the pinned dependencies when needed (re-runs are fast).

PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: lab test lint unit notebooks-test browser bench notebooks chromium present html

$(INSTALLED): pyproject.toml
	test -x $(PYTHON) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

lab: $(INSTALLED)
	$(PYTHON) -m jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

# Presentation mode: the notebooks in Voila (code hidden, explorers live) on 127.0.0.1 with a
# random token; open the URL it prints and start with 00_index.ipynb.
present: $(INSTALLED)
	@echo "Presentation mode (Voila): open the URL printed below, then 00_index.ipynb. Ctrl-C stops it."
	JUPYTER_PATH=$(CURDIR)/share $(PYTHON) -m voila notebooks --no-browser --Voila.ip=127.0.0.1 --token --template=convlab

# A static site in site/: every notebook as HTML with its pictures and animations, and an index
# page; open site/index.html from the file system, no server needed.
html: $(INSTALLED)
	$(PYTHON) tools/static_site.py

test: lint unit notebooks-test browser

lint: $(INSTALLED)
	$(PYTHON) -m ruff check convlab tests tools notebooks

# two workers, each taking whole files (module fixtures are built once)
unit: $(INSTALLED)
	$(PYTHON) -m pytest -n 2 --dist loadfile -m "not browser" tests

notebooks-test: $(INSTALLED)
	$(PYTHON) -m pytest --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

browser: $(INSTALLED) chromium
	$(PYTHON) -m pytest -m browser -s tests

# Chromium from Debian, and a CJK font so that the Chinese in the notebooks is not drawn as boxes
chromium:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk; }

bench: $(INSTALLED)
	$(PYTHON) -m convlab.bench

# Re-execute every notebook top to bottom in a fresh kernel and save it with its outputs.
notebooks: $(INSTALLED)
	$(PYTHON) tools/notebooks.py execute notebooks/*.ipynb
