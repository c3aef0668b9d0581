"""Package migrations (beyond Metronome): move the contracts on one package to another, plan first.

Pure: the request, each contract's `effective_at`, why a contract cannot move, and the migration's
status from its stored phase and counts. The store runs the phases (store/migrations.py).
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from .base import AliasName, Id, RequestModel, Timestamp, UniquenessKey, format_timestamp, parse_timestamp
from .dates import FREQUENCY_SPANS, shift

Doc = dict[str, Any]
MAX_SUBSET = 1_000  # customer_ids listed on the migration itself (its document stays small)
MESSAGE_SIZE = 25  # contracts per queue message, for planning and applying alike

MigrationStatus = Literal["PLANNING", "PLANNED", "APPLYING", "COMPLETED", "CANCELLED", "FAILED"]
RowStatus = Literal["PLANNED", "ACTION_NEEDED", "APPLIED", "SKIPPED", "FAILED"]
COUNTS: tuple[str, ...] = ("planned", "action_needed", "applied", "skipped", "failed")


class AtDate(RequestModel):
    type: Literal["AT_DATE"]
    at: Timestamp


class NextBillingPeriod(RequestModel):
    type: Literal["NEXT_BILLING_PERIOD"]
    after: Timestamp


class EndOfTerm(RequestModel):
    type: Literal["END_OF_TERM"]


def _effective_type(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind.upper() if isinstance(kind, str) else None


# Tagged by `type` in either case (the models' own "*" validator upper-cases it, which pydantic's
# field-name discriminator does not allow).
Effective = Annotated[
    Annotated[AtDate, Tag("AT_DATE")]
    | Annotated[NextBillingPeriod, Tag("NEXT_BILLING_PERIOD")]
    | Annotated[EndOfTerm, Tag("END_OF_TERM")],
    Discriminator(_effective_type),
]


class MigrationCreate(RequestModel):
    from_package_id: Id
    to_package_id: Id | None = None
    to_package_alias: AliasName | None = None
    effective: Effective
    customer_ids: list[Id] | None = Field(default=None, min_length=1, max_length=MAX_SUBSET)
    uniqueness_key: UniquenessKey | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "MigrationCreate":
        if self.to_package_id and self.to_package_alias:
            raise ValueError("to_package_alias: give either to_package_id or to_package_alias, not both")
        if not self.to_package_id and not self.to_package_alias:
            raise ValueError("to_package_id: to_package_id or to_package_alias is required")
        if self.to_package_id == self.from_package_id:
            raise ValueError("to_package_id: is the package migrated from")
        if self.customer_ids and len(set(self.customer_ids)) != len(self.customer_ids):
            raise ValueError("customer_ids: a customer is listed twice")
        return self


class MigrationRef(RequestModel):
    migration_id: Id


class MigrationApply(MigrationRef):
    run_at: Timestamp | None = None


class CannotMove(Exception):
    """Why one contract stays where it is: its plan row is ACTION_NEEDED with this reason."""


def effective_at(effective: Doc, contract: Doc) -> datetime:
    """When `contract` (as it now is) moves under the migration's `effective` rule."""
    kind = effective["type"]
    if kind == "AT_DATE":
        return parse_timestamp(effective["at"])
    if kind == "END_OF_TERM":
        if "ending_before" not in contract:
            raise CannotMove("the contract has no ending_before, so it has no end of term to move at")
        return parse_timestamp(contract["ending_before"])
    return next_statement_boundary(contract, parse_timestamp(effective["after"]))


def next_statement_boundary(contract: Doc, after: datetime) -> datetime:
    """The contract's first usage-statement boundary at or after `after` (and after its start).

    Boundaries are its schedule's anchor plus whole periods, each computed from the anchor under the
    month-end rule (domain/dates.py): a contract started Jan 31 with CONTRACT_START statements has
    boundaries Feb 28, Mar 31, Apr 30...; FIRST_OF_MONTH statements are anchored on the 1st.
    """
    schedule = contract.get("usage_statement_schedule") or {}
    start = parse_timestamp(contract["starting_at"])
    anchor = parse_timestamp(schedule["billing_anchor_date"]) if "billing_anchor_date" in schedule else start
    period = FREQUENCY_SPANS[schedule.get("frequency", "MONTHLY")]
    target = max(after, start)
    # Start a period or two short of the target (computed, not walked: `after` may be centuries away).
    if period.months:
        elapsed = (target.year - anchor.year) * 12 + target.month - anchor.month
        count = max(0, elapsed // period.months - 1)
    else:
        count = max(0, (target - anchor).days // period.days - 1)
    try:
        while True:
            boundary = shift(anchor, period.times(count))
            if boundary >= after and boundary > start:
                return boundary
            count += 1
    except (ValueError, OverflowError):  # past datetime's year 9999
        raise CannotMove(f"the contract has no statement boundary after {format_timestamp(after)}") from None


def check_movable(contract: Doc, archived_at: str | None, transitioned_to: str | None, at: datetime) -> None:
    """CannotMove unless the contract is unarchived, not transitioned yet, and in effect at `at`."""
    if archived_at:
        raise CannotMove(f"the contract was archived at {archived_at}")
    if transitioned_to:
        raise CannotMove(f"the contract was already transitioned to contract {transitioned_to}")
    text = format_timestamp(at)
    if parse_timestamp(contract["starting_at"]) >= at:
        raise CannotMove(f"the contract starts {contract['starting_at']}, not before its effective_at {text}")
    ending = contract.get("ending_before")
    if ending is not None and parse_timestamp(ending) <= at:
        raise CannotMove(f"the contract ends {ending}, before its effective_at {text}")


def migration_status(stored: str, phase_done: bool, expected: int, counts: dict[str, int]) -> MigrationStatus:
    """PLANNED once every contract fanned out has its plan row; COMPLETED once none is left PLANNED."""
    if stored == "PLANNING" and phase_done and sum(counts.values()) >= expected:
        return "PLANNED"
    if stored == "APPLYING" and phase_done and counts.get("planned", 0) <= 0:
        return "COMPLETED"
    return stored  # type: ignore[return-value]
