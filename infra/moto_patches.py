"""The embedded DynamoDB (moto), made fit for cohort-sized work. Local stack and tests only.

moto's TransactWriteItems deep-copies every table a transaction touches before applying it, to
roll back on failure. Each transaction then costs time proportional to the whole table, so
provisioning a 1,000-customer cohort is quadratic (minutes instead of seconds). This keeps moto's
own transaction logic but makes that table copy a no-op, snapshots only the items the transaction
touches, and restores those on failure (and the table's stream, as a cancelled transaction leaves no
stream records). It also serialises transactions and single-item writes:
DynamoDB applies a conditional write atomically, while moto checks the condition and then writes,
so two threads could both pass the same condition. And it parses each condition expression once, not
on every use; and it answers reads (their items already in DynamoDB's wire format; the stream's records too) as JSON
directly instead of walking every attribute through its response serializer.

Queries: moto answers every Query, of the table or of an index, by walking and sorting every item of
the table, so a page costs what the table holds. The patch keeps each partition (of the table and of
its global indexes) sorted as moto sorts a query's results, current after every write, and hands
moto's own query only the items it can reach: within the key condition's range, after the start key,
one more than the limit. moto then sorts, pages, filters and projects them exactly as before.
"""

import bisect
import calendar
import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.core.responses import ActionResult
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from . import moto_expressions, moto_items, moto_requests, moto_sqs, moto_streams
from .moto_streams import next_sequence

_lock = threading.RLock()
_writing = threading.local()  # inside a write already being placed (a transaction's puts and updates)
_applied = False


