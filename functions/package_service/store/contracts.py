"""Contracts: provisioning calls (see `provisioning.py`), reads, archive, contracts on a package.

`listContractsOnPackage` reads the package index, which is sharded (SHARDS partitions per package)
so a 100,000-customer cohort spreads its writes over SHARDS x 1,000 writes/s instead of one
partition's 1,000; a page merges the shards by start date.
"""

import heapq
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.audit import AuditEntry, Change
from ..domain.base import format_timestamp, parse_timestamp
from ..domain.contract import ContractCreate
from ..domain.contract_view import present_contract, present_created_contract
from ..domain.errors import NotFound, PackageNotFound, Unavailable, UniquenessKeyTaken
from ..domain.package_view import named_product_ids
from ..domain.provisioning import ProvisionRequest
from ..services.rates import PriceBook
from .audit import audited, update_with_entry
from .cursors import decode_cursor, encode_cursor
from .custom_contracts import plan_custom_contract
from .dynamo import Item, get_client, query_at_least, s, table_name, translated_errors
from .kinds import CONTRACT, PACKAGE
from .package_index import SHARDS, index_pk, index_row_key
from .packages import product_names
from .pages import ListFilter, list_records
from .provisioning import ContractPlan, PackageOnDate, customer_partition
from .records import (
    ConcurrentChange,
    ConditionFailed,
    StoredRecord,
    get_record,
    put_record_guarded,
    record_key,
    uniqueness_key_item_key,
)
from .tokens import Principal
from .transitions import TRANSITION_LABEL, check_transition, contract_doc

_ATTEMPTS = 3


def _package_on_date(principal: Principal, request: ProvisionRequest) -> PackageOnDate:
    transition = request.transition
    extra = [record_key(principal.tenant_id, CONTRACT, transition.from_contract_id)] if transition else []
    on_date = PackageOnDate(
        principal, request.starting_at, request.package_id, request.package_alias, [request.customer_id], extra
    )
    if transition:
        check_transition(on_date.previous_contract(transition.from_contract_id), request)
    return on_date


def provision_contract(principal: Principal, request: ProvisionRequest, now: datetime) -> dict[str, Any]:
    """Create the contract a package gives the customer: one transaction, at most three calls. Returns
    the contract as created, in the flat shape `/v1/contracts/create` answers with."""
    return _write(principal, lambda: _package_on_date(principal, request).plan(request, now), now)


def create_contract(principal: Principal, request: ContractCreate, now: datetime) -> dict[str, Any]:
    """`/v1/contracts/create`: from a package, or a custom contract (one batch read, one transaction)."""
    if request.from_package:
        return provision_contract(principal, request.provision_request(), now)
    return _write(principal, lambda: plan_custom_contract(principal, request, now), now)


def _write(principal: Principal, plan_contract: Callable[[], ContractPlan], now: datetime) -> dict[str, Any]:
    """Plan and write; when what the plan read changed before the write, read and plan again."""
    for _ in range(_ATTEMPTS):
        try:
            plan = plan_contract()
            plan.record.audit = _provisioned(principal, plan.doc, now)
            put_record_guarded(plan.record)
            return present_created_contract(plan.doc, plan.product_names)
        except ConditionFailed as failed:
            if failed.label != TRANSITION_LABEL:
                raise
            continue  # the old contract changed since it was read: read again, and its checks say why
        except ConcurrentChange:
            continue  # the package or customer changed between read and write: resolve again
    raise Unavailable("the customer's billing configuration kept changing during provisioning; retry")


def _provisioned(principal: Principal, doc: dict[str, Any], now: datetime) -> list[AuditEntry]:
    """The new contract's entry and, for a transition, the entry of the contract it ends."""
    contract_id, package_id = doc["id"], doc.get("package_id")
    source = f" from package {package_id}" if package_id else ""
    description = f"provisioned contract for customer {doc['customer_id']}{source}, starting {doc['starting_at']}"
    entries = [audited(principal, Change("contract", contract_id, "provision", description), now)]
    for transition in doc.get("transitions", []):
        ended = f"{transition['type'].lower()} transition to contract {contract_id}, which starts {doc['starting_at']}"
        change = Change("contract", transition["from_contract_id"], "transition", ended)
        entries.append(audited(principal, change, now))
    return entries


