# Laurel — the two commands: `make demo` and `make test` (and `make bench` for the benchmark).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
BENCH_PROFILE ?= embedded
STAMP := $(VENV)/.installed

.PHONY: demo test bench install migrate clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	@PORT=$(PORT) PY=$(PY) bash scripts/demo.sh

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The benchmark (bench/): its own throw-away stack; production needs PostgreSQL and Redis on 127.0.0.1.
bench: install
	$(PY) -m bench --profile $(BENCH_PROFILE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
