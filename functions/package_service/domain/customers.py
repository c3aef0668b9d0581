"""Customers and their billing provider configurations."""

from typing import Any, Literal

from pydantic import Field

from .base import Id, NonEmptyStr, RequestModel

BillingProviderType = Literal[
    "aws_marketplace",
    "stripe",
    "netsuite",
    "custom",
    "azure_marketplace",
    "quickbooks_online",
    "workday",
    "gcp_marketplace",
    "metronome",
]
DeliveryMethod = Literal["direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns"]


class LegacyBillingConfig(RequestModel):
    billing_provider_customer_id: NonEmptyStr
    billing_provider_type: BillingProviderType
    aws_customer_account_id: str | None = None
    aws_customer_id: str | None = None
    aws_is_subscription_product: bool | None = None
    aws_product_code: str | None = None
    aws_region: str | None = None
    stripe_collection_method: Literal["charge_automatically", "send_invoice"] | None = None


class BillingProviderConfigInput(RequestModel):
    """A configuration as given at customer creation (the customer id is implied)."""

    billing_provider: BillingProviderType
    configuration: dict[str, Any] | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_method_id: str | None = None
    tax_provider: Literal["anrok", "avalara", "stripe"] | None = None


class BillingProviderConfigSet(BillingProviderConfigInput):
    customer_id: Id


class RevenueSystemConfig(RequestModel):
    provider: Literal["netsuite"]
    configuration: dict[str, Any] | None = None
    delivery_method: Literal["direct_to_billing_provider"] | None = None
    delivery_method_id: str | None = None


class CustomerCreate(RequestModel):
    name: NonEmptyStr
    billing_config: LegacyBillingConfig | None = None
    custom_fields: dict[str, str] | None = None
    customer_billing_provider_configurations: list[BillingProviderConfigInput] | None = None
    customer_revenue_system_configurations: list[RevenueSystemConfig] | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    ingest_aliases: list[str] | None = None


class CustomerRef(RequestModel):
    id: Id


class SetBillingConfigurations(RequestModel):
    data: list[BillingProviderConfigSet] = Field(min_length=1, max_length=100)


class GetBillingConfigurations(RequestModel):
    customer_id: Id
    include_archived: bool = False


class ArchiveBillingConfigurations(RequestModel):
    customer_id: Id
    customer_billing_provider_configuration_ids: list[Id] = Field(min_length=1, max_length=100)


def present_billing_config(customer_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """The shape of `customer_retrieve_billing_configurations_response.Data`."""
    return {
        "id": config["id"],
        "customer_id": customer_id,
        "billing_provider": config["billing_provider"],
        "delivery_method": config.get("delivery_method", "direct_to_billing_provider"),
        "delivery_method_id": config.get("delivery_method_id", ""),
        "delivery_method_configuration": {},
        "configuration": config.get("configuration", {}),
        "tax_provider": config.get("tax_provider"),
        "archived_at": config.get("archived_at"),
    }


def present_customer(doc: dict[str, Any], archived_at: str | None) -> dict[str, Any]:
    """The shape of `CustomerDetail`."""
    return {
        "id": doc["id"],
        "name": doc["name"],
        "external_id": doc.get("external_id", doc["id"]),
        "ingest_aliases": doc.get("ingest_aliases", []),
        "custom_fields": doc.get("custom_fields", {}),
        "customer_config": {"salesforce_account_id": None},
        "created_at": doc["created_at"],
        "updated_at": doc["created_at"],
        "archived_at": archived_at,
        "current_billable_status": {"value": "billable", "effective_at": doc["created_at"]},
    }
