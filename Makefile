# qspace: `make run` serves a demo space, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := .demo

.PHONY: run test lint bench clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files make re-installs cheap: they only run when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	@test -f $(DEMO)/config.toml || $(BIN)/qspace init --data-dir $(DEMO) --domain 127.0.0.1:8000 \
		--scheme http --demo
	@$(BIN)/qspace --config $(DEMO)/config.toml migrate
	@echo "qspace demo: http://127.0.0.1:8000/ - log in as demo, password: $$(cat $(DEMO)/demo-password.txt)"
	$(BIN)/qspace --config $(DEMO)/config.toml serve --host 127.0.0.1 --port 8000

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache build dist *.egg-info

# Translations: extract every marked string into the template catalog, then merge it into the
# Simplified Chinese catalog (created on the first run). qspace compiles the .po files in memory
# at start-up, so there is no .mo to build; translate the new entries and drop any fuzzy flags.
LOCALE_DIR := qspace/locale
.PHONY: messages
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ \
		--project=qspace --no-wrap --sort-by-file --add-location=file \
		-o $(LOCALE_DIR)/messages.pot .
	@if [ -f $(LOCALE_DIR)/zh_CN/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l zh_CN --no-wrap; \
	else \
		$(BIN)/pybabel init -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l zh_CN --no-wrap; \
	fi
