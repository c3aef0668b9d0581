"""Contract terms apart from their dates: the shapes and rules that a package's terms (dates relative to
the contract start, `package_terms.py`) and a custom contract's terms (absolute dates, `contract_terms.py`)
share, field for field as metronome-sdk's `package_create_params` and `contract_create_params`.

Each date-bearing term is a base class here, holding its rules, and one subclass per way of saying when.
The dateless spend trackers and thresholds, which both forms take as they are, are in `threshold_terms.py`."""

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from .base import (
    AccessType,
    Frequency,
    Id,
    NonEmptyStr,
    RateType,
    RequestModel,
    _upper,
)

BillingProvider = Literal["aws_marketplace", "azure_marketplace", "gcp_marketplace", "stripe", "netsuite"]
Prioritization = Annotated[Literal["LOWEST_MULTIPLIER", "EXPLICIT"], BeforeValidator(_upper)]


class CommitSpecifierInput(RequestModel):
    presentation_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: Id | None = None
    product_tags: list[str] | None = None


class _Drawdown(RequestModel):
    """What commits and credits share: which usage draws them down."""

    product_id: Id
    applicable_product_ids: list[Id] | None = None
    applicable_product_tags: list[str] | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    name: str | None = None
    priority: float | None = None
    rate_type: RateType | None = None
    specifiers: list[CommitSpecifierInput] | None = None

    @model_validator(mode="after")
    def _specifiers_alone(self) -> "_Drawdown":
        if self.specifiers and (self.applicable_product_ids or self.applicable_product_tags):
            raise ValueError(
                "specifiers cannot be used together with applicable_product_ids or applicable_product_tags"
            )
        return self


class AmountItem(RequestModel):
    """An access schedule item: an amount, for a window each form states its own way."""

    amount: float


class AccessScheduleTerms(RequestModel):
    schedule_items: Sequence[AmountItem] = Field(min_length=1)
    access_type: AccessType | None = None
    credit_type_id: Id | None = None


class InvoiceItemTerms(RequestModel):
    @property
    def total(self) -> float:
        raise NotImplementedError


class InvoiceScheduleTerms(RequestModel):
    schedule_items: Sequence[InvoiceItemTerms] | None = None
    credit_type_id: Id | None = None
    do_not_invoice: bool | None = None


class CommitTerms(_Drawdown):
    access_schedule: AccessScheduleTerms
    type: Literal["PREPAID", "POSTPAID"]
    invoice_schedule: InvoiceScheduleTerms | None = None
    rollover_fraction: float | None = Field(default=None, ge=0, le=1)
    temporary_id: str | None = None

    @model_validator(mode="after")
    def _postpaid_true_up(self) -> "CommitTerms":
        if self.type != "POSTPAID":
            return self
        if self.invoice_schedule is None:
            raise ValueError("POSTPAID commits require invoice_schedule")
        access, invoice = self.access_schedule.schedule_items, self.invoice_schedule.schedule_items or []
        if len(access) != 1 or len(invoice) != 1:
            raise ValueError("POSTPAID commits take exactly one access and one invoice schedule item")
        if abs(invoice[0].total - access[0].amount) > 1e-9:
            raise ValueError("POSTPAID commits: invoice_schedule total must equal the access_schedule amount")
        return self


class CreditTerms(_Drawdown):
    access_schedule: AccessScheduleTerms


class OverrideSpecifier(RequestModel):
    any_commit_or_credit_ids: list[str] | None = None
    billing_frequency: Frequency | None = None
    commit_ids: list[str] | None = None
    presentation_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: Id | None = None
    product_tags: list[str] | None = None
    recurring_commit_ids: list[str] | None = None


class Tier(RequestModel):
    price: float
    size: float | None = None


class OverwriteRate(RequestModel):
    rate_type: Literal["FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM"]
    credit_type_id: Id | None = None
    custom_rate: dict[str, object] | None = None
    is_prorated: bool | None = None
    price: float | None = None
    quantity: float | None = None
    tiers: list[Tier] | None = None


class OverrideTier(RequestModel):
    multiplier: float = Field(ge=0)
    size: float | None = None


OverrideType = Literal["OVERWRITE", "MULTIPLIER", "TIERED"]


class OverrideTerms(RequestModel):
    """An override apart from its window; `override_specifiers` as each form requires them."""

    override_specifiers: Sequence[OverrideSpecifier] | None = None
    entitled: bool | None = None
    is_commit_specific: bool | None = None
    multiplier: float | None = Field(default=None, ge=0)
    overwrite_rate: OverwriteRate | None = None
    priority: float | None = Field(default=None, gt=0)
    target: RateType | None = None
    tiers: list[OverrideTier] | None = None
    type: OverrideType | None = None

    @property
    def kind(self) -> OverrideType:
        """The override's type, inferred from its payload when `type` is omitted."""
        if self.type:
            return self.type
        if self.tiers:
            return "TIERED"
        if self.overwrite_rate is not None:
            return "OVERWRITE"
        return "MULTIPLIER"

    @model_validator(mode="after")
    def _payload_matches_type(self) -> "OverrideTerms":
        kind = self.kind
        if kind == "MULTIPLIER" and self.multiplier is None:
            raise ValueError("MULTIPLIER overrides require multiplier")
        if kind == "OVERWRITE" and self.overwrite_rate is None:
            raise ValueError("OVERWRITE overrides require overwrite_rate")
        if kind == "TIERED" and not self.tiers:
            raise ValueError("TIERED overrides require at least one tier")
        if self.target is not None and not self.is_commit_specific:
            raise ValueError("target can only be used when is_commit_specific is true")
        return self


