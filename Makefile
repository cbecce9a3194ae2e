# Zhidu: `make run` serves the demo at http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := .make
PORT ?= 8000
HOST ?= 127.0.0.1
export DJANGO_SETTINGS_MODULE := zhidu.settings
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install lint check typecheck messages vendor demo bench clean help

help:
	@echo "make run   - install what is missing, migrate, load the demo company, serve on http://127.0.0.1:$(PORT)"
	@echo "make test  - install what is missing, then lint, checks and the whole test suite"
	@echo "            (PORT=8765 and HOST=0.0.0.0 change where make run listens)"

$(STAMP):
	@mkdir -p $(STAMP)

# Python: a virtualenv from the first interpreter >= 3.12 that actually runs.
$(STAMP)/venv: requirements.txt requirements-dev.txt pyproject.toml | $(STAMP)
	@PYBIN=$$(scripts/find-python.sh) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    echo "Creating $(VENV) with $$PYBIN"; rm -rf $(VENV); "$$PYBIN" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Front-end packages from npm, copied into zhidu/static/vendor/ (served by whitenoise).
$(STAMP)/npm: package.json package-lock.json scripts/vendor-static.sh | $(STAMP)
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ (e.g. apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	scripts/vendor-static.sh
	@touch $@

# Compiled translations (.mo) from the zh-hans catalogues.
$(STAMP)/messages: $(shell find zhidu -name '*.po' 2>/dev/null) | $(STAMP) $(STAMP)/venv
	@if find zhidu -name '*.po' | grep -q .; then \
	  command -v msgfmt >/dev/null || scripts/ensure-system-packages.sh gettext || exit 1; \
	  cd zhidu && ../$(PY) -m django compilemessages -v 0 || exit 1; fi
	@touch $@

install: $(STAMP)/venv $(STAMP)/npm $(STAMP)/messages

vendor: $(STAMP)/npm
messages: $(STAMP)/messages

run: install
	$(PY) -m zhidu migrate --no-input -v 0
	$(PY) -m zhidu demo --if-empty --size small --seed 1
	$(PY) -m zhidu serve --host $(HOST) --port $(PORT)

demo: install
	$(PY) -m zhidu migrate --no-input -v 0
	$(PY) -m zhidu demo --size small --seed 1

lint: install
	$(VENV)/bin/ruff check zhidu tests bench
	$(VENV)/bin/ruff format --check zhidu tests bench

check: install
	$(PY) -m zhidu check --fail-level WARNING
	$(PY) -m zhidu makemigrations --check --dry-run -v 1

# mypy with django-stubs on the domain code: the files listed in pyproject.toml [tool.mypy].
typecheck: install
	$(VENV)/bin/mypy

test: install lint check typecheck
	scripts/run-tests.sh

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(STAMP) $(VENV) node_modules zhidu/static/vendor var/test*
