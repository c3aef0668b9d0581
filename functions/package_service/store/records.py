"""Tenant-scoped records (packages, products, rate cards): one item each, listed through GSI1.

Key design (one table, defined once in template.yaml):
  record       pk=T#<tenant>#<KIND>#<id>            sk=RECORD   doc (JSON), created_at, archived_at?
               gsi1pk=T#<tenant>#<KIND>             gsi1sk=<created_at>#<id>   (listing, oldest first)
  unique key   pk=T#<tenant>#UNIQ#<KIND>#<key>      sk=UNIQ     holder_id
  alias        pk=T#<tenant>#<KIND>ALIAS#<name>     sk=ALIAS    history: [assignment, ...] newest last
The tenant is in every key, so another tenant's id simply is not found. Pages and listings: pages.py.
"""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from botocore.exceptions import ClientError
from pydantic import BaseModel

from ..domain.aliases import AliasAssignment
from ..domain.audit import AuditEntry
from ..domain.base import format_timestamp
from ..domain.catalog_view import product_name
from ..domain.errors import InvalidRequest, NotFound, PayloadTooLarge, Unavailable, UniquenessKeyTaken
from .audit import entry_put, update_with_entry
from .dynamo import Item, batch_get, get_client, key, maybe_text, s, table_name, text, transact, translated_errors
from .kinds import PACKAGE
from .transaction import ConditionFailed, Failure, GuardedItem, Transaction

__all__ = ["ConditionFailed", "GuardedItem"]  # re-exported: the modules that build records' extra items

RECORD_SK = "RECORD"
MAX_TRANSACTION_ITEMS = 100
# DynamoDB's item limit is 400 KB; keep headroom for the keys and bookkeeping attributes.
MAX_DOC_BYTES = 380_000
_CONFLICT_RETRIES = 4


def record_pk(tenant: str, kind: str, record_id: str) -> str:
    return f"T#{tenant}#{kind}#{record_id}"


def alias_pk(tenant: str, kind: str, name: str) -> str:
    return f"T#{tenant}#{kind}ALIAS#{name}"


def listing_partition(tenant: str, kind: str) -> str:
    return f"T#{tenant}#{kind}"


def record_key(tenant: str, kind: str, record_id: str) -> Item:
    return key(record_pk(tenant, kind, record_id), RECORD_SK)


def uniqueness_key_item_key(tenant: str, kind: str, uniqueness_key: str) -> Item:
    """The key of the item that holds a uniqueness key for a kind of record."""
    return key(f"T#{tenant}#UNIQ#{kind}#{uniqueness_key}", "UNIQ")


def alias_key(tenant: str, kind: str, name: str) -> Item:
    return key(alias_pk(tenant, kind, name), "ALIAS")


@dataclass
class StoredRecord:
    id: str
    doc: dict[str, Any]
    archived_at: str | None
    item: Item  # the raw item, for attributes a kind keeps beside its document


def record_from_item(item: Item) -> StoredRecord:
    doc = json.loads(text(item, "doc"))
    archived = maybe_text(item, "archived_at")
    return StoredRecord(id=doc["id"], doc=doc, archived_at=archived, item=item)


@dataclass
class ReferenceCheck:
    """A record the new one relies on; the transaction fails if its condition no longer holds."""

    item_key: Item
    field_path: str
    description: str
    must_be_active: bool = True
    # A custom condition replaces the existence check; failing it means a concurrent change.
    condition: str | None = None
    names: dict[str, str] | None = None
    values: Item | None = None

    def operation(self, table: str) -> Item:
        condition = self.condition or "attribute_exists(pk)" + (
            " AND attribute_not_exists(archived_at)" if self.must_be_active else ""
        )
        check: Item = {"TableName": table, "Key": self.item_key, "ConditionExpression": condition}
        if self.names:
            check["ExpressionAttributeNames"] = self.names
        if self.values:
            check["ExpressionAttributeValues"] = self.values
        return {"ConditionCheck": check}

    def failure(self) -> Exception:
        """What a failed check means: a concurrent change (custom condition) or a bad reference."""
        if self.condition:
            return ConcurrentChange(self.description)
        state = "does not exist or is archived" if self.must_be_active else "does not exist"
        return InvalidRequest(f"{self.field_path}: {self.description} {state}")


