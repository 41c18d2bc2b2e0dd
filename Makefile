# Motivo: the two commands that matter are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
RUNTIME_STAMP := $(VENV)/.installed-runtime
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header
export MOTIVO_INSTANCE_PATH ?= $(CURDIR)/instance
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-latest lock lint format bench serve install clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the lock (exact versions, checked hashes); the package itself goes on
# top without touching them. `make lock` refreshes the lock from pyproject.toml.
$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(STAMP): requirements-test.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(RUNTIME_STAMP)

install: $(STAMP)

## lock: re-resolve the newest versions pyproject.toml allows into requirements.txt and requirements-test.txt
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.9'
	$(LOCK) -o requirements.txt pyproject.toml requirements/build.in
	$(LOCK) -o requirements-test.txt pyproject.toml requirements/build.in --extra test
	# pip's hash-checking mode wants an extra that a dependency asks for pinned with the extra
	# (WeasyPrint needs fonttools[woff]), or it looks for the newest release of it instead.
	sed -i 's/^fonttools==/fonttools[woff]==/' requirements.txt requirements-test.txt

## test-latest: the whole suite in .venv-latest against the newest versions pip resolves today
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/pip install --quiet --upgrade pip
	.venv-latest/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	.venv-latest/bin/pip freeze --exclude-editable > .venv-latest/versions.txt
	@echo "Testing against the newest versions (listed in .venv-latest/versions.txt)"
	.venv-latest/bin/ruff check .
	.venv-latest/bin/python -m pytest

## demo: install, create instance/motivo.db with the demo organisation, serve on :8000
demo: $(RUNTIME_STAMP)
	@mkdir -p $(MOTIVO_INSTANCE_PATH)
	@test -s $(MOTIVO_INSTANCE_PATH)/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(MOTIVO_INSTANCE_PATH)/secret_key
	$(BIN)/motivo init --demo
	SECRET_KEY="$$(cat $(MOTIVO_INSTANCE_PATH)/secret_key)" MOTIVO_WORKER_INTERVAL=$${MOTIVO_WORKER_INTERVAL:-10} \
		$(BIN)/motivo serve --host $(HOST) --port $(PORT) --training-worker

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
	rm -rf $(VENV) .venv-latest .pytest_cache .ruff_cache .hypothesis

## translations: extract new strings, merge them into the Norwegian catalogue, compile it
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k NP_:1,2 --no-location --omit-header -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations -l nb --ignore-obsolete
	$(BIN)/pybabel compile -d web/translations
