"""A custom contract's terms: the shapes of `terms.py` with absolute dates (`starting_at`, `ending_before`,
`timestamp`), and the terms only a contract has, field for field as metronome-sdk's `contract_create_params`."""

from typing import Literal

from pydantic import Field, model_validator

from .base import DeliveryMethod, Id, NonEmptyStr, RequestModel, Timestamp
from .terms import (
    AccessScheduleTerms,
    AmountItem,
    BillingCycleConfig,
    BillingProvider,
    CommitTerms,
    CreditTerms,
    InvoiceItemTerms,
    InvoiceScheduleTerms,
    OverrideSpecifier,
    OverrideTerms,
    RecurringCommitTerms,
    RecurringCreditTerms,
    ScheduledChargeTerms,
    SeatConfigTerms,
    SubscriptionTerms,
    UsageStatementScheduleTerms,
)


class _Window(RequestModel):
    """`[starting_at, ending_before)`: an open end runs to the contract's end."""

    starting_at: Timestamp
    ending_before: Timestamp | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "_Window":
        if self.ending_before is not None and self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        return self


class ContractAccessScheduleItem(AmountItem, _Window):
    ending_before: Timestamp  # required here: an access period is bounded


class ContractAccessSchedule(AccessScheduleTerms):
    schedule_items: list[ContractAccessScheduleItem] = Field(min_length=1)


class _Charge(RequestModel):
    """`amount`, or `quantity` and `unit_price` (an amount alone is one unit at that price)."""

    amount: float | None = None
    quantity: float | None = None
    unit_price: float | None = None

    @model_validator(mode="after")
    def _amount_or_price(self) -> "_Charge":
        priced = self.quantity is not None or self.unit_price is not None
        if self.amount is not None and priced:
            raise ValueError("give either amount or quantity and unit_price, not both")
        if self.amount is None and (self.quantity is None or self.unit_price is None):
            raise ValueError("give amount, or both quantity and unit_price")
        return self

    @property
    def total(self) -> float:
        if self.amount is not None:
            return self.amount
        return (self.quantity or 0) * (self.unit_price or 0)


class ContractInvoiceScheduleItem(_Charge, InvoiceItemTerms):
    timestamp: Timestamp


class RecurringSchedule(_Charge):
    """Invoice items generated at `frequency` from `starting_at` until `ending_before`."""

    amount_distribution: Literal["DIVIDED", "DIVIDED_ROUNDED", "EACH"]
    ending_before: Timestamp
    frequency: Literal["MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL"]
    starting_at: Timestamp

    @model_validator(mode="after")
    def _ordered(self) -> "RecurringSchedule":
        if self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        return self


class ContractInvoiceSchedule(InvoiceScheduleTerms):
    """Either `schedule_items` or a `recurring_schedule` that generates them."""

    schedule_items: list[ContractInvoiceScheduleItem] | None = Field(default=None, min_length=1)
    recurring_schedule: RecurringSchedule | None = None

    @model_validator(mode="after")
    def _items_or_recurring(self) -> "ContractInvoiceSchedule":
        if (self.schedule_items is None) == (self.recurring_schedule is None):
            raise ValueError("give either schedule_items or recurring_schedule")
        return self


class ChildAccessAll(RequestModel):
    type: Literal["ALL"]


class ChildAccessNone(RequestModel):
    type: Literal["NONE"]


class ChildAccessContractIds(RequestModel):
    contract_ids: list[Id] = Field(min_length=1)
    type: Literal["CONTRACT_IDS"]


class CommitHierarchyConfiguration(RequestModel):
    child_access: ChildAccessAll | ChildAccessNone | ChildAccessContractIds


class SpendTrackerAttributes(RequestModel):
    counts_as_discounted: bool


class ContractCommit(CommitTerms):
    access_schedule: ContractAccessSchedule
    invoice_schedule: ContractInvoiceSchedule | None = None
    amount: float | None = None  # deprecated in the SDK; stored and answered as given
    hierarchy_configuration: CommitHierarchyConfiguration | None = None
    netsuite_sales_order_id: str | None = None
    spend_tracker_attributes: SpendTrackerAttributes | None = None


class ContractCredit(CreditTerms):
    access_schedule: ContractAccessSchedule
    hierarchy_configuration: CommitHierarchyConfiguration | None = None
    netsuite_sales_order_id: str | None = None


class ContractOverride(OverrideTerms, _Window):
    override_specifiers: list[OverrideSpecifier] | None = Field(default=None, min_length=1)
    applicable_product_tags: list[str] | None = None
    product_id: Id | None = None

    @model_validator(mode="after")
    def _what_it_overrides(self) -> "ContractOverride":
        older = self.product_id is not None or self.applicable_product_tags is not None
        if self.override_specifiers and older:
            raise ValueError("override_specifiers cannot be used together with product_id or applicable_product_tags")
        if not self.override_specifiers and not older:
            raise ValueError("give override_specifiers, product_id or applicable_product_tags")
        return self


class ContractRecurringCommit(RecurringCommitTerms, _Window):
    hierarchy_configuration: CommitHierarchyConfiguration | None = None
    netsuite_sales_order_id: str | None = None


