"""Provisioning a customer onto a package: the request, billing-config matching, and the turning of
every relative term into absolute dates (see `dates.py` for the arithmetic). Pure: no AWS."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, Literal

from pydantic import model_validator

from .base import (
    AliasName,
    Id,
    RequestModel,
    Timestamp,
    UniquenessKey,
    check_one_package,
    format_timestamp,
    parse_timestamp,
)
from .contract_document import TermDocuments, build_contract, transition_entries, usage_statement
from .dates import Span, shift
from .errors import InvalidRequest
from .transitions import cut_contract

Doc = dict[str, Any]

# Every other field of `contract_create_params`: a package is the whole term set.
CONTRACT_ONLY_FIELDS = (
    "billing_provider_configuration", "commits", "credits", "discounts", "ending_before",
    "hierarchy_configuration", "multiplier_override_prioritization", "name", "net_payment_terms_days",
    "netsuite_sales_order_id", "overrides", "prepaid_balance_threshold_configuration",
    "professional_services", "rate_card_alias", "rate_card_id", "recurring_commits", "recurring_credits",
    "reseller_royalties", "revenue_system_configuration", "salesforce_opportunity_id", "scheduled_charges",
    "scheduled_charges_on_usage_invoices", "spend_threshold_configuration", "spend_trackers",
    "subscriptions", "total_contract_value", "usage_filter", "usage_statement_schedule",
)  # fmt: skip


# Every relative-time field of a package's models (dotted, lists left out of the path), and what a
# provisioned contract gets for it. A relative field added to a package model must be listed here and
# resolved by `_Relative`: tests/unit/domain/test_relative_terms.py walks the models against this map
# and resolves a package with every one of them set.
RESOLVED = "resolved"  # becomes an absolute date
KEPT_RELATIVE = "kept relative"  # relative in a contract too (Metronome's contract schema has it)
RELATIVE_FIELDS: dict[str, str] = {
    "duration": RESOLVED,  # ending_before
    "commits.access_schedule.schedule_items.starting_at_offset": RESOLVED,
    "commits.access_schedule.schedule_items.duration": RESOLVED,
    "commits.invoice_schedule.schedule_items.date_offset": RESOLVED,
    "credits.access_schedule.schedule_items.starting_at_offset": RESOLVED,
    "credits.access_schedule.schedule_items.duration": RESOLVED,
    "recurring_commits.starting_at_offset": RESOLVED,
    "recurring_commits.duration": RESOLVED,
    "recurring_credits.starting_at_offset": RESOLVED,
    "recurring_credits.duration": RESOLVED,
    "scheduled_charges.schedule.schedule_items.date_offset": RESOLVED,
    "subscriptions.starting_at_offset": RESOLVED,
    "subscriptions.duration": RESOLVED,
    "overrides.starting_at_offset": RESOLVED,
    "overrides.duration": RESOLVED,
    "usage_statement_schedule.invoice_generation_starting_at_offset": RESOLVED,  # invoice_generation_starting_at
    # Each commit a threshold adds lasts this long from when it is added.
    "prepaid_balance_threshold_configuration.commit.duration": KEPT_RELATIVE,
}


class UnresolvedRelativeTerm(Exception):
    """A relative field reached a contract unresolved: a field missing from RELATIVE_FIELDS / _Relative."""


_WINDOW = ("starting_at_offset", "duration")


def _absolute(term: Doc) -> Doc:
    """`term`, checked to carry no relative time (`{unit, value}` in calendar units) left unresolved."""
    for name, value in term.items():
        if isinstance(value, dict) and value.get("unit") in _CALENDAR_UNITS and "value" in value:
            raise UnresolvedRelativeTerm(name)
    return term


_CALENDAR_UNITS = frozenset(
    spelling for unit in ("DAYS", "WEEKS", "MONTHS", "YEARS") for spelling in (unit, unit.lower())
)


class FutureInvoiceBehavior(RequestModel):
    trueup: Literal["REMOVE", "AS_IS"] | None = None
    nullable = frozenset({"trueup"})  # the SDK types it Optional: null means the default, AS_IS


class Transition(RequestModel):
    from_contract_id: Id
    type: Literal["RENEWAL"]
    future_invoice_behavior: FutureInvoiceBehavior | None = None


class ContractStart(RequestModel):
    """What every `/v1/contracts/create` names, with a package or without."""

    customer_id: Id
    starting_at: Timestamp
    uniqueness_key: UniquenessKey | None = None
    transition: Transition | None = None
    custom_fields: dict[str, str] | None = None


def refuse_terms_beside_a_package(data: Any) -> None:
    """A package is the whole term set: a request naming one may not also state terms."""
    if isinstance(data, dict) and (data.get("package_id") is not None or data.get("package_alias") is not None):
        extra = [field for field in CONTRACT_ONLY_FIELDS if field in data]
        if extra:
            raise ValueError(
                f"{extra[0]}: not allowed when provisioning from a package (the package is the whole "
                "term set; create a custom contract instead)"
            )


class PackageChoice(ContractStart):
    """A package by id or alias; a request that names one may not state terms too."""

    package_id: Id | None = None
    package_alias: AliasName | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_terms_beside_a_package(cls, data: Any) -> Any:
        refuse_terms_beside_a_package(data)
        return data


class ProvisionRequest(PackageChoice):
    """`/v1/contracts/create` with a package: the package supplies every term."""

    @model_validator(mode="after")
    def _exactly_one_package(self) -> "ProvisionRequest":
        check_one_package(self.package_id, self.package_alias)
        return self


def match_billing_config(package: Doc, customer_id: str, configs: list[Doc]) -> Doc | None:
    """The one active configuration matching the package's provider and delivery method."""
    provider, method = package.get("billing_provider"), package.get("delivery_method")
    if not provider:
        return None
    return matching_config(provider, method, customer_id, configs, f", which package {package['id']} requires")


