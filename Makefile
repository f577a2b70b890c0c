# Two commands do all the set-up on a fresh clone:
#   make run   - venv, install, migrate, demo data, serve on http://127.0.0.1:8000
#                (SQLite and an embedded Redis in the project folder: nothing else to run)
#   make test  - venv, install the test tools too, the whole suite against local
#                PostgreSQL and Redis
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

# The test suite talks to real servers; override either to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist workers; each has its own test database and Redis database (15, 14, ...).
TEST_WORKERS ?= 2

.PHONY: install install-dev run test lint worker beat bench-http bench-checkout bench-catalog

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip

$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.run-*; touch $(RUN_STAMP)

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.dev-*; touch $(DEV_STAMP)

install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

run: install
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	DJANGO_DEBUG=true $(PY) manage.py seed_demo_coupon
	DJANGO_DEBUG=true $(PY) manage.py seed_demo_shipping
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: install-dev
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

# Background work beside the web server (docs/operations.md).
worker: install
	$(VENV)/bin/celery -A shop worker --loglevel INFO

beat: install
	$(VENV)/bin/celery -A shop beat --loglevel INFO

# Benchmarks (what each measures and the latest results: bench/README.md). They need
# local PostgreSQL and Redis; bench-http also needs wrk.
bench-http: install-dev
	$(PY) bench/http.py --workers 2

bench-checkout: install-dev
	$(PY) bench/checkout.py

bench-catalog: install-dev
	$(PY) bench/catalog_scale.py
