"""A package: the create request, its cross-field rules, and the products it references."""

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from .base import (
    Aliases,
    Id,
    NonEmptyStr,
    PositiveRelativeTime,
    RequestModel,
    UniquenessKey,
    _upper,
)
from .errors import InvalidRequest
from .terms import (
    Commit,
    CommitSpecifierInput,
    Credit,
    Override,
    PrepaidBalanceThresholdConfiguration,
    RecurringCommit,
    RecurringCredit,
    ScheduledCharge,
    SpendThresholdConfiguration,
    SpendTracker,
    Subscription,
    UsageStatementSchedule,
)

BillingProvider = Literal["aws_marketplace", "azure_marketplace", "gcp_marketplace", "stripe", "netsuite"]
DeliveryMethod = Literal["direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns"]
Prioritization = Annotated[Literal["LOWEST_MULTIPLIER", "EXPLICIT"], BeforeValidator(_upper)]


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
    net_payment_terms_days: float | None = Field(default=None, ge=0)
    overrides: list[Override] | None = None
    prepaid_balance_threshold_configuration: PrepaidBalanceThresholdConfiguration | None = None
    rate_card_alias: NonEmptyStr | None = None
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
    if package.rate_card_id and package.rate_card_alias:
        raise InvalidRequest("rate_card_id: give either rate_card_id or rate_card_alias, not both")
    if (package.billing_provider is None) != (package.delivery_method is None):
        missing = "delivery_method" if package.delivery_method is None else "billing_provider"
        raise InvalidRequest(f"{missing}: billing_provider and delivery_method must be given together")
    _check_override_prioritization(package)
    _check_template_references(package)
    _check_spend_tracker_aliases(package)


def _check_override_prioritization(package: PackageCreate) -> None:
    explicit = package.multiplier_override_prioritization == "EXPLICIT"
    for index, override in enumerate(package.overrides or []):
        if override.kind == "TIERED" and not explicit:
            raise InvalidRequest(
                f"overrides[{index}].type: TIERED overrides require multiplier_override_prioritization EXPLICIT"
            )
        if explicit and override.kind in ("MULTIPLIER", "TIERED") and override.priority is None:
            raise InvalidRequest(
                f"overrides[{index}].priority: required for every {override.kind} override "
                "when multiplier_override_prioritization is EXPLICIT"
            )


def _temporary_ids(
    items: list[Commit] | list[Credit] | list[RecurringCommit] | list[RecurringCredit] | None, field: str
) -> set[str]:
    ids: set[str] = set()
    for index, item in enumerate(items or []):
        temporary_id = getattr(item, "temporary_id", None)
        if temporary_id is None:
            continue
        if temporary_id in ids:
            raise InvalidRequest(f"{field}[{index}].temporary_id: {temporary_id!r} is used twice")
        ids.add(temporary_id)
    return ids


def _check_template_references(package: PackageCreate) -> None:
    """Overrides and recurring terms may only point at temporary ids defined in the same package."""
    commit_ids = _temporary_ids(package.commits, "commits")
    recurring_ids = _temporary_ids(package.recurring_commits, "recurring_commits") | _temporary_ids(
        package.recurring_credits, "recurring_credits"
    )
    any_ids = commit_ids | recurring_ids | _temporary_ids(package.credits, "credits")
    for index, override in enumerate(package.overrides or []):
        for spec_index, spec in enumerate(override.override_specifiers):
            path = f"overrides[{index}].override_specifiers[{spec_index}]"
            for field, known in (
                ("commit_ids", commit_ids),
                ("recurring_commit_ids", recurring_ids),
                ("any_commit_or_credit_ids", any_ids),
            ):
                for ref in getattr(spec, field) or []:
                    if ref not in known:
                        raise InvalidRequest(f"{path}.{field}: {ref!r} is not a temporary_id in this package")
                if getattr(spec, field) and not override.is_commit_specific:
                    raise InvalidRequest(f"{path}.{field}: only allowed when is_commit_specific is true")
    subscription_ids = {s.temporary_id for s in package.subscriptions or [] if s.temporary_id}
    for field in ("recurring_commits", "recurring_credits"):
        for index, recurring in enumerate(getattr(package, field) or []):
            config = recurring.subscription_config
            if config and config.subscription_id not in subscription_ids:
                raise InvalidRequest(
                    f"{field}[{index}].subscription_config.subscription_id: "
                    f"{config.subscription_id!r} is not a subscription temporary_id in this package"
                )


def _check_spend_tracker_aliases(package: PackageCreate) -> None:
    aliases: set[str] = set()
    for index, tracker in enumerate(package.spend_trackers or []):
        if tracker.alias in aliases:
            raise InvalidRequest(f"spend_trackers[{index}].alias: {tracker.alias!r} is used twice")
        aliases.add(tracker.alias)
    for field in ("spend_threshold_configuration", "prepaid_balance_threshold_configuration"):
        config = getattr(package, field)
        cap = config.discount_configuration.cap if config and config.discount_configuration else None
        if cap and cap.spend_tracker_alias not in aliases:
            raise InvalidRequest(
                f"{field}.discount_configuration.cap.spend_tracker_alias: "
                f"{cap.spend_tracker_alias!r} is not a spend tracker of this package"
            )


def _specifier_products(specifiers: list[CommitSpecifierInput] | None, path: str) -> Iterator[tuple[str, str]]:
    for index, specifier in enumerate(specifiers or []):
        if specifier.product_id:
            yield specifier.product_id, f"{path}.specifiers[{index}].product_id"


def referenced_products(package: PackageCreate) -> dict[str, str]:
    """Every product id the package mentions, mapped to the first field path that names it."""
    found: dict[str, str] = {}

    def add(product_id: str | None, path: str) -> None:
        if product_id:
            found.setdefault(product_id, path)

    for field in ("commits", "credits", "recurring_commits", "recurring_credits"):
        for index, term in enumerate(getattr(package, field) or []):
            path = f"{field}[{index}]"
            add(term.product_id, f"{path}.product_id")
            for ref_index, ref in enumerate(term.applicable_product_ids or []):
                add(ref, f"{path}.applicable_product_ids[{ref_index}]")
            for ref, ref_path in _specifier_products(term.specifiers, path):
                add(ref, ref_path)
    for index, charge in enumerate(package.scheduled_charges or []):
        add(charge.product_id, f"scheduled_charges[{index}].product_id")
    for index, subscription in enumerate(package.subscriptions or []):
        add(subscription.subscription_rate.product_id, f"subscriptions[{index}].subscription_rate.product_id")
    for index, override in enumerate(package.overrides or []):
        for spec_index, spec in enumerate(override.override_specifiers):
            add(spec.product_id, f"overrides[{index}].override_specifiers[{spec_index}].product_id")
    if package.spend_threshold_configuration:
        add(
            package.spend_threshold_configuration.commit.product_id,
            "spend_threshold_configuration.commit.product_id",
        )
    prepaid = package.prepaid_balance_threshold_configuration
    if prepaid:
        path = "prepaid_balance_threshold_configuration.commit"
        add(prepaid.commit.product_id, f"{path}.product_id")
        for ref_index, ref in enumerate(prepaid.commit.applicable_product_ids or []):
            add(ref, f"{path}.applicable_product_ids[{ref_index}]")
        for ref, ref_path in _specifier_products(prepaid.commit.specifiers, path):
            add(ref, ref_path)
    return found
