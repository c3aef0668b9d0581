"""Api Lambda: API Gateway REST proxy events -> the resolver."""

import base64
import binascii
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


def _refused(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": message}),
    }


def _body_refused(event: dict[str, Any]) -> dict[str, Any] | None:
    """Bodies the resolver cannot read as JSON text: too large, or not UTF-8 (API Gateway passes those
    base64-encoded, with isBase64Encoded)."""
    body = event.get("body") or ""
    raw = body.encode() if isinstance(body, str) else body
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True)
            raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _refused(400, "request body: is not UTF-8 text; send JSON encoded as UTF-8")
    limit = get_settings().max_body_bytes
    if len(raw) > limit:
        return _refused(413, f"request body: larger than {limit} bytes")
    # Every body of this API is an object; a valid JSON text that is one starts with "{".
    if event.get("httpMethod") == "POST" and raw.lstrip(b" \t\r\n")[:1] not in (b"", b"{"):
        return _refused(400, "request body: must be a JSON object")
    return None


def _as_json(event: dict[str, Any]) -> dict[str, Any]:
    """This API only speaks JSON: read every body as JSON text, whatever Content-Type says.

    (`curl -d` sends application/x-www-form-urlencoded, which the resolver would parse as a form.)
    """
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = "application/json"
    multi["Content-Type"] = ["application/json"]
    body = event.get("body")
    if event.get("isBase64Encoded") and body:  # UTF-8 text, checked by _body_refused
        body = base64.b64decode(body).decode("utf-8")
    return {**event, "headers": headers, "multiValueHeaders": multi, "body": body, "isBase64Encoded": False}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = _body_refused(event) or app.resolve(_as_json(event), context)
    return response
