"""Provisioning a customer onto a package: the request, billing-config matching, and the turning of
every relative term into absolute dates (see `dates.py` for the arithmetic). Pure: no AWS."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from math import floor
from typing import Any, Literal
from uuid import uuid4

from pydantic import model_validator

from .base import Id, NonEmptyStr, RequestModel, Timestamp, UniquenessKey, check_one_package, format_timestamp
from .dates import FREQUENCY_SPANS, Span, periods, shift
from .errors import InvalidRequest

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
MAX_GENERATED_PERIODS = 1000


class FutureInvoiceBehavior(RequestModel):
    trueup: Literal["REMOVE", "AS_IS"] | None = None


class Transition(RequestModel):
    from_contract_id: Id
    type: Literal["RENEWAL"]
    future_invoice_behavior: FutureInvoiceBehavior | None = None


class ProvisionRequest(RequestModel):
    """`/v1/contracts/create` with a package: the package supplies every term."""

    customer_id: Id
    starting_at: Timestamp
    package_id: Id | None = None
    package_alias: NonEmptyStr | None = None
    uniqueness_key: UniquenessKey | None = None
    transition: Transition | None = None
    custom_fields: dict[str, str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_terms_beside_a_package(cls, data: Any) -> Any:
        if isinstance(data, dict):
            extra = [field for field in CONTRACT_ONLY_FIELDS if field in data]
            if extra:
                raise ValueError(
                    f"{extra[0]}: not allowed when provisioning from a package (the package is the whole "
                    "term set; create a custom contract instead)"
                )
        return data

    @model_validator(mode="after")
    def _exactly_one_package(self) -> "ProvisionRequest":
        check_one_package(self.package_id, self.package_alias, " (contracts without a package are not supported yet)")
        return self


def match_billing_config(package: Doc, customer_id: str, configs: list[Doc]) -> Doc | None:
    """The one active configuration matching the package's provider and delivery method."""
    provider, method = package.get("billing_provider"), package.get("delivery_method")
    if not provider:
        return None
    matches = [
        c
        for c in configs
        if "archived_at" not in c and c["billing_provider"] == provider and c.get("delivery_method") == method
    ]
    if not matches:
        raise InvalidRequest(
            f"customer_id: customer {customer_id} has no active billing provider configuration for "
            f"billing_provider {provider} with delivery_method {method}, which package {package['id']} requires"
        )
    if len(matches) > 1:
        ids = ", ".join(c["id"] for c in matches)
        raise InvalidRequest(
            f"customer_id: customer {customer_id} has {len(matches)} active billing provider configurations "
            f"for billing_provider {provider} with delivery_method {method} ({ids}); archive all but one"
        )
    return matches[0]


@dataclass(frozen=True)
class Resolved:
    """What resolution decided besides the terms: useful to preview, and stored on the contract."""

    package_id: str
    rate_card_id: str | None
    billing_config: Doc | None


