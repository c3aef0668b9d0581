"""The provisioning module: used by `/v1/contracts/create` and by the cohort worker alike.

`PackageOnDate` reads a package (by id, or its alias's holder on the start date), the rate card its
alias points at on that date, and the customers to provision, in at most two batch reads. It then
plans one contract per customer: the resolved document and the transaction that writes it, the
contract's uniqueness guard and package-index row, while re-checking that the package is still
active and that the customer's billing configurations did not change since they were read.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from ..domain.aliases import AliasAssignment, assignment_at
from ..domain.audit import AuditEntry
from ..domain.base import format_timestamp
from ..domain.edit_carry import with_carried
from ..domain.errors import InvalidRequest
from ..domain.package_view import named_product_ids
from ..domain.principal import Principal
from ..domain.provisioning import (
    ContractStart,
    CoTerm,
    ProvisionRequest,
    Resolved,
    match_billing_config,
    resolve_contract_terms,
)
from ..store.batch_reads import Found, read_together
from ..store.customers import billing_configs, customer_unchanged
from ..store.dynamo import Item
from ..store.kinds import CONTRACT, CUSTOMER, PACKAGE, PRODUCT, RATE_CARD, customer_partition, date_attributes
from ..store.package_index import index_row_put
from ..store.records import (
    GuardedItem,
    NewRecord,
    ReferenceCheck,
    StoredRecord,
    current_product_name,
    record_key,
)
from ..store.transitions import transition_items


@dataclass
class ContractPlan:
    doc: dict[str, Any]
    resolved: Resolved
    record: NewRecord
    product_names: dict[str, str]  # each product the contract names, as named now


@dataclass
class PackageOnDate:
    """One package resolved for one contract start date, with the customers to put on it."""

    principal: Principal
    starting_at: datetime
    package_id: str | None
    package_alias: str | None
    customer_ids: list[str]
    extra_keys: list[Item] = field(default_factory=list)

    def __post_init__(self) -> None:
        tenant = self.principal.tenant_id
        customers = [(CUSTOMER, c) for c in self.customer_ids]
        if self.package_id:
            self.found = read_together(tenant, [*customers, (PACKAGE, self.package_id)], keys=self.extra_keys)
        else:
            self.found = read_together(tenant, customers, [(PACKAGE, self.package_alias or "")], self.extra_keys)
        self.field = "package_id" if self.package_id else "package_alias"

        # The second read takes the rate card alias and the products the contract names (for their names
        # as of now); by alias, the package too (the alias row lists its products).
        second: list[tuple[str, str]] = []
        if self.package_id:
            package = self.found.record(PACKAGE, self.package_id)
            if package is None:
                raise InvalidRequest(f"package_id: package {self.package_id} not found")
            self.package = package
            rate_card_alias = self.package.doc.get("rate_card_alias")
            product_ids: set[str] | None = named_product_ids(self.package.doc)
        else:
            assignment = self._alias_at(self.found, PACKAGE, self.package_alias or "", "package_alias: ")
            rate_card_alias = assignment.rate_card_alias
            # Alias rows written before product ids were copied into them: the products are read after.
            listed = assignment.product_ids
            product_ids = None if listed is None else set(filter(None, listed.split(",")))
            second.append((PACKAGE, assignment.holder_id))
        products = sorted(product_ids or ())
        rate_card = [(RATE_CARD, rate_card_alias)] if rate_card_alias else []
        found = read_together(tenant, second + [(PRODUCT, p) for p in products], rate_card)
        if not self.package_id:
            holder = found.record(PACKAGE, assignment.holder_id)
            if holder is None:  # an alias names only packages that exist (they are archived, never deleted)
                raise InvalidRequest(f"package_alias: package {assignment.holder_id} not found")
            self.package = holder
        if product_ids is None:
            products = sorted(named_product_ids(self.package.doc))
            found.add(read_together(tenant, [(PRODUCT, p) for p in products]))
        now = datetime.now(UTC)
        self.product_names = {
            record.id: current_product_name(record, now)
            for record in (found.record(PRODUCT, p) for p in products)
            if record is not None
        }
        if self.package.archived_at:
            raise InvalidRequest(
                f"{self.field}: package {self.package.id} is archived and cannot provision new contracts"
            )
        self.rate_card_id: str | None = self.package.doc.get("rate_card_id")
        if rate_card_alias:
            context = f"{self.field}: package {self.package.id}'s rate_card_alias "
            self.rate_card_id = self._alias_at(found, RATE_CARD, rate_card_alias, context).holder_id

    def _alias_at(self, found: Found, kind: str, name: str, context: str) -> AliasAssignment:
        return alias_on(found, kind, name, self.starting_at, context)

    def customer(self, customer_id: str) -> StoredRecord:
        return active_customer(self.found, customer_id)

    def previous_contract(self, contract_id: str) -> StoredRecord | None:
        return self.found.record(CONTRACT, contract_id)

    def plan(
        self,
        request: ProvisionRequest,
        now: datetime,
        extra_items: list[GuardedItem] | None = None,
        contract_id: str | None = None,
        guard_written_by_caller: bool = False,
        co_term: CoTerm | None = None,
        audit: list[AuditEntry] | None = None,
        carried: dict[str, Any] | None = None,
    ) -> ContractPlan:
        """The contract `request.customer_id` gets, and the transaction that writes it. The contract's
        uniqueness key is guarded in that transaction, unless the caller writes the guard item itself
        among `extra_items` (the cohort worker: its result row is the guard). `co_term`: the successor
        finishes the term of the contract it transitions from; `audit`: entries written with it; `carried`:
        what the predecessor's own edits bring along (a migration's successor, domain/edit_carry.py)."""
        tenant = self.principal.tenant_id
        customer = self.customer(request.customer_id)
        config = match_billing_config(self.package.doc, request.customer_id, billing_configs(customer))
        resolved = Resolved(self.package.id, self.rate_card_id, config)
        contract_id = contract_id or str(uuid4())
        doc = resolve_contract_terms(
            request, self.package.doc, resolved, contract_id, now, self.principal.token_name, co_term
        )
        if carried:
            doc = with_carried(doc, carried)

        package_active = ReferenceCheck(
            record_key(tenant, PACKAGE, self.package.id), self.field, f"package {self.package.id}"
        )
        extras = [index_row_put(tenant, doc, doc.get("ending_before")), *(extra_items or [])]
        if request.transition:
            previous = self.previous_contract(request.transition.from_contract_id)
            extras += transition_extras(tenant, request, previous, doc)
        record = contract_record(
            tenant, doc, request, customer, [package_active], extras, guard=not guard_written_by_caller
        )
        record.audit.extend(audit or [])
        return ContractPlan(doc, resolved, record, self.product_names)


_KIND_NAMES = {PACKAGE: "package", RATE_CARD: "rate card"}


def alias_on(found: Found, kind: str, name: str, at: datetime, context: str) -> AliasAssignment:
    """The alias's assignment on `at` (a contract's start), from an alias row already read; 400 starting
    with `context` (the field) when it names nothing then."""
    assignment = assignment_at(found.alias_history(kind, name), at)
    if assignment is None:
        raise InvalidRequest(f"{context}{name!r} points at no {_KIND_NAMES[kind]} on {format_timestamp(at)}")
    return assignment


def active_customer(found: Found, customer_id: str) -> StoredRecord:
    """The customer, from a batch read, if it exists and is not archived (400 naming customer_id)."""
    customer = found.record(CUSTOMER, customer_id)
    if customer is None:
        raise InvalidRequest(f"customer_id: customer {customer_id} not found")
    if customer.archived_at:
        raise InvalidRequest(f"customer_id: customer {customer_id} is archived")
    return customer


def transition_extras(
    tenant: str, request: ContractStart, previous: StoredRecord | None, doc: dict[str, Any]
) -> list[GuardedItem]:
    """The transaction items that end the contract `doc` transitions from (checked when it was read)."""
    assert request.transition is not None and previous is not None  # check_transition ran after the read
    behavior = request.transition.future_invoice_behavior
    trueup = (behavior.trueup if behavior else None) or "AS_IS"
    return transition_items(tenant, doc["transitions"][0], previous, request.starting_at, trueup)


def contract_record(
    tenant: str,
    doc: dict[str, Any],
    request: ContractStart,
    customer: StoredRecord,
    references: list[ReferenceCheck],
    extras: list[GuardedItem],
    guard: bool = True,
) -> NewRecord:
    """A new contract's write: the document, its dates beside it (for the date filters), its uniqueness
    guard unless the caller writes one, listed under its customer, and conditioned on the customer and
    its billing provider configurations being as they were read."""
    return NewRecord(
        tenant,
        CONTRACT,
        doc,
        attributes=date_attributes(doc),
        uniqueness_key=request.uniqueness_key if guard else None,
        listing_partition=customer_partition(tenant, request.customer_id),
        extra_items=extras,
        references=[*references, customer_unchanged(tenant, customer)],
    )
