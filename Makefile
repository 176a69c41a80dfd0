# Bot4 — the two commands a newcomer needs are `make run` and `make test`.
# Everything installs itself: a private uv in .tools/, the locked environment in .venv/.
SHELL := /bin/bash
PY ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test bench soak lint typecheck unit audit nofakes bandit docs env env-run clean

# A private, pinned uv. First choice: a venv and pip. A fresh Debian 12 has python3 without
# ensurepip (that is the python3-venv package), so venv fails there: then fall back to
# scripts/bootstrap_uv.py (standard library only; the wheel's sha256 is checked against the index).
$(UV):
	$(PY) -m venv .tools && .tools/bin/pip install -q "uv==$(UV_VERSION)" \
		|| $(PY) scripts/bootstrap_uv.py $(UV_VERSION) $(UV)

# The full environment (dev + bench groups) for tests and benchmarks.
env: $(UV)
	$(UV) sync --frozen --all-groups

# Runtime only: `make run` does not install peers or test tools. --inexact: nor does it
# uninstall them from a .venv that `make test` set up (tests may be running from it).
env-run: $(UV)
	$(UV) sync --frozen --no-default-groups --inexact

run: env-run
	$(BIN)/bot4 run --duration 60

test: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict src
	$(BIN)/python scripts/no_fakes.py
	$(BIN)/bandit -q -c pyproject.toml -r src
	$(BIN)/python scripts/audit.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	$(BIN)/python -m pytest --cov --cov-branch --cov-report=term --cov-fail-under=95 $(PYTEST_ARGS)
	# Performance gate: quick runs of every family, judged only on ratios to peers measured in
	# the same run (bench/targets.toml, gate = "quick"); absolute targets are `make bench`'s.
	$(BIN)/bot4 bench all --quick --out .bench-quick

# The gates one by one (`make test` runs them all, in this order).
lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: env
	$(BIN)/mypy --strict src

nofakes: env
	$(BIN)/python scripts/no_fakes.py

bandit: env
	$(BIN)/bandit -q -c pyproject.toml -r src

audit: env
	$(BIN)/python scripts/audit.py

# The documentation site (mkdocs.yml, docs/) into site/; warnings are errors.
docs: env
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

unit: env
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: env
	$(BIN)/bot4 bench all

# The soak: the node trades a 10-minute synthetic session (3 million messages) at the recorded
# pace; RSS sampled each second, slope after warm-up asserted. Figures: runs/soak/run/soak.json.
soak: env
	BOT4_SOAK_DIR=runs/soak $(BIN)/python -m pytest -m slow --run-slow -s -p no:cacheprovider tests/soak

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache .coverage* htmlcov site
