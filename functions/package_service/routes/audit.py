"""/v1/auditLogs: every change on the record, as Metronome's audit log API answers it."""

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from ..domain.base import QueryTimestamp
from ..domain.errors import InvalidRequest
from ..services import audit
from .common import Cursor, Limit, principal

router = Router()
TAGS = ["Audit logs"]

ResourceFilter = Annotated[str | None, Query(max_length=200), Field(min_length=1)]


@router.get(
    "/v1/auditLogs",
    summary="The tenant's audit log",
    description="Every change made through the API or by the service's background work, oldest first by "
    "default. Every non-empty page returns `next_page`, the last one too: polling with it later returns the "
    "entries written since. An empty page (nothing new yet) returns `next_page: null`: poll again with the "
    "`next_page` you sent.",
    tags=TAGS,
)
def list_audit_logs(
    limit: Limit = 10,
    next_page: Cursor = None,
    starting_on: Annotated[QueryTimestamp | None, Query(description="Earliest entry (inclusive).")] = None,
    ending_before: Annotated[QueryTimestamp | None, Query(description="Latest entry (exclusive).")] = None,
    sort: Annotated[Literal["date_asc", "date_desc"] | None, Query()] = None,
    resource_type: ResourceFilter = None,
    resource_id: ResourceFilter = None,
) -> dict[str, Any]:
    if (resource_type is None) != (resource_id is None):
        missing = "resource_id" if resource_id is None else "resource_type"
        raise InvalidRequest(f"{missing}: resource_type and resource_id are given together or not at all")
    if starting_on and ending_before and ending_before <= starting_on:
        raise InvalidRequest("ending_before: must be after starting_on")
    entries, cursor = audit.list_audit_logs(
        principal(router), limit, next_page, starting_on, ending_before, sort, resource_type, resource_id
    )
    return {"data": entries, "next_page": cursor}
