# Two commands do everything on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
SAMENV := .venv-sam
SAM    := $(SAMENV)/bin/sam
CHECKOVENV := .venv-checkov

.PHONY: setup run test unit integration e2e lint openapi template-check browser invoke provision-now bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml functions/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# The SAM CLI pins many packages, so it lives in its own virtual environment.
$(SAMENV)/.installed:
	$(PYTHON) -m venv $(SAMENV)
	$(SAMENV)/bin/pip install -q aws-sam-cli
	touch $@

run: setup  ## start the service on 127.0.0.1:$${PORT:-3000} with an embedded DynamoDB
	$(PY) -m infra.local_stack

# The Swagger UI test drives a real browser: Debian's chromium, installed once if missing (needs root).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "make test needs Debian's chromium: apt-get install chromium" >&2; exit 1; }

test: setup lint template-check browser  ## everything CI runs: lint, types, template, unit, integration, e2e
	$(PY) -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup
	$(PY) -m pytest -q tests/integration

e2e: setup browser
	$(PY) -m pytest -q tests/e2e

lint: setup
	$(VENV)/bin/ruff check functions infra tests bench
	$(VENV)/bin/ruff format --check functions infra tests bench
	$(VENV)/bin/mypy

openapi: setup  ## regenerate the committed openapi.json from the code
	$(PY) -m infra.openapi > openapi.json

# checkov pins many packages too: its own virtual environment.
$(CHECKOVENV)/.installed:
	$(PYTHON) -m venv $(CHECKOVENV)
	$(CHECKOVENV)/bin/pip install -q checkov
	touch $@

template-check: setup $(SAMENV)/.installed $(CHECKOVENV)/.installed  ## sam validate --lint, cfn-lint (+ serverless rules), checkov, sam build
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint
	$(VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml  # + AWS's serverless rules
	$(CHECKOVENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
	SAM_CLI_TELEMETRY=0 $(SAM) build --parallel --cached >/dev/null
	@echo "sam validate --lint, cfn-lint with serverless rules, checkov and sam build: ok"

invoke: setup  ## like `sam local invoke FN -e EVENT`, without Docker; FN defaults from the event's file name
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/<file>.json [FN=<LogicalId>]" >&2; exit 2; }
	$(PY) -m infra.invoke $(FN) $(EVENT)

provision-now: setup  ## run the scheduled Provisioner once (against the running stack, if any)
	$(PY) -m infra.invoke ProvisionerFunction events/provisioner-schedule.json

bench: setup
	$(PY) -m bench.run

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
