"""What each handler imports at cold start, in the environment Lambda gives it. Not timed (bench/imports.py
measures the time): these guard the import-time work already removed from coming back."""

import gc
import json
import subprocess
import sys
from typing import Any

import pytest

from bench.imports import lambda_environment
from infra.template import functions
from package_service.handlers.loading import collector_paused

# Heavy modules no handler needs at import: boto3 pulls in s3transfer, pydantic-settings every settings
# source, and X-Ray's patch_all every library it knows that happens to be installed.
NEVER = ["boto3", "s3transfer", "pydantic_settings", "httpx", "requests", "aws_xray_sdk.ext.httpx"]
# Request models of the API only, and the OpenAPI models (needed for /swagger alone).
API_ONLY = ["package_service.domain.terms", "package_service.domain.threshold_terms", "package_service.domain.catalog"]
OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"


def _after_import(logical_id: str) -> dict[str, Any]:
    """In a fresh interpreter: the modules loaded by importing the handler, and the collector's state."""
    module = functions()[logical_id]["Handler"].rpartition(".")[0]
    code = (
        f"import gc, json, sys; import {module}; "
        "print(json.dumps({'modules': sorted(sys.modules), 'gc_on': gc.isenabled(), 'frozen': gc.get_freeze_count()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=lambda_environment(logical_id), capture_output=True, text=True, check=True
    )
    state: dict[str, Any] = json.loads(out.stdout)
    return state


def _loaded_after_import(logical_id: str) -> set[str]:
    return set(_after_import(logical_id)["modules"])


@pytest.mark.parametrize("logical_id", sorted(functions()))
def test_no_handler_imports_what_it_does_not_use(logical_id: str) -> None:
    loaded = _loaded_after_import(logical_id)
    assert not loaded & set(NEVER), f"{logical_id} imports {sorted(loaded & set(NEVER))}"
    assert OPENAPI_MODELS not in loaded, "the OpenAPI models belong to /swagger, imported on its first request"
    if logical_id != "ApiFunction":
        assert not loaded & set(API_ONLY), f"{logical_id} imports the API's request models"


@pytest.mark.parametrize("logical_id", sorted(functions()))
def test_each_handler_loads_with_the_collector_paused_then_resumes_it(logical_id: str) -> None:
    state = _after_import(logical_id)
    assert state["gc_on"], "the handler left the garbage collector off"
    assert state["frozen"] > 10_000, "what the handler loaded was not moved to the permanent generation"


def test_collector_paused_restores_the_state_it_found() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_traced_functions_patch_botocore_and_the_authorizer_loads_no_xray() -> None:
    assert "aws_xray_sdk.ext.botocore.patch" in _loaded_after_import("ProvisionWorkerFunction")
    assert not any(name.startswith("aws_xray_sdk") for name in _loaded_after_import("AuthorizerFunction"))


def test_the_worker_loads_a_message_kind_s_services_with_its_first_message() -> None:
    loaded = _loaded_after_import("ProvisionWorkerFunction")
    per_kind = ["package_service.services.cohorts", "package_service.services.migration_apply"]
    assert not loaded & set(per_kind), f"the worker imports {sorted(loaded & set(per_kind))} with the handler"


def test_the_provisioner_loads_a_due_kind_s_modules_with_the_first_of_its_kind() -> None:
    loaded = _loaded_after_import("ProvisionerFunction")
    per_kind = [
        "package_service.services.cohorts",
        "package_service.services.provisioning",
        "package_service.services.migration_fanout",
        "package_service.services.migration_work",
    ]
    assert not loaded & set(per_kind), f"the Provisioner imports {sorted(loaded & set(per_kind))} with the handler"
