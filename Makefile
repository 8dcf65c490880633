# AI Data Analyst — two commands on a fresh machine: `make run` and `make test`.
# Both install what is missing (system packages, DuckDB 1.5.5) and are safe to re-run.

SHELL := /bin/bash
DUCKDB_VERSION := 1.5.5
export DUCKDB_HOME ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ai-data-analyst/duckdb-$(DUCKDB_VERSION)
DATA_DIR ?= ./data
HOST ?= 127.0.0.1
PORT ?= 8000
# (Debug builds keep the index store: on Linux, `swift build --build-tests` finds the XCTest tests through it.)
SWIFT_BUILD_FLAGS ?=
RELEASE_FLAGS := -c release --static-swift-stdlib
# System packages later features need (Debian names); installed only when missing.
APT_PACKAGES := python3 python3-venv xz-utils pkg-config libargon2-dev openssl python3-aiosmtpd postgresql mariadb-server curl \
	bubblewrap util-linux
# The Python analysts' scripts run with (in the bubblewrap sandbox): Debian's python3 and these pinned packages.
export SCRIPTS_VENV ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ai-data-analyst/scripts-venv
SCRIPTS_PACKAGES := duckdb==$(DUCKDB_VERSION) numpy==2.3.5 pandas==2.3.3 matplotlib==3.10.7

.PHONY: run test contract-test browser-test build release lint format deps duckdb scripts-venv clean help bench generate-api

help:
	@echo "make run    - install what is missing, build, and serve on http://$(HOST):$(PORT) (data in $(DATA_DIR))"
	@echo "make test   - install what is missing, build, and run every test (then make contract-test and browser-test)"
	@echo "make contract-test - fuzz a live server against openapi.yaml with schemathesis"
	@echo "make browser-test  - walk the web pages in headless Chromium (Selenium); screenshots in .build/screenshots"
	@echo "make build  - build da-server and da (debug)"
	@echo "make release - optimised da-server and da that run without a Swift toolchain"
	@echo "make bench  - release build, then data-plane and connector figures next to their physical limits"
	@echo "make generate-api - generate the wire types of openapi.yaml again (after changing it; committed)"
	@echo "make lint   - check formatting with swift format"
	@echo "make format - rewrite sources with swift format"

deps: duckdb
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@$(MAKE) --no-print-directory scripts-venv

duckdb:
	@bash scripts/setup-duckdb.sh >/dev/null

# Created with Debian's /usr/bin/python3 (the sandbox mounts /usr read-only; a Python elsewhere would not be there).
scripts-venv:
	@dpkg -s python3-venv >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3 python3-venv; }
	@if [ "$$(cat "$(SCRIPTS_VENV)/.packages" 2>/dev/null)" != "$(SCRIPTS_PACKAGES)" ]; then \
		echo "creating the scripts virtualenv in $(SCRIPTS_VENV) ($(SCRIPTS_PACKAGES))"; \
		rm -rf "$(SCRIPTS_VENV)" && /usr/bin/python3 -m venv "$(SCRIPTS_VENV)" && \
		"$(SCRIPTS_VENV)/bin/pip" install -q --disable-pip-version-check $(SCRIPTS_PACKAGES) && \
		echo "$(SCRIPTS_PACKAGES)" > "$(SCRIPTS_VENV)/.packages" && chmod -R a+rX "$(SCRIPTS_VENV)"; \
	fi

build: deps
	swift build $(SWIFT_BUILD_FLAGS) --product da-server
	swift build $(SWIFT_BUILD_FLAGS) --product da

