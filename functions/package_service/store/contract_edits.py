"""Contract edits in DynamoDB (decision 0017): the contract's document never changes; each edit is appended
to the contract item's `edits` list (JSON, in the order written) and `edit_count` counts them. An edit is
written in one transaction with its audit entry, its uniqueness guard, checks that the products it names
are still active, and (when it moves the end) the contract's `ending_before` attribute and package-index
row, so date filters and `listContractsOnPackage` see the new end.

The append is conditioned on `edit_count` being what the edit was planned from: two concurrent edits of
one contract cannot both apply to the same state; the loser is read again and planned again (services/
contract_edits.py), so each edit applies exactly once, to the contract as the earlier edits left it.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.errors import InvalidRequest, PayloadTooLarge, UniquenessKeyTaken
from .audit import entry_put
from .dynamo import Item, maybe_text, n, number, s, table_name, transact
from .kinds import CONTRACT
from .package_index import index_row
from .records import MAX_DOC_BYTES, MAX_TRANSACTION_ITEMS, ConcurrentChange, ReferenceCheck, StoredRecord, record_key
from .records import uniqueness_key_item_key as uniqueness_item_key
from .transaction import Failure, Transaction

EDIT = "CONTRACT_EDIT"  # the kind whose uniqueness keys an edit's `uniqueness_key` is kept among

Doc = dict[str, Any]


def edits_of(record: StoredRecord) -> list[Doc]:
    """The contract's edits, in the order they were written."""
    return [json.loads(entry["S"]) for entry in record.item.get("edits", {}).get("L", [])]


def edit_count(record: StoredRecord) -> int:
    return int(number(record.item, "edit_count")) if "edit_count" in record.item else 0


@dataclass
class EndMove:
    """The contract's end once the edit applies (None: open-ended)."""

    ending_before: str | None


@dataclass
class ContractEditWrite:
    tenant: str
    record: StoredRecord  # the contract as read (its edit_count is the condition)
    edit: Doc
    audit: AuditEntry
    references: Sequence[ReferenceCheck] = ()
    end: EndMove | None = None  # set when the edit moves the contract's end


def _transaction(write: ContractEditWrite) -> Transaction:
    stored = json.dumps(write.edit, separators=(",", ":"))
    size = len(json.dumps(write.record.doc)) + sum(len(e["S"]) for e in write.record.item.get("edits", {}).get("L", []))
    if size + len(stored) > MAX_DOC_BYTES:
        raise PayloadTooLarge(
            f"the contract and its edits would be {size + len(stored)} bytes once stored; the limit is {MAX_DOC_BYTES}"
        )
    seen = edit_count(write.record)
    update = "SET edits = list_append(if_not_exists(edits, :none), :edit), edit_count = :next"
    condition = "attribute_exists(pk) AND attribute_not_exists(archived_at) AND "
    condition += "edit_count = :seen" if seen else "attribute_not_exists(edit_count)"
    values: Item = {":none": {"L": []}, ":edit": {"L": [s(stored)]}, ":next": n(seen + 1)}
    if seen:
        values[":seen"] = n(seen)
    if write.end is not None:
        condition += " AND attribute_not_exists(transitions_out)"
        if write.end.ending_before is None:
            update += " REMOVE ending_before"
        else:
            update += ", ending_before = :end"
            values[":end"] = s(write.end.ending_before)
    tx = Transaction()
    contract_update = {
        "TableName": table_name(),
        "Key": record_key(write.tenant, CONTRACT, write.record.id),
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    tx.add({"Update": contract_update}, Failure.CONTRACT_CHANGED)
    if write.end is not None and "package_id" in write.record.doc:
        row = index_row(write.tenant, write.record.doc, write.end.ending_before)
        tx.add({"Put": {"TableName": table_name(), "Item": row, "ConditionExpression": "attribute_exists(pk)"}})
    key = write.edit.get("uniqueness_key")
    if key:
        guard = {**uniqueness_item_key(write.tenant, EDIT, key), "holder_id": s(write.edit["id"])}
        put = {"TableName": table_name(), "Item": guard, "ConditionExpression": "attribute_not_exists(pk)",
               "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}  # fmt: skip
        tx.add({"Put": put}, Failure.UNIQUENESS_KEY_TAKEN)
    tx.add(entry_put(write.audit))
    for check in write.references:
        tx.add(check.operation(table_name()), Failure.REFERENCE, check)
    if len(tx.entries) > MAX_TRANSACTION_ITEMS:
        raise InvalidRequest(
            f"request body: the edit names {len(write.references)} distinct products; "
            f"at most {MAX_TRANSACTION_ITEMS - (len(tx.entries) - len(write.references))} are allowed in one edit"
        )
    return tx


def write_edit(write: ContractEditWrite) -> None:
    """Write the edit atomically. ConcurrentChange: the contract (or a product) changed since it was read,
    or a concurrent writer touched an item: read again and plan again."""
    tx = _transaction(write)
    reasons = transact(tx.items)
    if reasons is None:
        return
    for entry, reason in tx.failures(reasons):
        if entry.failure is Failure.UNIQUENESS_KEY_TAKEN:
            holder = maybe_text(reason.get("Item", {}), "holder_id")
            raise UniquenessKeyTaken("contract edit", str(write.edit.get("uniqueness_key")), holder)
        if entry.failure is Failure.REFERENCE:
            raise entry.detail.failure()
    raise ConcurrentChange(f"contract {write.record.id} changed while it was edited")
