"""/v1/contracts/* and /v1/packages/listContractsOnPackage: provisioning from packages."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, model_validator

from ..domain.base import Id, RequestModel, Timestamp
from ..domain.contract import ContractCreate, check_contract_rules
from ..domain.contract_query import ContractQuery
from ..domain.provisioning import ProvisionRequest
from ..observability import metrics
from ..services import contract_reads as read_service
from ..services import contracts as contract_service
from .common import Cursor, Limit, cursor_page, now, page, principal

router = Router()
TAGS = ["Contracts"]


class DateFilters(RequestModel):
    covering_date: Timestamp | None = None
    starting_at: Timestamp | None = None
    include_archived: bool = False

    @model_validator(mode="after")
    def _one_date_filter(self) -> "DateFilters":
        if self.covering_date and self.starting_at:
            raise ValueError("starting_at: cannot be combined with covering_date")
        return self

    def contract_query(self, limit: int, cursor: str | None) -> ContractQuery:
        return ContractQuery(limit, self.covering_date, self.starting_at, self.include_archived, cursor)


class ContractRef(RequestModel):
    contract_id: Id
    customer_id: Id
    include_balance: bool | None = None
    include_ledgers: bool | None = None


class ContractArchive(RequestModel):
    contract_id: Id
    customer_id: Id
    void_invoices: bool


# /v1/contracts/list's body; /v2's differs in its page size alone (a docstring would show in openapi.json)
class ContractList(DateFilters):
    customer_id: Id
    cursor: str | None = None
    limit: int = Field(default=10, ge=1, le=100)
    include_balance: bool | None = None
    include_ledgers: bool | None = None

    def page_query(self) -> ContractQuery:
        return self.contract_query(self.limit, self.cursor)


class ContractsOnPackage(DateFilters):
    package_id: Id


@router.post(
    "/v1/contracts/create",
    summary="Create a contract: from a package, or with its own terms",
    description="With `package_id` or `package_alias`, the package supplies every term (no other term field is "
    "allowed). Without one, a custom contract: every term stated with absolute dates.",
    tags=TAGS,
)
def create_contract(body: Annotated[ContractCreate, Body()]) -> dict[str, Any]:
    if not body.from_package:
        check_contract_rules(body)
    contract = contract_service.create_contract(principal(router), body, now())
    metrics.add_metric(name="ContractsProvisioned", unit=MetricUnit.Count, value=1)
    return {"data": {"id": contract["id"], "contract": contract}}


@router.post(
    "/v1/contracts/preview",
    summary="Preview provisioning (beyond Metronome): the resolved contract, nothing stored",
    description="Takes the body of a package-based `/v1/contracts/create` and returns the contract it would "
    "create with every date absolute, the package and rate card it resolves to and the billing provider "
    "configuration it would use; or the error create would return. Stores nothing.",
    tags=TAGS,
)
def preview_contract(body: Annotated[ProvisionRequest, Body()]) -> dict[str, Any]:
    return {"data": contract_service.preview_contract(principal(router), body, now())}


@router.post("/v1/contracts/get", summary="Get a contract", tags=TAGS)
def get_contract(body: Annotated[ContractRef, Body()]) -> dict[str, Any]:
    return {"data": read_service.get_contract(principal(router), body.contract_id, body.customer_id)}


@router.post("/v1/contracts/list", summary="List a customer's contracts", tags=TAGS)
def list_contracts(body: Annotated[ContractList, Body()]) -> dict[str, Any]:
    return cursor_page(*read_service.list_contracts(principal(router), body.customer_id, body.page_query()))


@router.post("/v1/contracts/archive", summary="Archive a contract", tags=TAGS)
def archive_contract(body: Annotated[ContractArchive, Body()]) -> dict[str, Any]:
    contract_service.archive_contract(principal(router), body.contract_id, body.customer_id, now())
    return {"data": {"id": body.contract_id}}


@router.post("/v1/packages/listContractsOnPackage", summary="Contracts provisioned from a package", tags=["Packages"])
def list_contracts_on_package(
    body: Annotated[ContractsOnPackage, Body()], limit: Limit = 10, next_page: Cursor = None
) -> dict[str, Any]:
    query = body.contract_query(limit, next_page)
    return page(*read_service.list_contracts_on_package(principal(router), body.package_id, query))