def matching_config(
    provider: str, method: str | None, customer_id: str, configs: list[Doc], why: str = "", field: str = "customer_id"
) -> Doc:
    """The customer's one active configuration with this provider and delivery method (400 naming `field`
    for none or several)."""
    matches = [
        c
        for c in configs
        if "archived_at" not in c and c["billing_provider"] == provider and c.get("delivery_method") == method
    ]
    if not matches:
        raise InvalidRequest(
            f"{field}: customer {customer_id} has no active billing provider configuration for "
            f"billing_provider {provider} with delivery_method {method}{why}"
        )
    if len(matches) > 1:
        ids = ", ".join(c["id"] for c in matches)
        raise InvalidRequest(
            f"{field}: customer {customer_id} has {len(matches)} active billing provider configurations "
            f"for billing_provider {provider} with delivery_method {method} ({ids}); archive all but one"
        )
    return matches[0]


@dataclass(frozen=True)
class CoTerm:
    """A successor that finishes the old contract's term (a migration's REMAINING_TERM): it ends when the
    old contract would have ended, its usage statements keep the old schedule, and its recurring
    commits/credits and subscriptions fall on the periods counted from the old contract's anchor."""

    period_anchor: datetime
    ending_before: datetime | None
    usage_statement_schedule: Doc

    @classmethod
    def of(cls, old: Doc) -> "CoTerm":
        """The term `old` (a contract as it now is) would still run; a successor of a successor keeps the
        first contract's anchor, so month ends stay month ends along a chain of migrations."""
        ending = old.get("ending_before")
        return cls(
            period_anchor=parse_timestamp(old.get("period_anchor") or old["starting_at"]),
            ending_before=parse_timestamp(ending) if ending else None,
            usage_statement_schedule=old["usage_statement_schedule"],
        )


@dataclass(frozen=True)
class Resolved:
    """What resolution decided besides the terms: useful to preview, and stored on the contract."""

    package_id: str | None  # None for a custom contract
    rate_card_id: str | None
    billing_config: Doc | None


class _Relative:
    """Turns one package's relative terms into absolute ones, as a custom contract states them."""

    def __init__(self, start: datetime) -> None:
        self.start = start

    def at(self, *spans: Span) -> str:
        return format_timestamp(shift(self.start, *spans))

    def window(self, term: Doc) -> Doc:
        """`starting_at_offset` / `duration` -> `starting_at` / `ending_before` (none when open-ended)."""
        offset = Span.of(term.get("starting_at_offset"))
        out = _absolute({k: v for k, v in term.items() if k not in _WINDOW})
        out["starting_at"] = self.at(offset)
        if term.get("duration"):
            out["ending_before"] = self.at(offset, Span.of(term["duration"]))
        return out

    def point_schedule(self, schedule: Doc) -> Doc:
        """`date_offset` -> `timestamp`, item by item (an item's fields named one by one)."""
        items = [
            {
                "id": item["id"],
                "quantity": item["quantity"],
                "unit_price": item["unit_price"],
                "timestamp": self.at(Span.of(item["date_offset"])),
            }
            for item in schedule["schedule_items"]
        ]
        return {**schedule, "schedule_items": items}

    def commit(self, term: Doc) -> Doc:
        access = term["access_schedule"]
        items = [self.window(item) for item in access["schedule_items"]]
        out = {**_absolute(term), "access_schedule": {**access, "schedule_items": items}}
        if "invoice_schedule" in term:
            out["invoice_schedule"] = self.point_schedule(term["invoice_schedule"])
        return out

    def terms(self, package: Doc) -> Doc:
        return {
            "commits": [self.commit(c) for c in package.get("commits", [])],
            "credits": [self.commit(c) for c in package.get("credits", [])],
            "recurring_commits": [self.window(t) for t in package.get("recurring_commits", [])],
            "recurring_credits": [self.window(t) for t in package.get("recurring_credits", [])],
            "scheduled_charges": [
                {**_absolute(c), "schedule": self.point_schedule(c["schedule"])}
                for c in package.get("scheduled_charges", [])
            ],
            "subscriptions": [self.window(s) for s in package.get("subscriptions", [])],
            "overrides": [self.window(o) for o in package.get("overrides", [])],
        }


