# Two commands: `make run` serves the app with demo data on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The DfE's census rules (csc-validator-be-cin) need pandas 1.5 and numpy < 2: their own environment.
CIN_VENV := .venv-cin
export FLASK_APP := webapp

.PHONY: run test assets deps clean-db

run: $(VENV)/.installed assets
	$(BIN)/flask db upgrade
	$(BIN)/flask workflows deploy
	$(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:5000 (sign in as admin / demo-password); mail sent is on /dev/mail."
	@echo "The worker and a local SMTP server run beside it; Ctrl+C stops all three."
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Mailbox instance/dev-mail & \
	$(BIN)/flask worker & \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test assets $(CIN_VENV)/.installed
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

deps: $(VENV)/.installed-test node_modules/.installed $(CIN_VENV)/.installed

assets: webapp/static/dist/.built

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Built afresh when the pins change, so an old validator never lingers beside new pins.
$(CIN_VENV)/.installed: requirements-cin.txt
	rm -rf $(CIN_VENV)
	$(PYTHON) -m venv $(CIN_VENV)
	$(CIN_VENV)/bin/pip install --quiet -r requirements-cin.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

webapp/static/dist/.built: node_modules/.installed $(wildcard webapp/assets/*)
	npm run build
	touch $@

clean-db:
	rm -f instance/app.db instance/app.db-wal instance/app.db-shm
