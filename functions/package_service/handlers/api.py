"""Api Lambda: API Gateway REST proxy events -> the resolver."""

import json
from typing import Any

from .loading import collector_paused

with collector_paused():
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ..api_app import app
    from ..observability import logger, metrics
    from ..settings import get_settings
    from ..tracing import tracer


def _body_too_large(event: dict[str, Any]) -> dict[str, Any] | None:
    limit = get_settings().max_body_bytes
    body = event.get("body") or ""
    if len(body.encode() if isinstance(body, str) else body) <= limit:
        return None
    return {
        "statusCode": 413,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"request body: larger than {limit} bytes"}),
    }


def _as_json(event: dict[str, Any]) -> dict[str, Any]:
    """This API only speaks JSON: read every body as JSON, whatever Content-Type says.

    (`curl -d` sends application/x-www-form-urlencoded, which the resolver would parse as a form.)
    """
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = "application/json"
    multi["Content-Type"] = ["application/json"]
    return {**event, "headers": headers, "multiValueHeaders": multi}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = _body_too_large(event) or app.resolve(_as_json(event), context)
    return response
