# Set-up and everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in patient messages point here; follows HOST and PORT unless set.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install install-dev migrate seed lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

# Web on http://$(HOST):$(PORT) plus one Celery worker with embedded beat, run by honcho so
# that their output is interleaved with a prefix and Ctrl-C stops both. TZ makes honcho stamp its
# prefix in the clinic's zone, like Django's own log times.
run: seed
	@echo "Starting web on http://$(HOST):$(PORT)/ and a Celery worker with beat (Ctrl-C stops all)"
	TZ="$${TIME_ZONE:-America/New_York}" PATH="$(CURDIR)/$(BIN):$$PATH" \
		RUN_HOST=$(HOST) RUN_PORT=$(PORT) SITE_URL=$(SITE_URL) \
		$(BIN)/honcho --procfile Procfile.dev start

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/booking.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf var staticfiles .pytest_cache .hypothesis
