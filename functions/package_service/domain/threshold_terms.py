"""The spend-driven terms a package and a custom contract share word for word (no dates to restate):
spend trackers, and the prepaid-balance and spend thresholds that recharge a commit through a payment
gate, field for field as metronome-sdk's `package_create_params` and `contract_create_params`."""

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, NonEmptyStr, PositiveRelativeTime, RateType, RequestModel
from .terms import CommitSpecifierInput


class SpendSpecifier(RequestModel):
    sources: list[Literal["THRESHOLD_RECHARGE", "MANUAL"]] = Field(min_length=1)
    spend_type: Literal["COMMIT_PURCHASE"]
    discounted: Literal["ANY", "DISCOUNTED_ONLY", "UNDISCOUNTED_ONLY"] | None = None


class SpendTracker(RequestModel):
    alias: NonEmptyStr
    applicable_spend_specifiers: list[SpendSpecifier] = Field(min_length=1)
    credit_type_id: Id
    reset_frequency: Literal["BILLING_PERIOD"]


class PrecalculatedTaxConfig(RequestModel):
    tax_amount: float
    tax_name: str | None = None


class StripeConfig(RequestModel):
    payment_type: Literal["INVOICE", "PAYMENT_INTENT"]
    invoice_metadata: dict[str, str] | None = None


class PaymentGateConfig(RequestModel):
    payment_gate_type: Literal["NONE", "STRIPE", "EXTERNAL"]
    precalculated_tax_config: PrecalculatedTaxConfig | None = None
    stripe_config: StripeConfig | None = None
    tax_type: Literal["NONE", "STRIPE", "ANROK", "PRECALCULATED"] | None = None


class ThresholdCommit(RequestModel):
    product_id: Id
    description: str | None = None
    name: str | None = None
    priority: float | None = None


class PrepaidThresholdCommit(ThresholdCommit):
    applicable_product_ids: list[Id] | None = None
    applicable_product_tags: list[str] | None = None
    duration: PositiveRelativeTime | None = None
    rate_type: RateType | None = None
    rollover_fraction: float | None = Field(default=None, ge=0, le=1)
    specifiers: list[CommitSpecifierInput] | None = None


class DiscountCap(RequestModel):
    amount: float = Field(ge=0)
    spend_tracker_alias: NonEmptyStr


class DiscountConfiguration(RequestModel):
    payment_fraction: float = Field(ge=0, le=1)
    cap: DiscountCap | None = None


class CustomFieldFilter(RequestModel):
    entity: Literal["Commit", "ContractCredit", "ContractCreditOrCommit"]
    key: str
    value: str


class ThresholdBalanceExclude(RequestModel):
    custom_field_filters: list[CustomFieldFilter]


class ThresholdBalanceSpecifier(RequestModel):
    exclude: list[ThresholdBalanceExclude]


class PrepaidBalanceThresholdConfiguration(RequestModel):
    commit: PrepaidThresholdCommit
    is_enabled: bool
    payment_gate_config: PaymentGateConfig
    recharge_to_amount: float
    threshold_amount: float
    custom_credit_type_id: Id | None = None
    discount_configuration: DiscountConfiguration | None = None
    threshold_balance_specifiers: list[ThresholdBalanceSpecifier] | None = None

    @model_validator(mode="after")
    def _recharge_above_threshold(self) -> "PrepaidBalanceThresholdConfiguration":
        if self.recharge_to_amount <= self.threshold_amount:
            raise ValueError("recharge_to_amount must be greater than threshold_amount")
        return self


class SpendThresholdConfiguration(RequestModel):
    commit: ThresholdCommit
    is_enabled: bool
    payment_gate_config: PaymentGateConfig
    threshold_amount: float = Field(gt=0)
    discount_configuration: DiscountConfiguration | None = None
