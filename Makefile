# Tỉnh Số — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run serve test install assets migrate demo lint types migrations-check pytest system-deps bench bench-ioc bench-inbox bench-http bench-system-deps bench-sensors bench-audit bench-reports bench-uploads openapi messages clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) assets

# Front-end packages come from npm at build time and are served locally (no CDN).
assets: src/tinhso/static/vendor/.built
src/tinhso/static/vendor/.built: package.json package-lock.json scripts/copy-assets.sh
	npm ci --no-audit --no-fund --loglevel=error
	bash scripts/copy-assets.sh
	touch $@

migrate: install
	$(BIN)/tinhso migrate --noinput

demo: migrate
	$(BIN)/tinhso load_demo --with-history

# The port is passed to the settings (TINHSO_PORT): links made outside a request (e-mail, SMS, QR
# codes, also by load_demo) point at the port served; links made while serving a request follow
# the host and port the browser used (docs/development.md).
# Beside the server, `tinhso worker` runs the periodic jobs, among them the delivery of what the
# outbox owes outside systems (the national portal's sandbox here): never inside a request (ADR 0016).
run: export TINHSO_PORT := $(PORT)
run: demo
	@echo "Tỉnh Số: http://127.0.0.1:$(PORT)/  (tài khoản demo: xem README.md)"
	TINHSO_PORT=$(PORT) $(BIN)/tinhso worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	TINHSO_PORT=$(PORT) $(BIN)/tinhso runserver 127.0.0.1:$(PORT)

# The production topology (Procfile: gunicorn, Celery worker and beat, MQTT ingest) under honcho,
# against PostgreSQL, Redis and Mosquitto. Needs TINHSO_SECRET_KEY; refuses what `check --deploy`
# calls an error (debug on, a default secret, the demo PKI). See docs/deployment.md.
serve: export TINHSO_DEBUG ?= false
serve: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tinhso
serve: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
serve: export TINHSO_CACHE_URL ?= redis://127.0.0.1:6379/1
serve: export TINHSO_MQTT_HOST ?= 127.0.0.1
serve: export TINHSO_VAR_DIR ?= $(CURDIR)/var
serve: export PATH := $(CURDIR)/$(BIN):$(PATH)
serve: install
	@test -n "$$TINHSO_SECRET_KEY" || { echo "make serve: đặt TINHSO_SECRET_KEY (khóa bí mật của bản triển khai)" >&2; exit 2; }
	$(BIN)/tinhso check --deploy --fail-level ERROR
	$(BIN)/tinhso migrate --noinput
	$(BIN)/tinhso collectstatic --noinput --verbosity 0
	@echo "Tỉnh Số (production): http://127.0.0.1:$(PORT)/"
	exec $(BIN)/honcho start --procfile Procfile --port $(PORT)

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

types: install
	$(BIN)/mypy

migrations-check: install
	$(BIN)/tinhso makemigrations --check --dry-run

openapi: install
	$(BIN)/tinhso export_openapi --output docs/openapi.json

# Translations: the compiled .mo files are committed so `make run` needs no gettext tools.
messages: install
	cd src/tinhso && ../../$(BIN)/tinhso makemessages -l en --no-obsolete --ignore=tests
	cd src/tinhso && ../../$(BIN)/tinhso compilemessages

system-deps:
	bash scripts/ensure-system-deps.sh

# The whole suite: lint, types, migrations check, unit + API + browser tests.
test: install system-deps lint types migrations-check
	cd src/tinhso && ../../$(BIN)/tinhso compilemessages >/dev/null
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench-ioc: install
	$(BIN)/python bench/ioc_dashboard.py --dossiers 1000000 --years 5

bench-inbox: install
	$(BIN)/python bench/inbox.py --dossiers 1000000 --years 5

# Lookup, filing and a bare view under gunicorn (the Procfile's web command) with wrk, on PostgreSQL
# (database tinhso_bench_http, kept between runs; 1 M generated dossiers the first time). Options:
# BENCH_HTTP_ARGS="--db NAME --dossiers N --duration S ..." (see bench/http_gunicorn.py).
bench-http: install bench-system-deps
	$(BIN)/python bench/http_gunicorn.py $(BENCH_HTTP_ARGS)

# Debian packages only the benchmarks need (kept out of system-deps: the test suite needs none).
bench-system-deps:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }

bench-sensors: install
	$(BIN)/python bench/sensors_ingest.py

bench-audit: install
	$(BIN)/python bench/audit_log.py

# The nearby-duplicate query of reports at 1 M reports on PostgreSQL (docs/benchmarks.md).
bench-reports: install
	$(BIN)/python bench/reports_nearby.py $(BENCH_REPORTS_ARGS)

# Peak RSS of a server process handling one upload of 10 MB, 100 MB and 1 GB (cap raised for the
# run), beside a small upload and the old read-everything path; BENCH_UPLOADS_ARGS="--sizes 10,100".
bench-uploads: install
	$(BIN)/python -m bench.uploads $(BENCH_UPLOADS_ARGS)

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules var src/tinhso/static/vendor
