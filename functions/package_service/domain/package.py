"""A package: the create request, its cross-field rules, and the products it references."""

from typing import Literal

from pydantic import Field

from .base import (
    Aliases,
    AliasName,
    DeliveryMethod,
    Id,
    NonEmptyStr,
    PositiveRelativeTime,
    RequestModel,
    UniquenessKey,
)
from .errors import InvalidRequest
from .package_terms import (
    Commit,
    Credit,
    Override,
    RecurringCommit,
    RecurringCredit,
    ScheduledCharge,
    Subscription,
    UsageStatementSchedule,
)
from .term_rules import check_term_rules
from .term_rules import referenced_products as referenced_products
from .terms import BillingProvider, Prioritization
from .threshold_terms import PrepaidBalanceThresholdConfiguration, SpendThresholdConfiguration, SpendTracker


class PackageCreate(RequestModel):
    name: NonEmptyStr
    aliases: Aliases | None = None
    billing_provider: BillingProvider | None = None
    delivery_method: DeliveryMethod | None = None
    # Newer than metronome-sdk 4.12's types; accepted, stored and returned as sent.
    billing_anchor_date: Literal["contract_start_date", "first_billing_period"] | None = None
    commits: list[Commit] | None = None
    contract_name: str | None = None
    credits: list[Credit] | None = None
    duration: PositiveRelativeTime | None = None
    multiplier_override_prioritization: Prioritization | None = None
    net_payment_terms_days: int | None = Field(default=None, ge=0)
    overrides: list[Override] | None = None
    prepaid_balance_threshold_configuration: PrepaidBalanceThresholdConfiguration | None = None
    rate_card_alias: AliasName | None = None
    rate_card_id: Id | None = None
    recurring_commits: list[RecurringCommit] | None = None
    recurring_credits: list[RecurringCredit] | None = None
    scheduled_charges: list[ScheduledCharge] | None = None
    scheduled_charges_on_usage_invoices: Literal["ALL"] | None = None
    spend_threshold_configuration: SpendThresholdConfiguration | None = None
    spend_trackers: list[SpendTracker] | None = None
    subscriptions: list[Subscription] | None = None
    uniqueness_key: UniquenessKey | None = None
    usage_statement_schedule: UsageStatementSchedule | None = None


def check_package_rules(package: PackageCreate) -> None:
    """Rules that span several fields. Raises InvalidRequest naming the offending field."""
    if (package.billing_provider is None) != (package.delivery_method is None):
        missing = "delivery_method" if package.delivery_method is None else "billing_provider"
        raise InvalidRequest(f"{missing}: billing_provider and delivery_method must be given together")
    check_term_rules(package, "package")
