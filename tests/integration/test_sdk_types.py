"""Every response validated by the official SDK's own pydantic models, strictly.

The SDK builds its response objects without validation (a missing or mistyped field would only show
up when a caller touches it), so the e2e tests cannot catch such a field: this suite can.
"""

from metronome.types.shared import Contract, ContractV2
from metronome.types.v1 import (
    AuditLogListResponse,
    ContractArchiveResponse,
    ContractCreateResponse,
    ContractRetrieveRateScheduleResponse,
    ContractRetrieveResponse,
    ContractUpdateEndDateResponse,
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
    RateCardRetrieveRateScheduleResponse,
    RateCardRetrieveResponse,
    RateCardUpdateResponse,
)
from metronome.types.v1.contracts.rate_cards import RateAddManyResponse, RateAddResponse, RateListResponse
from metronome.types.v2 import (
    ContractEditCommitResponse,
    ContractEditCreditResponse,
    ContractEditResponse,
    ContractGetEditHistoryResponse,
)
from metronome.types.v2 import ContractRetrieveResponse as ContractRetrieveResponseV2
from pydantic import BaseModel

from .conftest import Api, every_operation

# What the SDK reads each operation's answer as; a list's items as the model of one item.
MODELS: dict[str, type[BaseModel]] = {
    "/v1/packages/get": PackageRetrieveResponse,
    "/v1/packages/list": PackageListResponse,
    "/v1/packages/listContractsOnPackage": PackageListContractsOnPackageResponse,
    "/v1/packages/create": PackageCreateResponse,
    "/v1/packages/archive": PackageArchiveResponse,
    "/v1/contract-pricing/products/update": ProductUpdateResponse,
    "/v1/contract-pricing/products/get": ProductRetrieveResponse,
    "/v1/contract-pricing/products/list": ProductListResponse,
    "/v1/contract-pricing/products/create": ProductCreateResponse,
    "/v1/contract-pricing/products/archive": ProductArchiveResponse,
    "/v1/contract-pricing/rate-cards/update": RateCardUpdateResponse,
    "/v1/contract-pricing/rate-cards/get": RateCardRetrieveResponse,
    "/v1/contract-pricing/rate-cards/list": RateCardListResponse,
    "/v1/contract-pricing/rate-cards/create": RateCardCreateResponse,
    "/v1/contract-pricing/rate-cards/archive": RateCardArchiveResponse,
    "/v1/contract-pricing/rate-cards/addRate": RateAddResponse,
    "/v1/contract-pricing/rate-cards/addRates": RateAddManyResponse,
    "/v1/contract-pricing/rate-cards/getRates": RateListResponse,
    "/v1/contract-pricing/rate-cards/getRateSchedule": RateCardRetrieveRateScheduleResponse,
    "/v1/contracts/getContractRateSchedule": ContractRetrieveRateScheduleResponse,
    "GET /v1/customers/{id}": CustomerRetrieveResponse,
    "GET /v1/customers": CustomerDetail,
    "/v1/customers": CustomerCreateResponse,
    "/v1/customers/archive": CustomerArchiveResponse,
    "/v1/getCustomerBillingProviderConfigurations": CustomerRetrieveBillingConfigurationsResponse,
    "/v1/setCustomerBillingProviderConfigurations": CustomerSetBillingConfigurationsResponse,
    "/v1/archiveCustomerBillingProviderConfigurations": CustomerArchiveBillingConfigurationsResponse,
    "/v1/contracts/get": ContractRetrieveResponse,
    "/v1/contracts/list": Contract,
    "/v1/contracts/create": ContractCreateResponse,
    "/v1/contracts/archive": ContractArchiveResponse,
    "/v1/contracts/updateEndDate": ContractUpdateEndDateResponse,
    "/v2/contracts/edit": ContractEditResponse,
    "/v2/contracts/commits/edit": ContractEditCommitResponse,
    "/v2/contracts/credits/edit": ContractEditCreditResponse,
    "/v2/contracts/getEditHistory": ContractGetEditHistoryResponse,
    "/v2/contracts/get": ContractRetrieveResponseV2,
    "/v2/contracts/list": ContractV2,
    "GET /v1/auditLogs": AuditLogListResponse,
}
LISTS = {"/v1/packages/list", "/v1/packages/listContractsOnPackage", "/v1/contract-pricing/products/list",
         "/v1/contract-pricing/rate-cards/list", "GET /v1/customers", "/v1/contracts/list",
         "/v2/contracts/list", "GET /v1/auditLogs", "/v1/contract-pricing/rate-cards/getRates"}  # fmt: skip
BEYOND_METRONOME = {  # no SDK type to hold them to
    "/v1/contracts/preview",
    "/v1/provisioningJobs/create",
    "/v1/provisioningJobs/get",
    "/v1/provisioningJobs/listResults",
    "/v1/provisioningJobs/cancel",
    "/v1/packageMigrations/create",
    "/v1/packageMigrations/get",
    "/v1/packageMigrations/listPlan",
    "/v1/packageMigrations/apply",
    "/v1/packageMigrations/cancel",
}


def operation(path: str) -> str:
    return "GET /v1/customers/{id}" if path.startswith("GET /v1/customers/") else path


def test_every_response_validates_as_the_sdk_reads_it(api: Api, world: dict[str, str]) -> None:
    replies = every_operation(api, world)
    assert {operation(path) for path, _ in replies} == set(MODELS) | BEYOND_METRONOME
    for path, reply in replies:
        if operation(path) in BEYOND_METRONOME:
            continue
        model = MODELS[operation(path)]
        if operation(path) in LISTS:
            assert reply.body["data"], f"{path}: an empty page proves nothing"
            for item in reply.body["data"]:
                model.model_validate(item)
        else:
            assert reply.body["data"], f"{path}: an empty answer proves nothing"
            model.model_validate(reply.body)


def test_contract_create_answers_the_contract_in_the_flat_shape(api: Api, world: dict[str, str]) -> None:
    """Since metronome-sdk 4.8 `contracts.create(...).data.contract` is the created contract, flat (not
    `get`'s current/initial versions); the SDK's model validates it only if it is there."""
    body = {"customer_id": world["customer"], "package_id": world["package"], "starting_at": "2031-01-31T00:00:00Z"}
    created = api.post("/v1/contracts/create", body).body
    contract = ContractCreateResponse.model_validate(created).data.contract
    assert contract is not None and contract.id == created["data"]["id"]
    stored = api.post("/v1/contracts/get", {"contract_id": contract.id, "customer_id": world["customer"]}).data
    assert "current" not in created["data"]["contract"] and "initial" not in created["data"]["contract"]
    assert created["data"]["contract"]["commits"] == stored["current"]["commits"]
    assert [c.product.name for c in contract.commits] == [c["product"]["name"] for c in stored["current"]["commits"]]
    assert contract.starting_at.isoformat().startswith("2031-01-31")
