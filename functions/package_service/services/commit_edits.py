"""`/v2/contracts/commits/edit` and `/v2/contracts/credits/edit`: find the customer's contract that holds the
commit or credit, then record the edit `/v2/contracts/edit` would with `update_commits` / `update_credits`
on it (domain/commit_edits.py), through the same code (contract_edits.record_edit).

The customer's contracts are read through their listing, every page (a customer has a few; archived ones
included, so a commit of an archived contract is refused as such rather than not found). A package's
commits and credits keep the package's ids in every contract provisioned from it (decision 0022), so one
id may be held by several of the customer's contracts: domain/commit_edits.holding_contract decides. The
listing's index is eventually consistent; the contract chosen is then read consistently and planned
against, as any edit is."""

from datetime import datetime
from typing import Any

from ..domain.commit_edits import (
    CommitEdit,
    CreditEdit,
    Drawdown,
    Holder,
    as_contract_edit,
    holding_contract,
    holds,
    id_of,
    in_request_terms,
    kind_of,
)
from ..domain.contract_query import ContractQuery
from ..domain.errors import CustomerNotFound, InvalidRequest
from ..domain.principal import Principal
from ..store.contracts import list_contracts
from ..store.kinds import CUSTOMER
from ..store.records import get_records
from ..store.transitions import contract_doc
from .contract_edits import record_edit

_PAGE = 100  # contracts read per query while looking for the holder

Doc = dict[str, Any]


def edit_drawdown(principal: Principal, request: CommitEdit | CreditEdit, now: datetime) -> Doc:
    """`{"id": <the commit's or credit's id>}` once the edit is stored on the contract that holds it."""
    kind, term = kind_of(request), id_of(request)
    holder = holding_contract(_holders(principal, request.customer_id, kind, term), kind, term)
    edit = as_contract_edit(request, holder)
    try:
        record_edit(principal, edit, now, "update_contract_end_date")
    except InvalidRequest as error:
        raise InvalidRequest(in_request_terms(error.message, kind)) from None
    return {"id": term}


def _holders(principal: Principal, customer_id: str, kind: Drawdown, term: str) -> list[Holder]:
    """Every contract of the customer's that has the commit or credit (as its edits have made it)."""
    found: list[Holder] = []
    cursor: str | None = None
    while True:
        query = ContractQuery(limit=_PAGE, include_archived=True, cursor=cursor)
        records, cursor = list_contracts(principal.tenant_id, customer_id, query)
        found += [Holder(r.id, r.archived_at is not None) for r in records if holds(contract_doc(r), kind, term)]
        if cursor is None:
            break
    if not found and not get_records(principal.tenant_id, CUSTOMER, {customer_id}):
        raise CustomerNotFound(f"customer_id: customer {customer_id} not found")
    return found