run: build
	@bin=$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path); \
	echo ""; \
	echo "  da-server on http://$(HOST):$(PORT)  (data: $(DATA_DIR); stop with Ctrl-C)"; \
	echo "  health:      curl http://$(HOST):$(PORT)/api/health"; \
	echo "  CLI:         $$bin/da --help"; \
	echo "  First login: create the first admin (only possible while there are no users):"; \
	echo "    curl -s -X POST http://$(HOST):$(PORT)/auth/bootstrap -H 'Content-Type: application/json' \\"; \
	echo "         -d '{\"email\":\"you@example.com\",\"password\":\"at-least-10-characters\"}'"; \
	echo "  then log in with POST /auth/token {email, password} and send 'Authorization: Bearer <access_token>'."; \
	echo ""; \
	if [ ! -e "$(DATA_DIR)/extracts/sample/extract.duckdb" ]; then \
		echo "  first start: loading the sample dataset (size s) — da-server sample-data --help for more"; \
		$$bin/da-server sample-data --data-dir "$(DATA_DIR)" --size s --seed 42 >/dev/null || exit 1; \
	fi; \
	exec $$bin/da-server serve --data-dir "$(DATA_DIR)" --host "$(HOST)" --port "$(PORT)" --dev

# Tests run at most TEST_PARALLELISM at a time (swift-testing's SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH): on
# two cores, all 462 at once left tests that wait for a background sync job past their time limits; 8 at a time
# ran the suite faster (146 s against 166-172 s) with none failing.
TEST_PARALLELISM ?= 8
test: deps
	swift build $(SWIFT_BUILD_FLAGS) --build-tests
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_PARALLELISM) swift test $(SWIFT_BUILD_FLAGS) --skip-build
	$(MAKE) contract-test
	$(MAKE) browser-test

# Schemathesis against a live server: every operation of openapi.yaml, zero 5xx, zero answers the contract does not
# describe (about 3 minutes; CONTRACT_TEST_SECONDS and CONTRACT_TEST_EXAMPLES change the budget).
contract-test: deps
	swift build $(SWIFT_BUILD_FLAGS) --product da-server
	scripts/contract-test.sh "$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)"

# Headless Chromium (Debian's chromium + chromium-driver, installed when missing) driven by Selenium walks the journeys
# of Tests/Browser against a live server: no console errors, no requests to other hosts, labelled controls, and
# screenshots at 1280 and 375 px in .build/screenshots (BROWSER_TEST_SECONDS bounds the run, default 300).
browser-test: deps
	swift build $(SWIFT_BUILD_FLAGS) --product da-server
	swift build $(SWIFT_BUILD_FLAGS) --product da
	scripts/browser-test.sh "$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)"

BENCH_DIR ?= $(CURDIR)/.build/bench
bench: deps
	@dpkg -s wrk >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	@[ -x "$(BENCH_DIR)-venv/bin/python" ] || { python3 -m venv "$(BENCH_DIR)-venv" && "$(BENCH_DIR)-venv/bin/pip" install -q duckdb==$(DUCKDB_VERSION); }
	@$(MAKE) --no-print-directory release
	"$(BENCH_DIR)-venv/bin/python" scripts/bench.py "$$(swift build $(RELEASE_FLAGS) --show-bin-path)" "$(BENCH_DIR)"
	"$(BENCH_DIR)-venv/bin/python" scripts/bench_keboola.py "$$(swift build $(RELEASE_FLAGS) --show-bin-path)" "$(BENCH_DIR)"
	"$(BENCH_DIR)-venv/bin/python" scripts/bench_jira.py "$$(swift build $(RELEASE_FLAGS) --show-bin-path)" "$(BENCH_DIR)"
	"$(BENCH_DIR)-venv/bin/python" scripts/bench_web.py "$$(swift build $(RELEASE_FLAGS) --show-bin-path)" "$(BENCH_DIR)"

# Optimised binaries with the Swift runtime and Foundation linked in: they run where no Swift toolchain is installed
# (libduckdb is still loaded at run time: DUCKDB_HOME/lib, or DUCKDB_LIBRARY=/path/libduckdb.so), and `da` starts
# in ~2/3 of the time (fewer relocations to resolve).
release: duckdb
	swift build $(RELEASE_FLAGS) --product da-server
	swift build $(RELEASE_FLAGS) --product da
	@echo "release binaries: $$(swift build $(RELEASE_FLAGS) --show-bin-path)/da-server and da"

# The Swift types of openapi.yaml are generated ahead of time into Sources/AnalystAPI/GeneratedSources and committed
# (building the generator was ~100 s of every clean build); ContractTests fails until this runs after a change.
generate-api:
	scripts/generate-api.sh

lint:
	swift format lint --strict --recursive Sources Tests Package.swift

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
