"""Changing one commit or credit of a contract by its id: /v2/contracts/commits/edit and
/v2/contracts/credits/edit (SDK `v2.contracts.edit_commit` / `edit_credit`)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ..domain.commit_edits import CommitEdit, CreditEdit
from ..services import commit_edits as edit_service
from .common import now, principal

router = Router()
TAGS = ["Contracts"]
_HOW = (
    "The edit `/v2/contracts/edit` records with `{}` on the contract that holds it: checked, stored with its "
    "audit entry in one transaction, and listed by `getEditHistory`. An absent field is left as it is; a "
    "contract's own {} cannot change `applicable_contract_ids`{}. A {} of an archived contract cannot be edited; "
    "one that two of the customer's live contracts hold (a package's terms keep their ids in each contract "
    "provisioned from it) is refused: edit it with `/v2/contracts/edit` on the contract meant. An unknown "
    "customer is a 400 with `code` CustomerNotFound."
)


@router.post(
    "/v2/contracts/commits/edit",
    summary="Edit a commit: its schedules, products, name, priority or rate type",
    description=_HOW.format(
        "update_commits", "commit", ", and `invoice_contract_id` may only name that contract", "commit"
    ),
    tags=TAGS,
)
def edit_commit(body: Annotated[CommitEdit, Body()]) -> dict[str, Any]:
    return {"data": edit_service.edit_drawdown(principal(router), body, now())}


@router.post(
    "/v2/contracts/credits/edit",
    summary="Edit a credit: its schedule, products, name, priority or rate type",
    description=_HOW.format("update_credits", "credit", "", "credit"),
    tags=TAGS,
)
def edit_credit(body: Annotated[CreditEdit, Body()]) -> dict[str, Any]:
    return {"data": edit_service.edit_drawdown(principal(router), body, now())}
