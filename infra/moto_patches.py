"""The embedded DynamoDB (moto), made fit for cohort-sized work. Local stack and tests only.

moto's TransactWriteItems deep-copies every table a transaction touches before applying it, to
roll back on failure. Each transaction then costs time proportional to the whole table, so
provisioning a 1,000-customer cohort is quadratic (minutes instead of seconds). This keeps moto's
own transaction logic but makes that table copy a no-op, snapshots only the items the transaction
touches, and restores those on failure. It also serialises transactions and single-item writes:
DynamoDB applies a conditional write atomically, while moto checks the condition and then writes,
so two threads could both pass the same condition.

Queries: moto answers every Query, of the table or of an index, by walking every item of the table, so
a page costs what the table holds. The patch hands moto's own query only the candidates (the base-table
partition asked for; for a global secondary index, the items whose index partition key has the value
asked for, from a map kept up to date after every write); moto then sorts, pages, filters and projects
them exactly as before.
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

    DynamoDBBackend.transact_write_items = _reindexed(transact_write_items, _transaction_keys)  # type: ignore[method-assign]
    DynamoDBBackend.put_item = _reindexed(_serialised(DynamoDBBackend.put_item), _put_key)  # type: ignore[method-assign]
    for name in ("update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _reindexed(_serialised(getattr(DynamoDBBackend, name)), _key_argument))
    Table.query = _narrowed(Table.query)  # type: ignore[method-assign]
    _applied = True


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(*args, **kwargs)

    return locked


# --- queries: candidates instead of the whole table ------------------------------------------------

KeyValues = tuple[DynamoType, DynamoType | None]


class _IndexMap:
    """For one table: each global index's partition-key value -> the items holding it, by item key."""

    def __init__(self, table: Table) -> None:
        self.by_value: dict[str, dict[DynamoType, dict[KeyValues, Any]]] = {}
        self.entries: dict[KeyValues, list[tuple[str, DynamoType]]] = {}
        for item in table.all_items():
            self.place(table, (item.hash_key, item.range_key))

    def place(self, table: Table, key: KeyValues) -> None:
        """Put the item at `key` under its current index values (forgetting where it was)."""
        for index_name, value in self.entries.pop(key, []):
            self.by_value[index_name].get(value, {}).pop(key, None)
        item = table.get_item(*key) if key[0] is not None else None
        if item is None:
            return
        for index in table.global_indexes:
            hash_name = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            held = item.attrs.get(hash_name)
            if held is not None:
                self.by_value.setdefault(index.name, {}).setdefault(held, {})[key] = item
                self.entries.setdefault(key, []).append((index.name, held))


def _index_map(table: Table) -> _IndexMap:
    found = getattr(table, "_package_service_index_map", None)
    if found is None:  # built on the first index query; kept up to date by every write after it
        found = _IndexMap(table)
        table._package_service_index_map = found  # type: ignore[attr-defined]
    return found


def _candidates(table: Table, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any] | None:
    """The only items a query can answer, or None to leave the query to moto as it is."""
    index_name = args[7] if len(args) > 7 else kwargs.get("index_name")
    if index_name is None:
        hash_key = args[0] if args else kwargs.get("hash_key")
        return list(table.items.get(hash_key, {}).values()) if table.range_key_attr and hash_key else None
    conditions = kwargs.get("hash_key_conditions") or []
    if len(conditions) != 1 or index_name not in {i.name for i in table.global_indexes}:
        return None
    return list(_index_map(table).by_value.get(index_name, {}).get(conditions[0][1], {}).values())


def _narrowed(query: Callable[..., Any]) -> Callable[..., Any]:
    def narrowed(self: Table, *args: Any, **kwargs: Any) -> Any:
        with _lock:  # the substitution below is per table: one query at a time
            candidates = _candidates(self, args, kwargs)
            if candidates is None:
                return query(self, *args, **kwargs)
            self.all_items = lambda: candidates  # type: ignore[method-assign]
            try:
                return query(self, *args, **kwargs)
            finally:
                del self.all_items

    narrowed.original = query  # type: ignore[attr-defined]  # for the tests that compare both
    return narrowed


def _key_of(backend: DynamoDBBackend, table_name: str | None, attributes: Any) -> tuple[Table, KeyValues] | None:
    table = backend.tables.get(table_name or "")
    if table is None or not isinstance(attributes, dict) or table.hash_key_attr not in attributes:
        return None
    range_value = attributes.get(table.range_key_attr) if table.range_key_attr else None
    return table, (DynamoType(attributes[table.hash_key_attr]), DynamoType(range_value) if range_value else None)


def _put_key(backend: DynamoDBBackend, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    return [
        _key_of(
            backend,
            args[0] if args else kwargs.get("table_name"),
            args[1] if len(args) > 1 else kwargs.get("item_attrs"),
        )
    ]


def _key_argument(backend: DynamoDBBackend, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    return [
        _key_of(backend, args[0] if args else kwargs.get("table_name"), args[1] if len(args) > 1 else kwargs.get("key"))
    ]


def _transaction_keys(backend: DynamoDBBackend, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    operations = [next(iter(entry.values())) for entry in (args[0] if args else kwargs["transact_items"])]
    return [_key_of(backend, op.get("TableName"), op.get("Key") or op.get("Item")) for op in operations]


def _reindexed(write: Callable[..., Any], keys: Callable[..., list[Any]]) -> Callable[..., Any]:
    """After a write (committed or not: placing an unchanged item again is harmless), the items it
    touched take their place in the index maps already built."""

    def write_then_place(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        try:
            return write(self, *args, **kwargs)
        finally:
            with _lock:
                for found in keys(self, args, kwargs):
                    index_map = getattr(found[0], "_package_service_index_map", None) if found else None
                    if index_map is not None:
                        index_map.place(*found)

    return write_then_place
