"""Transitions in DynamoDB: the contract transitioned from ends where its successor starts, in the
successor's own transaction. Its document never changes: the end is stored beside it (`ended_at`,
`trueup`, `transitions_out`) and `contract_doc` shows the contract as it now is (domain/transitions.py
cuts the terms). Its `ending_before` attribute and package-index row move with it, so date filters
and `listContractsOnPackage` see the new end.

A second transition out of one contract is refused: the update is conditioned on no transition out yet,
on the contract being unarchived and on no edit since it was read (decision 0017); if that condition
fails, the provisioning reads again and the checks (services/transitions.py) say why.
"""

from datetime import datetime
from typing import Any

from ..domain.base import format_timestamp, parse_timestamp
from ..domain.edit_apply import contract_as_of
from ..domain.transitions import Trueup, cut_contract, ended_by
from .contract_edits import edit_count, edits_of
from .dynamo import maybe_text, n, s, table_name, text_or
from .package_index import index_row_put
from .records import StoredRecord
from .transaction import Failure, GuardedItem


def transitions_out(record: StoredRecord) -> list[dict[str, str]]:
    return [{k: v["S"] for k, v in e["M"].items()} for e in record.item.get("transitions_out", {}).get("L", [])]


def contract_doc(record: StoredRecord, as_of: datetime | None = None) -> dict[str, Any]:
    """A stored contract as it now is (or as its edits made it by `as_of`): its edits applied in order,
    cut where a transition ended it, with the transitions out of it."""
    doc = contract_as_of(record.doc, edits_of(record), as_of)
    ended_at = maybe_text(record.item, "ended_at")
    if ended_at:
        doc = cut_contract(doc, parse_timestamp(ended_at), _trueup(record))
    out = transitions_out(record)
    return {**doc, "transitions": [*doc.get("transitions", []), *out]} if out else doc


def _trueup(record: StoredRecord) -> Trueup:
    """How the transition out of the contract treats its commits (stored as written: AS_IS or REMOVE)."""
    return "AS_IS" if text_or(record.item, "trueup", "AS_IS") == "AS_IS" else "REMOVE"


def transition_items(
    tenant: str, transition: dict[str, str], previous: StoredRecord, at: datetime, trueup: str
) -> list[GuardedItem]:
    """The old contract's update (ended at `at`, the transition listed) and its index row's new end."""
    new_end = ended_by(contract_as_of(previous.doc, edits_of(previous)).get("ending_before"), at)
    entry = {"M": {name: s(value) for name, value in transition.items()}}
    # No edit since it was read: the end (and a migration's plan) was computed from the contract as edited.
    edits = edit_count(previous)
    unedited = "edit_count = :edits" if edits else "attribute_not_exists(edit_count)"
    # The item is put whole, as it was read with the end beside it: every other write to a contract moves
    # one of the attributes the condition pins (an edit its count, an archive or a transition their own),
    # so when the condition holds the item is still what was read (decision 0020). A put costs DynamoDB
    # what an update of the same item does, and the embedded one far less.
    ended = {**previous.item, "transitions_out": {"L": [entry]}, "ended_at": s(format_timestamp(at)),
             "trueup": s(trueup), "ending_before": s(new_end)}  # fmt: skip
    put = {
        "TableName": table_name(),
        "Item": ended,
        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(transitions_out) "
        "AND attribute_not_exists(archived_at) AND " + unedited,
        **({"ExpressionAttributeValues": {":edits": n(edits)}} if edits else {}),
    }
    items = [GuardedItem({"Put": put}, Failure.CONTRACT_ENDED)]
    if "package_id" in previous.doc:
        # The index row is put whole with its new end (its every attribute is known from the contract; an
        # archived contract's row has archived_at, but then the contract's own condition cancels this).
        items.append(index_row_put(tenant, previous.doc, new_end, replacing=True))
    return items
