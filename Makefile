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
