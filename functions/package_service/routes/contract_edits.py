"""Changing a contract after it is provisioned: /v2/contracts/* (SDK `v2.contracts`) and
/v1/contracts/updateEndDate (SDK `v1.contracts.update_end_date`)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import Field

from ..domain.edit_terms import ContractAsOf, ContractEdit, ContractEndDate, ContractRefBody
from ..services import contract_edits as edit_service
from ..services import contract_reads as read_service
from .common import cursor_page, now, principal
from .contracts import ContractList

router = Router()
TAGS = ["Contracts"]


class ContractListV2(ContractList):
    limit: int = Field(default=20, ge=1, le=20)


@router.post(
    "/v2/contracts/edit",
    summary="Edit a contract: add or change its terms from a date",
    description="Adds commits, credits, overrides, scheduled charges and subscriptions; changes subscription "
    "quantities from a date, commits' and credits' schedules and settings, the name and the end date; archives "
    "commits, credits and scheduled charges and removes overrides. Each addition is checked as it would be at "
    "contract creation. The contract's document is never rewritten: the edit is stored beside it, with its "
    "audit entry, in one transaction; `getEditHistory` lists it.",
    tags=TAGS,
)
def edit_contract(body: Annotated[ContractEdit, Body()]) -> dict[str, Any]:
    return {"data": edit_service.edit_contract(principal(router), body, now())}


@router.post(
    "/v1/contracts/updateEndDate",
    summary="End a contract early, extend it, or make it open-ended",
    description="An earlier end cuts the contract's terms as a transition does: schedule items from the new end "
    "on are removed, items spanning it end at it, future invoices are removed except a postpaid true-up. A later "
    "end carries every term that ran to the old end on to the new one. No finalized invoices exist in this "
    "service, so `allow_ending_before_finalized_invoice` never refuses a date.",
    tags=TAGS,
)
def update_end_date(body: Annotated[ContractEndDate, Body()]) -> dict[str, Any]:
    return {"data": edit_service.update_end_date(principal(router), body, now())}


@router.post(
    "/v2/contracts/get",
    summary="Get a contract (v2 shape), optionally as it stood at `as_of_date`",
    description="With `as_of_date`, the contract with only the edits made by then applied.",
    tags=TAGS,
)
def get_contract(body: Annotated[ContractAsOf, Body()]) -> dict[str, Any]:
    return {
        "data": read_service.get_contract_v2(principal(router), body.contract_id, body.customer_id, body.as_of_date)
    }


@router.post("/v2/contracts/list", summary="List a customer's contracts (v2 shape)", tags=TAGS)
def list_contracts(body: Annotated[ContractListV2, Body()]) -> dict[str, Any]:
    return cursor_page(*read_service.list_contracts_v2(principal(router), body.customer_id, body.page_query()))


@router.post("/v2/contracts/getEditHistory", summary="Every edit of a contract, oldest first", tags=TAGS)
def get_edit_history(body: Annotated[ContractRefBody, Body()]) -> dict[str, Any]:
    return {"data": edit_service.edit_history(principal(router), body.contract_id, body.customer_id)}
