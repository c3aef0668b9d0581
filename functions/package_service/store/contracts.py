"""Contracts provisioned from packages.

  contract        pk=T#<t>#CONTRACT#<id>                    sk=RECORD   doc; gsi1pk=T#<t>#CUSTOMERCONTRACTS#<customer>
  package index   pk=T#<t>#PKGCONTRACTS#<package>#<shard>   sk=<starting_at>#<contract id>
                  contract_id, customer_id, starting_at, ending_before?, archived_at?

The package index is sharded (SHARDS partitions per package) so a 100,000-customer cohort spreads
its writes over SHARDS x 1,000 writes/s instead of one partition's 1,000. Provisioning reads at most
twice (customer + package or its alias, then the package or the rate card alias) and writes once:
the contract, its uniqueness guard and its index row in one transaction that also re-checks the
package is not archived and the customer's billing configurations did not change.
"""

import base64
import binascii
import heapq
import json
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from ..domain.aliases import AliasAssignment, assignment_at
from ..domain.base import format_timestamp
from ..domain.contract_view import present_contract
from ..domain.errors import InvalidRequest, NotFound, Unavailable, UniquenessKeyTaken
from ..domain.provisioning import ProvisionRequest, Resolved, match_billing_config, resolve_contract_terms
from .catalog import RATE_CARD
from .customers import CUSTOMER, billing_config_version, billing_configs
from .dynamo import Item, batch_get, get_client, key, s, table_name, translated_errors
from .packages import PACKAGE, product_names
from .records import (
    ConcurrentChange,
    ListFilter,
    NewRecord,
    ReferenceCheck,
    StoredRecord,
    alias_key,
    get_record,
    history_from_item,
    list_records,
    put_record_guarded,
    record_from_item,
    record_key,
)
from .tokens import Principal

CONTRACT = "CONTRACT"
SHARDS = 8
_ATTEMPTS = 3


def customer_partition(tenant: str, customer_id: str) -> str:
    return f"T#{tenant}#CUSTOMERCONTRACTS#{customer_id}"


def index_pk(tenant: str, package_id: str, shard: int) -> str:
    return f"T#{tenant}#PKGCONTRACTS#{package_id}#{shard}"


def shard_of(contract_id: str) -> int:
    return UUID(contract_id).int % SHARDS


def _read(keys: list[Item]) -> dict[str, Item]:
    return {item["pk"]["S"]: item for item in batch_get(keys)}


