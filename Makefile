# Contact Point: `make run` serves the portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT ?= 8000
export PORT

.PHONY: install system-deps run serve migrate demo test test-fast qa lint check bench messages static clean backup restore

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

system-deps:
	./scripts/system-deps.sh

migrate: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py seed_demo

run: system-deps demo
	$(BIN)/python manage.py serve --port $(PORT)

test: install
	./scripts/system-deps.sh --browser
	CONTACTPOINT_ENV=test CELERY_FILESYSTEM_DIR=$(CURDIR)/var/test-celery $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/mypy contactpoint stakeholders needs matching vademecum monitoring
	$(BIN)/lint-imports

# Every gate but the tests: lint, the import contracts, migrations in step, deploy checks.
# `make qa` and CI (.ci/run) both run it before the suite.
check: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	CONTACTPOINT_ENV=production DEBUG=0 SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') \
	  ALLOWED_HOSTS=contactpoint.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

# Local runs: keep the test database between runs (`make test` and CI create it afresh).
test-fast: install
	CONTACTPOINT_ENV=test CELERY_FILESYSTEM_DIR=$(CURDIR)/var/test-celery $(BIN)/pytest --reuse-db $(PYTEST_ARGS)

qa: check
	$(MAKE) test

bench: migrate
	mkdir -p var/bench
	$(BIN)/python -m benchmarks $(BENCH)

# Database (pg_dump -Fc) and uploaded files into var/backups/<time>/; the embedded PostgreSQL
# or DATABASE_URL, whichever the settings use.
backup: install
	$(BIN)/python manage.py backup

# Puts a backup back: make restore BACKUP=var/backups/<time> (default: the latest one).
restore: install
	$(BIN)/python manage.py restore $(BACKUP)

messages: install
	$(BIN)/python manage.py makemessages -l it -l en --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'static/*' --ignore 'tests/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

static:
	./scripts/vendor-static.sh

clean:
	rm -rf $(VENV) var/staticfiles var/test-celery
