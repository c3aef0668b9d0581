"""Audit entries: written as one more item of the change's own transaction, listed per tenant or per resource.

entry   pk=T#<t>#AUDIT   sk=<timestamp>#<id>   doc (JSON), record_type=AUDIT, tenant, detail_type
        gsi1pk=T#<t>#AUDIT#<resource_type>#<resource_id>   gsi1sk=<timestamp>#<id>   (one resource's history)

A tenant's history is one partition in time order, so any page (either direction, any date range) is a
single Query of `limit` items however long the history is; a resource's history is the same on gsi1.
`record_type` is what the stream publisher's event filter selects (template.yaml).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..domain.audit import Actor, AuditEntry, Change, RequestInfo, new_entry
from ..domain.base import format_timestamp
from ..domain.errors import InvalidRequest, Unavailable
from ..domain.principal import Principal
from .cursors import decode_cursor, encode_cursor
from .dynamo import Item, get_client, key, s, table_name, text, transact, translated_errors

RECORD_TYPE = "AUDIT"
_LOWEST, _HIGHEST = "0", "~"  # below and above every "<timestamp>#<id>"
# Callers that are not an API request (the admin CLI, demo seeding, tests calling the store directly).
NOT_AN_API_REQUEST = RequestInfo(id="internal")

Sort = Literal["date_asc", "date_desc"]


def tenant_partition(tenant: str) -> str:
    return f"T#{tenant}#AUDIT"


def resource_partition(tenant: str, resource_type: str, resource_id: str) -> str:
    return f"T#{tenant}#AUDIT#{resource_type}#{resource_id}"


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.token_id or principal.token_name, principal.token_name)


def audited(principal: Principal, change: Change, now: datetime, actor: Actor | None = None) -> AuditEntry:
    """The entry recording `change`, made by `actor` (default: the principal's token) for its request."""
    return new_entry(
        principal.tenant_id, actor or actor_of(principal), principal.request or NOT_AN_API_REQUEST, change, now
    )


def entry_put(entry: AuditEntry) -> Item:
    """The transaction item that writes `entry` (a fresh id: the condition never fails in practice)."""
    sort_key = f"{entry.timestamp}#{entry.id}"
    change = entry.change
    return {
        "Put": {
            "TableName": table_name(),
            "Item": {
                **key(tenant_partition(entry.tenant), sort_key),
                "gsi1pk": s(resource_partition(entry.tenant, change.resource_type, change.resource_id)),
                "gsi1sk": s(sort_key),
                "record_type": s(RECORD_TYPE),
                "tenant": s(entry.tenant),
                "detail_type": s(entry.detail_type),
                "doc": s(json.dumps(entry.document(), separators=(",", ":"))),
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


@dataclass(frozen=True)
class AuditQuery:
    """What a page of `GET /v1/auditLogs` reads; a cursor carries all of it but the tenant."""

    sort: Sort = "date_asc"
    lowest: str = _LOWEST  # inclusive: starting_on
    highest: str = _HIGHEST  # exclusive: ending_before ("<ts>" sorts before every "<ts>#<id>")
    resource: str = ""  # "<resource_type>#<resource_id>", or "" for the whole tenant
    after: str = ""  # the sort key of the last entry already returned

    @classmethod
    def first_page(
        cls,
        sort: Sort,
        starting_on: datetime | None,
        ending_before: datetime | None,
        resource_type: str | None,
        resource_id: str | None,
    ) -> "AuditQuery":
        return cls(
            sort=sort,
            lowest=format_timestamp(starting_on) if starting_on else _LOWEST,
            highest=format_timestamp(ending_before) if ending_before else _HIGHEST,
            resource=f"{resource_type}#{resource_id}" if resource_type and resource_id else "",
        )

    def cursor(self, after: str) -> str:
        return encode_cursor(
            {"sort": self.sort, "lo": self.lowest, "hi": self.highest, "res": self.resource, "after": after}
        )

    @classmethod
    def from_cursor(cls, cursor: str) -> "AuditQuery":
        sort, lowest, highest, resource, after = decode_cursor(cursor, "sort", "lo", "hi", "res", "after")
        if sort not in ("date_asc", "date_desc"):
            raise InvalidRequest("next_page: not a cursor this service issued")
        return cls("date_asc" if sort == "date_asc" else "date_desc", lowest, highest, resource, after)


def list_entries(tenant: str, query: AuditQuery, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """One page, and the cursor to continue from. Every non-empty page has one, even the last: entries
    keep arriving, and polling with it returns what came since. An empty page has none (so the SDK's
    auto-pagination stops): the caller polls again with the cursor it already holds."""
    on_index = bool(query.resource)
    hash_name, partition = ("pk", tenant_partition(tenant))
    if on_index:
        resource_type, _, resource_id = query.resource.partition("#")
        hash_name, partition = "gsi1pk", resource_partition(tenant, resource_type, resource_id)
    range_name = "gsi1sk" if on_index else "sk"
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": f"{hash_name} = :pk AND {range_name} BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {":pk": s(partition), ":lo": s(query.lowest), ":hi": s(query.highest)},
        "ScanIndexForward": query.sort == "date_asc",
        "Limit": limit,
    }
    if on_index:
        request["IndexName"] = "gsi1"
    if query.after:
        start = key(tenant_partition(tenant), query.after)
        if on_index:
            start.update({"gsi1pk": s(partition), "gsi1sk": s(query.after)})
        request["ExclusiveStartKey"] = start
    with translated_errors():
        items = get_client().query(**request).get("Items", [])
    entries = [json.loads(text(item, "doc")) for item in items]
    return entries, (query.cursor(text(items[-1], "sk")) if items else None)


def update_with_entry(update: dict[str, Any], *entries: AuditEntry, also: Sequence[Item] = ()) -> Item | None:
    """Make one conditional update (an UpdateItem's arguments), `also`'s items and the entries in one
    transaction. None when written; when the update's own condition failed (nothing written, nothing
    recorded), the cancellation reason: with the item as it was under "Item", if the update asked for it."""
    reasons = transact([{"Update": update}, *also, *(entry_put(entry) for entry in entries)])
    if reasons is None:
        return None
    if reasons[0].get("Code") == "ConditionalCheckFailed":
        return dict(reasons[0])
    raise Unavailable("the change could not be stored (a concurrent write); retry")


def background_entry(tenant: str, change: Change, now: datetime, actor: Actor) -> AuditEntry:
    """An entry for a change the service's background functions made (no API request behind it)."""
    return new_entry(tenant, actor, NOT_AN_API_REQUEST, change, now)
