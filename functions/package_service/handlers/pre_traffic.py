"""CodeDeploy's PreTraffic hook: drives the new version of the API function or the authorizer before any
traffic shifts to it, and fails the deployment (the alias stays on the old version) if it misbehaves.

The deployment's AppSpec names the function and its target version. The API gets one read-only call per
route family as a reserved tenant that owns nothing (nothing is written); the authorizer must refuse an
unknown token with exactly "Unauthorized" (the message API Gateway turns into a 401), which also proves
it can reach the table.
"""

import json
import secrets
from typing import Any

from .loading import collector_paused

with collector_paused():
    from ..observability import logger
    from ..settings import get_settings
    from ..store.dynamo import aws_session

SMOKE_TENANT = "__deploy-smoke__"  # owns nothing; the calls only read, so nothing is ever written for it

# One read-only call per route family: (method, path, body). Each must answer 200.
SMOKE_CALLS = [
    ("POST", "/v1/packages/list", "{}"),
    ("POST", "/v1/contract-pricing/products/list", "{}"),
    ("POST", "/v1/contract-pricing/rate-cards/list", "{}"),
    ("GET", "/v1/customers", None),
    ("GET", "/v1/auditLogs", None),
    ("GET", "/swagger", None),
]


def api_event(method: str, path: str, body: str | None) -> dict[str, Any]:
    """A REST proxy event as API Gateway sends it once the authorizer has allowed the smoke tenant."""
    return {
        "resource": path if path in ("/v1/customers", "/v1/auditLogs", "/swagger") else "/v1/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.removeprefix("/v1/")},
        "requestContext": {
            "requestId": f"deploy-smoke-{secrets.token_hex(8)}",
            "httpMethod": method,
            "path": path,
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"principalId": SMOKE_TENANT, "tenant_id": SMOKE_TENANT, "token_name": "deploy-smoke"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def target_of(deployment: dict[str, Any]) -> tuple[str, str]:
    """(function name, target version) from a Lambda deployment's AppSpec."""
    revision = deployment["deploymentInfo"]["revision"]
    content = (revision.get("appSpecContent") or revision.get("string"))["content"]
    (resource,) = json.loads(content)["Resources"]
    (properties,) = [r["Properties"] for r in resource.values()]
    return str(properties["Name"]), str(properties["TargetVersion"])


def smoke_failures(lambda_client: Any, function: str, version: str) -> list[str]:
    """What the version did wrong; empty if it answered every smoke call as it should."""

    def invoke(event: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        answer = lambda_client.invoke(FunctionName=function, Qualifier=version, Payload=json.dumps(event).encode())
        return answer.get("FunctionError"), json.loads(answer["Payload"].read() or b"null") or {}

    if "authorizer" in function.lower():
        event = {"type": "TOKEN", "authorizationToken": f"Bearer {secrets.token_urlsafe(24)}", "methodArn": "*"}
        error, payload = invoke(event)
        refused = error is not None and payload.get("errorMessage") == "Unauthorized"
        return [] if refused else [f"an unknown token got {payload!r} instead of Unauthorized"]
    failures = []
    for method, path, body in SMOKE_CALLS:
        error, payload = invoke(api_event(method, path, body))
        if error is not None or payload.get("statusCode") != 200:
            failures.append(f"{method} {path}: {str(payload)[:300]}")
    return failures


def handler(event: dict[str, Any], context: Any) -> None:
    region = get_settings().aws_region
    codedeploy: Any = aws_session().create_client("codedeploy", region_name=region)
    try:
        function, version = target_of(codedeploy.get_deployment(deploymentId=event["DeploymentId"]))
        failures = smoke_failures(aws_session().create_client("lambda", region_name=region), function, version)
    except Exception:  # the hook must always report, or CodeDeploy waits an hour before failing
        logger.exception("smoke calls could not run", extra={"deployment": event["DeploymentId"]})
        failures = ["the smoke calls could not run"]
    if failures:
        logger.error("new version failed its smoke calls", extra={"failures": failures})
    else:
        logger.info("new version passed its smoke calls", extra={"function": function, "version": version})
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status="Failed" if failures else "Succeeded",
    )
