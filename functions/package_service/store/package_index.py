"""The contracts-on-a-package index: one base-table row per contract, sharded by contract id so a large
cohort spreads its writes (docs/decisions/0003-sharded-package-index.md).

row   pk=T#<tenant>#PKGCONTRACTS#<package>#<shard>   sk=<starting_at>#<contract>
      contract_id, customer_id, starting_at, ending_before?, archived_at?
"""

from typing import Any
from uuid import UUID

from .dynamo import Item, key, query_page, s, table_name, text
from .transaction import GuardedItem

SHARDS = 8  # package-index partitions per package (see docs/data-model.md)


def index_pk(tenant: str, package_id: str, shard: int) -> str:
    return f"T#{tenant}#PKGCONTRACTS#{package_id}#{shard}"


def shard_of(contract_id: str) -> int:
    return UUID(contract_id).int % SHARDS


def index_row_key(tenant: str, contract: dict[str, str]) -> Item:
    """The index row of a contract document provisioned from a package."""
    pk = index_pk(tenant, contract["package_id"], shard_of(contract["id"]))
    return key(pk, f"{contract['starting_at']}#{contract['id']}")


def index_row(tenant: str, contract: dict[str, Any], ending_before: str | None) -> Item:
    """A provisioned contract's index row, whole: its key, ids, start and `ending_before` (if it ends)."""
    row = {
        **index_row_key(tenant, contract),
        "contract_id": s(contract["id"]),
        "customer_id": s(contract["customer_id"]),
        "starting_at": s(contract["starting_at"]),
    }
    return {**row, "ending_before": s(ending_before)} if ending_before else row


def index_row_put(
    tenant: str, contract: dict[str, Any], ending_before: str | None, replacing: bool = False
) -> GuardedItem:
    """A transaction's put of the contract's index row, whole; `replacing`: only over the row it has (a new
    end for a provisioned contract), never creating one."""
    put: Item = {"TableName": table_name(), "Item": index_row(tenant, contract, ending_before)}
    if replacing:
        put["ConditionExpression"] = "attribute_exists(pk)"
    return GuardedItem({"Put": put})


def active_index_page(
    tenant: str, package_id: str, shard: int, after: str | None, limit: int
) -> tuple[list[tuple[str, str]], str | None]:
    """One page of a shard's rows, archived contracts left out: (contract id, customer id) pairs, and the
    sort key to resume after (None: the shard is done)."""
    items, last = query_page(
        {
            "TableName": table_name(),
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "attribute_not_exists(archived_at)",
            "ExpressionAttributeValues": {":pk": s(index_pk(tenant, package_id, shard))},
            "Limit": limit,
        },
        after,
    )
    return [(text(item, "contract_id"), text(item, "customer_id")) for item in items], last
