# The two commands: `make demo` and `make test`. Both install uv if it is missing
# and sync the locked environment first.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: demo test lint sync uv

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

sync: uv
	$(UV) sync --frozen

demo: sync
	$(UV) run --frozen pressetl demo

test: sync
	$(UV) run --frozen pytest

lint: sync
	$(UV) run --frozen ruff check .