def package_reference(
    tenant: str, package_id: str | None, package_alias: str | None, prefix: str = ""
) -> ReferenceCheck:
    """The package a request names by id (it must exist and be active) or by alias (the alias must exist:
    which package it names is resolved later, as of a date). `prefix` names the request's fields."""
    if package_id:
        return ReferenceCheck(record_key(tenant, PACKAGE, package_id), f"{prefix}package_id", f"package {package_id}")
    return ReferenceCheck(
        alias_key(tenant, PACKAGE, package_alias or ""),
        f"{prefix}package_alias",
        f"package alias {package_alias!r}",
        must_be_active=False,
    )


class ConcurrentChange(Exception):
    """Something read before the transaction changed before it committed: read again and retry."""


@dataclass
class NewRecord:
    tenant: str
    kind: str
    doc: dict[str, Any]
    uniqueness_key: str | None = None
    aliases: list[tuple[str, AliasAssignment]] = field(default_factory=list)
    references: list[ReferenceCheck] = field(default_factory=list)
    attributes: Item = field(default_factory=dict)  # stored beside the document
    listing_partition: str | None = None  # gsi1pk; default: all records of the kind in the tenant
    listing_sort_key: str | None = None  # gsi1sk; default: <created_at>#<id>
    extra_items: list[GuardedItem] = field(default_factory=list)  # more items (index rows, results...)
    audit: list[AuditEntry] = field(default_factory=list)  # entries recording this change (same transaction)


def _assignment_value(assignment: AliasAssignment) -> Item:
    return {"M": {k: ({"S": v} if v is not None else {"NULL": True}) for k, v in assignment.to_item().items()}}


