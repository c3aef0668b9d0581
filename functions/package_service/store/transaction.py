"""One TransactWriteItems, built item by item: each item carries its condition and what it means when
that condition fails (`Failure`). DynamoDB answers a cancelled transaction with one reason per item;
`Transaction.failures` reads them back through the items, so no caller keeps a parallel list of labels.

Exactly once (decision 0008) rests on these meanings: a cohort customer's result row and a migration's
plan row are written once, conditioned on their absence or state; finding one failed means the work was
done before (RESULT_RECORDED, PLAN_ROW_SETTLED), never that it must be done again.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

from .dynamo import Item


class Failure(Enum):
    """What an item's failed condition means."""

    RECORD_EXISTS = auto()  # the record's own put: its id is taken (only when the caller chose the id)
    UNIQUENESS_KEY_TAKEN = auto()  # the uniqueness guard; the old item names the holder
    REFERENCE = auto()  # a ReferenceCheck (its `failure()` says what): gone, archived, or changed since read
    CONTRACT_ENDED = auto()  # the contract transitioned from ended or was archived since it was read
    CONTRACT_CHANGED = auto()  # an edit's contract was edited, ended or archived since it was read
    RESULT_RECORDED = auto()  # a cohort customer's result row exists: a redelivery, done before
    COHORT_TAKEN = auto()  # an earlier job provisioned this customer onto this package at this start
    PLAN_ROW_SETTLED = auto()  # a migration's plan row is no longer PLANNED: another delivery applied it
    INGEST_ALIAS_TAKEN = auto()  # a customer's ingest alias (or external id) belongs to another customer


@dataclass
class GuardedItem:
    """One transaction item; `failure`: what its condition failing means (`detail`: which one, e.g. the
    alias). An item with a `failure` explains a cancellation best: ConditionFailed reports it."""

    item: Item
    failure: Failure | None = None
    detail: Any = None


class ConditionFailed(Exception):
    """An item's condition failed; `existing` is the item as it was (if it existed and was asked for)."""

    def __init__(self, failure: Failure, existing: Item | None, detail: Any = None) -> None:
        super().__init__(failure.name)
        self.failure, self.existing, self.detail = failure, existing, detail


@dataclass
class Transaction:
    entries: list[GuardedItem] = field(default_factory=list)

    def add(self, item: Item, failure: Failure | None = None, detail: Any = None) -> None:
        self.entries.append(GuardedItem(item, failure, detail))

    def extend(self, entries: Sequence[GuardedItem]) -> None:
        self.entries.extend(entries)

    @property
    def items(self) -> list[Item]:
        return [entry.item for entry in self.entries]

    def failures(self, reasons: Sequence[Item]) -> list[tuple[GuardedItem, Item]]:
        """The items whose condition failed, each with DynamoDB's reason (`Item`: the old item, if asked)."""
        return [
            (entry, reason)
            for entry, reason in zip(self.entries, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]

    def raise_guard_failure(self, reasons: Sequence[Item]) -> None:
        """ConditionFailed for the first failed item that has a meaning of its own beyond the record's."""
        for entry, reason in self.failures(reasons):
            if entry.failure in GUARD_FAILURES:
                raise ConditionFailed(entry.failure, reason.get("Item"), entry.detail)


# The failures a caller tells apart (ConditionFailed); the others put_record_guarded turns into answers.
GUARD_FAILURES = frozenset(
    {
        Failure.CONTRACT_ENDED,
        Failure.RESULT_RECORDED,
        Failure.COHORT_TAKEN,
        Failure.PLAN_ROW_SETTLED,
        Failure.INGEST_ALIAS_TAKEN,
    }
)
