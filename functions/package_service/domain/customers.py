"""Customers and their billing provider configurations."""

from typing import Annotated, Any, Literal, get_args
from uuid import NAMESPACE_URL, uuid5

from pydantic import Field, model_validator

from .base import DeliveryMethod, Id, NonEmptyStr, RequestModel
from .errors import InvalidRequest

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
    """A configuration as given at customer creation (the customer id is implied). Metronome's API
    requires the delivery method by name or by id; nothing is invented for the one not given."""

    billing_provider: BillingProviderType
    configuration: dict[str, Any] | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_method_id: Id | None = None
    tax_provider: Literal["anrok", "avalara", "stripe"] | None = None

    @model_validator(mode="after")
    def _names_a_delivery_method(self) -> "BillingProviderConfigInput":
        if self.delivery_method is None and self.delivery_method_id is None:
            raise ValueError("delivery_method: give delivery_method or delivery_method_id")
        return self


class BillingProviderConfigSet(BillingProviderConfigInput):
    customer_id: Id


class RevenueSystemConfig(RequestModel):
    provider: Literal["netsuite"]
    configuration: dict[str, Any] | None = None
    delivery_method: Literal["direct_to_billing_provider"] | None = None
    delivery_method_id: str | None = None


IngestAlias = Annotated[str, Field(min_length=1, max_length=128)]


class CustomerCreate(RequestModel):
    name: NonEmptyStr
    billing_config: LegacyBillingConfig | None = None
    custom_fields: dict[str, str] | None = None
    customer_billing_provider_configurations: list[BillingProviderConfigInput] | None = None
    customer_revenue_system_configurations: list[RevenueSystemConfig] | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    # Each alias is a guard item in the create's transaction (DynamoDB: 100 items), beside the customer
    # and its external id; Metronome publishes 1-128 characters an alias.
    ingest_aliases: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(
        default=None, max_length=98
    )

    @model_validator(mode="after")
    def _fits_one_transaction(self) -> "CustomerCreate":
        """The customer, its audit entry, its external id's guard and one guard per alias: 100 items."""
        if self.external_id and self.ingest_aliases and len(self.ingest_aliases) > 97:
            raise ValueError(
                "ingest_aliases: at most 97 with an external_id (each is guarded in the create's transaction of "
                "at most 100 items, beside the customer, its audit entry and its external id); "
                f"got {len(self.ingest_aliases)}"
            )
        return self


class CustomerRef(RequestModel):
    id: Id


# The call is one DynamoDB transaction (at most 100 items): per customer, its record and its audit entry.
MAX_CUSTOMERS_PER_SET = 50


class SetBillingConfigurations(RequestModel):
    data: list[BillingProviderConfigSet] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _fits_one_transaction(self) -> "SetBillingConfigurations":
        customers = len({item.customer_id for item in self.data})
        if customers > MAX_CUSTOMERS_PER_SET:
            raise ValueError(
                f"data: configurations for at most {MAX_CUSTOMERS_PER_SET} different customers in one call "
                f"(got {customers}); they are written all or nothing, two items a customer, in one transaction "
                "of at most 100 items: split the call"
            )
        return self


class GetBillingConfigurations(RequestModel):
    customer_id: Id
    include_archived: bool = False


class ArchiveBillingConfigurations(RequestModel):
    customer_id: Id
    customer_billing_provider_configuration_ids: list[Id] = Field(min_length=1, max_length=100)


def delivery_method_id(tenant_id: str, provider: str, method: str) -> str:
    """The id of a tenant's delivery method: each (billing provider, method) pair a tenant can use is
    one delivery method, with one stable id (Metronome names delivery methods by either)."""
    return str(uuid5(NAMESPACE_URL, f"delivery-method:{tenant_id}:{provider}:{method}"))


def with_delivery_method(tenant_id: str, config: BillingProviderConfigInput, field: str) -> BillingProviderConfigInput:
    """`config` naming its delivery method both ways: the one given decides the other. An id that names
    none of the tenant's delivery methods for that provider, or that disagrees with the name, is refused."""
    if config.delivery_method_id is None:
        assert config.delivery_method is not None  # the model requires one of the two
        named = delivery_method_id(tenant_id, config.billing_provider, config.delivery_method)
        return config.model_copy(update={"delivery_method_id": named})
    ids = {delivery_method_id(tenant_id, config.billing_provider, m): m for m in get_args(DeliveryMethod)}
    method = ids.get(config.delivery_method_id)
    if method is None:
        raise InvalidRequest(
            f"{field}.delivery_method_id: no delivery method with this id for billing_provider "
            f"{config.billing_provider} (it is the id that getCustomerBillingProviderConfigurations shows)"
        )
    if config.delivery_method not in (None, method):
        raise InvalidRequest(
            f"{field}.delivery_method_id: names delivery_method {method}, not {config.delivery_method}"
        )
    return config.model_copy(update={"delivery_method": method})


def present_billing_config(customer_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """The shape of `customer_retrieve_billing_configurations_response.Data`; `archived_at` is null while
    active (the published schema requires it, nullable)."""
    return {
        "id": config["id"],
        "customer_id": customer_id,
        "billing_provider": config["billing_provider"],
        "delivery_method": config["delivery_method"],
        "delivery_method_id": config["delivery_method_id"],
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
