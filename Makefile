# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask --app wsgi
HTMX := node_modules/htmx.org/dist/htmx.min.js

.PHONY: install static run serve test test-sqlite test-postgres bench bench-scale bench-load bench-throughput bench-calls clean

install: $(BIN)/.installed static

$(BIN)/.installed: pyproject.toml
	@# WeasyPrint renders the PDFs with Debian's Pango and a font; install them when missing.
	@ldconfig -p | grep -q "libpangoft2-1.0" && fc-list 2>/dev/null | grep -q . || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	   fonts-dejavu-core >/dev/null)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# htmx comes from the npm registry at build time; static files get content-hashed names.
static: $(BIN)/.installed $(HTMX)
	mkdir -p portal_app/static/vendor
	cp $(HTMX) portal_app/static/vendor/htmx.min.js
	$(FLASK) digest clean >/dev/null
	$(FLASK) digest compile >/dev/null

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Portal:  http://127.0.0.1:5000/login    Staff console: http://127.0.0.1:5000/staff/login"
	$(FLASK) run --host 127.0.0.1 --port 5000

# The portal as a deployment runs it: gunicorn with gunicorn.conf.py (workers from the cores,
# access log, graceful timeout; PORTAL_BIND, WEB_CONCURRENCY). Development by default (the
# secret key of instance/secret_key); set PORTAL_ENV=production, SECRET_KEY and the rest there.
serve: install
	$(FLASK) db upgrade
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/gunicorn -c gunicorn.conf.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/page_weight.py

# Every list, filter, search and both dashboards with 100,000 invoices, 100,000 assets (and
# 20,000 estimates where the schema has them) against the demo (BENCH_DATABASE_URL: PostgreSQL).
bench-scale: install
	$(BIN)/python bench/scale.py

# req/s of every logged-in page (a first view) against an empty page of the portal layout, and
# of that against a bare Flask hello, side by side (gunicorn -c gunicorn.conf.py with 2 workers,
# wrk -t2 -c16; BENCH_DATABASE_URL: PostgreSQL). Needs wrk (apt-get install -y wrk).
bench-throughput: install
	$(BIN)/python bench/throughput.py

# Python function calls per request of the same pages, in-process: a figure the machine's other
# work does not move, to compare two commits (nothing judged).
bench-calls: install
	$(BIN)/python bench/calls.py

# 50 users for 60 s against gunicorn (4 workers, Redis rate limits on redis://127.0.0.1:6379/8):
# 0 errors and the rows equal to the writes (BENCH_DATABASE_URL: PostgreSQL). Needs locust.
bench-load: install $(BIN)/.bench
	$(BIN)/python bench/load.py

$(BIN)/.bench: pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

clean:
	rm -rf $(VENV) node_modules portal_app/static/vendor portal_app/static/cache_manifest.json
