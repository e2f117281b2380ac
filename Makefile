# Lianfang: the two commands of the quick start are `make demo` and `make test`.
VENV      ?= .venv
BIN       := $(VENV)/bin
PG_URL    ?= postgres://postgres@127.0.0.1:5432/test
PORT      ?= 8000
PYTEST_ARGS ?=

.PHONY: install demo test test-sqlite test-postgres lint bench assets messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package.json package-lock.json scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(BIN)/python || $$(scripts/find-python.sh) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	scripts/vendor-assets.sh
	$(BIN)/lianfang compilemessages --ignore '.venv' -v 0
	touch $@

assets:
	scripts/vendor-assets.sh

messages: install
	cd src/lianfang && LIANFANG_DATA_DIR=$(CURDIR)/data ../../$(BIN)/lianfang makemessages -l en --ignore 'static/*' && ../../$(BIN)/lianfang compilemessages

demo: install
	$(BIN)/lianfang demo --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lianfang check --fail-level WARNING

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	@if $(BIN)/python scripts/pg-reachable.py $(PG_URL); then \
		echo "== test suite on PostgreSQL ($(PG_URL))"; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	fi

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.supervision
	$(BIN)/python -m bench.risks

clean:
	rm -rf $(VENV) node_modules src/lianfang/static/vendor
