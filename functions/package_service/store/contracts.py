"""Contracts as stored: reads, archive, contracts on a package (creating one: services/contracts.py;
presenting them: services/contract_reads.py).

`listContractsOnPackage` reads the package index, which is sharded (SHARDS partitions per package)
so a 100,000-customer cohort spreads its writes over SHARDS x 1,000 writes/s instead of one
partition's 1,000; a page merges the shards by start date.
"""

import heapq
from datetime import datetime
from typing import Any

from ..domain.audit import Change
from ..domain.base import format_timestamp
from ..domain.contract_query import ContractQuery
from ..domain.errors import NotFound
from ..domain.principal import Principal
from .audit import audited, update_with_entry
from .cursors import decode_cursor, encode_cursor
from .dynamo import Item, get_client, maybe_text, query_at_least, s, table_name, text, translated_errors
from .kinds import CONTRACT, customer_partition
from .package_index import SHARDS, index_pk, index_row_key
from .pages import ListFilter, list_records
from .records import (
    StoredRecord,
    get_record,
    record_key,
    uniqueness_key_item_key,
)


def uniqueness_key_holder(tenant: str, uniqueness_key: str) -> str | None:
    """The contract holding `uniqueness_key`, if any."""
    with translated_errors():
        held = get_client().get_item(
            TableName=table_name(), Key=uniqueness_key_item_key(tenant, CONTRACT, uniqueness_key)
        )
    item = held.get("Item")
    return text(item, "holder_id") if item else None


def owned_contract(tenant: str, contract_id: str, customer_id: str, consistent: bool = False) -> StoredRecord:
    """The customer's contract as stored; another customer's or tenant's is not found."""
    record = get_record(tenant, CONTRACT, contract_id, "contract", consistent=consistent)
    if record.doc["customer_id"] != customer_id:
        raise NotFound(f"contract {contract_id} not found for customer {customer_id}")
    return record


def list_contracts(tenant: str, customer_id: str, query: ContractQuery) -> tuple[list[StoredRecord], str | None]:
    """A page of the customer's contracts as stored (services/contract_reads.py presents them)."""
    return list_records(
        tenant,
        CONTRACT,
        "ALL" if query.include_archived else "NOT_ARCHIVED",
        query.limit,
        query.cursor,
        partition=customer_partition(tenant, customer_id),
        extra_filter=_date_filter(query),
    )


def _date_filter(query: ContractQuery) -> ListFilter | None:
    """Contracts active at `covering_date`, or starting on or after `starting_at`."""
    if query.covering_date:
        at = s(format_timestamp(query.covering_date))
        return ListFilter(
            "starting_at <= :at AND (attribute_not_exists(ending_before) OR ending_before > :at)", {":at": at}
        )
    if query.starting_at:
        return ListFilter("starting_at >= :from", {":from": s(format_timestamp(query.starting_at))})
    return None


def archive_contract(principal: Principal, contract_id: str, customer_id: str, now: datetime) -> None:
    """Archive the contract and its package-index row together (idempotent)."""
    record = owned_contract(principal.tenant_id, contract_id, customer_id)
    if record.archived_at:
        return
    stamp = s(format_timestamp(now))
    archive = {
        "TableName": table_name(),
        "Key": record_key(principal.tenant_id, CONTRACT, contract_id),
        "UpdateExpression": "SET archived_at = :now",
        "ConditionExpression": "attribute_not_exists(archived_at)",
        "ExpressionAttributeValues": {":now": stamp},
    }
    index_row = {
        "Update": {
            "TableName": table_name(),
            "Key": index_row_key(principal.tenant_id, record.doc),
            "UpdateExpression": "SET archived_at = if_not_exists(archived_at, :now)",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":now": stamp},
        }
    }
    entry = audited(principal, Change("contract", contract_id, "archive", f"archived contract {contract_id}"), now)
    update_with_entry(archive, entry, also=[index_row])  # refused: archived meanwhile, nothing to record


def list_contracts_on_package(
    tenant: str, package_id: str, query: ContractQuery
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the package's index rows (their attributes as stored), by start date, merged across the
    index shards (no scan)."""
    after = decode_cursor(query.cursor, "after")[0] if query.cursor else None
    date_filter = _date_filter(query)
    shard_rows = [
        _shard_page(index_pk(tenant, package_id, shard), after, date_filter, query.include_archived, query.limit + 1)
        for shard in range(SHARDS)
    ]
    merged = list(heapq.merge(*shard_rows, key=lambda row: text(row, "sk")))
    page = merged[: query.limit]
    next_page = encode_cursor({"after": text(page[-1], "sk")}) if len(merged) > query.limit else None
    return [_index_row(row) for row in page], next_page


def _shard_page(
    partition: str, after: str | None, date_filter: ListFilter | None, include_archived: bool, wanted: int
) -> list[Item]:
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk" + (" AND sk > :after" if after else ""),
        "ExpressionAttributeValues": {":pk": s(partition), **({":after": s(after)} if after else {})},
    }
    filters = [] if include_archived else ["attribute_not_exists(archived_at)"]
    if date_filter:
        filters.append(f"({date_filter.expression})")
        query["ExpressionAttributeValues"].update(date_filter.values)
    if filters:
        query["FilterExpression"] = " AND ".join(filters)
    return query_at_least(query, wanted)[0]


def _index_row(row: Item) -> dict[str, Any]:
    return {
        "contract_id": text(row, "contract_id"),
        "customer_id": text(row, "customer_id"),
        "starting_at": text(row, "starting_at"),
        "ending_before": maybe_text(row, "ending_before"),
        "archived_at": maybe_text(row, "archived_at"),
    }
