# Lencana: `make run` and `make test` do all the set-up on a machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test lint format bench bench-issuance bench-hr bench-flood bench-regrade bench-analysis migrate seed clean messages browser-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Development defaults: debug on, SQLite under var/ and the filesystem broker, unless
# DATABASE_URL / REDIS_URL say otherwise.
run: export DJANGO_DEBUG ?= 1
run: export PORT := $(PORT)
# honcho gives each process its own PORT (web 8000, worker 8100, beat 8200): the URL certificates
# name is the web's, fixed here for all of them.
run: export PUBLIC_BASE_URL ?= http://localhost:$(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_briefing
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  API        $(PUBLIC_BASE_URL)/api/v1/"
	@echo "  API docs   $(PUBLIC_BASE_URL)/api/docs/"
	@echo "  Admin      $(PUBLIC_BASE_URL)/admin/"
	@echo "  Verify     $(PUBLIC_BASE_URL)/verify/<code>/"
	@echo "  Demo accounts (above): demo-learner, demo-instructor, demo-hr"
	@echo ""
	$(BIN)/honcho start -f Procfile

# The browser tests (tests/pages) drive Debian's Chromium with Playwright (Playwright's own browser
# download cannot reach its servers); the locale test compiles the message files with gettext's
# msgfmt. Both are installed where missing and apt-get can run; otherwise those tests are skipped
# and say why.
APT_GET := $(shell command -v apt-get 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
browser-deps:
	@command -v msgfmt >/dev/null || { [ -n "$(APT_GET)" ] && $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq gettext >/dev/null; } || echo "gettext not installed: the locale test will be skipped"
	@[ -x /usr/bin/chromium ] || { [ -n "$(APT_GET)" ] && $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: the browser tests will be skipped"

# Tests get their own var/ folder (SQLite file, broker folders, dev signing key), so they never
# touch the development data.
test: export DJANGO_DEBUG ?= 1
test: export LENCANA_VAR_DIR ?= $(CURDIR)/var/test
test: $(STAMP) browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Message files: extract the strings of the pages and PDF labels into locale/{id,en}, then compile
# them (the .mo files are committed, so `make run` needs no gettext).
messages: export DJANGO_DEBUG ?= 1
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l id -l en --no-location \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

lint: export DJANGO_DEBUG ?= 1
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: export DJANGO_DEBUG ?= 1
bench: export LENCANA_VAR_DIR ?= $(CURDIR)/var/bench
bench: $(STAMP)
	$(BIN)/python bench/run.py

# Certificates issued per second through one worker against bare reportlab PDFs (bench/issuance.py).
bench-issuance: export DJANGO_DEBUG ?= 1
bench-issuance: export LENCANA_VAR_DIR ?= $(CURDIR)/var/bench
bench-issuance: $(STAMP)
	$(BIN)/python bench/issuance.py

# bench-hr and bench-flood run the production settings (debug off: no query log, production
# middleware and logging), with bench-only keys, plain HTTP on the loopback.
bench-hr bench-flood: export DJANGO_DEBUG := 0
bench-hr bench-flood: export DJANGO_SECRET_KEY ?= bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz
bench-hr bench-flood: export LENCANA_SIGNING_KEY ?= 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
bench-hr bench-flood: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
bench-hr bench-flood: export SECURE_SSL_REDIRECT := 0
bench-hr bench-flood: export JWT_ACCESS_MINUTES ?= 60
bench-hr bench-flood: export LENCANA_VAR_DIR ?= $(CURDIR)/var/bench

# HR at the size of the force (bench/hr.py): PostgreSQL only, in a database of its own, which the
# generator empties first (BENCH_DATABASE_URL, default a local lencana_bench).
bench-hr: export DATABASE_URL = $(or $(BENCH_DATABASE_URL),postgres://postgres@127.0.0.1:5432/lencana_bench)
bench-hr: $(STAMP)
	$(BIN)/python bench/hr.py

# Grading under a flood and the answer endpoints under load, each against its floor
# (bench/flood.py); PostgreSQL and Redis of its own: database lencana_h12, Redis DB 12 by default.
bench-flood: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lencana_h12
bench-flood: export REDIS_URL ?= redis://127.0.0.1:6379/12
bench-flood: $(STAMP)
	$(BIN)/python -m pip install --quiet 'locust>=2.20'
	psql "$(DATABASE_URL)" -c 'select 1' >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres lencana_h12
	$(BIN)/python bench/flood.py

# Quiz benchmarks on PostgreSQL (DATABASE_URL): bulk regrade against single-row UPDATEs, and item
# analysis of 10,000 attempts (bench/regrade.py, bench/analysis.py; BENCH_N changes the size).
bench-regrade: export DJANGO_DEBUG ?= 1
bench-regrade: export LENCANA_VAR_DIR ?= $(CURDIR)/var/bench
bench-regrade: $(STAMP)
	$(BIN)/python bench/regrade.py

bench-analysis: export DJANGO_DEBUG ?= 1
bench-analysis: export LENCANA_VAR_DIR ?= $(CURDIR)/var/bench
bench-analysis: $(STAMP)
	$(BIN)/python bench/analysis.py

clean:
	rm -rf var $(VENV)
