"""What every route shares: the caller's principal, the clock, list paging, error responses."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..domain.audit import RequestInfo
from ..domain.errors import DomainError
from ..settings import get_settings
from ..store.tokens import Principal

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (default 10, at most 100).")]
Cursor = Annotated[str | None, Query(description="The `next_page` of the previous page.")]


class Unauthenticated(DomainError):
    status = 401


def principal(router: BaseRouter) -> Principal:
    """The tenant and token the authorizer put in the request context, and the request itself (its id,
    the caller's address and user agent, as API Gateway reports them) for the audit log."""
    request_context = router.current_event.raw_event.get("requestContext") or {}
    context = request_context.get("authorizer") or {}
    tenant_id, token_name = context.get("tenant_id"), context.get("token_name")
    if not tenant_id:
        raise Unauthenticated("Unauthorized")
    identity = request_context.get("identity") or {}
    request = RequestInfo(
        id=str(request_context.get("requestId") or "unknown"),
        ip=identity.get("sourceIp") or None,
        user_agent=identity.get("userAgent") or None,
    )
    return Principal(str(tenant_id), str(token_name or ""), str(context.get("token_id") or ""), request)


_STARTED = time.monotonic()


def now() -> datetime:
    """The clock every route passes down: the wall clock, or (LOCAL_CLOCK, local test stacks only) a clock
    that started at that instant when the process did and runs from there."""
    start = get_settings().local_clock
    if start is None:
        return datetime.now(UTC)
    return start.astimezone(UTC) + timedelta(seconds=time.monotonic() - _STARTED)


def page(items: list[dict[str, Any]], next_page: str | None) -> dict[str, Any]:
    return {"data": items, "next_page": next_page}


def error_response(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    """Pydantic errors as `field.path[0].name: what is wrong`, one per problem."""
    parts = []
    for error in errors:
        location = list(error.get("loc", ()))
        source = location.pop(0) if location else "body"
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location).lstrip(".")
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            parts.append("request body: is not valid JSON")
        elif not path:
            parts.append(f"request {source}: {message}" if error.get("type") == "missing" else message)
        else:
            parts.append(f"{path}: {message}")
    return "; ".join(parts)