class RecurringAccessAmount(RequestModel):
    unit_price: float
    access_type: AccessType | None = None
    credit_type_id: Id | None = None
    quantity: float | None = None


class CommitDuration(RequestModel):
    value: float = Field(gt=0)
    unit: Literal["PERIODS"] | None = None


class RecurringInvoiceAmount(RequestModel):
    credit_type_id: Id
    quantity: float
    unit_price: float


class RoundingRule(RequestModel):
    decimal_places: float
    rounding_method: Literal["HALF_UP", "FLOOR", "CEILING"]


class RecurringCommitProrationRounding(RequestModel):
    access: RoundingRule | None = None
    invoice: RoundingRule | None = None


class RecurringCreditProrationRounding(RequestModel):
    access: RoundingRule | None = None


class ApplySeatIncreaseConfig(RequestModel):
    is_prorated: bool


class RecurringSubscriptionConfig(RequestModel):
    apply_seat_increase_config: ApplySeatIncreaseConfig
    subscription_id: NonEmptyStr
    allocation: Literal["INDIVIDUAL", "POOLED"] | None = None


class RecurringTerms(RequestModel):
    """A recurring commit or credit apart from its window."""

    access_amount: RecurringAccessAmount
    commit_duration: CommitDuration
    priority: float
    product_id: Id
    applicable_product_ids: list[Id] | None = None
    applicable_product_tags: list[str] | None = None
    description: str | None = None
    name: str | None = None
    proration: Literal["NONE", "FIRST", "LAST", "FIRST_AND_LAST"] | None = None
    rate_type: RateType | None = None
    recurrence_frequency: Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY", "DAILY"] | None = None
    rollover_fraction: float | None = Field(default=None, ge=0, le=1)
    specifiers: list[CommitSpecifierInput] | None = None
    subscription_config: RecurringSubscriptionConfig | None = None
    temporary_id: str | None = None

    @model_validator(mode="after")
    def _quantity_or_subscription(self) -> "RecurringTerms":
        if self.access_amount.quantity is None and self.subscription_config is None:
            raise ValueError("access_amount.quantity is required unless subscription_config is set")
        if self.specifiers and (self.applicable_product_ids or self.applicable_product_tags):
            raise ValueError(
                "specifiers cannot be used together with applicable_product_ids or applicable_product_tags"
            )
        return self


class RecurringCommitTerms(RecurringTerms):
    invoice_amount: RecurringInvoiceAmount | None = None
    proration_rounding: RecurringCommitProrationRounding | None = None


class RecurringCreditTerms(RecurringTerms):
    proration_rounding: RecurringCreditProrationRounding | None = None


class SubscriptionProration(RequestModel):
    invoice_behavior: Literal["BILL_IMMEDIATELY", "BILL_ON_NEXT_COLLECTION_DATE"] | None = None
    is_prorated: bool | None = None
    rounding: RoundingRule | None = None


class SubscriptionRate(RequestModel):
    billing_frequency: Frequency
    product_id: Id


class BillingCycleConfig(RequestModel):
    invoice_placement: Literal["ON_SCHEDULED_INVOICE", "ON_USAGE_INVOICE"] | None = None


class SeatConfigTerms(RequestModel):
    seat_group_key: NonEmptyStr
    initial_unassigned_seats: float | None = Field(default=None, ge=0)


class SubscriptionTerms(RequestModel):
    """A subscription apart from its window and billing-cycle anchor."""

    collection_schedule: Literal["ADVANCE", "ARREARS"]
    proration: SubscriptionProration
    subscription_rate: SubscriptionRate
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    initial_quantity: float | None = Field(default=None, ge=0)
    name: str | None = None
    quantity_management_mode: Literal["SEAT_BASED", "QUANTITY_ONLY"] | None = None
    seat_config: SeatConfigTerms | None = None
    temporary_id: str | None = None

    @model_validator(mode="after")
    def _mode_inputs(self) -> "SubscriptionTerms":
        mode = self.quantity_management_mode or "QUANTITY_ONLY"
        if mode == "QUANTITY_ONLY" and self.initial_quantity is None:
            raise ValueError("initial_quantity is required when quantity_management_mode is QUANTITY_ONLY")
        if mode == "SEAT_BASED" and self.seat_config is None:
            raise ValueError("seat_config is required when quantity_management_mode is SEAT_BASED")
        if self.proration.invoice_behavior == "BILL_IMMEDIATELY" and self.collection_schedule != "ADVANCE":
            raise ValueError("proration.invoice_behavior BILL_IMMEDIATELY requires collection_schedule ADVANCE")
        return self


class ScheduledChargeTerms(RequestModel):
    product_id: Id
    custom_fields: dict[str, str] | None = None
    name: str | None = None


class UsageStatementScheduleTerms(RequestModel):
    frequency: Frequency
    day: Literal["FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE"] | None = None
