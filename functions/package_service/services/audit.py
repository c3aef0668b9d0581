"""The audit log's listing: a first page from the query's parameters, later pages from the cursor, which
the parameters sent again with it must agree with (metronome-sdk sends them on every page)."""

from datetime import datetime
from typing import Any, Literal

from ..domain.errors import InvalidRequest
from ..domain.principal import Principal
from ..store.audit import AuditQuery, list_entries


def list_audit_logs(
    principal: Principal,
    limit: int,
    next_page: str | None,
    starting_on: datetime | None,
    ending_before: datetime | None,
    sort: Literal["date_asc", "date_desc"] | None,
    resource_type: str | None,
    resource_id: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    first = AuditQuery.first_page(sort or "date_asc", starting_on, ending_before, resource_type, resource_id)
    query = first
    if next_page is not None:
        # The SDK sends the first page's parameters again with next_page: the same ones are fine, others not.
        query = AuditQuery.from_cursor(next_page)
        for name, given, mine, kept in [
            ("starting_on", starting_on, first.lowest, query.lowest),
            ("ending_before", ending_before, first.highest, query.highest),
            ("sort", sort, first.sort, query.sort),
            ("resource_type", resource_type, first.resource, query.resource),
        ]:
            if given is not None and mine != kept:
                raise InvalidRequest(f"{name}: differs from the next_page cursor's; start a new listing instead")
    return list_entries(principal.tenant_id, query, limit)