class _Plan:
    """Everything provisioning read, resolved: the contract to write and the checks that keep it true."""

    def __init__(self, principal: Principal, request: ProvisionRequest, now: datetime) -> None:
        self.principal, self.request, self.now = principal, request, now
        tenant = principal.tenant_id
        customer_key = record_key(tenant, CUSTOMER, request.customer_id)
        first = [customer_key]
        if request.package_id:
            first.append(record_key(tenant, PACKAGE, request.package_id))
        else:
            first.append(alias_key(tenant, PACKAGE, request.package_alias or ""))
        if request.transition:
            first.append(record_key(tenant, CONTRACT, request.transition.from_contract_id))
        found = _read(first)

        customer_item = found.get(customer_key["pk"]["S"])
        if customer_item is None:
            raise InvalidRequest(f"customer_id: customer {request.customer_id} not found")
        self.customer = record_from_item(customer_item)
        if self.customer.archived_at:
            raise InvalidRequest(f"customer_id: customer {request.customer_id} is archived")
        self._check_transition(found)

        rate_card_alias: str | None
        if request.package_id:
            package_item = found.get(record_key(tenant, PACKAGE, request.package_id)["pk"]["S"])
            if package_item is None:
                raise InvalidRequest(f"package_id: package {request.package_id} not found")
            self.package = record_from_item(package_item)
            rate_card_alias = self.package.doc.get("rate_card_alias")
            second = [alias_key(tenant, RATE_CARD, rate_card_alias)] if rate_card_alias else []
            found = _read(second) if second else {}
        else:
            assignment = self._alias_at(found, PACKAGE, request.package_alias or "", "package_alias: ", "package")
            rate_card_alias = assignment.rate_card_alias
            second = [record_key(tenant, PACKAGE, assignment.holder_id)]
            if rate_card_alias:
                second.append(alias_key(tenant, RATE_CARD, rate_card_alias))
            found = _read(second)
            self.package = record_from_item(found[second[0]["pk"]["S"]])
        field = "package_id" if request.package_id else "package_alias"
        if self.package.archived_at:
            raise InvalidRequest(f"{field}: package {self.package.id} is archived and cannot provision new contracts")

        rate_card_id = self.package.doc.get("rate_card_id")
        if rate_card_alias:
            context = f"{field}: package {self.package.id}'s rate_card_alias "
            rate_card_id = self._alias_at(found, RATE_CARD, rate_card_alias, context, "rate card").holder_id

        config = match_billing_config(self.package.doc, request.customer_id, billing_configs(self.customer))
        self.resolved = Resolved(self.package.id, rate_card_id, config)
        self.contract_id = str(uuid4())
        self.doc = resolve_contract_terms(
            request, self.package.doc, self.resolved, self.contract_id, now, principal.token_name
        )

    def _alias_at(self, found: dict[str, Item], kind: str, name: str, context: str, what: str) -> AliasAssignment:
        """The alias's assignment on the contract start date, from an alias row already read."""
        alias_item = found.get(alias_key(self.principal.tenant_id, kind, name)["pk"]["S"])
        when = self.request.starting_at
        assignment = assignment_at(history_from_item(alias_item) if alias_item else [], when)
        if assignment is None:
            raise InvalidRequest(f"{context}{name!r} points at no {what} on {format_timestamp(when)}")
        return assignment

    def _check_transition(self, found: dict[str, Item]) -> None:
        transition = self.request.transition
        if not transition:
            return
        item = found.get(record_key(self.principal.tenant_id, CONTRACT, transition.from_contract_id)["pk"]["S"])
        if item is None or record_from_item(item).doc["customer_id"] != self.request.customer_id:
            raise InvalidRequest(
                f"transition.from_contract_id: contract {transition.from_contract_id} is not a contract of "
                f"customer {self.request.customer_id}"
            )

    def record(self) -> NewRecord:
        tenant, doc = self.principal.tenant_id, self.doc
        index_row: Item = {
            "pk": s(index_pk(tenant, self.package.id, shard_of(self.contract_id))),
            "sk": s(f"{doc['starting_at']}#{self.contract_id}"),
            "contract_id": s(self.contract_id),
            "customer_id": s(doc["customer_id"]),
            "starting_at": s(doc["starting_at"]),
        }
        if "ending_before" in doc:
            index_row["ending_before"] = s(doc["ending_before"])
        package_check = ReferenceCheck(
            record_key(tenant, PACKAGE, self.package.id), "package_id", f"package {self.package.id}"
        )
        customer_unchanged = ReferenceCheck(
            record_key(tenant, CUSTOMER, doc["customer_id"]),
            "customer_id",
            f"customer {doc['customer_id']} or its billing provider configurations changed while provisioning",
            condition="attribute_not_exists(archived_at) AND bpc_version = :version",
            values={":version": {"N": billing_config_version(self.customer)}},
        )
        dates: Item = {name: s(doc[name]) for name in ("starting_at", "ending_before") if name in doc}
        return NewRecord(
            tenant,
            CONTRACT,
            doc,
            attributes=dates,  # beside the document, for the covering_date / starting_at filters
            uniqueness_key=self.request.uniqueness_key,
            listing_partition=customer_partition(tenant, doc["customer_id"]),
            extra_items=[{"Put": {"TableName": table_name(), "Item": index_row}}],
            references=[package_check, customer_unchanged],
        )


def provision_contract(principal: Principal, request: ProvisionRequest, now: datetime) -> str:
    """Create the contract a package gives the customer: one transaction, at most three calls."""
    for _ in range(_ATTEMPTS):
        try:
            return put_record_guarded(_Plan(principal, request, now).record())
        except ConcurrentChange:
            continue  # the package or customer changed between read and write: resolve again
    raise Unavailable("the customer's billing configuration kept changing during provisioning; retry")


