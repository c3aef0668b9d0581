"""Customers and their billing provider configurations: each configuration gets its delivery method
(domain/customers.py) before the store writes it; reads go straight to the store."""

from datetime import datetime
from typing import Any

from ..domain.customers import CustomerCreate, SetBillingConfigurations, with_delivery_method
from ..domain.principal import Principal
from ..store import customers
from ..store.customers import (
    archive_billing_configs,
    archive_customer,
    get_billing_configs,
    get_customer,
    get_customers,
    get_customers_by_ingest_alias,
    list_customers,
)

__all__ = [
    "archive_billing_configs",
    "archive_customer",
    "create_customer",
    "get_billing_configs",
    "get_customer",
    "get_customers",
    "get_customers_by_ingest_alias",
    "list_customers",
    "set_billing_configs",
]


def create_customer(principal: Principal, request: CustomerCreate, now: datetime) -> dict[str, Any]:
    field = "customer_billing_provider_configurations"
    configs = request.customer_billing_provider_configurations or []
    resolved = [with_delivery_method(principal.tenant_id, c, f"{field}[{i}]") for i, c in enumerate(configs)]
    return customers.create_customer(principal, request.model_copy(update={field: resolved or None}), now)


def set_billing_configs(principal: Principal, request: SetBillingConfigurations, now: datetime) -> list[dict[str, Any]]:
    tenant = principal.tenant_id
    pairs = [
        (item.customer_id, with_delivery_method(tenant, item, f"data[{i}]")) for i, item in enumerate(request.data)
    ]
    return customers.set_billing_configs(principal, pairs, now)
