# Two commands do everything on a fresh machine:  `make run`  and  `make test`.
# The Lambda runtime is python3.13: the same minor version runs the tests. A pyenv shim named
# python3.13 exists even when pyenv's selected version is another, so each candidate must run.
PYTHON ?= $(firstword $(foreach p,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
	/usr/local/bin/python3.13 /usr/bin/python3.13,$(shell $(p) -c 'import sys; assert sys.version_info[:2] == (3, 13)' \
	2>/dev/null && echo $(p))))
NEED_PYTHON = @test -n "$(PYTHON)" || { echo "Python 3.13 is required (the Lambda runtime's version) and none was found: install it (pyenv install 3.13, or your distribution's python3.13) or run make PYTHON=/path/to/python3.13" >&2; exit 1; }
VENV   := .venv
PY     := $(VENV)/bin/python
SAMENV := .venv-sam
SAM    := $(SAMENV)/bin/sam
CHECKOVENV := .venv-checkov

.PHONY: lock setup run test unit integration e2e lint openapi template-check browser invoke provision-now bench clean

setup: $(VENV)/.installed

# Everything comes from the locks (exact versions with hashes, docs/development.md "Dependencies"):
# the tests run the very versions `sam build` ships (functions/requirements.txt, same resolution).
$(VENV)/.installed: locks/dev.lock pyproject.toml
	$(NEED_PYTHON)
	$(PYTHON) -m venv --clear $(VENV)  # a fresh environment: nothing left from an older Python or lock
	$(PY) -m pip install -q --require-hashes -r locks/dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# The SAM CLI pins many packages, so it lives in its own virtual environment.
$(SAMENV)/.installed: locks/sam.lock
	$(NEED_PYTHON)
	$(PYTHON) -m venv --clear $(SAMENV)
	$(SAMENV)/bin/pip install -q --require-hashes -r locks/sam.lock
	touch $@

# Re-resolve every lock (after a bump in pyproject.toml or locks/*.in): one resolution for the tests
# and the functions; then `make test` (the moto-patch tests first) and commit the locks.
LOCKENV := .venv-lock
UV_COMPILE = $(LOCKENV)/bin/uv pip compile -q --generate-hashes --universal --python-version 3.13 --custom-compile-command "make lock"
lock:
	$(NEED_PYTHON)
	test -x $(LOCKENV)/bin/uv || { $(PYTHON) -m venv $(LOCKENV) && $(LOCKENV)/bin/pip install -q --require-hashes -r locks/uv.lock; }
	$(UV_COMPILE) $(UPGRADE) pyproject.toml --extra dev -o locks/dev.lock
	$(UV_COMPILE) functions/requirements.in -c locks/dev.lock -o functions/requirements.txt
	$(UV_COMPILE) $(UPGRADE) locks/sam.in -o locks/sam.lock
	$(UV_COMPILE) $(UPGRADE) locks/checkov.in -o locks/checkov.lock
	$(UV_COMPILE) $(UPGRADE) locks/uv.in -o locks/uv.lock

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
$(CHECKOVENV)/.installed: locks/checkov.lock
	$(NEED_PYTHON)
	$(PYTHON) -m venv --clear $(CHECKOVENV)
	$(CHECKOVENV)/bin/pip install -q --require-hashes -r locks/checkov.lock
	touch $@

template-check: setup $(SAMENV)/.installed $(CHECKOVENV)/.installed  ## sam validate --lint, cfn-lint (+ serverless rules), checkov, sam build
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint
	$(VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml  # + AWS's serverless rules
	$(CHECKOVENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
	@# sam build looks for python3.13 on PATH (a pyenv shim of another selected version does not run)
	PATH="$$(dirname "$$(command -v $(PYTHON))"):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build --parallel --cached >/dev/null
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
