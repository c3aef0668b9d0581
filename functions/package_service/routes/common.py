"""What every route shares: the caller's principal, the clock, list paging, error responses."""

import json
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..domain.audit import RequestInfo
from ..domain.base import RequestModel
from ..domain.errors import DomainError
from ..domain.principal import Principal
from ..settings import get_settings

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


def cursor_page(items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    """A page as `/v1/contracts/list` and `/v2/contracts/list` answer: the next page's cursor in `cursor`."""
    return {"data": items, "cursor": cursor}


MAX_MESSAGE_CHARS = 8_000  # an error body stays well under 16 KB, whatever text a client sent
MAX_LISTED_ERRORS = 20


def error_response(status: int, body: dict[str, Any]) -> Response[str]:
    message = body.get("message")
    if isinstance(message, str) and len(message) > MAX_MESSAGE_CHARS:
        body = {**body, "message": message[: MAX_MESSAGE_CHARS - 3] + "..."}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    """Pydantic errors as `field.path[0].name: what is wrong`, one per problem, at most
    MAX_LISTED_ERRORS of them; in the request's words, never our models' or validators' names."""
    parts = []
    for error in errors[:MAX_LISTED_ERRORS]:
        location = [step for step in error.get("loc", ()) if _is_request_step(step)]
        source = location.pop(0) if location else "body"
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location).lstrip(".")
        message = _in_request_terms(error)
        if error.get("type") == "json_invalid":
            parts.append("request body: is not valid JSON")
        elif not path:  # a model's own rule names its fields in its message
            parts.append(
                message if error.get("type") in ("value_error", "assertion_error") else f"request {source}: {message}"
            )
        else:
            parts.append(f"{path[:200]}: {message[:300]}")
    if len(errors) > MAX_LISTED_ERRORS:
        parts.append(f"and {len(errors) - MAX_LISTED_ERRORS} more problems")
    return "; ".join(parts)


def _in_request_terms(error: dict[str, Any]) -> str:
    kind, context = error.get("type"), error.get("ctx") or {}
    if kind in ("model_type", "model_attributes_type", "dataclass_type", "dict_type"):
        return "must be a JSON object"
    if kind == "union_tag_invalid":  # the tag's value is the client's; how we read it is not
        return f"{context.get('tag')!r} is not one of the kinds this field takes: {context.get('expected_tags')}"
    if kind == "union_tag_not_found":
        field = str(context.get("discriminator", ""))
        named = f"`{field.strip(chr(39))}`" if field.startswith("'") else "its `type`"
        return f"must say which kind of object it is in {named}"
    if kind == "missing":
        return "Field required"
    return str(error.get("msg", "is invalid")).removeprefix("Value error, ")


def _is_request_step(step: Any) -> bool:
    """Pydantic adds steps of its own to a location inside a union or a validator (`function-after[...]`,
    a member's type or model name, a tag): the request has only field names and list indexes."""
    if isinstance(step, int):
        return True
    text = str(step)
    return not ("[" in text or "(" in text or text in _TYPE_NAMES or text in _model_names())


_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "none", "datetime", "decimal"})


@cache
def _model_names() -> frozenset[str]:
    names: set[str] = set()
    pending: list[type] = [RequestModel]  # every request model is one
    while pending:
        model = pending.pop()
        names.add(model.__name__)
        pending.extend(model.__subclasses__())
    return frozenset(names)
