"""The contracts-on-a-package index: one base-table row per contract, sharded by contract id so a large
cohort spreads its writes (docs/decisions/0003-sharded-package-index.md).

row   pk=T#<tenant>#PKGCONTRACTS#<package>#<shard>   sk=<starting_at>#<contract>
      contract_id, customer_id, starting_at, ending_before?, archived_at?
"""

from typing import Any
from uuid import UUID

from .dynamo import Item, key, s

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
