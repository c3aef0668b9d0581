"""Changing a contract after it is provisioned: `/v2/contracts/edit`, `/v1/contracts/updateEndDate`, and
`/v2/contracts/getEditHistory` (the v2 `get` and `list`: contract_reads.py). A package contract and a
custom one edit the same way.

An edit reads the contract (consistently), plans the edit against it as it now is (domain/contract_edits),
checks the products it names, and writes it in one transaction conditioned on the contract being as read
(store/contract_edits). When another edit got there first, it reads and plans again: concurrent edits are
applied one after the other, each to the contract as the earlier ones left it (last writer wins for a
field two of them set), each exactly once; one that keeps losing is refused with a 503 and nothing stored.
"""

import random
import time
from datetime import datetime
from typing import Any
from uuid import uuid4

from ..domain.audit import Change
from ..domain.base import parse_timestamp
from ..domain.contract_edit_view import present_edit
from ..domain.contract_edits import edit_products, plan_edit
from ..domain.edit_apply import ADDED
from ..domain.edit_terms import ContractEdit, ContractEndDate
from ..domain.errors import InvalidRequest, Unavailable
from ..domain.package_view import named_product_ids
from ..domain.principal import Principal
from ..store.audit import audited
from ..store.contract_edits import ContractEditWrite, EndMove, edits_of, write_edit
from ..store.kinds import PRODUCT
from ..store.packages import product_names
from ..store.records import ConcurrentChange, ReferenceCheck, get_records, record_key
from ..store.transitions import contract_doc, transitions_out
from .contract_reads import customer_contract

_ATTEMPTS = 12  # 50 concurrent edits of one contract: each waits its turn, a few rounds at most

Doc = dict[str, Any]


def edit_contract(principal: Principal, request: ContractEdit, now: datetime) -> Doc:
    """`/v2/contracts/edit`: `{"id": <the contract's id>}` once the edit is stored."""
    record_edit(principal, request, now, "update_contract_end_date")
    return {"id": request.contract_id}


def update_end_date(principal: Principal, request: ContractEndDate, now: datetime) -> Doc:
    """`/v1/contracts/updateEndDate`: an edit that moves the end alone (its history shows it as one)."""
    record_edit(principal, request.as_edit(), now, "ending_before")
    return {"id": request.contract_id}


def record_edit(principal: Principal, request: ContractEdit, now: datetime, end_field: str) -> None:
    """Plan the edit against the contract as it now is and store it (services/commit_edits.py records its
    edits through here too). Raises InvalidRequest naming the edit's fields."""
    tenant, edit_id = principal.tenant_id, str(uuid4())
    products = edit_products(request)
    for attempt in range(_ATTEMPTS):
        record = customer_contract(principal, request.contract_id, request.customer_id, consistent=True)
        if record.archived_at:
            raise InvalidRequest(f"contract_id: contract {record.id} is archived and cannot be edited")
        moved_to = transitions_out(record)
        if request.changes_end_date() and moved_to:
            raise InvalidRequest(
                f"{end_field}: contract {record.id} was transitioned to contract {moved_to[0]['to_contract_id']}, "
                "which sets its end; edit that contract instead"
            )
        # An edit retried after losing a race is written after the winner: its time is never earlier, so
        # the history is in time order and `as_of_date` replays a prefix of it.
        earlier = edits_of(record)
        at = max(now, parse_timestamp(earlier[-1]["timestamp"])) if earlier else now
        edit = plan_edit(contract_doc(record), request, edit_id, at, end_field)
        _check_products(tenant, products)
        references = [
            ReferenceCheck(record_key(tenant, PRODUCT, pid), path, f"product {pid}") for pid, path in products.items()
        ]
        write = ContractEditWrite(
            tenant, record, edit, audited(principal, Change("contract", record.id, "update", _describe(edit)), at),
            references, EndMove(edit["update_contract_end_date"]) if "update_contract_end_date" in edit else None,
        )  # fmt: skip
        try:
            write_edit(write)
            return
        except ConcurrentChange:
            time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 5)))  # another edit won: read again, then retry
    raise Unavailable(f"contract {request.contract_id} kept changing while it was edited; nothing was stored, retry")


def _check_products(tenant: str, products: dict[str, str]) -> None:
    """Every product the edit names is the tenant's and active (another tenant's is not found)."""
    found = get_records(tenant, PRODUCT, set(products))
    for product_id, path in products.items():
        product = found.get(product_id)
        if product is None or product.archived_at:
            raise InvalidRequest(f"{path}: product {product_id} does not exist or is archived")


def _describe(edit: Doc) -> str:
    changed = sorted(k for k in edit if k not in ("id", "timestamp", "uniqueness_key"))
    return f"edited contract ({', '.join(changed)}); edit {edit['id']}"


def edit_history(principal: Principal, contract_id: str, customer_id: str) -> list[Doc]:
    """`/v2/contracts/getEditHistory`: every edit, oldest first."""
    edits = edits_of(customer_contract(principal, contract_id, customer_id))
    added = {term_field: [t for edit in edits for t in edit.get(field, [])] for field, term_field in ADDED.items()}
    names = product_names(principal.tenant_id, named_product_ids(added))
    return [present_edit(edit, names) for edit in edits]
