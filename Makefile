# One command vocabulary for people, hooks and CI.
#   make run    set up and serve the app with demo data on SQLite (http://127.0.0.1:8000)
#   make test   set up and run the test suite (SQLite; set DATABASE_URL=postgres://… for PostgreSQL)
#   make check  formatting, lint, migrations and Django's checks
#   make bench  benchmarks (see bench/README.md)
#   make audit  known vulnerabilities in the installed dependencies (pip-audit; needs network)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AUDIT_STAMP := $(VENV)/.installed-audit
AUDIT_REQUIREMENTS := $(VENV)/audit-requirements.txt
PYTEST_ARGS ?=

# Development defaults for `make run`; production reads the same variables from its environment.
RUN_ENV := DEBUG=true
# The suite runs with DEBUG off, as production does.
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key TESTING=true SECURE_SSL_REDIRECT=false \
	CONN_MAX_AGE=0 DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: install run test check format bench audit clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --scale small --if-empty
	@echo ""
	@echo "Spreadwatch is at http://127.0.0.1:8000/ — sign in as lead, national or admin"
	@echo "with the password spreadwatch-demo. Press Ctrl+C to stop."
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python manage.py check

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	bench/run

$(AUDIT_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,audit]"
	touch $(AUDIT_STAMP)

# Every package installed in .venv (runtime and dev dependencies, pip-audit's own; not the
# project itself, nor the venv's pip and setuptools) at its installed version, checked against
# PyPI's vulnerability feed.
# --strict fails when a package cannot be checked (no network, say) instead of skipping it.
audit: $(AUDIT_STAMP)
	$(BIN)/pip freeze --exclude-editable > $(AUDIT_REQUIREMENTS)
	$(BIN)/pip-audit --strict --no-deps --disable-pip -r $(AUDIT_REQUIREMENTS)

clean:
	rm -rf $(VENV) staticfiles spreadwatch.sqlite3* .pytest_cache
