# The two commands from the README: `make scan` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/fine-tune-chat

.PHONY: scan test lint clean

scan: $(STAMP)
	$(BIN)/tos-check scan $(EXAMPLE) --fail-on never

test: $(STAMP)
	$(BIN)/ruff check tos_check tests plugins benchmarks
	$(BIN)/mypy
	$(BIN)/mypy --strict plugins/tos-check-dvc/tos_check_dvc
	$(BIN)/python -m pytest -q plugins/tos-check-dvc/tests
	$(BIN)/python -m pytest -q

$(STAMP): pyproject.toml plugins/tos-check-dvc/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "tos-check needs Python 3.11 or newer (found: $$($(PYTHON) --version)); set PYTHON=python3.11" >&2; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet -e plugins/tos-check-dvc
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
