"""Tenant-scoped records (packages, products, rate cards): one item each, listed through GSI1.

Key design (one table, defined once in template.yaml):
  record       pk=T#<tenant>#<KIND>#<id>            sk=RECORD   doc (JSON), created_at, archived_at?
               gsi1pk=T#<tenant>#<KIND>             gsi1sk=<created_at>#<id>   (listing, oldest first)
  unique key   pk=T#<tenant>#UNIQ#<KIND>#<key>      sk=UNIQ     holder_id
  alias        pk=T#<tenant>#<KIND>ALIAS#<name>     sk=ALIAS    history: [assignment, ...] newest last
The tenant is in every key, so another tenant's id simply is not found.
"""

import base64
import binascii
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import ClientError

from ..domain.aliases import AliasAssignment
from ..domain.base import ArchiveFilter, format_timestamp
from ..domain.errors import InvalidRequest, NotFound, PayloadTooLarge, UniquenessKeyTaken
from .dynamo import Item, batch_get, get_client, key, s, table_name, translated_errors

RECORD_SK = "RECORD"
MAX_TRANSACTION_ITEMS = 100
# DynamoDB's item limit is 400 KB; keep headroom for the keys and bookkeeping attributes.
MAX_DOC_BYTES = 380_000
_CONFLICT_RETRIES = 4


def record_pk(tenant: str, kind: str, record_id: str) -> str:
    return f"T#{tenant}#{kind}#{record_id}"


def alias_pk(tenant: str, kind: str, name: str) -> str:
    return f"T#{tenant}#{kind}ALIAS#{name}"


def record_key(tenant: str, kind: str, record_id: str) -> Item:
    return key(record_pk(tenant, kind, record_id), RECORD_SK)


def alias_key(tenant: str, kind: str, name: str) -> Item:
    return key(alias_pk(tenant, kind, name), "ALIAS")


@dataclass
class StoredRecord:
    id: str
    doc: dict[str, Any]
    archived_at: str | None


def record_from_item(item: Item) -> StoredRecord:
    doc = json.loads(item["doc"]["S"])
    archived = item.get("archived_at", {}).get("S")
    return StoredRecord(id=doc["id"], doc=doc, archived_at=archived)


@dataclass
class ReferenceCheck:
    """A record the new one refers to; the transaction fails if it is missing or archived."""

    item_key: Item
    field_path: str
    description: str
    must_be_active: bool = True


@dataclass
class NewRecord:
    tenant: str
    kind: str
    doc: dict[str, Any]
    uniqueness_key: str | None = None
    aliases: list[tuple[str, AliasAssignment]] = field(default_factory=list)
    references: list[ReferenceCheck] = field(default_factory=list)


def _assignment_value(assignment: AliasAssignment) -> Item:
    return {"M": {k: ({"S": v} if v is not None else {"NULL": True}) for k, v in assignment.to_item().items()}}


def _transaction(record: NewRecord) -> tuple[list[Item], list[str]]:
    """The items of one TransactWriteItems, and what each one means if its condition fails."""
    table = table_name()
    doc = json.dumps(record.doc, separators=(",", ":"))
    if len(doc.encode()) > MAX_DOC_BYTES:
        raise PayloadTooLarge(
            f"the {record.kind.lower()} is {len(doc.encode())} bytes once stored; the limit is {MAX_DOC_BYTES}"
        )
    record_id, created_at = record.doc["id"], record.doc["created_at"]
    items: list[Item] = [
        {
            "Put": {
                "TableName": table,
                "Item": {
                    **record_key(record.tenant, record.kind, record_id),
                    "gsi1pk": s(f"T#{record.tenant}#{record.kind}"),
                    "gsi1sk": s(f"{created_at}#{record_id}"),
                    "created_at": s(created_at),
                    "doc": s(doc),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    ]
    meanings = ["id"]
    if record.uniqueness_key is not None:
        items.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": {
                        **key(f"T#{record.tenant}#UNIQ#{record.kind}#{record.uniqueness_key}", "UNIQ"),
                        "holder_id": s(record_id),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
        meanings.append("uniqueness_key")
    for name, assignment in record.aliases:
        items.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": alias_key(record.tenant, record.kind, name),
                    "UpdateExpression": "SET history = list_append(if_not_exists(history, :empty), :entry)",
                    "ExpressionAttributeValues": {
                        ":empty": {"L": []},
                        ":entry": {"L": [_assignment_value(assignment)]},
                    },
                }
            }
        )
        meanings.append(f"aliases:{name}")
    for check in record.references:
        condition = "attribute_exists(pk)"
        if check.must_be_active:
            condition += " AND attribute_not_exists(archived_at)"
        items.append({"ConditionCheck": {"TableName": table, "Key": check.item_key, "ConditionExpression": condition}})
        meanings.append(f"ref:{len(meanings)}")
    if len(items) > MAX_TRANSACTION_ITEMS:
        raise InvalidRequest(
            f"{record.kind.lower()} refers to {len(record.references)} distinct products and rate cards; "
            f"at most {MAX_TRANSACTION_ITEMS - (len(items) - len(record.references))} are allowed"
        )
    return items, meanings


