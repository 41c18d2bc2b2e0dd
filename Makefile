# Motivo: the two commands that matter are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MOTIVO_INSTANCE_PATH ?= $(CURDIR)/instance
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format bench serve install clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, create instance/motivo.db with the demo organisation, serve on :8000
demo: $(STAMP)
	@mkdir -p $(MOTIVO_INSTANCE_PATH)
	@test -s $(MOTIVO_INSTANCE_PATH)/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(MOTIVO_INSTANCE_PATH)/secret_key
	$(BIN)/motivo init --demo
	SECRET_KEY="$$(cat $(MOTIVO_INSTANCE_PATH)/secret_key)" $(BIN)/motivo serve --host $(HOST) --port $(PORT)

## test: lint, then the whole suite (set MOTIVO_TEST_DATABASE_URL to add PostgreSQL)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: speed and memory figures, written to bench/results.md
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

## translations: extract new strings, merge them into the Norwegian catalogue, compile it
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations -l nb --ignore-obsolete
	$(BIN)/pybabel compile -d web/translations