class _TablesByReference:
    """Stands in for the `copy` module inside moto's DynamoDB models: tables are not copied."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _snapshot(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What each written item was before the transaction. A condition check writes nothing; a put or a
    delete replaces or drops the stored Item object without changing it, so keeping it is enough; only
    an update changes the Item in place, so only its item is copied."""
    snapshots = []
    for entry in transact_items:
        kind, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        key = op.get("Key") or op.get("Item")
        if kind == "ConditionCheck" or table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        existing = table.get_item(hash_value, range_value)
        snapshots.append((table, hash_value, range_value, copy.deepcopy(existing) if kind == "Update" else existing))
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
            streams = {
                id(s[0]): (s[0].stream_shard, next_sequence(s[0].stream_shard)) for s in snapshots if s[0].stream_shard
            }
            try:
                original(self, transact_items)
            except Exception:
                _restore(snapshots)
                # A cancelled transaction leaves no stream records (moto's own rollback restored a copy
                # of the whole table, stream included): drop what its writes and the restore appended.
                for shard, first_written in streams.values():
                    del shard.items[max(0, first_written - shard.starting_sequence_number) :]
                raise

    DynamoDBBackend.transact_write_items = _reindexed(transact_write_items, _transaction_keys)  # type: ignore[method-assign]
    moto_expressions.apply()
    moto_items.apply()
    moto_requests.apply()
    DynamoDBBackend.put_item = _reindexed(_serialised(DynamoDBBackend.put_item), _put_key)  # type: ignore[method-assign]
    for name in ("update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _reindexed(_serialised(getattr(DynamoDBBackend, name)), _key_argument))
    Table.query = _narrowed(Table.query)  # type: ignore[method-assign]
    moto_streams.apply()
    moto_sqs.apply()
    ActionResult.execute_result = _read_results_as_json(ActionResult.execute_result)  # type: ignore[method-assign]
    _applied = True


# DynamoDB reads answer items that are already in the wire format ({"S": ...}); moto's serializer walks
# them attribute by attribute against the service model (~40% of the emulator's time under a cohort).
_READS = {
    ("dynamodb", "GetItem"), ("dynamodb", "BatchGetItem"), ("dynamodb", "Query"), ("dynamodb", "Scan"),
    ("dynamodb", "TransactGetItems"), ("dynamodbstreams", "GetRecords"),
}  # fmt: skip


def _epoch_seconds(value: Any) -> int | float:
    """A timestamp as moto's serializer writes it for the JSON protocol: epoch seconds, truncated to the
    millisecond (moto's datetimes are naive UTC)."""
    if not isinstance(value, datetime):
        raise TypeError(f"{type(value).__name__} is not JSON")
    seconds = calendar.timegm(value.utctimetuple())
    return seconds + (value.microsecond // 1000) / 1000.0 if value.microsecond else seconds


def _read_results_as_json(execute: Callable[..., Any]) -> Callable[..., Any]:
    def execute_result(self: ActionResult, context: Any) -> Any:
        result = self.result
        operation = (context.service_model.service_name, context.operation_model.name)
        if operation not in _READS or not isinstance(result, dict):
            return execute(self, context)
        try:  # anything else not plain JSON (bytes of a binary value) goes the slow way
            body = json.dumps(result, default=_epoch_seconds)
        except TypeError:
            return execute(self, context)
        status, headers, _ = execute(ActionResult({}), context)  # moto's status and headers, no items walked
        return status, headers, body

    execute_result.original = execute  # type: ignore[attr-defined]  # for the test that compares both
    return execute_result


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(*args, **kwargs)

    return locked


# --- queries: candidates instead of the whole table ------------------------------------------------

KeyValues = tuple[DynamoType, DynamoType | None]
_SLICED = {"EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH"}
_OPERATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}


def _sort_values(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    return entry[:-1]


def _first_sort_value(entry: tuple[Any, ...]) -> Any:
    return entry[0]


class _Partition:
    """One partition (of the table or of an index) in moto's query order: sort keys kept sorted."""

    def __init__(self) -> None:
        self.order: list[tuple[Any, ...]] = []  # (sort values..., item key) ascending
        self.items: dict[KeyValues, Any] = {}

    def add(self, sort: tuple[Any, ...], key: KeyValues, item: Any) -> None:
        bisect.insort(self.order, (*sort, key), key=_sort_values)
        self.items[key] = item

    def remove(self, sort: tuple[Any, ...], key: KeyValues) -> None:
        at = bisect.bisect_left(self.order, sort, key=_sort_values)
        if at < len(self.order) and self.order[at][-1] == key:
            del self.order[at]
        self.items.pop(key, None)


class _Partitions:
    """For one table: every partition of the table and of its global indexes, sorted as moto sorts a
    query's results (index range keys, then the table's hash and range keys), kept current by writes."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.sort_attrs: dict[str | None, list[str]] = {None: [str(table.range_key_attr)]}
        self.hash_attr: dict[str | None, str] = {None: table.hash_key_attr}
        for index in table.global_indexes:
            ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
            self.hash_attr[index.name] = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            self.sort_attrs[index.name] = [*ranges, table.hash_key_attr, str(table.range_key_attr)]
        self.partitions: dict[tuple[str | None, DynamoType], _Partition] = {}
        self.entries: dict[KeyValues, list[tuple[str | None, DynamoType, tuple[Any, ...]]]] = {}
        for item in table.all_items():
            self.place((item.hash_key, item.range_key))

    def place(self, key: KeyValues) -> None:
        """Put the item at `key` where its current attributes belong (forgetting where it was)."""
        for index_name, value, sort in self.entries.pop(key, []):
            self.partitions[(index_name, value)].remove(sort, key)
        item = self.table.get_item(*key) if key[0] is not None else None
        if item is None:
            return
        for index_name, attrs in self.sort_attrs.items():
            held = item.attrs.get(self.hash_attr[index_name])
            if held is None or any(item.attrs.get(a) is None for a in attrs):
                continue  # not in this index (moto's query skips items without every key attribute)
            sort = tuple(item.attrs[a].cast_value for a in attrs)
            self.partitions.setdefault((index_name, held), _Partition()).add(sort, key, item)
            self.entries.setdefault(key, []).append((index_name, held, sort))

    def candidates(self, index_name: str | None, value: DynamoType, query: "_Query") -> list[Any] | None:
        """The items moto's query can reach: those of the partition within the range condition, after
        the start key, at most one more than the limit."""
        partition = self.partitions.get((index_name, value))
        if partition is None:
            return []
        order, first = partition.order, _first_sort_value
        lo, hi = 0, len(order)
        if query.comparison:
            if query.comparison not in _SLICED:
                return list(partition.items.values())
            bounds = [v.cast_value for v in query.range_values]
            if query.comparison in ("EQ", "GE", "BETWEEN", "BEGINS_WITH"):
                lo = bisect.bisect_left(order, bounds[0], key=first)
            if query.comparison == "GT":
                lo = bisect.bisect_right(order, bounds[0], key=first)
            if query.comparison in ("EQ", "LE"):
                hi = bisect.bisect_right(order, bounds[0], key=first)
            if query.comparison == "LT":
                hi = bisect.bisect_left(order, bounds[0], key=first)
            if query.comparison == "BETWEEN":
                hi = bisect.bisect_right(order, bounds[1], key=first)
            if query.comparison == "BEGINS_WITH":
                if not isinstance(bounds[0], str) or not bounds[0]:
                    return list(partition.items.values())
                hi = bisect.bisect_left(order, bounds[0][:-1] + chr(ord(bounds[0][-1]) + 1), key=first)
        if query.start is not None:
            start = self._sort_of(index_name, query.start)
            if start is None:
                return list(partition.items.values())
            if query.forward:
                lo = max(lo, bisect.bisect_right(order, start, lo, hi, key=_sort_values))
            else:
                hi = min(hi, bisect.bisect_left(order, start, lo, hi, key=_sort_values))
        # moto names a LastEvaluatedKey when a full page is followed by any further item, in the key
        # condition's range or not: one item past the range (in the query's direction) keeps that.
        lo, hi = (lo, min(len(order), hi + 1)) if query.forward else (max(0, lo - 1), hi)
        if query.limit is not None:
            lo, hi = (lo, min(hi, lo + query.limit + 1)) if query.forward else (max(lo, hi - query.limit - 1), hi)
        return [partition.items[entry[-1]] for entry in order[lo:hi]]

    def _sort_of(self, index_name: str | None, start: dict[str, Any]) -> tuple[Any, ...] | None:
        attrs = self.sort_attrs[index_name]
        if any(a not in start for a in attrs):
            return None
        return tuple(DynamoType(start[a]).cast_value for a in attrs)


@dataclass
class _Query:
    comparison: str | None
    range_values: list[DynamoType]
    limit: int | None
    start: dict[str, Any] | None
    forward: bool


def _partitions(table: Table) -> _Partitions:
    found = getattr(table, "_package_service_partitions", None)
    if found is None:  # built on the table's first query; kept current by every write after it
        found = _Partitions(table)
        table._package_service_partitions = found  # type: ignore[attr-defined]
    return found


def _candidates(table: Table, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any] | None:
    """The only items a query can answer, or None to leave the query to moto as it is."""
    names = ("hash_key", "range_comparison", "range_objs", "limit", "exclusive_start_key", "scan_index_forward",
             "projection_expressions", "index_name")  # fmt: skip
    given = {**dict(zip(names, args, strict=False)), **kwargs}
    index_name = given.get("index_name")
    if given.get("filter_kwargs") or len(given.get("range_key_conditions") or []) > 1 or not table.range_key_attr:
        return None
    if index_name is None:
        value = given.get("hash_key")
    else:
        conditions = given.get("hash_key_conditions") or []
        if len(conditions) != 1 or index_name not in {i.name for i in table.global_indexes}:
            return None
        value = conditions[0][1]
    if value is None:
        return None
    comparison = given.get("range_comparison")
    comparison = _OPERATORS.get(comparison, str(comparison).upper()) if comparison else None
    query = _Query(comparison, list(given.get("range_objs") or []), given.get("limit"),
                   given.get("exclusive_start_key"), given.get("scan_index_forward", True) is not False)  # fmt: skip
    return _partitions(table).candidates(index_name, value, query)


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
    """The items a transaction may have written: a condition check writes nothing, so its item stays put."""
    entries = args[0] if args else kwargs["transact_items"]
    operations = [op for kind, op in (next(iter(e.items())) for e in entries) if kind != "ConditionCheck"]
    return [_key_of(backend, op.get("TableName"), op.get("Key") or op.get("Item")) for op in operations]


def _reindexed(write: Callable[..., Any], keys: Callable[..., list[Any]]) -> Callable[..., Any]:
    """After a write (committed or not: placing an unchanged item again is harmless), the items it
    touched take their place in the index maps already built."""

    def write_then_place(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        outermost = not getattr(_writing, "active", False)
        _writing.active = True
        try:
            return write(self, *args, **kwargs)
        finally:
            _writing.active = not outermost
            with _lock:
                for found in keys(self, args, kwargs) if outermost else ():
                    partitions = getattr(found[0], "_package_service_partitions", None) if found else None
                    if partitions is not None:
                        partitions.place(found[1])

    return write_then_place
