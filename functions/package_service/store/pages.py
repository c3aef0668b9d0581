"""Pages: the opaque `next_page` cursors, a partition page (of the table or of gsi1), and record listings.

A cursor never carries the tenant: readers rebuild keys in their own tenant, so another tenant's
cursor reads nothing of it.
"""

from dataclasses import dataclass
from typing import Any

from ..domain.base import ArchiveFilter
from .cursors import decode_cursor, encode_cursor
from .dynamo import Item, get_client, query_at_least, s, table_name, text, translated_errors
from .records import RECORD_SK, StoredRecord, listing_partition, record_from_item, record_pk


def _listing_cursor(last: Item) -> str:
    return encode_cursor({"k": text(last, "gsi1sk"), "p": text(last, "pk").rsplit("#", 1)[1]})


def _listing_start(partition: str, record_pk_prefix: str, cursor: str) -> Item:
    sort_key, record_id = decode_cursor(cursor, "k", "p")
    return {
        "pk": s(f"{record_pk_prefix}{record_id}"),
        "sk": s(RECORD_SK),
        "gsi1pk": s(partition),
        "gsi1sk": s(sort_key),
    }


def partition_page(pk: str, limit: int, cursor: str | None, on_index: bool = False) -> tuple[list[Item], str | None]:
    """One page of a partition's items (of the table, or of gsi1) in sort-key order, and the cursor of
    the next page (if any)."""
    hash_name, range_name = ("gsi1pk", "gsi1sk") if on_index else ("pk", "sk")
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": f"{hash_name} = :pk" + (f" AND {range_name} > :after" if cursor else ""),
        "ExpressionAttributeValues": {":pk": s(pk)},
        "Limit": limit + 1,
    }
    if on_index:
        query["IndexName"] = "gsi1"
    if cursor:
        query["ExpressionAttributeValues"][":after"] = s(decode_cursor(cursor, "after")[0])
    with translated_errors():
        items = get_client().query(**query).get("Items", [])
    more = len(items) > limit
    return items[:limit], (encode_cursor({"after": text(items[limit - 1], range_name)}) if more else None)


@dataclass
class ListFilter:
    """An extra FilterExpression for a listing (AND-ed with the archive filter)."""

    expression: str
    values: Item


def list_records(
    tenant: str,
    kind: str,
    archive_filter: ArchiveFilter,
    limit: int,
    cursor: str | None,
    partition: str | None = None,
    extra_filter: ListFilter | None = None,
) -> tuple[list[StoredRecord], str | None]:
    """One page, oldest first. Filters may read past `limit` items to fill the page."""
    partition = partition or listing_partition(tenant, kind)
    query: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": s(partition)},
    }
    filters = []
    if archive_filter != "ALL":
        filters.append(
            "attribute_exists(archived_at)" if archive_filter == "ARCHIVED" else "attribute_not_exists(archived_at)"
        )
    if extra_filter:
        filters.append(f"({extra_filter.expression})")
        query["ExpressionAttributeValues"].update(extra_filter.values)
    if filters:
        query["FilterExpression"] = " AND ".join(filters)
    if cursor:
        query["ExclusiveStartKey"] = _listing_start(partition, record_pk(tenant, kind, ""), cursor)
    page, rest = query_at_least(query, limit + 1)  # one extra tells whether another page exists
    has_more = len(page) > limit or rest is not None
    page = page[:limit]
    next_page = _listing_cursor(page[-1]) if has_more and page else None
    return [record_from_item(item) for item in page], next_page
