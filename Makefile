# The two commands a newcomer needs: `make run` and `make test`.
# Both make sure PostgreSQL and Redis are up (starting or installing them when
# missing), create the database roles, and keep generated secrets in .local/.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
ENV := eval "$$(scripts/dev-env.sh)"
CARGO_PROFILE ?= dev
BIN_DIR := target/$(if $(filter dev,$(CARGO_PROFILE)),debug,$(CARGO_PROFILE))
# Queries are checked against the committed .sqlx/ data, so building needs no database.
export SQLX_OFFLINE ?= true

.PHONY: run test e2e blackbox contract container coverage mutants load explain report-scaling list-filter load-reset bench services db lint fmt sqlx-prepare clean-test-dbs help

help:
	@echo "make run    start TaskFlow on http://127.0.0.1:3000 with demo data"
	@echo "make test   run the whole test suite against real Postgres and Redis"
	@echo "make lint   rustfmt and clippy, as CI runs them"
	@echo "make blackbox  schemathesis, sqlmap and log checks against a fresh server (part of make test)"
	@echo "make contract  spectral + OWASP on the OpenAPI document, generated TypeScript and Python clients (part of make test)"
	@echo "make container  build the Dockerfile with podman and run the image for real → target/container/report.md"
	@echo "make e2e    the web frontend in headless Chromium (part of make test) → target/e2e/"
	@echo "make coverage  line coverage of src/ (cargo-llvm-cov) → target/coverage/"
	@echo "make mutants   mutation testing of src/domain and the auth mechanisms (cargo-mutants, ~1 h) → target/mutants/"
	@echo "make load   seed a large dataset into $(LOAD_DB) and load-test a release build (report in target/load/)"
	@echo "make bench  criterion micro-benchmarks of the hot paths"

services:
	@$(ENV); scripts/services.sh

db: services
	@$(ENV); scripts/db-bootstrap.sh

run: db
	cargo build --profile $(CARGO_PROFILE) --bin taskflow
	@$(ENV); $(BIN_DIR)/taskflow migrate
	@$(ENV); $(BIN_DIR)/taskflow seed --profile demo
	@echo "TaskFlow: http://127.0.0.1:3000  (web app: /, API: /api/v1, API docs: /docs, health: /health/ready)"
	@$(ENV); exec $(BIN_DIR)/taskflow serve

test: services
	@scripts/test-tools.sh
	@$(ENV); scripts/db-bootstrap.sh --for-tests
	@$(ENV); scripts/test-db-clean.sh
	@$(ENV); cargo test --all-targets
	@tests/blackbox/run.sh
	@tests/contract/run.sh
	@tests/e2e/run.sh

# Only the API contract: spectral (OWASP), and generated TypeScript and Python clients running the whole flow.
contract: services
	@scripts/test-tools.sh
	@$(ENV); scripts/db-bootstrap.sh --for-tests
	@tests/contract/run.sh

# Build the real Dockerfile with podman (stand-in bases made locally) and run the image against
# the local Postgres and Redis: migrate, serve read-only and unprivileged, smoke, healthcheck, drain.
container: services
	@$(ENV); scripts/db-bootstrap.sh
	@scripts/check-container.sh

# Only the browser end-to-end tests (Chromium + playwright-core); screenshots in target/e2e/.
e2e: services
	@scripts/test-tools.sh
	@$(ENV); scripts/db-bootstrap.sh --for-tests
	@tests/e2e/run.sh

# Only the black-box suite (schemathesis, sqlmap, log checks) against a fresh server.
blackbox: services
	@scripts/test-tools.sh
	@$(ENV); scripts/db-bootstrap.sh --for-tests
	@tests/blackbox/run.sh

# Line coverage of src/ over the whole cargo test suite (cargo-llvm-cov).
# Mutation testing against the unit tests (Redis for the rate limiter's); docs/testing.md has the figures.
# The rate limiter's unit tests read the suite's Redis.
mutants: services
	@scripts/mutants.sh

coverage: services
	@scripts/test-tools.sh
	@$(ENV); scripts/db-bootstrap.sh --for-tests
	@$(ENV); scripts/test-db-clean.sh
	@$(ENV); scripts/coverage.sh

# The load test gets its own database, so the demo data of `make run` stays as it is.
# Extra driver flags: make load LOAD_ARGS="--connections 500 --duration 30" (see --help).
LOAD_DB ?= taskflow_load
LOAD_ARGS ?=
load: services
	@$(ENV); export TASKFLOW_DATABASE__NAME=$(LOAD_DB); scripts/db-bootstrap.sh
	cargo build --release --bin taskflow --example load
	@$(ENV); export TASKFLOW_DATABASE__NAME=$(LOAD_DB); target/release/taskflow migrate && target/release/examples/load $(LOAD_ARGS)

# Query plans of the hot queries on the load dataset (after `make load`).
explain: services
	@mkdir -p target/load
	@$(ENV); PGPASSWORD=$$TASKFLOW_DATABASE__APP_PASSWORD psql -X -q -h 127.0.0.1 -U taskflow_app $(LOAD_DB) \
	  -f benches/load/explain.sql | tee target/load/explain.txt

# The time report's database time at 16k, 64k and 256k entries in one team's
# 30 days, through the hourly rollups and through the entries (scratch database).
report-scaling: services
	benches/report-scaling.sh

# The default list's statement with and without a new condition, under
# pgbench on the load dataset (after `make load`; target/load/list-filter.txt).
list-filter: services
	benches/list-filter.sh

load-reset: services
	@$(ENV); psql -X -q "$${TASKFLOW_ADMIN_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
	  -c "drop database if exists $(LOAD_DB) with (force)"

bench:
	cargo bench --bench hot_paths

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	@scripts/lint-web.sh

fmt:
	cargo fmt --all
	@test -x tests/e2e/node_modules/.bin/biome || (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
	tests/e2e/node_modules/.bin/biome format --write web

# After changing a query or adding a migration: migrate the local database
# (sqlx-cli, so nothing needs to compile first) and regenerate .sqlx/.
sqlx-prepare: db
	@$(ENV); export DATABASE_URL="postgres://taskflow_owner:$$TASKFLOW_DATABASE__OWNER_PASSWORD@127.0.0.1:5432/taskflow"; \
	  sqlx migrate run && SQLX_OFFLINE=false cargo sqlx prepare

clean-test-dbs:
	@$(ENV); scripts/test-db-clean.sh
