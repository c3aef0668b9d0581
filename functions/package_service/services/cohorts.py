"""The worker side of a provisioning job: each customer of a batch provisioned exactly once.

Each customer's contract (uniqueness key `job:<job>:<customer>`) is written with its package-index
row, the customer's result row (which is also the guard of that uniqueness key: one item per job and
customer, not two) and a cohort guard (package, start, customer) that no other job may take, and the
job's counter shards move from pending to provisioned; a customer that cannot be provisioned gets a
FAILED result row with the reason. Customers are written several
to a transaction (up to DynamoDB's 100 items and 4 MB, the package check and the counter updates
shared); when DynamoDB cancels one, nothing of it was written and each of its customers is written
again on its own, which tells them apart: a redelivered customer finds its result row and does
nothing, a customer an earlier job already provisioned is SKIPPED with that contract, a customer
changed meanwhile is read again.
"""

import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from ..domain.base import format_timestamp
from ..domain.errors import InvalidRequest, PayloadTooLarge, UniquenessKeyTaken
from ..domain.jobs import Outcome
from ..domain.principal import Principal
from ..domain.provisioning import ProvisionRequest
from ..store.jobs import (
    JobRef,
    cohort_guard,
    cohort_holder,
    contract_key,
    outcome_counter,
    outcome_items,
    record_outcome,
    result_put,
)
from ..store.packing import Writes, pack_items, packs
from ..store.records import (
    ConcurrentChange,
    ConditionFailed,
    put_record_guarded,
    transaction_items,
    write_together,
)
from ..store.transaction import Failure
from .provisioning import PackageOnDate

_ATTEMPTS = 3
# A customer's contract that can never be written (no matching billing configuration, larger than an
# item): FAILED with the reason, rather than a message retried until it reaches the dead-letter queue.
_CANNOT_PROVISION = (InvalidRequest, PayloadTooLarge)


@dataclass(frozen=True)
class CohortBatch:
    """One queue message: up to MESSAGE_SIZE customers of one job."""

    tenant_id: str
    token_name: str
    job_id: str
    package_id: str
    starting_at: datetime
    customer_ids: list[str]

    @property
    def job(self) -> JobRef:
        return JobRef(self.tenant_id, self.job_id)

    def to_message(self) -> dict[str, Any]:
        return {**self.__dict__, "starting_at": format_timestamp(self.starting_at)}

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> "CohortBatch":
        starting_at = datetime.fromisoformat(str(body["starting_at"]).replace("Z", "+00:00"))
        return cls(**{**body, "starting_at": starting_at})


def provision_cohort_batch(batch: CohortBatch, now: datetime) -> dict[str, int]:
    """Provision every customer of the batch; returns how many ended in each outcome (this call)."""
    principal = Principal(batch.tenant_id, batch.token_name)
    on_date: PackageOnDate | None = None
    try:
        on_date = PackageOnDate(principal, batch.starting_at, batch.package_id, None, batch.customer_ids)
        planned = [_plan(on_date, batch, customer_id, now) for customer_id in batch.customer_ids]
    except InvalidRequest as error:  # the package itself cannot be provisioned: every customer fails
        planned = [_failure(batch, customer_id, now, error.message) for customer_id in batch.customer_ids]
    tally: Counter[str] = Counter()
    for group in packs(planned):
        if _write_group(batch, group):
            tally.update(each.outcome for each in group)
            continue
        for each in group:  # cancelled, nothing written: settle each customer on its own
            tally[_settle_one(on_date, batch, each, now)] += 1
    return dict(tally)


@dataclass
class _Planned(Writes):
    """One customer's outcome, ready to write: its items (and why, if it failed)."""

    customer_id: str = ""
    outcome: Outcome = "PROVISIONED"
    reason: str = ""


def _request(batch: CohortBatch, customer_id: str) -> ProvisionRequest:
    return ProvisionRequest(
        customer_id=customer_id,
        package_id=batch.package_id,
        starting_at=batch.starting_at,
        uniqueness_key=contract_key(batch.job_id, customer_id),
    )


def _plan(on_date: PackageOnDate, batch: CohortBatch, customer_id: str, now: datetime) -> _Planned:
    contract_id = str(uuid4())
    extras = [
        result_put(batch.job, customer_id, "PROVISIONED", now, contract_id=contract_id),
        cohort_guard(batch.job, batch.package_id, batch.starting_at, customer_id, contract_id),
    ]
    try:
        plan = on_date.plan(_request(batch, customer_id), now, extras, contract_id, guard_written_by_caller=True)
        items = transaction_items(plan.record)
    except _CANNOT_PROVISION as error:
        return _failure(batch, customer_id, now, error.message)
    return _Planned(items, customer_id, "PROVISIONED")


def _failure(batch: CohortBatch, customer_id: str, now: datetime, reason: str) -> _Planned:
    return _Planned(
        [result_put(batch.job, customer_id, "FAILED", now, reason=reason).item], customer_id, "FAILED", reason
    )


def _settle_one(on_date: PackageOnDate | None, batch: CohortBatch, each: _Planned, now: datetime) -> str:
    if each.outcome == "FAILED" or on_date is None:  # no package on that date: every plan is a failure
        record_outcome(batch.job, each.customer_id, "FAILED", now, reason=each.reason)
        return "FAILED"
    return _provision_one(on_date, batch, each.customer_id, now)


def _write_group(batch: CohortBatch, group: list[_Planned]) -> bool:
    """Write the group in one transaction; True if written. Conflicts with other workers' writes are
    retried (the counter shard is drawn again); any other cancellation is for the caller to settle."""
    for attempt in range(_ATTEMPTS):
        counter = outcome_counter(batch.job, Counter(each.outcome for each in group))
        cancelled_by = write_together(pack_items(group, counter).items)
        if not cancelled_by:
            return True
        if cancelled_by != {"TransactionConflict"}:
            return False
        time.sleep(0.02 * 2**attempt)
    return False


def _provision_one(on_date: PackageOnDate, batch: CohortBatch, customer_id: str, now: datetime) -> str:
    request = _request(batch, customer_id)
    for _ in range(_ATTEMPTS):
        try:
            contract_id = str(uuid4())
            extras = [
                *outcome_items(batch.job, customer_id, "PROVISIONED", now, contract_id=contract_id),
                cohort_guard(batch.job, batch.package_id, batch.starting_at, customer_id, contract_id),
            ]
            put_record_guarded(on_date.plan(request, now, extras, contract_id, guard_written_by_caller=True).record)
            return "PROVISIONED"
        except _CANNOT_PROVISION as error:
            record_outcome(batch.job, customer_id, "FAILED", now, reason=error.message)
            return "FAILED"
        except ConditionFailed as failure:
            if failure.failure is Failure.RESULT_RECORDED:
                return "ALREADY_DONE"  # a redelivery: this customer's outcome is already recorded
            holder = cohort_holder(failure)
            record_outcome(batch.job, customer_id, "SKIPPED", now, contract_id=holder,
                            reason="already provisioned onto this package at this start by an earlier job")  # fmt: skip
            return "SKIPPED"
        except UniquenessKeyTaken:
            return "ALREADY_DONE"
        except ConcurrentChange:
            on_date = PackageOnDate(on_date.principal, batch.starting_at, batch.package_id, None, [customer_id])
    raise ConcurrentChange(f"customer {customer_id} kept changing during provisioning")
