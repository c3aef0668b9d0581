"""Background work that the Provisioner runs: due records and their leases.

A record that has work due (a provisioning job to fan out, a migration to plan or apply) is listed on
the due index, gsi1pk=DUEJOBS gsi1sk=<run_at>#<tenant>#<id>, the only cross-tenant partition: the
scheduler reads it, never a client. Taking the work is a conditional write of a lease (a fresh id
and an expiry), so two triggers firing together never both run it; every later step is conditioned
on that lease id, so a holder whose lease expired and was taken over stops at its next step.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from botocore.exceptions import ClientError

from ..domain.audit import AuditEntry
from ..domain.base import format_timestamp
from .audit import update_with_entry
from .dynamo import Item, get_client, maybe_text, number, s, table_name, text, translated_errors
from .records import StoredRecord, record_from_item, record_key

DUE_PARTITION = "DUEJOBS"
LEASE = timedelta(minutes=2)
SAFETY_MARGIN_MS = 10_000  # stop fanning out when less Lambda time than this remains


@dataclass
class Claim:
    """A record the caller holds the lease of, as it was when claimed."""

    tenant: str
    kind: str
    record: StoredRecord
    lease_id: str

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def doc(self) -> dict[str, Any]:
        return self.record.doc

    def number(self, name: str) -> int:
        return number(self.record.item, name)

    def text(self, name: str) -> str | None:
        return maybe_text(self.record.item, name)


def due_sort_key(run_at: str, tenant: str, record_id: str) -> str:
    return f"{run_at}#{tenant}#{record_id}"


def due_records(now: datetime, limit: int = 25) -> list[tuple[str, str, str]]:
    """(tenant, kind, id) of records whose run_at has come and whose work is not done."""
    with translated_errors():
        items = (
            get_client()
            .query(
                TableName=table_name(),
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :due AND gsi1sk <= :now",
                ExpressionAttributeValues={":due": s(DUE_PARTITION), ":now": s(format_timestamp(now) + "#~")},
                Limit=limit,
            )
            .get("Items", [])
        )
    keys = (text(item, "pk").split("#") for item in items)  # T#<tenant>#<KIND>#<id>
    return [(parts[1], parts[2], parts[3]) for parts in keys]


def claim(
    tenant: str, kind: str, record_id: str, now: datetime, also_set: str = "", values: Item | None = None
) -> Claim | None:
    """Take the record's lease (and make the `also_set` assignments); None when another trigger holds it,
    or the work is no longer due."""
    update: dict[str, Any] = {
        "TableName": table_name(),
        "Key": record_key(tenant, kind, record_id),
        "UpdateExpression": "SET lease_id = :lease, lease_until = :until" + (f", {also_set}" if also_set else ""),
        "ConditionExpression": "attribute_exists(gsi1pk) AND (attribute_not_exists(lease_until) OR lease_until < :now)",
        "ExpressionAttributeValues": {
            ":lease": s(str(uuid4())),
            ":until": s(format_timestamp(now + LEASE)),
            ":now": s(format_timestamp(now)),
            **(values or {}),
        },
        "ReturnValues": "ALL_NEW",
    }
    if _names(also_set):  # DynamoDB refuses names an expression does not use
        update["ExpressionAttributeNames"] = _names(also_set)
    try:
        with translated_errors():
            item = get_client().update_item(**update)["Attributes"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return None
        raise
    return Claim(tenant, kind, record_from_item(item), text(update["ExpressionAttributeValues"], ":lease"))


def _names(expression: str) -> dict[str, str]:
    return {"#status": "status"} if "#status" in expression else {}


def update_leased(held: Claim, expression: str, values: Item | None = None, audit: AuditEntry | None = None) -> bool:
    """An update only the lease holder may make, while the work is due; False if the lease was lost or the
    work was taken off the due index meanwhile (cancelled). `audit` is written with it, or not at all."""
    update: dict[str, Any] = {
        "TableName": table_name(),
        "Key": record_key(held.tenant, held.kind, held.id),
        "UpdateExpression": expression,
        "ConditionExpression": "lease_id = :lease AND attribute_exists(gsi1pk)",
        "ExpressionAttributeValues": {":lease": s(held.lease_id), **(values or {})},
    }
    if _names(expression):  # DynamoDB refuses names an expression does not use
        update["ExpressionAttributeNames"] = _names(expression)
    if audit:
        return update_with_entry(update, audit) is None
    try:
        with translated_errors():
            get_client().update_item(**update)
        return True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise


def release(held: Claim, now: datetime) -> None:
    """Stop early (time is short): the next trigger may continue at once."""
    update_leased(held, "SET lease_until = :now", {":now": s(format_timestamp(now))})


def work_done(held: Claim, now: datetime, stamp: str, also: Sequence[tuple[str, Item]] = ()) -> bool:
    """The record leaves the due index, its lease ends and `stamp` records when."""
    assignments = "".join(f", {assignment}" for assignment, _ in also)
    values: Item = {":now": s(format_timestamp(now))}
    for _, value in also:
        values.update(value)
    return update_leased(held, f"SET {stamp} = :now{assignments} REMOVE gsi1pk, gsi1sk, lease_until", values)