def put_record_guarded(record: NewRecord) -> str:
    """Write the record, its uniqueness guard, alias moves and reference checks atomically."""
    items, meanings = _transaction(record)
    references = {
        f"ref:{i}": check for i, check in enumerate(record.references, start=len(meanings) - len(record.references))
    }
    for attempt in range(_CONFLICT_RETRIES):
        try:
            with translated_errors():
                get_client().transact_write_items(TransactItems=cast(Any, items))
            return str(record.doc["id"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            if any(r.get("Code") == "TransactionConflict" for r in reasons) and attempt + 1 < _CONFLICT_RETRIES:
                time.sleep(0.02 * 2**attempt)  # a concurrent writer touched the same item: try again
                continue
            _raise_for_cancellation(record, reasons, meanings, references)
    raise AssertionError("unreachable")


def _raise_for_cancellation(
    record: NewRecord, reasons: list[Any], meanings: list[str], references: dict[str, ReferenceCheck]
) -> None:
    for reason, meaning in zip(reasons, meanings, strict=False):
        if reason.get("Code") != "ConditionalCheckFailed":
            continue
        if meaning == "uniqueness_key":
            holder = reason.get("Item", {}).get("holder_id", {}).get("S")
            raise UniquenessKeyTaken(record.kind.lower().replace("_", " "), record.uniqueness_key or "", holder)
        if meaning in references:
            check = references[meaning]
            state = "does not exist or is archived" if check.must_be_active else "does not exist"
            raise InvalidRequest(f"{check.field_path}: {check.description} {state}")
    codes = [r.get("Code") for r in reasons]
    raise InvalidRequest(f"the {record.kind.lower()} could not be stored ({codes}); retry")


def get_record(tenant: str, kind: str, record_id: str, label: str) -> StoredRecord:
    with translated_errors():
        response = get_client().get_item(TableName=table_name(), Key=record_key(tenant, kind, record_id))
    if "Item" not in response:
        raise NotFound(f"{label} {record_id} not found")
    return record_from_item(response["Item"])


def get_records(tenant: str, kind: str, record_ids: set[str]) -> dict[str, StoredRecord]:
    items = batch_get([record_key(tenant, kind, record_id) for record_id in sorted(record_ids)])
    return {rec.id: rec for rec in map(record_from_item, items)}


def alias_histories(tenant: str, kind: str, names: set[str]) -> dict[str, list[AliasAssignment]]:
    items = batch_get([alias_key(tenant, kind, name) for name in sorted(names)])
    return {item["pk"]["S"].split("ALIAS#", 1)[1]: history_from_item(item) for item in items}


def history_from_item(item: Item) -> list[AliasAssignment]:
    return [
        AliasAssignment.from_item({k: v.get("S") for k, v in entry["M"].items()})
        for entry in item.get("history", {}).get("L", [])
    ]


def encode_cursor(last: Item) -> str:
    payload = json.dumps({"k": last["gsi1sk"]["S"], "p": last["pk"]["S"].rsplit("#", 1)[1]})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _decode_cursor(tenant: str, kind: str, cursor: str) -> Item:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        sort_key, record_id = str(payload["k"]), str(payload["p"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidRequest("next_page: not a cursor this service issued") from None
    # The cursor carries no tenant: it is rebuilt inside the caller's own partition.
    return {
        **record_key(tenant, kind, record_id),
        "gsi1pk": s(f"T#{tenant}#{kind}"),
        "gsi1sk": s(sort_key),
    }


def list_records(
    tenant: str, kind: str, archive_filter: ArchiveFilter, limit: int, cursor: str | None
) -> tuple[list[StoredRecord], str | None]:
    """One page, oldest first. Filtering by archive state may read past `limit` items to fill it."""
    query: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": s(f"T#{tenant}#{kind}")},
    }
    if archive_filter != "ALL":
        query["FilterExpression"] = (
            "attribute_exists(archived_at)" if archive_filter == "ARCHIVED" else "attribute_not_exists(archived_at)"
        )
    start = _decode_cursor(tenant, kind, cursor) if cursor else None
    page: list[Item] = []
    while True:
        if start:
            query["ExclusiveStartKey"] = start
        query["Limit"] = limit - len(page) + 1  # one extra tells whether another page exists
        with translated_errors():
            response = get_client().query(**query)
        page.extend(response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if len(page) > limit or not start:
            break
    has_more = len(page) > limit or start is not None
    page = page[:limit]
    next_page = encode_cursor(page[-1]) if has_more and page else None
    return [record_from_item(item) for item in page], next_page


def archive_record(tenant: str, kind: str, record_id: str, label: str, now: datetime) -> None:
    """Irreversible and idempotent: archiving twice keeps the first archived_at."""
    try:
        with translated_errors():
            get_client().update_item(
                TableName=table_name(),
                Key=record_key(tenant, kind, record_id),
                UpdateExpression="SET archived_at = if_not_exists(archived_at, :now)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":now": s(format_timestamp(now))},
            )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise NotFound(f"{label} {record_id} not found") from None
        raise
