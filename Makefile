# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The full generic OBD-II table, when it sits beside the checkout (kept out of the repository).
OBD_DEFAULT := $(wildcard ../shared/data/obdex)
export FIXLINE_OBD_CODES_PATH ?= $(if $(OBD_DEFAULT),$(abspath $(OBD_DEFAULT)),)

.PHONY: run test install lint system-deps postgres test-fast test-browser bench

$(BIN)/.installed: uv.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv sync --frozen --all-extras --quiet
	touch $@

install: $(BIN)/.installed

run: install system-deps
	$(BIN)/fixline migrate
	$(BIN)/fixline seed
	$(BIN)/fixline serve

# Debian packages the product and its tests need (browser tests, OCR, audio); installed
# only when missing, so a fresh machine or CI gets them and a set-up one loses no time.
DEBIAN_PACKAGES := chromium:chromium tesseract:tesseract-ocr ffmpeg:ffmpeg espeak-ng:espeak-ng \
	valgrind:valgrind
system-deps:
	@missing=""; for pair in $(DEBIAN_PACKAGES); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; $(SUDO) apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

# PostgreSQL runs on this machine; start it if it is not answering.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2; }
	@pg_isready -h 127.0.0.1 -p 5432

lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check fixline tests alembic

test: install system-deps postgres lint
	FIXLINE_DATA_DIR=var/test-setup $(BIN)/fixline migrate
	FIXLINE_DATA_DIR=var/test-setup $(BIN)/fixline seed
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not browser and not slow"

test-browser: install system-deps
	$(BIN)/pytest -q -m browser

bench: install postgres
	$(BIN)/fixline bench turns --db sqlite
	$(BIN)/fixline bench turns --db postgres
