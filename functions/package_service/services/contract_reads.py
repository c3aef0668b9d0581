"""Reading contracts: v1 and v2 `get` and `list`, and `/v1/packages/listContractsOnPackage`.

The store returns contracts as stored; here each becomes the contract as it now is (`contract_doc`: its
edits applied, cut where a transition ended it), its products are named (one batch read for a page) and
domain/ presents it in the version's shape (`present_contract` for v1, `present_contract_v2` for v2).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.contract_edit_view import present_contract_v2
from ..domain.contract_query import ContractQuery
from ..domain.contract_view import present_contract
from ..domain.errors import ContractNotFound, NotFound, PackageNotFound
from ..domain.package_view import named_product_ids
from ..domain.principal import Principal
from ..store import contracts as stored
from ..store.kinds import PACKAGE
from ..store.packages import product_names
from ..store.records import StoredRecord, get_record
from ..store.transitions import contract_doc

Doc = dict[str, Any]
Page = tuple[list[Doc], str | None]
Presenter = Callable[[Doc, dict[str, str], str | None], Doc]  # (contract, product names, archived_at)


def _present(tenant: str, records: list[StoredRecord], present: Presenter, as_of: datetime | None = None) -> list[Doc]:
    docs = [contract_doc(record, as_of) for record in records]
    names = product_names(tenant, {pid for doc in docs for pid in named_product_ids(doc)})
    return [present(doc, names, record.archived_at) for doc, record in zip(docs, records, strict=True)]


def customer_contract(
    principal: Principal, contract_id: str, customer_id: str, consistent: bool = False
) -> StoredRecord:
    """The customer's contract, for the v2 operations: another customer's or tenant's is a 400 with `code`
    (as published), where v1's `get` answers 404."""
    try:
        return stored.owned_contract(principal.tenant_id, contract_id, customer_id, consistent)
    except NotFound:
        raise ContractNotFound(f"contract_id: contract {contract_id} not found for customer {customer_id}") from None


def get_contract(principal: Principal, contract_id: str, customer_id: str) -> Doc:
    """`/v1/contracts/get`."""
    record = stored.owned_contract(principal.tenant_id, contract_id, customer_id)
    return _present(principal.tenant_id, [record], present_contract)[0]


def get_contract_v2(principal: Principal, contract_id: str, customer_id: str, as_of: datetime | None) -> Doc:
    """`/v2/contracts/get`: the contract as it now is, or as it stood at `as_of` (the edits made by then)."""
    record = customer_contract(principal, contract_id, customer_id)
    return _present(principal.tenant_id, [record], present_contract_v2, as_of)[0]


def list_contracts(principal: Principal, customer_id: str, query: ContractQuery) -> Page:
    """`/v1/contracts/list`."""
    return _customer_page(principal, customer_id, query, present_contract)


def list_contracts_v2(principal: Principal, customer_id: str, query: ContractQuery) -> Page:
    """`/v2/contracts/list`."""
    return _customer_page(principal, customer_id, query, present_contract_v2)


def _customer_page(principal: Principal, customer_id: str, query: ContractQuery, present: Presenter) -> Page:
    records, next_page = stored.list_contracts(principal.tenant_id, customer_id, query)
    return _present(principal.tenant_id, records, present), next_page


def list_contracts_on_package(principal: Principal, package_id: str, query: ContractQuery) -> Page:
    """`/v1/packages/listContractsOnPackage`: the package's index rows (no contract is read)."""
    try:
        get_record(principal.tenant_id, PACKAGE, package_id, "package")
    except NotFound:  # also another tenant's package
        raise PackageNotFound(f"package_id: package {package_id} not found") from None
    return stored.list_contracts_on_package(principal.tenant_id, package_id, query)
