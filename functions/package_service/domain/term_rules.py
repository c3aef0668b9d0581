"""Rules that span a term set's fields, for a package and a custom contract alike, and the products a term
set names. Each raises InvalidRequest naming the offending field."""

from collections.abc import Iterator, Sequence
from typing import Protocol

from .errors import InvalidRequest
from .terms import (
    CommitSpecifierInput,
    CommitTerms,
    CreditTerms,
    OverrideTerms,
    RecurringTerms,
    ScheduledChargeTerms,
    SubscriptionTerms,
)
from .threshold_terms import PrepaidBalanceThresholdConfiguration, SpendThresholdConfiguration, SpendTracker


class TermSet(Protocol):
    """What a package and a custom contract both carry (read-only, whatever their dates look like)."""

    @property
    def commits(self) -> Sequence[CommitTerms] | None: ...
    @property
    def credits(self) -> Sequence[CreditTerms] | None: ...
    @property
    def recurring_commits(self) -> Sequence[RecurringTerms] | None: ...
    @property
    def recurring_credits(self) -> Sequence[RecurringTerms] | None: ...
    @property
    def overrides(self) -> Sequence[OverrideTerms] | None: ...
    @property
    def scheduled_charges(self) -> Sequence[ScheduledChargeTerms] | None: ...
    @property
    def subscriptions(self) -> Sequence[SubscriptionTerms] | None: ...
    @property
    def spend_trackers(self) -> Sequence[SpendTracker] | None: ...
    @property
    def spend_threshold_configuration(self) -> SpendThresholdConfiguration | None: ...
    @property
    def prepaid_balance_threshold_configuration(self) -> PrepaidBalanceThresholdConfiguration | None: ...
    @property
    def multiplier_override_prioritization(self) -> str | None: ...
    @property
    def rate_card_id(self) -> str | None: ...
    @property
    def rate_card_alias(self) -> str | None: ...


def check_term_rules(terms: TermSet, noun: str) -> None:
    """`noun` ("package", "contract") is what the messages call the term set."""
    if terms.rate_card_id and terms.rate_card_alias:
        raise InvalidRequest("rate_card_id: give either rate_card_id or rate_card_alias, not both")
    _check_override_prioritization(terms)
    _check_template_references(terms, noun)
    _check_spend_tracker_aliases(terms, noun)


def _check_override_prioritization(terms: TermSet) -> None:
    explicit = terms.multiplier_override_prioritization == "EXPLICIT"
    for index, override in enumerate(terms.overrides or []):
        if override.kind == "TIERED" and not explicit:
            raise InvalidRequest(
                f"overrides[{index}].type: TIERED overrides require multiplier_override_prioritization EXPLICIT"
            )
        if explicit and override.kind in ("MULTIPLIER", "TIERED") and override.priority is None:
            raise InvalidRequest(
                f"overrides[{index}].priority: required for every {override.kind} override "
                "when multiplier_override_prioritization is EXPLICIT"
            )


def _temporary_ids(items: Sequence[object] | None, field: str) -> set[str]:
    ids: set[str] = set()
    for index, item in enumerate(items or []):
        temporary_id = getattr(item, "temporary_id", None)
        if temporary_id is None:
            continue
        if temporary_id in ids:
            raise InvalidRequest(f"{field}[{index}].temporary_id: {temporary_id!r} is used twice")
        ids.add(temporary_id)
    return ids


