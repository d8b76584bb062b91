# The two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint openapi console bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "romas needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Install romas and run it on ./romas.db (SQLite) with the sample MAS from agent_specs/.
serve: $(STAMP)
	$(BIN)/romas db upgrade
	ROMAS_EGRESS_ALLOW="$${ROMAS_EGRESS_ALLOW:-127.0.0.1}" $(BIN)/romas serve --seed agent_specs

## Install romas with its test tools, then lint, type-check, check the OpenAPI file and run every test
## (on PYTEST_WORKERS parallel workers, by default two more than the cores: many tests mostly wait for the servers
## they start; every test has its own databases, folders and ports).
PYTEST_WORKERS ?= auto
# The workers, the servers and command-line runs they start all import the same modules: with bytecode caching off
# (PYTHONDONTWRITEBYTECODE), each of them compiled romas again and each worker rewrote every test module again.
test: export PYTHONDONTWRITEBYTECODE :=
# pytest collects the tests once before the workers start, so that each of them finds romas compiled and the test
# modules rewritten instead of doing both itself. The lint and the OpenAPI check (mypy: about 13 s on one core) run
# beside the tests instead of before them; their output is shown at the end, and either failing fails the target.
test: $(STAMP)
	$(BIN)/pytest --collect-only -q -p no:cacheprovider >/dev/null 2>&1 || true
	@checks=$$(mktemp); \
	{ $(MAKE) --no-print-directory lint && $(BIN)/romas openapi --check; } >"$$checks" 2>&1 & checking=$$!; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal; tested=$$?; \
	wait $$checking; checked=$$?; \
	echo "--- lint and OpenAPI check"; cat "$$checks"; rm -f "$$checks"; \
	[ $$checked -eq 0 ] || echo "lint or the OpenAPI check failed"; \
	[ $$tested -eq 0 ] && [ $$checked -eq 0 ]

lint: $(STAMP)
	$(BIN)/ruff check romas tests bench
	$(BIN)/ruff format --check romas tests bench
	$(BIN)/mypy

openapi: $(STAMP)
	$(BIN)/romas openapi

## Rebuild the console's vendored libraries (romas/console/static/vendor) from npm; needs node and npm.
console:
	romas/console/frontend/build.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find romas tests bench -name __pycache__ -prune -exec rm -rf {} +
