"""The worker side of a provisioning job: each customer of a batch provisioned exactly once.

One transaction per customer writes the contract (uniqueness key `job:<job>:<customer>`), its
package-index row, the customer's result row and a counter-shard update, plus a cohort guard
(package, start, customer) that no other job may take. A redelivered message finds the result row
and does nothing; a customer an earlier job already provisioned is SKIPPED with that contract.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from botocore.exceptions import ClientError

from ..domain.base import format_timestamp
from ..domain.errors import InvalidRequest, UniquenessKeyTaken
from ..domain.jobs import Outcome
from ..domain.provisioning import ProvisionRequest
from .dynamo import Item, get_client, key, s, table_name, translated_errors
from .jobs import counter_key, results_pk
from .provisioning import PackageOnDate
from .records import ConcurrentChange, ConditionFailed, GuardedItem, put_record_guarded
from .tokens import Principal

_ATTEMPTS = 3


@dataclass(frozen=True)
class CohortBatch:
    """One queue message: up to MESSAGE_SIZE customers of one job."""

    tenant_id: str
    token_name: str
    job_id: str
    package_id: str
    starting_at: datetime
    customer_ids: list[str]

    def to_message(self) -> dict[str, Any]:
        return {**self.__dict__, "starting_at": format_timestamp(self.starting_at)}

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> "CohortBatch":
        starting_at = datetime.fromisoformat(str(body["starting_at"]).replace("Z", "+00:00"))
        return cls(**{**body, "starting_at": starting_at})


def _result_item(batch: CohortBatch, customer_id: str, outcome: Outcome, now: datetime, **fields: str) -> Item:
    return {
        **key(results_pk(batch.tenant_id, batch.job_id), customer_id),
        "outcome": s(outcome),
        "at": s(format_timestamp(now)),
        **{name: s(value) for name, value in fields.items()},
    }


def _outcome_items(
    batch: CohortBatch, customer_id: str, outcome: Outcome, now: datetime, **fields: str
) -> list[GuardedItem]:
    """The result row (written once) and the counter shard it moves from pending to `outcome`."""
    table = table_name()
    return [
        GuardedItem(
            {
                "Put": {
                    "TableName": table,
                    "Item": _result_item(batch, customer_id, outcome, now, **fields),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            label="result",
        ),
        GuardedItem(
            {
                "Update": {
                    "TableName": table,
                    "Key": counter_key(batch.tenant_id, batch.job_id, customer_id),
                    "UpdateExpression": "ADD #outcome :one, pending :minus",
                    "ExpressionAttributeNames": {"#outcome": outcome.lower()},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":minus": {"N": "-1"}},
                }
            }
        ),
    ]


def _record_outcome(batch: CohortBatch, customer_id: str, outcome: Outcome, now: datetime, **fields: str) -> None:
    """A FAILED or SKIPPED result; a result already there means this customer was done before."""
    items = [g.item for g in _outcome_items(batch, customer_id, outcome, now, **fields)]
    try:
        with translated_errors():
            get_client().transact_write_items(TransactItems=cast(Any, items))
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed":
            raise


def _cohort_guard(batch: CohortBatch, customer_id: str, contract_id: str) -> GuardedItem:
    guard_pk = f"T#{batch.tenant_id}#COHORT#{batch.package_id}#{format_timestamp(batch.starting_at)}#{customer_id}"
    return GuardedItem(
        {
            "Put": {
                "TableName": table_name(),
                "Item": {**key(guard_pk, "GUARD"), "holder_id": s(contract_id), "job_id": s(batch.job_id)},
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        label="cohort",
    )


def provision_cohort_batch(batch: CohortBatch, now: datetime) -> dict[str, int]:
    """Provision every customer of the batch; returns how many ended in each outcome (this call)."""
    principal = Principal(batch.tenant_id, batch.token_name)
    tally: dict[str, int] = {}
    try:
        on_date = PackageOnDate(principal, batch.starting_at, batch.package_id, None, batch.customer_ids)
    except InvalidRequest as error:
        for customer_id in batch.customer_ids:
            _record_outcome(batch, customer_id, "FAILED", now, reason=error.message)
        return {"FAILED": len(batch.customer_ids)}
    for customer_id in batch.customer_ids:
        outcome = _provision_one(on_date, batch, customer_id, now)
        tally[outcome] = tally.get(outcome, 0) + 1
    return tally


def _provision_one(on_date: PackageOnDate, batch: CohortBatch, customer_id: str, now: datetime) -> str:
    request = ProvisionRequest(
        customer_id=customer_id,
        package_id=batch.package_id,
        starting_at=batch.starting_at,
        uniqueness_key=f"job:{batch.job_id}:{customer_id}",
    )
    for _ in range(_ATTEMPTS):
        try:
            contract_id = str(uuid4())
            extras = [
                *_outcome_items(batch, customer_id, "PROVISIONED", now, contract_id=contract_id),
                _cohort_guard(batch, customer_id, contract_id),
            ]
            put_record_guarded(on_date.plan(request, now, extras, contract_id).record)
            return "PROVISIONED"
        except InvalidRequest as error:
            _record_outcome(batch, customer_id, "FAILED", now, reason=error.message)
            return "FAILED"
        except ConditionFailed as failure:
            if failure.label == "result":
                return "ALREADY_DONE"  # a redelivery: this customer's outcome is already recorded
            holder = (failure.existing or {}).get("holder_id", {}).get("S", "")
            _record_outcome(batch, customer_id, "SKIPPED", now, contract_id=holder,
                            reason="already provisioned onto this package at this start by an earlier job")  # fmt: skip
            return "SKIPPED"
        except UniquenessKeyTaken:
            return "ALREADY_DONE"
        except ConcurrentChange:
            on_date = PackageOnDate(on_date.principal, batch.starting_at, batch.package_id, None, [customer_id])
    raise ConcurrentChange(f"customer {customer_id} kept changing during provisioning")
