# Teia — the two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export TEIA_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: install run test lint format translations compile-translations migrate demo clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/.installed compile-translations

compile-translations: $(BIN)/.installed
	$(BIN)/pybabel -q compile -d platform/teia/translations

migrate: install
	$(BIN)/alembic upgrade head

demo: migrate
	$(BIN)/flask --app teia tenants sync tenants/
	$(BIN)/flask --app teia demo

## Web server on http://127.0.0.1:5000 with a Celery worker and beat on the embedded broker.
run: demo
	$(BIN)/flask --app teia dev --host 127.0.0.1 --port 5000

## The whole suite on the embedded default: no services needed.
test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## After changing user-facing text: extract, merge into pt_BR, compile.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o platform/teia/translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -i platform/teia/translations/messages.pot -d platform/teia/translations -w 100
	$(BIN)/pybabel -q compile -d platform/teia/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
