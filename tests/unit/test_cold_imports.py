"""What each handler imports at cold start, in the environment Lambda gives it. Not timed (bench/imports.py
measures the time): these guard the import-time work already removed from coming back."""

import json
import subprocess
import sys

import pytest

from bench.imports import lambda_environment
from infra.template import functions

# Heavy modules no handler needs at import: boto3 pulls in s3transfer, pydantic-settings every settings
# source, and X-Ray's patch_all every library it knows that happens to be installed.
NEVER = ["boto3", "s3transfer", "pydantic_settings", "httpx", "requests", "aws_xray_sdk.ext.httpx"]
# Request models of the API only, and the OpenAPI models (needed for /swagger alone).
API_ONLY = ["package_service.domain.terms", "package_service.domain.catalog"]
OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"


def _loaded_after_import(logical_id: str) -> set[str]:
    module = functions()[logical_id]["Handler"].rpartition(".")[0]
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=lambda_environment(logical_id), capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("logical_id", sorted(functions()))
def test_no_handler_imports_what_it_does_not_use(logical_id: str) -> None:
    loaded = _loaded_after_import(logical_id)
    assert not loaded & set(NEVER), f"{logical_id} imports {sorted(loaded & set(NEVER))}"
    assert OPENAPI_MODELS not in loaded, "the OpenAPI models belong to /swagger, imported on its first request"
    if logical_id != "ApiFunction":
        assert not loaded & set(API_ONLY), f"{logical_id} imports the API's request models"


def test_traced_functions_patch_botocore_and_the_authorizer_loads_no_xray() -> None:
    assert "aws_xray_sdk.ext.botocore.patch" in _loaded_after_import("ProvisionWorkerFunction")
    assert not any(name.startswith("aws_xray_sdk") for name in _loaded_after_import("AuthorizerFunction"))