def preview_contract(principal: Principal, request: ProvisionRequest, now: datetime) -> dict[str, Any]:
    """What provisioning would create, without storing anything."""
    plan = _package_on_date(principal, request).plan(request, now)
    if request.uniqueness_key:
        guard = uniqueness_key_item_key(principal.tenant_id, CONTRACT, request.uniqueness_key)
        with translated_errors():
            held = get_client().get_item(TableName=table_name(), Key=guard).get("Item")
        if held:
            raise UniquenessKeyTaken("contract", request.uniqueness_key, held["holder_id"]["S"])
    return {
        "package_id": plan.resolved.package_id,
        "rate_card_id": plan.resolved.rate_card_id,
        "customer_billing_provider_configuration": plan.resolved.billing_config,
        "contract": present_contract(plan.doc, plan.product_names, None),
        # What it would pay per product from its start: getContractRateSchedule's rows.
        "rate_schedule": PriceBook(principal.tenant_id, now).schedule(
            plan.doc, parse_timestamp(plan.doc["starting_at"])
        ),
    }


def _present(principal: Principal, docs: list[dict[str, Any]], archived: list[str | None] | None = None) -> list[Any]:
    names = product_names(principal.tenant_id, {pid for doc in docs for pid in named_product_ids(doc)})
    archived = archived or [None] * len(docs)
    return [present_contract(doc, names, archived_at) for doc, archived_at in zip(docs, archived, strict=True)]


def _owned(principal: Principal, contract_id: str, customer_id: str) -> StoredRecord:
    record = get_record(principal.tenant_id, CONTRACT, contract_id, "contract")
    if record.doc["customer_id"] != customer_id:
        raise NotFound(f"contract {contract_id} not found for customer {customer_id}")
    return record


def get_contract(principal: Principal, contract_id: str, customer_id: str) -> dict[str, Any]:
    record = _owned(principal, contract_id, customer_id)
    return dict(_present(principal, [contract_doc(record)], [record.archived_at])[0])


def list_contracts(
    principal: Principal,
    customer_id: str,
    covering_date: datetime | None,
    starting_at: datetime | None,
    include_archived: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    extra = _date_filter(covering_date, starting_at)
    records, next_page = list_records(
        principal.tenant_id,
        CONTRACT,
        "ALL" if include_archived else "NOT_ARCHIVED",
        limit,
        cursor,
        partition=customer_partition(principal.tenant_id, customer_id),
        extra_filter=extra,
    )
    return _present(principal, [contract_doc(r) for r in records], [r.archived_at for r in records]), next_page


def _date_filter(covering_date: datetime | None, starting_at: datetime | None) -> ListFilter | None:
    """Contracts active at `covering_date`, or starting on or after `starting_at`."""
    if covering_date:
        at = s(format_timestamp(covering_date))
        return ListFilter(
            "starting_at <= :at AND (attribute_not_exists(ending_before) OR ending_before > :at)", {":at": at}
        )
    if starting_at:
        return ListFilter("starting_at >= :from", {":from": s(format_timestamp(starting_at))})
    return None


def archive_contract(principal: Principal, contract_id: str, customer_id: str, now: datetime) -> None:
    """Archive the contract and its package-index row together (idempotent)."""
    record = _owned(principal, contract_id, customer_id)
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
    principal: Principal,
    package_id: str,
    covering_date: datetime | None,
    starting_at: datetime | None,
    include_archived: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Contracts on a package, by start date, merged across the index shards (no scan)."""
    try:
        get_record(principal.tenant_id, PACKAGE, package_id, "package")
    except NotFound:  # also another tenant's package
        raise PackageNotFound(f"package_id: package {package_id} not found") from None
    after = decode_cursor(cursor, "after")[0] if cursor else None
    date_filter = _date_filter(covering_date, starting_at)
    shard_rows = [
        _shard_page(index_pk(principal.tenant_id, package_id, shard), after, date_filter, include_archived, limit + 1)
        for shard in range(SHARDS)
    ]
    merged = list(heapq.merge(*shard_rows, key=lambda row: row["sk"]["S"]))
    page = merged[:limit]
    next_page = encode_cursor({"after": page[-1]["sk"]["S"]}) if len(merged) > limit else None
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
        "contract_id": row["contract_id"]["S"],
        "customer_id": row["customer_id"]["S"],
        "starting_at": row["starting_at"]["S"],
        "ending_before": row.get("ending_before", {}).get("S"),
        "archived_at": row.get("archived_at", {}).get("S"),
    }
