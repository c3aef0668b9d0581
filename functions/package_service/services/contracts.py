"""Creating contracts: `/v1/contracts/create` and `/v1/contracts/preview`, from a package
(provisioning.py) or custom (custom_contracts.py). Each is planned from one or two batch reads and
written in one transaction; when what the plan read changed before the write, it is read and planned again.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.audit import AuditEntry, Change
from ..domain.base import parse_timestamp
from ..domain.contract import ContractCreate
from ..domain.contract_view import present_contract, present_created_contract
from ..domain.errors import Unavailable, UniquenessKeyTaken
from ..domain.principal import Principal
from ..domain.provisioning import ProvisionRequest
from ..store.audit import audited
from ..store.contracts import archive_contract as archive_contract  # one store call
from ..store.contracts import uniqueness_key_holder
from ..store.kinds import CONTRACT
from ..store.records import ConcurrentChange, ConditionFailed, put_record_guarded, record_key
from ..store.transaction import Failure
from .custom_contracts import plan_custom_contract
from .provisioning import ContractPlan, PackageOnDate
from .rates import PriceBook
from .transitions import check_transition

_ATTEMPTS = 3


def _package_on_date(principal: Principal, request: ProvisionRequest) -> PackageOnDate:
    transition = request.transition
    extra = [record_key(principal.tenant_id, CONTRACT, transition.from_contract_id)] if transition else []
    on_date = PackageOnDate(
        principal, request.starting_at, request.package_id, request.package_alias, [request.customer_id], extra
    )
    if transition:
        check_transition(on_date.previous_contract(transition.from_contract_id), request)
    return on_date


def provision_contract(principal: Principal, request: ProvisionRequest, now: datetime) -> dict[str, Any]:
    """Create the contract a package gives the customer: one transaction, at most three calls. Returns
    the contract as created, in the flat shape `/v1/contracts/create` answers with."""
    return _write(principal, lambda: _package_on_date(principal, request).plan(request, now), now)


def create_contract(principal: Principal, request: ContractCreate, now: datetime) -> dict[str, Any]:
    """`/v1/contracts/create`: from a package, or a custom contract (one batch read, one transaction)."""
    if request.from_package:
        return provision_contract(principal, request.provision_request(), now)
    return _write(principal, lambda: plan_custom_contract(principal, request, now), now)


def _write(principal: Principal, plan_contract: Callable[[], ContractPlan], now: datetime) -> dict[str, Any]:
    """Plan and write; when what the plan read changed before the write, read and plan again."""
    for _ in range(_ATTEMPTS):
        try:
            plan = plan_contract()
            plan.record.audit = _provisioned(principal, plan.doc, now)
            put_record_guarded(plan.record)
            return present_created_contract(plan.doc, plan.product_names)
        except ConditionFailed as failed:
            if failed.failure is not Failure.CONTRACT_ENDED:
                raise
            continue  # the old contract changed since it was read: read again, and its checks say why
        except ConcurrentChange:
            continue  # the package or customer changed between read and write: resolve again
    raise Unavailable("the customer's billing configuration kept changing during provisioning; retry")


def _provisioned(principal: Principal, doc: dict[str, Any], now: datetime) -> list[AuditEntry]:
    """The new contract's entry and, for a transition, the entry of the contract it ends."""
    contract_id, package_id = doc["id"], doc.get("package_id")
    source = f" from package {package_id}" if package_id else ""
    description = f"provisioned contract for customer {doc['customer_id']}{source}, starting {doc['starting_at']}"
    entries = [audited(principal, Change("contract", contract_id, "provision", description), now)]
    for transition in doc.get("transitions", []):
        ended = f"{transition['type'].lower()} transition to contract {contract_id}, which starts {doc['starting_at']}"
        change = Change("contract", transition["from_contract_id"], "transition", ended)
        entries.append(audited(principal, change, now))
    return entries


def preview_contract(principal: Principal, request: ProvisionRequest, now: datetime) -> dict[str, Any]:
    """What provisioning would create, without storing anything."""
    plan = _package_on_date(principal, request).plan(request, now)
    if request.uniqueness_key:
        holder = uniqueness_key_holder(principal.tenant_id, request.uniqueness_key)
        if holder:
            raise UniquenessKeyTaken("contract", request.uniqueness_key, holder)
    # What it would pay per product from its start: getContractRateSchedule's first page, and how many
    # rows the whole schedule holds (a card of 10,000 rates would pass Lambda's 6 MB answer).
    rows, total = PriceBook(principal.tenant_id, now).first_page(plan.doc, parse_timestamp(plan.doc["starting_at"]))
    return {
        "package_id": plan.resolved.package_id,
        "rate_card_id": plan.resolved.rate_card_id,
        "customer_billing_provider_configuration": plan.resolved.billing_config,
        "contract": present_contract(plan.doc, plan.product_names, None),
        "rate_schedule": rows,
        "rate_schedule_rows": total,
    }
