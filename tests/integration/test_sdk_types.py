"""Every response validated by the official SDK's own pydantic models, strictly.

The SDK builds its response objects without validation (a missing or mistyped field would only show
up when a caller touches it), so the e2e tests cannot catch such a field: this suite can.
"""

from typing import Any

import pytest
from metronome.types.shared import Contract
from metronome.types.v1 import (
    ContractArchiveResponse,
    ContractCreateResponse,
    ContractRetrieveResponse,
    CustomerArchiveBillingConfigurationsResponse,
    CustomerArchiveResponse,
    CustomerCreateResponse,
    CustomerDetail,
    CustomerRetrieveBillingConfigurationsResponse,
    CustomerRetrieveResponse,
    CustomerSetBillingConfigurationsResponse,
    PackageArchiveResponse,
    PackageCreateResponse,
    PackageListContractsOnPackageResponse,
    PackageListResponse,
    PackageRetrieveResponse,
)
from metronome.types.v1.contracts import (
    ProductArchiveResponse,
    ProductCreateResponse,
    ProductListResponse,
    ProductRetrieveResponse,
    ProductUpdateResponse,
    RateCardArchiveResponse,
    RateCardCreateResponse,
    RateCardListResponse,
    RateCardRetrieveResponse,
    RateCardUpdateResponse,
)
from pydantic import BaseModel

from tests.payloads import STRIPE, full_package

from .conftest import Api

START = "2027-01-31T00:00:00Z"


def conforms(model: type[BaseModel], body: dict[str, Any]) -> None:
    """`body` validates as `model`: every required field present, every field of its declared type."""
    model.model_validate(body)


def each(model: type[BaseModel], body: dict[str, Any]) -> None:
    """A list page: every item validates as `model`."""
    assert body["data"], "an empty page proves nothing"
    for item in body["data"]:
        model.model_validate(item)


@pytest.fixture
def world(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    """One of everything: a full package, a customer with a Stripe configuration, a contract, a renewal."""
    package = api.ok("/v1/packages/create", full_package(catalog["usage"], catalog["seats"], catalog["rate_card"]))
    customer = api.ok(
        "/v1/customers",
        {"name": "Acme", "customer_billing_provider_configurations": [{**STRIPE, "configuration": {"a": "b"}}]},
    )
    contract = api.ok(
        "/v1/contracts/create", {"customer_id": customer["id"], "package_id": package["id"], "starting_at": START}
    )
    api.ok(
        "/v1/contracts/create",
        {
            "customer_id": customer["id"],
            "package_id": package["id"],
            "starting_at": "2028-01-31T00:00:00Z",
            "transition": {"from_contract_id": contract["id"], "type": "RENEWAL"},
        },
    )
    return {**catalog, "package": package["id"], "customer": customer["id"], "contract": contract["id"]}


def test_package_responses(api: Api, world: dict[str, str]) -> None:
    conforms(PackageRetrieveResponse, api.post("/v1/packages/get", {"package_id": world["package"]}).body)
    each(PackageListResponse, api.post("/v1/packages/list", {}).body)
    each(
        PackageListContractsOnPackageResponse,
        api.post("/v1/packages/listContractsOnPackage", {"package_id": world["package"]}).body,
    )
    created = api.post("/v1/packages/create", {"name": "Another", "duration": {"unit": "MONTHS", "value": 1}})
    conforms(PackageCreateResponse, created.body)
    conforms(PackageArchiveResponse, api.post("/v1/packages/archive", {"package_id": created.data["id"]}).body)


def test_catalog_responses(api: Api, world: dict[str, str]) -> None:
    renamed = {"product_id": world["usage"], "starting_at": "2026-01-01T00:00:00Z", "name": "Tokens v2", "tags": ["a"]}
    conforms(ProductUpdateResponse, api.post("/v1/contract-pricing/products/update", renamed).body)
    conforms(ProductRetrieveResponse, api.post("/v1/contract-pricing/products/get", {"id": world["usage"]}).body)
    each(ProductListResponse, api.post("/v1/contract-pricing/products/list", {}).body)
    moved = {"rate_card_id": world["rate_card"], "name": "Renamed", "aliases": [{"name": "other"}]}
    conforms(RateCardUpdateResponse, api.post("/v1/contract-pricing/rate-cards/update", moved).body)
    conforms(RateCardRetrieveResponse, api.post("/v1/contract-pricing/rate-cards/get", {"id": world["rate_card"]}).body)
    each(RateCardListResponse, api.post("/v1/contract-pricing/rate-cards/list", {}).body)
    product = api.post("/v1/contract-pricing/products/create", {"name": "Extra", "type": "FIXED"})
    conforms(ProductCreateResponse, product.body)
    conforms(
        ProductArchiveResponse,
        api.post("/v1/contract-pricing/products/archive", {"product_id": product.data["id"]}).body,
    )
    rate_card = api.post("/v1/contract-pricing/rate-cards/create", {"name": "Extra"})
    conforms(RateCardCreateResponse, rate_card.body)
    conforms(
        RateCardArchiveResponse,
        api.post("/v1/contract-pricing/rate-cards/archive", {"id": rate_card.data["id"]}).body,
    )


def test_customer_responses(api: Api, world: dict[str, str]) -> None:
    conforms(CustomerRetrieveResponse, api.get(f"/v1/customers/{world['customer']}").body)
    each(CustomerDetail, api.get("/v1/customers").body)
    conforms(
        CustomerRetrieveBillingConfigurationsResponse,
        api.post("/v1/getCustomerBillingProviderConfigurations", {"customer_id": world["customer"]}).body,
    )
    created = api.post("/v1/customers", {"name": "Other"})
    conforms(CustomerCreateResponse, created.body)
    configured = api.post(
        "/v1/setCustomerBillingProviderConfigurations",
        {"data": [{"customer_id": created.data["id"], **STRIPE, "configuration": {"stripe_customer_id": "cus_2"}}]},
    )
    conforms(CustomerSetBillingConfigurationsResponse, configured.body)
    archived = api.post(
        "/v1/archiveCustomerBillingProviderConfigurations",
        {"customer_id": created.data["id"], "customer_billing_provider_configuration_ids": [configured.data[0]["id"]]},
    )
    conforms(CustomerArchiveBillingConfigurationsResponse, archived.body)
    conforms(CustomerArchiveResponse, api.post("/v1/customers/archive", {"id": created.data["id"]}).body)


def test_contract_responses(api: Api, world: dict[str, str]) -> None:
    ref = {"contract_id": world["contract"], "customer_id": world["customer"]}
    conforms(ContractRetrieveResponse, api.post("/v1/contracts/get", ref).body)
    each(Contract, api.post("/v1/contracts/list", {"customer_id": world["customer"]}).body)
    other = api.post(
        "/v1/contracts/create",
        {"customer_id": world["customer"], "package_id": world["package"], "starting_at": "2030-01-31T00:00:00Z"},
    )
    conforms(ContractCreateResponse, other.body)
    archived = api.post(
        "/v1/contracts/archive",
        {"contract_id": other.data["id"], "customer_id": world["customer"], "void_invoices": False},
    )
    conforms(ContractArchiveResponse, archived.body)
