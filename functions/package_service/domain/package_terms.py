"""A package's terms: the shapes of `terms.py` with dates relative to the contract start (`starting_at_offset`,
`duration`, `date_offset`), field for field as metronome-sdk's `package_create_params`."""

from pydantic import Field

from .base import Id, PositiveRelativeTime, RelativeTime, RequestModel
from .terms import (
    AccessScheduleTerms,
    AmountItem,
    BillingCycleConfig,
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


class AccessScheduleItem(AmountItem):
    duration: PositiveRelativeTime
    starting_at_offset: RelativeTime


class AccessSchedule(AccessScheduleTerms):
    schedule_items: list[AccessScheduleItem] = Field(min_length=1)


class InvoiceScheduleItem(InvoiceItemTerms):
    date_offset: RelativeTime
    quantity: float
    unit_price: float

    @property
    def total(self) -> float:
        return self.quantity * self.unit_price


class InvoiceSchedule(InvoiceScheduleTerms):
    schedule_items: list[InvoiceScheduleItem] = Field(min_length=1)


class Commit(CommitTerms):
    access_schedule: AccessSchedule
    invoice_schedule: InvoiceSchedule | None = None


class Credit(CreditTerms):
    access_schedule: AccessSchedule


class _Window(RequestModel):
    """From `starting_at_offset` after the contract start, for `duration` (to the contract's end without one)."""

    starting_at_offset: RelativeTime
    duration: PositiveRelativeTime | None = None


class Override(OverrideTerms, _Window):
    override_specifiers: list[OverrideSpecifier] = Field(min_length=1)


class RecurringCommit(RecurringCommitTerms, _Window):
    pass


class RecurringCredit(RecurringCreditTerms, _Window):
    pass


class ScheduledChargeSchedule(RequestModel):
    schedule_items: list[InvoiceScheduleItem] = Field(min_length=1)
    credit_type_id: Id | None = None


class ScheduledCharge(ScheduledChargeTerms):
    schedule: ScheduledChargeSchedule


class SeatConfig(SeatConfigTerms):
    pass


class Subscription(SubscriptionTerms):
    billing_cycle_config: BillingCycleConfig | None = None
    # Priced in this custom pricing unit instead of fiat (the SDK's package and contract views carry it).
    custom_credit_type_id: Id | None = None
    duration: PositiveRelativeTime | None = None
    seat_config: SeatConfig | None = None
    starting_at_offset: RelativeTime | None = None


class UsageStatementSchedule(UsageStatementScheduleTerms):
    invoice_generation_starting_at_offset: RelativeTime | None = None
