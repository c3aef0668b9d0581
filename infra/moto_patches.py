"""The embedded DynamoDB (moto), made fit for cohort-sized work. Local stack and tests only.

moto's TransactWriteItems deep-copies every table a transaction touches before applying it, to
roll back on failure. Each transaction then costs time proportional to the whole table, so
provisioning a 1,000-customer cohort is quadratic (minutes instead of seconds). This keeps moto's
own transaction logic but makes that table copy a no-op, snapshots only the items the transaction
touches, and restores those on failure. It also serialises transactions and single-item writes:
DynamoDB applies a conditional write atomically, while moto checks the condition and then writes,
so two threads could both pass the same condition.
"""

import copy
import threading
from collections.abc import Callable
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_lock = threading.RLock()
_applied = False


class _TablesByReference:
    """Stands in for the `copy` module inside moto's DynamoDB models: tables are not copied."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _snapshot(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    snapshots = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        key = op.get("Key") or op.get("Item")
        if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        existing = table.get_item(hash_value, range_value)
        snapshots.append((table, hash_value, range_value, copy.deepcopy(existing)))
    return snapshots


def _restore(snapshots: list[tuple[Any, ...]]) -> None:
    for table, hash_value, range_value, previous in reversed(snapshots):
        table.delete_item(hash_value, range_value)
        if previous is None:
            continue
        if range_value is not None:
            table.items[hash_value][range_value] = previous
        else:
            table.items[hash_value] = previous


def apply() -> None:
    """Install the patch once per process (idempotent)."""
    global _applied
    if _applied:
        return
    original = DynamoDBBackend.transact_write_items
    dynamodb_models.copy = _TablesByReference()  # type: ignore[attr-defined,assignment]

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            snapshots = _snapshot(self, transact_items)
            try:
                original(self, transact_items)
            except Exception:
                _restore(snapshots)
                raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
    _applied = True


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(*args, **kwargs)

    return locked
