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


def _body_text(event: dict[str, Any]) -> str | dict[str, Any]:
    """The body as JSON text, or the answer refusing it: not UTF-8 (API Gateway passes such a body on
    base64-encoded, with isBase64Encoded), too large, or not a JSON object (every body of this API is)."""
    body = event.get("body") or ""
    raw = body.encode() if isinstance(body, str) else body
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True)
            body = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _refused(400, "request body: is not UTF-8 text; send JSON encoded as UTF-8")
    limit = get_settings().max_body_bytes
    if len(raw) > limit:
        return _refused(413, f"request body: larger than {limit} bytes")
    # A valid JSON text that is an object starts with "{".
    if event.get("httpMethod") == "POST" and raw.lstrip(b" \t\r\n")[:1] not in (b"", b"{"):
        return _refused(400, "request body: must be a JSON object")
    # Numbers, nesting and lists are checked as the body is read, for every operation (routes/request_json).
    return body if isinstance(body, str) else raw.decode("utf-8", errors="replace")


def _as_json(event: dict[str, Any], body: str) -> dict[str, Any]:
    """This API only speaks JSON: read every body as JSON text, whatever Content-Type says.

    (`curl -d` sends application/x-www-form-urlencoded, which the resolver would parse as a form.)
    """
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = "application/json"
    multi["Content-Type"] = ["application/json"]
    return {**event, "headers": headers, "multiValueHeaders": multi, "body": body or None, "isBase64Encoded": False}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    body = _body_text(event)
    if isinstance(body, dict):
        return body
    response: dict[str, Any] = app.resolve(_as_json(event, body), context)
    return response
