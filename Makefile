# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test install migrate demo messages lock clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# The portal on http://127.0.0.1:8000 with a Celery worker, beat and the stand-in monitoring portal
# on :8100; Ctrl-C stops them all.
run: demo
	$(BIN)/honcho -f Procfile.dev start

# The whole suite, after the import rules of pyproject.toml (which package may use which).
# DATABASE_URL / REDIS_URL select PostgreSQL and Redis instead of the defaults.
test: install
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

# Refresh the translation catalogues after changing user-facing text, then translate the new
# entries in locale/*/LC_MESSAGES/django.po and compile.
messages: install
	$(PY) manage.py makemessages -l nl -l fr --no-obsolete --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/broker var/cache var/celerybeat-schedule*
