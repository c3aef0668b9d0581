"""Sharded counters of a background run (a provisioning job, a package migration).

  counter      pk=<the run's record pk>   sk=COUNTER#<n>   one number attribute per count

Parallel workers seldom contend on one item: each update goes to a shard drawn at random, and a count
is the sum of all shards. An update moves customers or contracts between counts in the same
transaction as the rows it counts, so counts always add up.
"""

import random
from typing import Any

from .dynamo import Item, get_client, key, n, number, s, table_name, translated_errors

COUNTER_SHARDS = 32  # > the worker's 20 concurrent instances


def counter_key(pk: str, shard: int | None = None) -> Item:
    """A counter shard (drawn at random unless given): any one will do."""
    return key(pk, f"COUNTER#{random.randrange(COUNTER_SHARDS) if shard is None else shard}")


def counter_update(pk: str, changes: dict[str, int]) -> Item:
    """The transaction item that adds `changes` (count name -> delta) on one shard."""
    names = sorted(name for name, delta in changes.items() if delta)
    return {
        "Update": {
            "TableName": table_name(),
            "Key": counter_key(pk),
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :d{i}" for i in range(len(names))),
            "ExpressionAttributeNames": {f"#c{i}": name for i, name in enumerate(names)},
            "ExpressionAttributeValues": {f":d{i}": n(changes[name]) for i, name in enumerate(names)},
        }
    }


def read_counts(pk: str, names: tuple[str, ...]) -> dict[str, int]:
    """Every count summed over the shards (one query: the shards share the record's partition)."""
    totals = dict.fromkeys(names, 0)
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :counter)",
        "ExpressionAttributeValues": {":pk": s(pk), ":counter": s("COUNTER#")},
        "ConsistentRead": True,
    }
    with translated_errors():
        items = get_client().query(**query).get("Items", [])
    for item in items:
        for name in names:
            totals[name] += number(item, name)
    return totals
