# DreamTrack developer commands (GNU make). `make run` to try the API, `make test` to check it.

PYTHON := .venv/bin/python
# Extra arguments for pytest / bench: `make test ARGS="-k streak -x"`, `make bench ARGS="--only healthz"`.
ARGS ?=

.PHONY: venv run test fuzz lint bench bench-sse soak services clean

venv: .venv/.installed

# The stamp is newer than both requirements files once they are installed, so
# pip runs again only when one of them changes.
.venv/.installed: requirements.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv .venv
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	@# A development .env (DEBUG=1 only), so that manage.py commands work in a
	@# checkout without further set-up; an existing .env is never overwritten.
	test -f .env || cp .env.example .env
	touch $@

# DEBUG=1: no SECRET_KEY needed, and SQLite + in-process cache unless
# DATABASE_URL / REDIS_URL are set (in the environment or .env).
run: export DEBUG = 1
run: venv
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed
	@echo
	@echo "Swagger UI: http://127.0.0.1:8000/swagger/"
	@echo "ReDoc:      http://127.0.0.1:8000/redoc/"
	@echo "Admin:      http://127.0.0.1:8000/admin/  (create an account with: $(PYTHON) manage.py createsuperuser)"
	@echo
	$(PYTHON) manage.py runserver 127.0.0.1:8000

# Uses PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set (race tests need
# PostgreSQL and are skipped without it), else SQLite and an in-process cache.
test: venv
	$(PYTHON) -m pytest $(ARGS)

# Schemathesis over /swagger.json against a live server of the test database (minutes;
# apps/core/tests/test_fuzz.py, schemathesis.toml). CI runs it on PostgreSQL + Redis.
fuzz: venv
	$(PYTHON) -m pytest -m fuzz $(ARGS)

lint: venv
	.venv/bin/ruff check .

bench: venv
	$(PYTHON) bench/run.py $(ARGS)

# N open Server-Sent Event streams on one uvicorn: memory per stream, delivery latency
# (bench/sse.py, docs/benchmarks.md "Live events"). `make bench-sse ARGS="--streams 200"`.
bench-sse: venv
	$(PYTHON) bench/sse.py $(ARGS)

# A mixed load on every value-moving endpoint from many users at once (default 5 minutes),
# then the ledger audit (bench/soak.py): `make soak ARGS="--duration 60 --users 20 --concurrency 4"`.
# Uses DATABASE_URL / REDIS_URL when set, else its own dreamtrack_soak database and Redis db 13;
# gunicorn listens on a free port of 127.0.0.1.
soak: venv
	$(PYTHON) bench/soak.py $(ARGS)

services:
	bash scripts/ensure_services.sh

# Removes generated files; keeps .venv and the local db.sqlite3 (delete those by hand).
clean:
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf staticfiles .pytest_cache .ruff_cache .hypothesis