def preview_contract(principal: Principal, request: ProvisionRequest, now: datetime) -> dict[str, Any]:
    """What provisioning would create, without storing anything."""
    plan = _Plan(principal, request, now)
    if request.uniqueness_key:
        guard = key(f"T#{principal.tenant_id}#UNIQ#{CONTRACT}#{request.uniqueness_key}", "UNIQ")
        with translated_errors():
            held = get_client().get_item(TableName=table_name(), Key=guard).get("Item")
        if held:
            raise UniquenessKeyTaken("contract", request.uniqueness_key, held["holder_id"]["S"])
    return {
        "package_id": plan.resolved.package_id,
        "rate_card_id": plan.resolved.rate_card_id,
        "customer_billing_provider_configuration": plan.resolved.billing_config,
        "contract": _present(principal, [plan.doc])[0],
    }


def _present(principal: Principal, docs: list[dict[str, Any]], archived: list[str | None] | None = None) -> list[Any]:
    names = product_names(principal.tenant_id, {pid for doc in docs for pid in _contract_products(doc)})
    archived = archived or [None] * len(docs)
    return [present_contract(doc, names, archived_at) for doc, archived_at in zip(docs, archived, strict=True)]


def _contract_products(doc: dict[str, Any]) -> set[str]:
    ids = {t["product_id"] for f in ("commits", "credits", "recurring_commits", "recurring_credits",
                                     "scheduled_charges") for t in doc.get(f, [])}  # fmt: skip
    ids |= {sub["subscription_rate"]["product_id"] for sub in doc.get("subscriptions", [])}
    return ids


def _owned(principal: Principal, contract_id: str, customer_id: str) -> StoredRecord:
    record = get_record(principal.tenant_id, CONTRACT, contract_id, "contract")
    if record.doc["customer_id"] != customer_id:
        raise NotFound(f"contract {contract_id} not found for customer {customer_id}")
    return record


def get_contract(principal: Principal, contract_id: str, customer_id: str) -> dict[str, Any]:
    record = _owned(principal, contract_id, customer_id)
    return dict(_present(principal, [record.doc], [record.archived_at])[0])


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
    return _present(principal, [r.doc for r in records], [r.archived_at for r in records]), next_page


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
    doc = record.doc
    index_key = key(
        index_pk(principal.tenant_id, doc["package_id"], shard_of(contract_id)), f"{doc['starting_at']}#{contract_id}"
    )
    items: list[Item] = [
        {
            "Update": {
                "TableName": table_name(),
                "Key": record_key(principal.tenant_id, CONTRACT, contract_id),
                "UpdateExpression": "SET archived_at = if_not_exists(archived_at, :now)",
                "ExpressionAttributeValues": {":now": stamp},
            }
        },
        {
            "Update": {
                "TableName": table_name(),
                "Key": index_key,
                "UpdateExpression": "SET archived_at = if_not_exists(archived_at, :now)",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":now": stamp},
            }
        },
    ]
    with translated_errors():
        get_client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]


def _encode(sort_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": sort_key}).encode()).decode()


def _decode(cursor: str) -> str:
    try:
        return str(json.loads(base64.urlsafe_b64decode(cursor.encode()))["after"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidRequest("next_page: not a cursor this service issued") from None


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
    get_record(principal.tenant_id, PACKAGE, package_id, "package")  # 404 outside the tenant
    after = _decode(cursor) if cursor else None
    date_filter = _date_filter(covering_date, starting_at)
    shard_rows = [
        _shard_page(index_pk(principal.tenant_id, package_id, shard), after, date_filter, include_archived, limit + 1)
        for shard in range(SHARDS)
    ]
    merged = list(heapq.merge(*shard_rows, key=lambda row: row["sk"]["S"]))
    page = merged[:limit]
    next_page = _encode(page[-1]["sk"]["S"]) if len(merged) > limit else None
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
    rows: list[Item] = []
    while len(rows) < wanted:
        query["Limit"] = wanted - len(rows)
        with translated_errors():
            response = get_client().query(**query)
        rows.extend(response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            break
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return rows


def _index_row(row: Item) -> dict[str, Any]:
    return {
        "contract_id": row["contract_id"]["S"],
        "customer_id": row["customer_id"]["S"],
        "starting_at": row["starting_at"]["S"],
        "ending_before": row.get("ending_before", {}).get("S"),
        "archived_at": row.get("archived_at", {}).get("S"),
    }
