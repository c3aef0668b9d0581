"""Customers. Their billing provider configurations live in the customer item itself:

  customer  pk=T#<tenant>#CUSTOMER#<id>  sk=RECORD  doc, bpc: {<config id>: {...}}, bpc_version: N

so one read sees a customer with every configuration, and provisioning can make its transaction
conditional on `bpc_version` (any configuration change in between cancels it).

  alias guard  pk=T#<tenant>#CUSTOMERALIAS#<alias>  sk=GUARD  holder_id

An ingest alias (and the external id, the first alias) names one customer of the tenant, as usage
events refer to customers by them: the guards are written with `attribute_not_exists` in the create's
transaction, and a taken alias is a 409 naming its customer.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from botocore.exceptions import ClientError

from ..domain.audit import Action, Change
from ..domain.base import format_timestamp
from ..domain.customers import (
    BillingProviderConfigInput,
    CustomerCreate,
    present_billing_config,
    present_customer,
)
from ..domain.errors import Conflict, InvalidRequest, NotFound, Unavailable
from ..domain.principal import Principal
from .audit import audited, entry_put, update_with_entry
from .dynamo import (
    Item,
    batch_get,
    get_client,
    key,
    n,
    number,
    s,
    table_name,
    text,
    text_or,
    transact,
    translated_errors,
)
from .kinds import CUSTOMER
from .pages import list_records
from .records import (
    ConditionFailed,
    GuardedItem,
    NewRecord,
    ReferenceCheck,
    StoredRecord,
    archive_record,
    get_record,
    get_records,
    new_record_doc,
    put_record_guarded,
    record_key,
)
from .transaction import Failure


def _config_value(config_id: str, config: BillingProviderConfigInput, now: datetime) -> Item:
    fields = config.model_dump(mode="json", exclude_none=True, exclude={"customer_id"})
    fields["configuration"] = json.dumps(fields.get("configuration", {}))
    return {"M": {"id": s(config_id), "created_at": s(format_timestamp(now)), **{k: s(v) for k, v in fields.items()}}}


def billing_configs(record: StoredRecord) -> list[dict[str, Any]]:
    """The customer's configurations, oldest first, each as a plain dict."""
    configs = []
    for value in record.item.get("bpc", {}).get("M", {}).values():
        config = {k: v["S"] for k, v in value["M"].items()}
        config["configuration"] = json.loads(config.get("configuration", "{}"))
        configs.append(config)
    return sorted(configs, key=lambda c: (c["created_at"], c["id"]))


def billing_config_version(record: StoredRecord) -> int:
    return number(record.item, "bpc_version")


def customer_unchanged(tenant: str, customer: StoredRecord) -> ReferenceCheck:
    """A transaction's check that the customer is still active and its billing provider configurations
    are as `customer` was read (a configuration change since moves `bpc_version`)."""
    return ReferenceCheck(
        record_key(tenant, CUSTOMER, customer.id),
        "customer_id",
        f"customer {customer.id} or its billing provider configurations changed while provisioning",
        condition="attribute_not_exists(archived_at) AND bpc_version = :version",
        values={":version": n(billing_config_version(customer))},
    )


def create_customer(
    principal: Principal, request: CustomerCreate, now: datetime, record_id: str | None = None
) -> dict[str, Any]:
    doc = new_record_doc(
        principal.token_name, request, now, record_id, exclude={"customer_billing_provider_configurations"}
    )
    doc.setdefault("external_id", doc["id"])
    configs = {
        (config_id := str(uuid4())): _config_value(config_id, config, now)
        for config in request.customer_billing_provider_configurations or []
    }
    attributes: Item = {"bpc": {"M": configs}, "bpc_version": n(0)}
    aliases = sorted({*doc.get("ingest_aliases", []), *([request.external_id] if request.external_id else [])})
    guards = [_alias_guard(principal.tenant_id, alias, doc["id"]) for alias in aliases]
    description = f"created customer {request.name!r}" + (
        f" with {len(configs)} billing provider configurations" if configs else ""
    )
    entry = audited(principal, Change("customer", doc["id"], "create", description), now)
    record = NewRecord(principal.tenant_id, CUSTOMER, doc, attributes=attributes, extra_items=guards, audit=[entry])
    try:
        put_record_guarded(record)
    except ConditionFailed as taken:
        holder = text_or(taken.existing or {}, "holder_id", "another customer")
        alias = str(taken.detail)
        field = "ingest_aliases" if alias in doc.get("ingest_aliases", []) else "external_id"
        raise Conflict(f"{field}: {alias!r} already belongs to customer {holder}") from None
    return doc


