"""`/v1/contracts/create`: from a package (provisioning.py), or a custom contract stating its own terms,
field for field as metronome-sdk's `contract_create_params`. The request, its cross-field rules, the
products it names, and its terms as the stored contract's builder takes them."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from .base import AliasName, Id, Timestamp, check_one_package, format_timestamp
from .contract_document import TERM_LISTS, TermDocuments, build_contract, transition_entries, usage_statement
from .contract_terms import (
    BillingProviderConfiguration,
    ContractAccessSchedule,
    ContractCommit,
    ContractCredit,
    ContractInvoiceSchedule,
    ContractOverride,
    ContractRecurringCommit,
    ContractRecurringCredit,
    ContractScheduledCharge,
    ContractSubscription,
    ContractUsageStatementSchedule,
    Discount,
    HierarchyConfiguration,
    ProfessionalService,
    ResellerRoyalty,
    RevenueSystemConfiguration,
    UsageFilter,
)
from .errors import InvalidRequest
from .provisioning import PackageChoice, ProvisionRequest
from .term_rules import ProductPaths, check_term_rules, referenced_products
from .terms import Prioritization
from .threshold_terms import PrepaidBalanceThresholdConfiguration, SpendThresholdConfiguration, SpendTracker

Doc = dict[str, Any]


class ContractCreate(PackageChoice):
    """The body of `/v1/contracts/create`: a package (by id or alias) and nothing else, or the contract's
    own terms."""

    billing_provider_configuration: BillingProviderConfiguration | None = None
    commits: list[ContractCommit] | None = None
    credits: list[ContractCredit] | None = None
    discounts: list[Discount] | None = None
    ending_before: Timestamp | None = None
    hierarchy_configuration: HierarchyConfiguration | None = None
    multiplier_override_prioritization: Prioritization | None = None
    name: str | None = None
    net_payment_terms_days: int | None = Field(default=None, ge=0)
    netsuite_sales_order_id: str | None = None
    overrides: list[ContractOverride] | None = None
    prepaid_balance_threshold_configuration: PrepaidBalanceThresholdConfiguration | None = None
    professional_services: list[ProfessionalService] | None = None
    rate_card_alias: AliasName | None = None
    rate_card_id: Id | None = None
    recurring_commits: list[ContractRecurringCommit] | None = None
    recurring_credits: list[ContractRecurringCredit] | None = None
    reseller_royalties: list[ResellerRoyalty] | None = None
    revenue_system_configuration: RevenueSystemConfiguration | None = None
    salesforce_opportunity_id: str | None = None
    scheduled_charges: list[ContractScheduledCharge] | None = None
    scheduled_charges_on_usage_invoices: Literal["ALL"] | None = None
    spend_threshold_configuration: SpendThresholdConfiguration | None = None
    spend_trackers: list[SpendTracker] | None = None
    subscriptions: list[ContractSubscription] | None = None
    total_contract_value: float | None = None
    usage_filter: UsageFilter | None = None
    usage_statement_schedule: ContractUsageStatementSchedule | None = None

    @model_validator(mode="after")
    def _one_package_at_most(self) -> "ContractCreate":
        if self.package_id or self.package_alias:
            check_one_package(self.package_id, self.package_alias)
        return self

    @property
    def from_package(self) -> bool:
        return bool(self.package_id or self.package_alias)

    def provision_request(self) -> ProvisionRequest:
        """The package-based request (already validated: its fields are this request's)."""
        return ProvisionRequest.model_construct(**{name: getattr(self, name) for name in ProvisionRequest.model_fields})

    def term_documents(self) -> Doc:
        """The terms as the contract builder takes them: JSON values, timestamps as Metronome prints them."""
        terms: Doc = as_stored(self.model_dump(include=set(TERM_LISTS), exclude_none=True))
        return terms


def as_stored(value: Any) -> Any:
    """A request's values as the stored document spells them (timestamps as Metronome prints them)."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, dict):
        return {k: as_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_stored(v) for v in value]
    return value


def check_contract_rules(contract: ContractCreate) -> None:
    """Rules that span a custom contract's fields. Raises InvalidRequest naming the offending field."""
    start, end = contract.starting_at, contract.ending_before
    if end is not None and end <= start:
        raise InvalidRequest(
            f"ending_before: {format_timestamp(end)} is not after starting_at {format_timestamp(start)}"
        )
    check_term_rules(contract, "contract")
    for path, starting_at, ending_before in _term_windows(contract):
        if starting_at is not None and starting_at < start:
            raise InvalidRequest(
                f"{path}.starting_at: {format_timestamp(starting_at)} is before the contract's starting_at "
                f"{format_timestamp(start)}"
            )
        for name, moment in (("starting_at", starting_at), ("ending_before", ending_before)):
            if end is not None and moment is not None and moment > end:
                raise InvalidRequest(
                    f"{path}.{name}: {format_timestamp(moment)} is after the contract's ending_before "
                    f"{format_timestamp(end)}"
                )
    hierarchy = contract.hierarchy_configuration
    if hierarchy and hierarchy.parent and hierarchy.parent.customer_id == contract.customer_id:
        raise InvalidRequest("hierarchy_configuration.parent.customer_id: a customer cannot be its own parent")


Window = tuple[str, datetime | None, datetime | None]


def _access_windows(schedule: ContractAccessSchedule, path: str) -> Iterator[Window]:
    for index, item in enumerate(schedule.schedule_items):
        yield f"{path}.schedule_items[{index}]", item.starting_at, item.ending_before


def _invoice_windows(schedule: ContractInvoiceSchedule | None, path: str) -> Iterator[Window]:
    if schedule is None:
        return
    for index, item in enumerate(schedule.schedule_items or []):
        yield f"{path}.schedule_items[{index}].timestamp", item.timestamp, None
    if schedule.recurring_schedule:
        recurring = schedule.recurring_schedule
        yield f"{path}.recurring_schedule", recurring.starting_at, recurring.ending_before


def _term_windows(contract: ContractCreate) -> Iterator[Window]:
    """(field path, start, end) of every dated part of the terms: each must lie within the contract. A
    point in time (an invoice) is given as a start; it may fall on the contract's end (a final true-up)."""
    for index, commit in enumerate(contract.commits or []):
        yield from _access_windows(commit.access_schedule, f"commits[{index}].access_schedule")
        yield from _invoice_windows(commit.invoice_schedule, f"commits[{index}].invoice_schedule")
    for index, credit in enumerate(contract.credits or []):
        yield from _access_windows(credit.access_schedule, f"credits[{index}].access_schedule")
    for field in ("overrides", "recurring_commits", "recurring_credits", "subscriptions", "reseller_royalties"):
        for index, term in enumerate(getattr(contract, field) or []):
            yield f"{field}[{index}]", term.starting_at, term.ending_before
    for field in ("scheduled_charges", "discounts"):
        for index, charge in enumerate(getattr(contract, field) or []):
            yield from _invoice_windows(charge.schedule, f"{field}[{index}].schedule")
    if contract.usage_filter:
        yield "usage_filter", contract.usage_filter.starting_at, None


def contract_products(contract: ContractCreate) -> dict[str, str]:
    """Every product id a custom contract names, mapped to the first field path that names it."""
    paths = ProductPaths()
    paths.found.update(referenced_products(contract))
    for field in ("discounts", "professional_services"):
        for index, term in enumerate(getattr(contract, field) or []):
            paths.add(term.product_id, f"{field}[{index}].product_id")
    for index, override in enumerate(contract.overrides or []):
        paths.add(override.product_id, f"overrides[{index}].product_id")
    for index, royalty in enumerate(contract.reseller_royalties or []):
        paths.add_all(royalty.applicable_product_ids, f"reseller_royalties[{index}].applicable_product_ids")
    return paths.found


def custom_contract_document(
    request: ContractCreate,
    contract_id: str,
    rate_card_id: str | None,
    billing_config: Doc | None,
    created_at: datetime,
    created_by: str,
) -> Doc:
    """The stored contract a custom create makes: the request's terms, made whole by the same builder
    provisioning uses."""
    stated: Doc = as_stored(request.model_dump(exclude_none=True, exclude=set(TERM_LISTS)))
    start, end = request.starting_at, stated.get("ending_before")
    schedule = stated.get("usage_statement_schedule", {"frequency": "MONTHLY"})
    docs = TermDocuments(start, end, format_timestamp(created_at), schedule["frequency"])
    usage_filter = stated.get("usage_filter")
    header: Doc = {
        "id": contract_id,
        "customer_id": request.customer_id,
        "rate_card_id": rate_card_id,
        "created_at": format_timestamp(created_at),
        "created_by": created_by,
        "starting_at": format_timestamp(start),
        "ending_before": end,
        "multiplier_override_prioritization": request.multiplier_override_prioritization or "LOWEST_MULTIPLIER",
        "custom_fields": request.custom_fields or {},
        "transitions": transition_entries(request.transition, contract_id),
        "usage_statement_schedule": usage_statement(start, schedule),
        "spend_trackers": stated.get("spend_trackers", []),
        "customer_billing_provider_configuration": billing_config,
        "usage_filter": {"starting_at": format_timestamp(start), **usage_filter} if usage_filter else None,
        **{name: stated.get(name) for name in _STATED_AS_GIVEN},
    }
    try:
        return build_contract(header, request.term_documents(), docs, None)
    except (OverflowError, ValueError):  # a recurring period past datetime's year 9999
        raise InvalidRequest("ending_before: the contract's recurring terms would reach past the year 9999") from None


# Settings stored and answered as the request states them.
_STATED_AS_GIVEN = (
    "name", "net_payment_terms_days", "netsuite_sales_order_id", "salesforce_opportunity_id", "total_contract_value",
    "scheduled_charges_on_usage_invoices", "uniqueness_key", "hierarchy_configuration",
    "revenue_system_configuration", "prepaid_balance_threshold_configuration", "spend_threshold_configuration",
)  # fmt: skip