def _within_the_calendar(resolve: Callable[..., Doc]) -> Callable[..., Doc]:
    """A start whose terms reach past datetime's range (the year 9999) is a 400 naming starting_at."""

    @wraps(resolve)
    def resolved_or_refused(request: ProvisionRequest, *args: Any) -> Doc:
        try:
            return resolve(request, *args)
        except (OverflowError, ValueError):
            raise InvalidRequest(
                f"starting_at: the package's terms from {format_timestamp(request.starting_at)} would end after "
                "the year 9999"
            ) from None

    return resolved_or_refused


@_within_the_calendar
def resolve_contract_terms(
    request: ProvisionRequest,
    package: Doc,
    resolved: Resolved,
    contract_id: str,
    created_at: datetime,
    created_by: str,
    co_term: CoTerm | None = None,
) -> Doc:
    """The contract a package gives a customer starting at `request.starting_at`, all dates absolute: for
    the package's own duration, or, `co_term`, for what is left of the contract it succeeds (the
    package's terms running past that end are cut there, as a transition cuts)."""
    start = request.starting_at
    schedule = package.get("usage_statement_schedule", {})
    if co_term:
        contract_end, period_anchor = co_term.ending_before, co_term.period_anchor
        statements = co_term.usage_statement_schedule
    else:
        contract_end = shift(start, Span.of(package["duration"])) if package.get("duration") else None
        period_anchor = start
        statements = usage_statement(start, {**schedule, "frequency": schedule.get("frequency", "MONTHLY")})
        if offset := schedule.get("invoice_generation_starting_at_offset"):
            statements["invoice_generation_starting_at"] = format_timestamp(shift(start, Span.of(offset)))
    ending_before = format_timestamp(contract_end) if contract_end else None
    docs = TermDocuments(start, ending_before, format_timestamp(created_at), statements["frequency"])
    if co_term:
        docs.subscription_anchor = format_timestamp(period_anchor)
    # A package's recurring periods count from the contract start and the term's offset; a co-termed
    # successor's from the old contract's anchor, its first period starting where the term starts.
    anchors = [
        (period_anchor, Span() if co_term else Span.of(term["starting_at_offset"]))
        for field in ("recurring_commits", "recurring_credits")
        for term in package.get(field, [])
    ]
    header: Doc = {
        "id": contract_id,
        "customer_id": request.customer_id,
        "package_id": resolved.package_id,
        "rate_card_id": resolved.rate_card_id,
        "created_at": format_timestamp(created_at),
        "created_by": created_by,
        "starting_at": format_timestamp(start),
        "ending_before": ending_before,
        "name": package.get("contract_name") or package.get("name"),
        "net_payment_terms_days": package.get("net_payment_terms_days"),
        "multiplier_override_prioritization": package.get("multiplier_override_prioritization", "LOWEST_MULTIPLIER"),
        "scheduled_charges_on_usage_invoices": package.get("scheduled_charges_on_usage_invoices"),
        "billing_anchor_date": package.get("billing_anchor_date"),
        "uniqueness_key": request.uniqueness_key,
        "custom_fields": request.custom_fields or {},
        "transitions": transition_entries(request.transition, contract_id),
        "usage_statement_schedule": statements,
        "spend_trackers": package.get("spend_trackers", []),
        "prepaid_balance_threshold_configuration": package.get("prepaid_balance_threshold_configuration"),
        "spend_threshold_configuration": package.get("spend_threshold_configuration"),
        "customer_billing_provider_configuration": resolved.billing_config,
        "period_anchor": format_timestamp(period_anchor) if co_term else None,
    }  # fmt: skip
    contract = build_contract(header, _Relative(start).terms(package), docs, anchors)
    return cut_contract(contract, contract_end) if co_term and contract_end else contract