def _check_template_references(terms: TermSet, noun: str) -> None:
    """Overrides and recurring terms may only point at temporary ids defined in the same term set."""
    commit_ids = _temporary_ids(terms.commits, "commits")
    recurring_ids = _temporary_ids(terms.recurring_commits, "recurring_commits") | _temporary_ids(
        terms.recurring_credits, "recurring_credits"
    )
    any_ids = commit_ids | recurring_ids | _temporary_ids(terms.credits, "credits")
    for index, override in enumerate(terms.overrides or []):
        for spec_index, spec in enumerate(override.override_specifiers or []):
            path = f"overrides[{index}].override_specifiers[{spec_index}]"
            for field, known in (
                ("commit_ids", commit_ids),
                ("recurring_commit_ids", recurring_ids),
                ("any_commit_or_credit_ids", any_ids),
            ):
                for ref in getattr(spec, field) or []:
                    if ref not in known:
                        raise InvalidRequest(f"{path}.{field}: {ref!r} is not a temporary_id in this {noun}")
                if getattr(spec, field) and not override.is_commit_specific:
                    raise InvalidRequest(f"{path}.{field}: only allowed when is_commit_specific is true")
    subscription_ids = _temporary_ids(terms.subscriptions, "subscriptions")
    for field in ("recurring_commits", "recurring_credits"):
        recurring_terms: Sequence[RecurringTerms] = getattr(terms, field) or []
        for index, recurring in enumerate(recurring_terms):
            config = recurring.subscription_config
            if config and config.subscription_id not in subscription_ids:
                raise InvalidRequest(
                    f"{field}[{index}].subscription_config.subscription_id: "
                    f"{config.subscription_id!r} is not a subscription temporary_id in this {noun}"
                )


def _check_spend_tracker_aliases(terms: TermSet, noun: str) -> None:
    aliases: set[str] = set()
    for index, tracker in enumerate(terms.spend_trackers or []):
        if tracker.alias in aliases:
            raise InvalidRequest(f"spend_trackers[{index}].alias: {tracker.alias!r} is used twice")
        aliases.add(tracker.alias)
    for field in ("spend_threshold_configuration", "prepaid_balance_threshold_configuration"):
        config = getattr(terms, field)
        cap = config.discount_configuration.cap if config and config.discount_configuration else None
        if cap and cap.spend_tracker_alias not in aliases:
            raise InvalidRequest(
                f"{field}.discount_configuration.cap.spend_tracker_alias: "
                f"{cap.spend_tracker_alias!r} is not a spend tracker of this {noun}"
            )


def _specifier_products(specifiers: Sequence[CommitSpecifierInput] | None, path: str) -> Iterator[tuple[str, str]]:
    for index, specifier in enumerate(specifiers or []):
        if specifier.product_id:
            yield specifier.product_id, f"{path}.specifiers[{index}].product_id"


class ProductPaths:
    """Product ids, each mapped to the first field path that names it."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def add(self, product_id: str | None, path: str) -> None:
        if product_id:
            self.found.setdefault(product_id, path)

    def add_all(self, product_ids: Sequence[str] | None, path: str) -> None:
        for index, product_id in enumerate(product_ids or []):
            self.add(product_id, f"{path}[{index}]")


def referenced_products(terms: TermSet) -> dict[str, str]:
    """Every product id the term set mentions, mapped to the first field path that names it."""
    paths = ProductPaths()
    add = paths.add
    for field in ("commits", "credits", "recurring_commits", "recurring_credits"):
        for index, term in enumerate(getattr(terms, field) or []):
            path = f"{field}[{index}]"
            add(term.product_id, f"{path}.product_id")
            paths.add_all(term.applicable_product_ids, f"{path}.applicable_product_ids")
            for ref, ref_path in _specifier_products(term.specifiers, path):
                add(ref, ref_path)
    for index, charge in enumerate(terms.scheduled_charges or []):
        add(charge.product_id, f"scheduled_charges[{index}].product_id")
    for index, subscription in enumerate(terms.subscriptions or []):
        add(subscription.subscription_rate.product_id, f"subscriptions[{index}].subscription_rate.product_id")
    for index, override in enumerate(terms.overrides or []):
        for spec_index, spec in enumerate(override.override_specifiers or []):
            add(spec.product_id, f"overrides[{index}].override_specifiers[{spec_index}].product_id")
    if terms.spend_threshold_configuration:
        add(
            terms.spend_threshold_configuration.commit.product_id,
            "spend_threshold_configuration.commit.product_id",
        )
    prepaid = terms.prepaid_balance_threshold_configuration
    if prepaid:
        path = "prepaid_balance_threshold_configuration.commit"
        add(prepaid.commit.product_id, f"{path}.product_id")
        paths.add_all(prepaid.commit.applicable_product_ids, f"{path}.applicable_product_ids")
        for ref, ref_path in _specifier_products(prepaid.commit.specifiers, path):
            add(ref, ref_path)
    return paths.found
