# Two commands do all the set-up on a fresh clone:
#   make run   - venv, install, migrate, demo data, serve on http://127.0.0.1:8000 (SQLite, in-process carts)
#   make test  - venv, install, the whole test suite against local PostgreSQL and Redis
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

# The test suite talks to real servers (see README); override either to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test lint bench-cart bench-checkout bench-http bench-catalog

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Benchmarks (results and how to read them: bench/README.md). They need local PostgreSQL
# and Redis; bench-http also needs wrk.
bench-cart: install
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/3} $(PY) bench/cart_store.py --rounds 5

bench-checkout: install
	$(PY) bench/checkout.py

bench-http: install
	$(PY) bench/http.py --scale-out

bench-catalog: install
	$(PY) bench/catalog_scale.py
