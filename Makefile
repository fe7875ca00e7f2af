# The two commands from the README: `make scan` and `make test`. Each sets up .venv itself, from the pinned
# versions in constraints.txt, so every machine (a user's, CI's) tests the same releases.
# `make test-latest` runs the same checks on the newest release of every dependency; `make lock` re-pins.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/fine-tune-chat
CONSTRAINTS := constraints.txt
LATEST := .venv-latest
PIP = -m pip install --quiet --disable-pip-version-check
PROJECT = -e '.[dev]' -e plugins/tos-check-dvc
# The build backend (hatchling) is installed in an isolated environment that only PIP_CONSTRAINT reaches.
PINNED = PIP_CONSTRAINT=$(abspath $(CONSTRAINTS))

.PHONY: scan test test-latest fuzz lock clean python-version browser

scan: $(STAMP)
	$(BIN)/tos-check scan $(EXAMPLE) --fail-on never

# The whole suite, run with the interpreter of the environment given as $(1).
define checks
	$(1)/ruff check tos_check tests plugins benchmarks
	$(1)/mypy
	$(1)/mypy --strict plugins/tos-check-dvc/tos_check_dvc
	$(1)/python -m pytest -q plugins/tos-check-dvc/tests
	$(1)/python -m pytest -q
endef

test: $(STAMP) browser
	$(call checks,$(BIN))

# The fuzz tests at length (the suite runs them short): thousands of broken inputs per reader.
fuzz: $(STAMP)
	$(BIN)/python -m pytest -q -m fuzz --hypothesis-profile=long --hypothesis-show-statistics

# The newest releases, in an environment of their own, never pinned: breakage upstream shows here first.
test-latest: python-version browser
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python $(PIP) --upgrade --upgrade-strategy eager $(PROJECT)
	$(LATEST)/bin/python -m pip list --format=freeze --exclude-editable --disable-pip-version-check
	$(call checks,$(LATEST)/bin)

# Re-pin constraints.txt to today's newest releases (then run `make test`, and commit both if it passes).
lock: python-version
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python $(PIP) --upgrade $(PROJECT) hatchling
	{ echo "# Pinned versions for make test, make scan and CI; regenerate with 'make lock'."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable --disable-pip-version-check; } > $(CONSTRAINTS)
	rm -rf .venv-lock

$(STAMP): pyproject.toml plugins/tos-check-dvc/pyproject.toml $(CONSTRAINTS) | python-version
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PINNED) $(BIN)/python $(PIP) -c $(CONSTRAINTS) $(PROJECT)
	@touch $(STAMP)

# The browser that the HTML report's test drives (tests/report/test_html.py): Debian's chromium, installed
# with apt when it is missing (Playwright never downloads one). Without it that test is skipped, or fails
# where TOS_CHECK_REQUIRE_BROWSER is set (CI).
CHROMIUM := /usr/bin/chromium
APT_CHROMIUM = $$sudo apt-get install -y --no-install-recommends chromium
browser:
	@test -x $(CHROMIUM) || { \
	  sudo=$$(test "$$(id -u)" -eq 0 || echo "sudo -n"); \
	  $(APT_CHROMIUM) || { $$sudo apt-get update && $(APT_CHROMIUM); } \
	  || echo "make browser: could not install chromium ($(CHROMIUM)) with apt-get; the HTML report's browser test will not run" >&2; }

python-version:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "tos-check needs Python 3.11 or newer (found: $$($(PYTHON) --version)); set PYTHON=python3.11" >&2; exit 2; }

clean:
	rm -rf $(VENV) $(LATEST) .venv-lock build dist .pytest_cache .mypy_cache .ruff_cache