def _alias_key(tenant: str, alias: str) -> Item:
    return key(f"T#{tenant}#CUSTOMERALIAS#{alias}", "GUARD")


def _alias_guard(tenant: str, alias: str, customer_id: str) -> GuardedItem:
    item = {**_alias_key(tenant, alias), "holder_id": s(customer_id)}
    put = {
        "TableName": table_name(),
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return GuardedItem({"Put": put}, Failure.INGEST_ALIAS_TAKEN, alias)


def get_customer_record(principal: Principal, customer_id: str) -> StoredRecord:
    return get_record(principal.tenant_id, CUSTOMER, customer_id, "customer")


def missing_customers(tenant: str, customer_ids: list[str]) -> list[str]:
    """Those of `customer_ids` with no customer record (archived ones exist), in the order given."""
    found = {text(item, "pk") for item in batch_get([record_key(tenant, CUSTOMER, c) for c in customer_ids])}
    return [c for c in customer_ids if text(record_key(tenant, CUSTOMER, c), "pk") not in found]


def get_customer(principal: Principal, customer_id: str) -> dict[str, Any]:
    record = get_customer_record(principal, customer_id)
    return present_customer(record.doc, record.archived_at)


def list_customers(
    principal: Principal, only_archived: bool, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    records, next_page = list_records(
        principal.tenant_id, CUSTOMER, "ARCHIVED" if only_archived else "NOT_ARCHIVED", limit, cursor
    )
    return [present_customer(r.doc, r.archived_at) for r in records], next_page


def get_customers(principal: Principal, customer_ids: list[str], only_archived: bool) -> list[dict[str, Any]]:
    """The given customers that exist in the tenant (in the order asked), archived or not as asked."""
    found = get_records(principal.tenant_id, CUSTOMER, set(customer_ids))
    return [
        present_customer(record.doc, record.archived_at)
        for customer_id in dict.fromkeys(customer_ids)
        if (record := found.get(customer_id)) and bool(record.archived_at) == only_archived
    ]


def get_customers_by_ingest_alias(principal: Principal, alias: str, only_archived: bool) -> list[dict[str, Any]]:
    """The customer an ingest alias (or external id) names, through its guard item: one read each."""
    with translated_errors():
        guard = get_client().get_item(TableName=table_name(), Key=_alias_key(principal.tenant_id, alias)).get("Item")
    return get_customers(principal, [text(guard, "holder_id")], only_archived) if guard else []


def archive_customer(principal: Principal, customer_id: str, now: datetime) -> None:
    entry = audited(principal, Change("customer", customer_id, "archive", f"archived customer {customer_id}"), now)
    archive_record(principal.tenant_id, CUSTOMER, customer_id, "customer", now, entry)


def set_billing_configs(
    principal: Principal, configs: Sequence[tuple[str, BillingProviderConfigInput]], now: datetime
) -> list[dict[str, Any]]:
    """Add configurations to one or more customers, all or nothing (one transaction)."""
    by_customer: dict[str, dict[str, BillingProviderConfigInput]] = {}
    for customer_id, config in configs:
        by_customer.setdefault(customer_id, {})[str(uuid4())] = config
    items, entries = [], []
    for customer_id, new in by_customer.items():
        methods = {f"{c.billing_provider} ({c.delivery_method or c.delivery_method_id})" for c in new.values()}
        providers = ", ".join(sorted(methods))
        description = f"added {len(new)} billing provider configurations: {providers}"
        action: Action = "set_billing_provider_configurations"
        entries.append(entry_put(audited(principal, Change("customer", customer_id, action, description), now)))
        names = {f"#c{i}": config_id for i, config_id in enumerate(new)}
        values: Item = {
            f":c{i}": _config_value(config_id, config, now) for i, (config_id, config) in enumerate(new.items())
        }
        values[":one"] = n(1)
        items.append(
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": record_key(principal.tenant_id, CUSTOMER, customer_id),
                    "UpdateExpression": "SET "
                    + ", ".join(f"bpc.{n} = :c{i}" for i, n in enumerate(names))
                    + " ADD bpc_version :one",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(archived_at)",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
    try:
        reasons = transact(items + entries)
    except ClientError as error:
        if "size" not in str(error.response.get("Error", {}).get("Message", "")).lower():
            raise
        reasons = [{"Code": "ValidationError"}]
    if reasons is not None:
        for index, reason in enumerate(reasons[: len(items)]):
            if reason.get("Code") == "ConditionalCheckFailed":
                customer_id = list(by_customer)[index]
                position = next(i for i, (cid, _) in enumerate(configs) if cid == customer_id)
                raise InvalidRequest(
                    f"data[{position}].customer_id: customer {customer_id} does not exist or is archived"
                )
        if any(reason.get("Code") == "ValidationError" for reason in reasons):
            raise InvalidRequest("data: the configurations would make a customer larger than DynamoDB's 400 KB item")
        # Nothing was written: a concurrent writer touched the same customer. As every other write answers.
        raise Unavailable("concurrent writes kept conflicting with this request; retry")
    return [
        {"customer_id": customer_id, **present_billing_config(customer_id, _plain(config_id, config))}
        for customer_id, new in by_customer.items()
        for config_id, config in new.items()
    ]


def _plain(config_id: str, config: BillingProviderConfigInput) -> dict[str, Any]:
    return {"id": config_id, **config.model_dump(mode="json", exclude_none=True, exclude={"customer_id"})}


def archive_billing_configs(principal: Principal, customer_id: str, config_ids: list[str], now: datetime) -> None:
    names = {"#c" + str(i): config_id for i, config_id in enumerate(config_ids)}
    exists = " AND ".join(f"attribute_exists(bpc.{n})" for n in names)
    update = {
        "TableName": table_name(),
        "Key": record_key(principal.tenant_id, CUSTOMER, customer_id),
        "UpdateExpression": "SET "
        + ", ".join(f"bpc.{n}.archived_at = if_not_exists(bpc.{n}.archived_at, :now)" for n in names)
        + " ADD bpc_version :one",
        "ConditionExpression": f"attribute_exists(pk) AND {exists}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":now": s(format_timestamp(now)), ":one": n(1)},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    description = f"archived billing provider configurations {', '.join(config_ids)}"
    action: Action = "archive_billing_provider_configurations"
    entry = audited(principal, Change("customer", customer_id, action, description), now)
    refused = update_with_entry(update, entry)
    if refused is not None:
        old = cast(Item | None, refused.get("Item"))
        if not old:
            raise NotFound(f"customer {customer_id} not found")
        known = old.get("bpc", {}).get("M", {})
        missing = next(i for i, config_id in enumerate(config_ids) if config_id not in known)
        raise InvalidRequest(
            f"customer_billing_provider_configuration_ids[{missing}]: {config_ids[missing]} "
            f"is not a configuration of customer {customer_id}"
        )


def get_billing_configs(principal: Principal, customer_id: str, include_archived: bool) -> list[dict[str, Any]]:
    record = get_customer_record(principal, customer_id)
    return [
        present_billing_config(customer_id, config)
        for config in billing_configs(record)
        if include_archived or "archived_at" not in config
    ]