class _Terms:
    """Resolves one package's relative terms against one contract start."""

    def __init__(self, start: datetime, contract_end: datetime | None, created_at: str, frequency: str) -> None:
        self.start, self.contract_end = start, contract_end
        self.created_at, self.usage_frequency = created_at, frequency

    def at(self, *spans: Span) -> str:
        return format_timestamp(shift(self.start, *spans))

    def access_schedule(self, schedule: Doc) -> Doc:
        items = [
            {
                "id": item["id"],
                "amount": item["amount"],
                "starting_at": self.at(Span.of(item["starting_at_offset"])),
                "ending_before": self.at(Span.of(item["starting_at_offset"]), Span.of(item["duration"])),
            }
            for item in schedule["schedule_items"]
        ]
        return {**schedule, "schedule_items": items}

    def point_schedule(self, schedule: Doc) -> Doc:
        items = [
            {
                "id": item["id"],
                "quantity": item["quantity"],
                "unit_price": item["unit_price"],
                "amount": item["quantity"] * item["unit_price"],
                "timestamp": self.at(Span.of(item["date_offset"])),
            }
            for item in schedule["schedule_items"]
        ]
        return {**schedule, "schedule_items": items}

    def commit(self, term: Doc) -> Doc:
        out = {k: v for k, v in term.items() if k != "temporary_id"}
        out["created_at"] = self.created_at
        out["access_schedule"] = self.access_schedule(term["access_schedule"])
        if "invoice_schedule" in term:
            out["invoice_schedule"] = self.point_schedule(term["invoice_schedule"])
        return out

    def credit(self, term: Doc) -> Doc:
        return {**self.commit(term), "type": "CREDIT"}

    def window(self, offset: Doc | None, duration: Doc | None) -> tuple[str, str | None]:
        starting_at = self.at(Span.of(offset))
        if duration is not None:
            return starting_at, self.at(Span.of(offset), Span.of(duration))
        return starting_at, format_timestamp(self.contract_end) if self.contract_end else None

    def recurring(self, term: Doc, field: str) -> tuple[Doc, list[Doc]]:
        """The recurring term with absolute dates, and the commits/credits it creates per period."""
        starting_at, ending_before = self.window(term["starting_at_offset"], term.get("duration"))
        out = {k: v for k, v in term.items() if k not in ("temporary_id", "starting_at_offset", "duration")}
        out.update(starting_at=starting_at, anchor_date=starting_at, created_at=self.created_at)
        if ending_before:
            out["ending_before"] = ending_before
        children: list[Doc] = []
        if ending_before is None:
            return out, children  # open-ended: nothing to enumerate up front
        frequency = FREQUENCY_SPANS[term.get("recurrence_frequency") or self.usage_frequency]
        length = max(1, floor(term["commit_duration"]["value"]))
        end = datetime.fromisoformat(ending_before.replace("Z", "+00:00"))
        try:
            tiles = periods(self.start, Span.of(term["starting_at_offset"]), frequency, end, MAX_GENERATED_PERIODS)
        except ValueError:
            raise InvalidRequest(
                f"{field}: would create more than {MAX_GENERATED_PERIODS} periods; use a longer recurrence_frequency"
            ) from None
        amount = term["access_amount"]["unit_price"] * term["access_amount"].get("quantity", 1)
        prorate_last = term.get("proration", "FIRST_AND_LAST") in ("LAST", "FIRST_AND_LAST")
        for index, (period_start, _) in enumerate(tiles):
            full_end = shift(self.start, Span.of(term["starting_at_offset"]), frequency.times(index + length))
            period_end = min(full_end, end)
            share = 1.0
            if prorate_last and period_end < full_end:
                share = (period_end - period_start) / (full_end - period_start)
            child = {
                "id": str(uuid4()),
                "type": "PREPAID" if field.startswith("recurring_commits") else "CREDIT",
                "product_id": term["product_id"],
                "created_at": self.created_at,
                "priority": term["priority"],
                "name": term.get("name"),
                "rate_type": term.get("rate_type", "COMMIT_RATE"),
                f"{'recurring_commit_id' if field.startswith('recurring_commits') else 'recurring_credit_id'}": term[
                    "id"
                ],
                "access_schedule": {
                    "credit_type_id": term["access_amount"].get("credit_type_id"),
                    "schedule_items": [
                        {
                            "id": str(uuid4()),
                            "amount": amount * share,
                            "starting_at": format_timestamp(period_start),
                            "ending_before": format_timestamp(period_end),
                        }
                    ],
                },
            }
            invoice = term.get("invoice_amount")
            if invoice:
                child["invoice_schedule"] = {
                    "credit_type_id": invoice["credit_type_id"],
                    "schedule_items": [
                        {
                            "id": str(uuid4()),
                            "quantity": invoice["quantity"],
                            "unit_price": invoice["unit_price"] * share,
                            "amount": invoice["quantity"] * invoice["unit_price"] * share,
                            "timestamp": format_timestamp(period_start),
                        }
                    ],
                }
            children.append({k: v for k, v in child.items() if v is not None})
        return out, children

    def subscription(self, term: Doc) -> Doc:
        starting_at, ending_before = self.window(term.get("starting_at_offset"), term.get("duration"))
        out = {k: v for k, v in term.items() if k not in ("starting_at_offset", "duration", "temporary_id")}
        out.update(starting_at=starting_at, created_at=self.created_at, billing_periods={})
        if ending_before:
            out["ending_before"] = ending_before
        out["billing_cycle_config"] = {
            "anchor_date": starting_at,
            "invoice_placement": term.get("billing_cycle_config", {}).get("invoice_placement", "ON_USAGE_INVOICE"),
        }
        out["quantity_schedule"] = [
            {"quantity": term.get("initial_quantity", 0), "starting_at": starting_at}
            | ({"ending_before": ending_before} if ending_before else {})
        ]
        out.setdefault("quantity_management_mode", "QUANTITY_ONLY")
        return out

    def override(self, term: Doc) -> Doc:
        starting_at = self.at(Span.of(term["starting_at_offset"]))
        out = {k: v for k, v in term.items() if k not in ("starting_at_offset", "duration")}
        out.update(starting_at=starting_at, created_at=self.created_at)
        if term.get("duration"):
            out["ending_before"] = self.at(Span.of(term["starting_at_offset"]), Span.of(term["duration"]))
        return out


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
) -> Doc:
    """The contract a package gives a customer starting at `request.starting_at`, all dates absolute."""
    start = request.starting_at
    contract_end = shift(start, Span.of(package["duration"])) if package.get("duration") else None
    schedule = package.get("usage_statement_schedule", {})
    frequency = schedule.get("frequency", "MONTHLY")
    terms = _Terms(start, contract_end, format_timestamp(created_at), frequency)

    commits = [terms.commit(c) for c in package.get("commits", [])]
    credits = [terms.credit(c) for c in package.get("credits", [])]
    recurring: dict[str, list[Doc]] = {"recurring_commits": [], "recurring_credits": []}
    for field in recurring:
        for index, term in enumerate(package.get(field, [])):
            resolved_term, children = terms.recurring(term, f"{field}[{index}]")
            recurring[field].append(resolved_term)
            (commits if field == "recurring_commits" else credits).extend(children)

    anchor = (
        start
        if schedule.get("day") == "CONTRACT_START"
        else start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    )
    contract: Doc = {
        "id": contract_id,
        "customer_id": request.customer_id,
        "package_id": resolved.package_id,
        "rate_card_id": resolved.rate_card_id,
        "created_at": format_timestamp(created_at),
        "created_by": created_by,
        "starting_at": format_timestamp(start),
        "ending_before": format_timestamp(contract_end) if contract_end else None,
        "name": package.get("contract_name") or package.get("name"),
        "net_payment_terms_days": package.get("net_payment_terms_days"),
        "multiplier_override_prioritization": package.get("multiplier_override_prioritization", "LOWEST_MULTIPLIER"),
        "scheduled_charges_on_usage_invoices": package.get("scheduled_charges_on_usage_invoices"),
        "billing_anchor_date": package.get("billing_anchor_date"),
        "uniqueness_key": request.uniqueness_key,
        "custom_fields": request.custom_fields or {},
        "transitions": (
            [{"from_contract_id": request.transition.from_contract_id, "to_contract_id": contract_id,
              "type": request.transition.type}]
            if request.transition else []
        ),
        "usage_statement_schedule": {"frequency": frequency, "billing_anchor_date": format_timestamp(anchor)},
        "commits": commits,
        "credits": credits,
        **recurring,
        "scheduled_charges": [
            {**c, "schedule": terms.point_schedule(c["schedule"])} for c in package.get("scheduled_charges", [])
        ],
        "subscriptions": [terms.subscription(s) for s in package.get("subscriptions", [])],
        "overrides": [terms.override(o) for o in package.get("overrides", [])],
        "spend_trackers": package.get("spend_trackers", []),
        "prepaid_balance_threshold_configuration": package.get("prepaid_balance_threshold_configuration"),
        "spend_threshold_configuration": package.get("spend_threshold_configuration"),
        "customer_billing_provider_configuration": resolved.billing_config,
    }  # fmt: skip
    return {k: v for k, v in contract.items() if v is not None}
