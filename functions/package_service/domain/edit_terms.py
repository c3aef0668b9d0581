"""The body of `/v2/contracts/edit` and `/v1/contracts/updateEndDate`, field for field as metronome-sdk's
`contract_edit_params` and `contract_update_end_date_params`. Terms an edit adds are the custom contract's
own models (contract_terms.py), so an added commit is checked exactly as one stated at creation is.

What the SDK can send and this service does not keep (seat updates, billing and revenue configuration
updates, recurring-term and scheduled-charge updates, spend-threshold changes...) is not a field here, so
a request naming it is refused with a 400 naming the field rather than silently ignored."""

from typing import ClassVar

from pydantic import Field, model_validator

from .base import Id, NonEmptyStr, RateType, RequestModel, Timestamp, UniquenessKey
from .contract_terms import (
    CommitHierarchyConfiguration,
    ContractCommit,
    ContractCredit,
    ContractOverride,
    ContractScheduledCharge,
    ContractSubscription,
)
from .terms import CommitSpecifierInput


class ContractRefBody(RequestModel):
    contract_id: Id
    customer_id: Id


class IdRef(RequestModel):
    id: Id


class QuantityUpdate(RequestModel):
    """From `starting_at` on, the subscription's quantity is `quantity`, or moves by `quantity_delta`."""

    starting_at: Timestamp
    quantity: float | None = Field(default=None, ge=0)
    quantity_delta: float | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "QuantityUpdate":
        if (self.quantity is None) == (self.quantity_delta is None):
            raise ValueError("give either quantity or quantity_delta")
        if self.quantity_delta == 0:
            raise ValueError("quantity_delta cannot be zero")
        return self


class SubscriptionUpdate(RequestModel):
    nullable: ClassVar[frozenset[str]] = frozenset({"ending_before"})

    subscription_id: Id
    ending_before: Timestamp | None = None
    name: NonEmptyStr | None = None
    quantity_updates: list[QuantityUpdate] | None = None


class AccessItemAdd(RequestModel):
    amount: float
    starting_at: Timestamp
    ending_before: Timestamp


class ItemUpdate(RequestModel):
    """A change to one schedule item, named by its id; an absent field is left as it is."""

    id: Id


class AccessItemUpdate(ItemUpdate):
    amount: float | None = None
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None


class AccessScheduleUpdate(RequestModel):
    add_schedule_items: list[AccessItemAdd] | None = None
    remove_schedule_items: list[IdRef] | None = None
    update_schedule_items: list[AccessItemUpdate] | None = None


class InvoiceItemAdd(RequestModel):
    timestamp: Timestamp
    amount: float | None = None
    quantity: float | None = None
    unit_price: float | None = None

    @model_validator(mode="after")
    def _amount_or_price(self) -> "InvoiceItemAdd":
        priced = self.quantity is not None or self.unit_price is not None
        if (self.amount is not None) == priced or (priced and (self.quantity is None or self.unit_price is None)):
            raise ValueError("give amount, or both quantity and unit_price")
        return self


class InvoiceItemUpdate(ItemUpdate):
    timestamp: Timestamp | None = None
    amount: float | None = None
    quantity: float | None = None
    unit_price: float | None = None


class InvoiceScheduleUpdate(RequestModel):
    add_schedule_items: list[InvoiceItemAdd] | None = None
    remove_schedule_items: list[IdRef] | None = None
    update_schedule_items: list[InvoiceItemUpdate] | None = None


class DrawdownChange(RequestModel):
    """What an edit may change on a commit or a credit, here and in `/v2/contracts/commits/edit` and
    `/v2/contracts/credits/edit` (commit_edits.py); an absent field is left as it is."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"applicable_product_ids", "applicable_product_tags", "priority", "specifiers"}
    )

    access_schedule: AccessScheduleUpdate | None = None
    applicable_product_ids: list[Id] | None = None
    applicable_product_tags: list[str] | None = None
    description: str | None = None
    hierarchy_configuration: CommitHierarchyConfiguration | None = None
    name: str | None = None
    priority: float | None = None
    product_id: Id | None = None
    rate_type: RateType | None = None
    specifiers: list[CommitSpecifierInput] | None = None


class DrawdownUpdate(DrawdownChange):
    """A commit's or a credit's entry in `/v2/contracts/edit`'s `update_commits` / `update_credits`."""

    nullable: ClassVar[frozenset[str]] = DrawdownChange.nullable | {"netsuite_sales_order_id", "rollover_fraction"}

    netsuite_sales_order_id: str | None = None
    rollover_fraction: float | None = Field(default=None, ge=0, le=1)


class CommitUpdate(DrawdownUpdate):
    commit_id: Id
    invoice_schedule: InvoiceScheduleUpdate | None = None


class CreditUpdate(DrawdownUpdate):
    credit_id: Id


class ContractEdit(ContractRefBody):
    """`/v2/contracts/edit`. Applied in the order Metronome documents: archives and removals, then
    additions, then updates; the end date and name last."""

    nullable: ClassVar[frozenset[str]] = frozenset({"update_contract_end_date", "update_contract_name"})

    uniqueness_key: UniquenessKey | None = None
    add_commits: list[ContractCommit] | None = None
    add_credits: list[ContractCredit] | None = None
    add_overrides: list[ContractOverride] | None = None
    add_scheduled_charges: list[ContractScheduledCharge] | None = None
    add_subscriptions: list[ContractSubscription] | None = None
    archive_commits: list[IdRef] | None = None
    archive_credits: list[IdRef] | None = None
    archive_scheduled_charges: list[IdRef] | None = None
    remove_overrides: list[IdRef] | None = None
    update_commits: list[CommitUpdate] | None = None
    update_credits: list[CreditUpdate] | None = None
    update_subscriptions: list[SubscriptionUpdate] | None = None
    update_contract_name: NonEmptyStr | None = None
    update_contract_end_date: Timestamp | None = None
    allow_contract_ending_before_finalized_invoice: bool | None = None

    def changes_end_date(self) -> bool:
        return "update_contract_end_date" in self.model_fields_set

    def changes_anything(self) -> bool:
        """A field stated with a change: an empty list (`update_commits: []`) changes nothing; null does
        (`update_contract_name: null` clears the name)."""
        stated = self.model_fields_set - {"contract_id", "customer_id", "uniqueness_key",
                                          "allow_contract_ending_before_finalized_invoice"}  # fmt: skip
        return any(getattr(self, field) != [] for field in stated)


class ContractEndDate(ContractRefBody):
    """`/v1/contracts/updateEndDate`: no `ending_before` makes the contract open-ended."""

    ending_before: Timestamp | None = None
    allow_ending_before_finalized_invoice: bool | None = None

    def as_edit(self) -> ContractEdit:
        return ContractEdit.model_construct(
            _fields_set={"contract_id", "customer_id", "update_contract_end_date"},
            contract_id=self.contract_id,
            customer_id=self.customer_id,
            update_contract_end_date=self.ending_before,
        )


class ContractAsOf(ContractRefBody):
    """`/v2/contracts/get`."""

    as_of_date: Timestamp | None = None
    include_balance: bool | None = None
    include_ledgers: bool | None = None

    @model_validator(mode="after")
    def _no_ledgers_as_of(self) -> "ContractAsOf":
        if self.as_of_date is not None and self.include_ledgers:
            raise ValueError("include_ledgers: cannot be combined with as_of_date")
        return self