class ContractRecurringCredit(RecurringCreditTerms, _Window):
    hierarchy_configuration: CommitHierarchyConfiguration | None = None
    netsuite_sales_order_id: str | None = None


class ContractScheduledChargeSchedule(ContractInvoiceSchedule):
    pass


class ContractScheduledCharge(ScheduledChargeTerms):
    schedule: ContractScheduledChargeSchedule
    netsuite_sales_order_id: str | None = None


class Discount(ContractScheduledCharge):
    """The shape of a scheduled charge, credited instead of charged."""


class ProfessionalService(RequestModel):
    max_amount: float = Field(ge=0)
    product_id: Id
    quantity: float
    unit_price: float
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    netsuite_sales_order_id: str | None = None


class ResellerRoyaltyAwsOptions(RequestModel):
    aws_account_number: str | None = None
    aws_offer_id: str | None = None
    aws_payer_reference_id: str | None = None


class ResellerRoyaltyGcpOptions(RequestModel):
    gcp_account_id: str | None = None
    gcp_offer_id: str | None = None


class ResellerRoyalty(_Window):
    fraction: float = Field(ge=0, le=1)
    netsuite_reseller_id: NonEmptyStr
    reseller_type: Literal["AWS", "AWS_PRO_SERVICE", "GCP", "GCP_PRO_SERVICE"]
    applicable_product_ids: list[Id] | None = None
    applicable_product_tags: list[str] | None = None
    aws_options: ResellerRoyaltyAwsOptions | None = None
    gcp_options: ResellerRoyaltyGcpOptions | None = None
    reseller_contract_value: float | None = None

    @model_validator(mode="after")
    def _applies_to_something(self) -> "ResellerRoyalty":
        if not self.applicable_product_ids and not self.applicable_product_tags:
            raise ValueError("give at least one of applicable_product_ids or applicable_product_tags")
        return self


class ContractBillingCycleConfig(BillingCycleConfig):
    anchor_date: Timestamp | None = None


class ContractSeatConfig(SeatConfigTerms):
    initial_seat_ids: list[str]


class ContractSubscription(SubscriptionTerms):
    billing_cycle_config: ContractBillingCycleConfig | None = None
    ending_before: Timestamp | None = None
    seat_config: ContractSeatConfig | None = None
    starting_at: Timestamp | None = None  # the contract's start when omitted

    @model_validator(mode="after")
    def _ordered(self) -> "ContractSubscription":
        if self.starting_at and self.ending_before and self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        return self


class ContractUsageStatementSchedule(UsageStatementScheduleTerms):
    billing_anchor_date: Timestamp | None = None
    invoice_generation_starting_at: Timestamp | None = None

    @model_validator(mode="after")
    def _custom_date_anchor(self) -> "ContractUsageStatementSchedule":
        if self.day == "CUSTOM_DATE" and self.billing_anchor_date is None:
            raise ValueError("billing_anchor_date is required when day is CUSTOM_DATE")
        return self


class BillingProviderConfiguration(RequestModel):
    """Which of the customer's billing provider configurations the contract uses: by id, or the one active
    configuration with this provider and delivery method."""

    billing_provider: BillingProvider | None = None
    billing_provider_configuration_id: Id | None = None
    delivery_method: DeliveryMethod | None = None

    @model_validator(mode="after")
    def _by_id_or_provider(self) -> "BillingProviderConfiguration":
        by_provider = self.billing_provider is not None or self.delivery_method is not None
        if self.billing_provider_configuration_id and by_provider:
            raise ValueError(
                "give billing_provider_configuration_id, or billing_provider and delivery_method, not both"
            )
        if not self.billing_provider_configuration_id and (
            self.billing_provider is None or self.delivery_method is None
        ):
            raise ValueError("give billing_provider_configuration_id, or both billing_provider and delivery_method")
        return self


class HierarchyParent(RequestModel):
    contract_id: Id
    customer_id: Id


class HierarchyParentBehavior(RequestModel):
    invoice_consolidation_type: Literal["CONCATENATE", "NONE"] | None = None


class HierarchyConfiguration(RequestModel):
    parent: HierarchyParent | None = None
    parent_behavior: HierarchyParentBehavior | None = None
    payer: Literal["SELF", "PARENT"] | None = None
    usage_statement_behavior: Literal["CONSOLIDATE", "SEPARATE"] | None = None

    @model_validator(mode="after")
    def _child_settings_need_a_parent(self) -> "HierarchyConfiguration":
        if self.parent is None and (self.payer or self.usage_statement_behavior):
            raise ValueError("payer and usage_statement_behavior describe a child: give parent too")
        return self


class RevenueSystemConfiguration(RequestModel):
    delivery_method: Literal["direct_to_billing_provider"] | None = None
    provider: Literal["netsuite"] | None = None
    revenue_system_configuration_id: Id | None = None


class UsageFilter(RequestModel):
    group_key: NonEmptyStr
    group_values: list[str] = Field(min_length=1)
    starting_at: Timestamp | None = None
