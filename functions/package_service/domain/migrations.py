"""Package migrations (beyond Metronome): move the contracts on one package to another, plan first.

Pure: the request, each contract's `effective_at`, why a contract cannot move, and the migration's
status from its stored phase and counts. The store runs the phases (store/migrations.py).
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from .base import AliasName, Id, RequestModel, Timestamp, UniquenessKey, format_timestamp, parse_timestamp
from .dates import FREQUENCY_SPANS, first_period_at, shift
from .errors import InvalidRequest

Doc = dict[str, Any]
MAX_SUBSET = 1_000  # customer_ids listed on the migration itself (its document stays small)
MESSAGE_SIZE = 25  # contracts per queue message, for planning and applying alike

MigrationStatus = Literal["PLANNING", "PLANNED", "APPLYING", "COMPLETED", "CANCELLED", "FAILED"]
RowStatus = Literal["PLANNED", "ACTION_NEEDED", "APPLIED", "SKIPPED", "FAILED"]
SuccessorTerm = Literal["REMAINING_TERM", "FULL_TERM"]
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
    successor_term: SuccessorTerm | None = Field(
        default=None,
        description="REMAINING_TERM (the default for AT_DATE and NEXT_BILLING_PERIOD): the successor ends when the "
        "old contract would have ended and keeps its billing periods. FULL_TERM: the package's own duration from "
        "effective_at. END_OF_TERM is always FULL_TERM.",
    )

    @property
    def term(self) -> SuccessorTerm:
        """The successor term asked for, or the default for the `effective` type."""
        if self.successor_term:
            return self.successor_term
        return "FULL_TERM" if isinstance(self.effective, EndOfTerm) else "REMAINING_TERM"

    def stored(self) -> Doc:
        """The request as stored and answered: timestamps as every other one is printed, the term made explicit."""
        effective: dict[str, str] = {"type": self.effective.type}
        if isinstance(self.effective, AtDate):
            effective["at"] = format_timestamp(self.effective.at)
        elif isinstance(self.effective, NextBillingPeriod):
            effective["after"] = format_timestamp(self.effective.after)
        return {"effective": effective, "successor_term": self.term}

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
        if isinstance(self.effective, EndOfTerm) and self.successor_term == "REMAINING_TERM":
            raise ValueError(
                "successor_term: END_OF_TERM starts each successor where its contract ends, a new term: "
                "it is always FULL_TERM"
            )
        return self


def refuse_past_dates(effective: AtDate | NextBillingPeriod | EndOfTerm, now: datetime) -> None:
    """A migration moves contracts from now on: `effective.at` / `effective.after` in the past is a 400."""
    field, moment = None, None
    if isinstance(effective, AtDate):
        field, moment = "effective.at", effective.at
    elif isinstance(effective, NextBillingPeriod):
        field, moment = "effective.after", effective.after
    if field and moment and moment < now:
        raise InvalidRequest(
            f"{field}: {format_timestamp(moment)} is in the past (now is {format_timestamp(now)}); "
            "a migration moves contracts from now on"
        )


class MigrationRef(RequestModel):
    migration_id: Id


class MigrationApply(MigrationRef):
    run_at: Timestamp | None = None


class MigrationFilter(RequestModel):
    """`/v1/packageMigrations/list`: every filter optional."""

    from_package_id: Id | None = None
    to_package_id: Id | None = None
    status: MigrationStatus | None = None


class CannotMove(Exception):
    """Why one contract stays where it is: its plan row is ACTION_NEEDED with this reason."""


def effective_at(effective: Doc, contract: Doc) -> datetime:
    """When `contract` (as it now is) moves under the migration's `effective` rule."""
    kind = effective["type"]
    if kind == "AT_DATE":
        return parse_timestamp(effective["at"])
    if kind == "END_OF_TERM":
        if not contract.get("ending_before"):
            raise CannotMove("the contract has no end date, so it has no end of term to move at")
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
    try:
        count = first_period_at(anchor, period, max(after, start))
        while True:
            boundary = shift(anchor, period.times(count))
            if boundary >= after and boundary > start:
                return boundary
            count += 1
    except (ValueError, OverflowError):  # past datetime's year 9999
        raise CannotMove(f"the contract has no statement boundary after {format_timestamp(after)}") from None


def check_movable(
    contract: Doc, archived_at: str | None, transitioned_to: str | None, at: datetime, since: datetime,
    remaining_term: bool = False,
) -> None:  # fmt: skip
    """CannotMove unless the contract is unarchived, not transitioned yet, and in effect at `at` (or, for
    END_OF_TERM, ending exactly there), and `at` is not before `since` (when the migration was created)."""
    if archived_at:
        raise CannotMove(f"the contract was archived at {archived_at}")
    if transitioned_to:
        raise CannotMove(f"the contract was already transitioned to contract {transitioned_to}")
    text = format_timestamp(at)
    if at < since:
        raise CannotMove(f"its effective_at {text} is before the migration was created ({format_timestamp(since)})")
    if parse_timestamp(contract["starting_at"]) >= at:
        raise CannotMove(f"the contract starts {contract['starting_at']}, not before its effective_at {text}")
    ending = contract.get("ending_before")
    if ending is not None and parse_timestamp(ending) < at:
        raise CannotMove(f"the contract ends {ending}, before its effective_at {text}")
    if ending is not None and parse_timestamp(ending) == at and remaining_term:
        raise CannotMove(
            f"the contract ends at its effective_at {text}: no term remains for a REMAINING_TERM successor "
            "(use successor_term FULL_TERM, or END_OF_TERM)"
        )


def migration_status(stored: str, phase_done: bool, expected: int, counts: dict[str, int]) -> MigrationStatus:
    """PLANNED once every contract fanned out has its plan row; COMPLETED once none is left PLANNED."""
    if stored == "PLANNING" and phase_done and sum(counts.values()) >= expected:
        return "PLANNED"
    if stored == "APPLYING" and phase_done and counts.get("planned", 0) <= 0:
        return "COMPLETED"
    return stored  # type: ignore[return-value]
