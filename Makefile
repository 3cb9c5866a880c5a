# Two commands do all set-up on a fresh machine:
#   make up     run the whole system (Docker Compose when a Docker engine answers, else local processes)
#   make test   lint, type-check and run every test against real Kafka and PostgreSQL
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.9.30
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
INFRA := bash deploy/local/infra.sh

.PHONY: help bootstrap browser up down logs test test-unit test-integration lint fmt typecheck bench faults schemas topics docs

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

# Bytecode is compiled here, once: where PYTHONDONTWRITEBYTECODE is set (these machines set it)
# nothing is cached on import, and every process — each service started by a test, each command —
# compiled every module it imported again: 5 s of CPU for a service's start-up instead of 2.5.
bootstrap: ## install uv (if missing) and the locked dependencies, bytecode compiled
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --all-packages --locked --quiet --compile-bytecode
	@$(UV) run --no-sync python -m compileall -q -j 0 libs/common/src $(wildcard services/*/src) >/dev/null

browser: ## Debian's Chromium, which the console's browser tests drive through Playwright
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium (the browser tests need it)"; \
		$$( [[ $$(id -u) == 0 ]] || echo sudo ) apt-get update -qq && \
		$$( [[ $$(id -u) == 0 ]] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

define docker_answers
docker info >/dev/null 2>&1
endef

up: bootstrap ## start Kafka, PostgreSQL, every service and the gateway on http://127.0.0.1:8000
	@if $(docker_answers); then \
		docker compose up -d --build --wait && echo "gateway: http://127.0.0.1:8000  admin: admin / admin-local-only"; \
	else \
		$(INFRA) up >/dev/null && bash deploy/local/services.sh up; \
	fi

down: ## stop everything `make up` started
	@if $(docker_answers); then docker compose down; else bash deploy/local/services.sh down; $(INFRA) down; fi

logs: ## follow the services' logs
	@if $(docker_answers); then docker compose logs -f; else bash deploy/local/services.sh logs; fi

# Starts the local infrastructure unless a Docker engine answers (then the fixtures use
# testcontainers) or endpoints are given; stops only what it started, even on failure.
define with_infra
	token="make-test-$$$$"; \
	if [[ -z "$$TRAINYARD_KAFKA_BOOTSTRAP" ]] && ! $(docker_answers); then \
		trap '$(INFRA) down --owner '"$$token"' >/dev/null' EXIT; \
		$(INFRA) up --owner "$$token" >/dev/null || exit 1; \
		. .cache/infra.env; \
	fi; \
	$(1)
endef

test: bootstrap lint typecheck ## lint, type-check, run every test (starts and stops the infrastructure)
	@$(call with_infra,UV="$(UV)" bash tools/test_everything.sh)

test-unit: bootstrap ## tests that need no infrastructure
	@$(UV) run pytest -m "not integration and not e2e"

test-integration: bootstrap browser ## tests against real Kafka and PostgreSQL
	@$(call with_infra,$(UV) run pytest -m "integration or e2e")

lint: bootstrap ## ruff lint and format check
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .

fmt: bootstrap ## fix lint and formatting
	@$(UV) run ruff check --fix .
	@$(UV) run ruff format .

typecheck: bootstrap ## mypy (strict on libs/common)
	@$(UV) run mypy libs/common/src services/*/src

docs: bootstrap ## regenerate the committed AsyncAPI documents (docs/asyncapi/) and event JSON Schemas
	@$(UV) run python tools/asyncapi_docs.py
	@$(UV) run trainyard-schemas

schemas: bootstrap ## regenerate the committed JSON Schemas of every event
	@$(UV) run trainyard-schemas

bench: bootstrap ## registrations through customer-account → Kafka → client-directory, vs raw Kafka
	@$(call with_infra,$(UV) run python bench/registrations.py)

faults: bootstrap ## every fault scenario × 3 seeds on a broker of its own: one table, 0 lost / 0 applied twice
	@$(call with_infra,PYTHONPATH=tests $(UV) run python -m faults $(FAULTS_ARGS))

# ==== Kubernetes manifests (deploy/k8s) — appended block, see deploy/k8s/README.md ==========
.PHONY: k8s topics-manifest

k8s: ## render the dev and prod Kubernetes overlays to stdout (pinned kustomize, built on first use)
	@for overlay in dev prod; do echo "--- # overlay: $$overlay"; bash deploy/k8s/render.sh $$overlay || exit 1; done

topics-manifest: bootstrap ## regenerate deploy/k8s/overlays/prod/kafka-topics.yaml from the topic declaration
	@$(UV) run python -m trainyard_common.messaging.strimzi
# ==== end of the Kubernetes block =============================================================

# ==== customer page benchmark (issue 18) — appended block ====================================
.PHONY: bench-tools

bench-tools: ## wrk (Debian), the load generator of bench/customer_page.py
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing Debian's wrk (bench/customer_page.py drives the gateway with it)"; \
		$$( [[ $$(id -u) == 0 ]] || echo sudo ) apt-get update -qq && \
		$$( [[ $$(id -u) == 0 ]] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: bench-tools
# ==== end of the customer page benchmark block ================================================