def _transaction(record: NewRecord) -> Transaction:
    """One TransactWriteItems for the record, each item with what its failed condition means."""
    table = table_name()
    doc = json.dumps(record.doc, separators=(",", ":"))
    if len(doc.encode()) > MAX_DOC_BYTES:
        raise PayloadTooLarge(
            f"the {record.kind.lower()} is {len(doc.encode())} bytes once stored; the limit is {MAX_DOC_BYTES}"
        )
    record_id, created_at = record.doc["id"], record.doc["created_at"]
    tx = Transaction()
    tx.add(
        {
            "Put": {
                "TableName": table,
                "Item": {
                    **record.attributes,
                    **record_key(record.tenant, record.kind, record_id),
                    "gsi1pk": s(record.listing_partition or listing_partition(record.tenant, record.kind)),
                    "gsi1sk": s(record.listing_sort_key or f"{created_at}#{record_id}"),
                    "created_at": s(created_at),
                    "doc": s(doc),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        Failure.RECORD_EXISTS,
    )
    if record.uniqueness_key is not None:
        guard = {
            **uniqueness_key_item_key(record.tenant, record.kind, record.uniqueness_key),
            "holder_id": s(record_id),
        }
        put = {
            "TableName": table,
            "Item": guard,
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        tx.add({"Put": put}, Failure.UNIQUENESS_KEY_TAKEN)
    for name, assignment in record.aliases:
        tx.add(alias_append(record.tenant, record.kind, name, assignment))
    tx.extend(record.extra_items)
    for entry in record.audit:
        tx.add(entry_put(entry))
    for check in record.references:
        tx.add(check.operation(table), Failure.REFERENCE, check)
    if len(tx.entries) > MAX_TRANSACTION_ITEMS:
        raise InvalidRequest(
            f"{record.kind.lower()} refers to {len(record.references)} distinct products and rate cards; "
            f"at most {MAX_TRANSACTION_ITEMS - (len(tx.entries) - len(record.references))} are allowed"
        )
    return tx


def alias_append(tenant: str, kind: str, name: str, assignment: AliasAssignment) -> Item:
    """The transaction item that appends an assignment to an alias's history (no read needed)."""
    return {
        "Update": {
            "TableName": table_name(),
            "Key": alias_key(tenant, kind, name),
            "UpdateExpression": "SET history = list_append(if_not_exists(history, :empty), :entry)",
            "ExpressionAttributeValues": {":empty": {"L": []}, ":entry": {"L": [_assignment_value(assignment)]}},
        }
    }


def append_update(
    tenant: str,
    kind: str,
    record_id: str,
    label: str,
    update: dict[str, Any],
    audit: AuditEntry,
    references: Sequence[ReferenceCheck] = (),
    also: Sequence[Item] = (),
) -> None:
    """Append `update` to the record's `updates` (its document stays as created) in one transaction
    with `references` checked and `also` and the audit entry written. Unknown record: 404; archived: 400."""
    table = table_name()
    append: Item = {
        "Update": {
            "TableName": table,
            "Key": record_key(tenant, kind, record_id),
            "UpdateExpression": "SET updates = list_append(if_not_exists(updates, :none), :update)",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(archived_at)",
            "ExpressionAttributeValues": {":none": {"L": []}, ":update": {"L": [s(json.dumps(update))]}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    items = [append, *(check.operation(table) for check in references), *also, entry_put(audit)]
    if len(items) > MAX_TRANSACTION_ITEMS:
        raise InvalidRequest(f"the {label} update names too many references; at most {MAX_TRANSACTION_ITEMS - 1}")
    reasons = transact(items)
    if reasons is None:
        return
    if reasons[0].get("Code") == "ConditionalCheckFailed":
        if "Item" not in reasons[0]:
            raise NotFound(f"{label} {record_id} not found")
        field = f"{label.replace(' ', '_')}_id"
        raise InvalidRequest(f"{field}: {label} {record_id} is archived and cannot be updated")
    for reason, check in zip(reasons[1:], references, strict=False):
        if reason.get("Code") == "ConditionalCheckFailed":
            raise check.failure()
    raise Unavailable(f"the {label} update could not be stored; retry")


def record_updates(record: StoredRecord) -> list[dict[str, Any]]:
    """The updates appended to a record, in the order they were made."""
    return [json.loads(entry["S"]) for entry in record.item.get("updates", {}).get("L", [])]


def current_product_name(record: StoredRecord, now: datetime) -> str:
    """A product's name as of `now`: an update can rename it from a date."""
    return product_name(record.doc, record_updates(record), now)


def new_record_doc(
    principal_name: str,
    request: BaseModel,
    now: datetime,
    record_id: str | None = None,
    exclude: set[str] | None = None,
) -> dict[str, Any]:
    """A new record's document: its id (chosen here unless seeding), when and by whom, and the request."""
    return {
        "id": record_id or str(uuid4()),
        "created_at": format_timestamp(now),
        "created_by": principal_name,
        **request.model_dump(mode="json", exclude_none=True, exclude=exclude),
    }


def put_record_guarded(record: NewRecord) -> str:
    """Write the record, its uniqueness guard, alias moves and reference checks atomically."""
    tx = _transaction(record)
    items = tx.items
    for attempt in range(_CONFLICT_RETRIES):
        try:
            with translated_errors():
                get_client().transact_write_items(TransactItems=cast(Any, items))
            return str(record.doc["id"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            conflict = any(r.get("Code") == "TransactionConflict" for r in reasons)
            if conflict and not any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                if attempt + 1 < _CONFLICT_RETRIES:
                    time.sleep(0.02 * 2**attempt)  # a concurrent writer touched the same item: try again
                    continue
                raise Unavailable("concurrent writes kept conflicting with this request; retry") from None
            _raise_for_cancellation(record, reasons, tx)
    raise AssertionError("unreachable")


def transaction_items(record: NewRecord) -> list[Item]:
    """The items put_record_guarded would write for `record`, for callers writing several at once."""
    return _transaction(record).items


def write_together(items: list[Item]) -> set[str]:
    """Commit the items of several records in one transaction. Returns what cancelled it (the codes of
    DynamoDB's CancellationReasons: ConditionalCheckFailed, TransactionConflict...), empty when it was
    written. Cancelled, nothing was written: retry on conflicts alone, else write the records one by
    one with put_record_guarded to learn each one's fate."""
    reasons = transact(items)
    if reasons is None:
        return set()
    return {str(r.get("Code")) for r in reasons if r.get("Code") not in (None, "None")} or {"Unknown"}


def _raise_for_cancellation(record: NewRecord, reasons: list[Any], tx: Transaction) -> None:
    tx.raise_guard_failure(reasons)  # a guard (a job result, a cohort guard...) explains the failure best
    for entry, reason in tx.failures(reasons):
        if entry.failure is Failure.RECORD_EXISTS:  # only possible when a caller chose the id (seeding)
            raise InvalidRequest(f"id: {record.kind.lower()} {record.doc['id']} already exists")
        if entry.failure is Failure.UNIQUENESS_KEY_TAKEN:
            holder = maybe_text(reason.get("Item", {}), "holder_id")
            raise UniquenessKeyTaken(record.kind.lower().replace("_", " "), record.uniqueness_key or "", holder)
        if entry.failure is Failure.REFERENCE:
            raise entry.detail.failure()
    codes = [r.get("Code") for r in reasons]
    raise Unavailable(f"the {record.kind.lower()} could not be stored ({', '.join(map(str, codes))}); retry")


def get_record(tenant: str, kind: str, record_id: str, label: str, consistent: bool = False) -> StoredRecord:
    with translated_errors():
        response = get_client().get_item(
            TableName=table_name(), Key=record_key(tenant, kind, record_id), ConsistentRead=consistent
        )
    if "Item" not in response:
        raise NotFound(f"{label} {record_id} not found")
    return record_from_item(response["Item"])


def get_records(tenant: str, kind: str, record_ids: set[str]) -> dict[str, StoredRecord]:
    items = batch_get([record_key(tenant, kind, record_id) for record_id in sorted(record_ids)])
    return {rec.id: rec for rec in map(record_from_item, items)}


def alias_name(tenant: str, kind: str, item: Item) -> str | None:
    """The alias an item is the history of, or None when the item is not one of `kind`'s alias rows."""
    prefix, pk = alias_pk(tenant, kind, ""), text(item, "pk")
    return pk[len(prefix) :] if pk.startswith(prefix) else None


def alias_histories(tenant: str, kind: str, names: set[str]) -> dict[str, list[AliasAssignment]]:
    items = batch_get([alias_key(tenant, kind, name) for name in sorted(names)])
    return {str(alias_name(tenant, kind, item)): history_from_item(item) for item in items}


def history_from_item(item: Item) -> list[AliasAssignment]:
    return [
        AliasAssignment.from_item({k: v.get("S") for k, v in entry["M"].items()})
        for entry in item.get("history", {}).get("L", [])
    ]


def archive_record(tenant: str, kind: str, record_id: str, label: str, now: datetime, audit: AuditEntry) -> None:
    """Irreversible and idempotent: archiving twice keeps the first archived_at, and records one entry."""
    archive = {
        "TableName": table_name(),
        "Key": record_key(tenant, kind, record_id),
        "UpdateExpression": "SET archived_at = :now",
        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(archived_at)",
        "ExpressionAttributeValues": {":now": s(format_timestamp(now))},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    refused = update_with_entry(archive, audit)
    if refused is not None and "Item" not in refused:
        raise NotFound(f"{label} {record_id} not found")
    # Refused with the item: it was archived already, so nothing changed and nothing is recorded.
