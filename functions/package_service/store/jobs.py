"""Provisioning jobs.

job          pk=T#<t>#JOB#<id>         sk=RECORD       doc, status, chunk_count, next_chunk, lease_*
             gsi1pk=DUEJOBS (only while it still has to be fanned out: see leases.py)
cohort       pk=T#<t>#JOB#<id>         sk=COHORT#<n>   ids: up to CHUNK_SIZE customer ids
counters     pk=T#<t>#JOB#<id>         sk=COUNTER#<n>  pending / provisioned / failed / skipped (counters.py)
results      pk=T#<t>#JOBRESULTS#<id>  sk=<customer>   outcome, contract_id?, reason?
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from botocore.exceptions import ClientError

from ..domain.audit import PROVISIONER, Change
from ..domain.base import format_timestamp
from ..domain.errors import InvalidRequest
from ..domain.jobs import CHUNK_SIZE, COUNTS, JobCreate, Outcome, chunks, present_job
from ..domain.principal import Principal
from .audit import audited, background_entry, update_with_entry
from .counters import counter_key, counter_update, read_counts
from .dynamo import Item, get_client, key, maybe_text, n, s, table_name, text, text_or, translated_errors
from .kinds import CONTRACT, JOB
from .leases import DUE_PARTITION, Claim, claim, due_sort_key, update_leased
from .pages import partition_page
from .records import (
    GuardedItem,
    NewRecord,
    get_record,
    package_reference,
    put_record_guarded,
    record_key,
    uniqueness_key_item_key,
)
from .transaction import ConditionFailed, Failure

COHORT_RETENTION = timedelta(days=30)


def job_pk(tenant: str, job_id: str) -> str:
    return f"T#{tenant}#{JOB}#{job_id}"


def results_listing(tenant: str, job_id: str) -> str:
    return f"T#{tenant}#JOBRESULTS#{job_id}"


def contract_key(job_id: str, customer_id: str) -> str:
    """The uniqueness key of the contract a job gives a customer."""
    return f"job:{job_id}:{customer_id}"


def result_key(tenant: str, job_id: str, customer_id: str) -> Item:
    return uniqueness_key_item_key(tenant, CONTRACT, contract_key(job_id, customer_id))


def create_job(principal: Principal, request: JobCreate, now: datetime) -> str:
    tenant, job_id = principal.tenant_id, str(uuid4())
    run_at = request.run_at or now
    doc = {
        "id": job_id,
        "created_at": format_timestamp(now),
        "created_by": principal.token_name,
        **request.model_dump(mode="json", exclude_none=True, exclude={"customer_ids", "run_at"}),
        "starting_at": format_timestamp(request.starting_at),  # as every timestamp is answered: ….000Z
        "run_at": format_timestamp(run_at),
        "customer_count": len(request.customer_ids),
    }
    cohort = chunks(request.customer_ids, CHUNK_SIZE)
    # Chunks are only read while fanning out; DynamoDB's TTL removes them a while after run_at.
    expires_at = n(int((run_at + COHORT_RETENTION).timestamp()))
    chunk_items = [
        {**key(job_pk(tenant, job_id), f"COHORT#{n:04}"), "ids": s(json.dumps(ids)), "expires_at": expires_at}
        for n, ids in enumerate(cohort)
    ]
    extra = [GuardedItem({"Put": {"TableName": table_name(), "Item": item}}) for item in chunk_items]
    extra.append(
        GuardedItem(
            {
                "Put": {
                    "TableName": table_name(),
                    "Item": {
                        **counter_key(job_pk(tenant, job_id), shard=0),
                        "pending": n(len(request.customer_ids)),
                    },
                }
            }
        )
    )
    package_ref = package_reference(tenant, request.package_id, request.package_alias)
    attributes: Item = {"status": s("PENDING"), "chunk_count": n(len(cohort)), "next_chunk": n(0)}
    target = f"package {request.package_id}" if request.package_id else f"package alias {request.package_alias!r}"
    description = (
        f"created provisioning job for {len(request.customer_ids)} customers onto {target}, "
        f"starting {doc['starting_at']}, run at {doc['run_at']}"
    )
    entry = audited(principal, Change("provisioning_job", job_id, "create", description), now)
    return put_record_guarded(
        NewRecord(
            tenant,
            JOB,
            doc,
            audit=[entry],
            uniqueness_key=request.uniqueness_key,
            attributes=attributes,
            listing_partition=DUE_PARTITION,
            listing_sort_key=due_sort_key(doc["run_at"], tenant, job_id),
            extra_items=extra,
            references=[package_ref],
        )
    )


def get_job(principal: Principal, job_id: str) -> dict[str, Any]:
    record = get_record(principal.tenant_id, JOB, job_id, "provisioning job")
    status = text(record.item, "status")
    failure = maybe_text(record.item, "failure_reason")
    return present_job(record.doc, status, read_counts(job_pk(principal.tenant_id, job_id), COUNTS), failure)


def list_results(
    principal: Principal, job_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    get_record(principal.tenant_id, JOB, job_id, "provisioning job")  # 404 outside the tenant
    items, next_page = partition_page(results_listing(principal.tenant_id, job_id), limit, cursor, on_index=True)
    rows = [
        {
            "customer_id": text(item, "gsi1sk"),
            "status": text(item, "outcome"),
            "contract_id": maybe_text(item, "contract_id"),
            "reason": maybe_text(item, "reason"),
        }
        for item in items
    ]
    return rows, next_page


def cancel_job(principal: Principal, job_id: str, now: datetime) -> None:
    """Only a job that has not started can be cancelled."""
    record = get_record(principal.tenant_id, JOB, job_id, "provisioning job")
    cancel = {
        "TableName": table_name(),
        "Key": record_key(principal.tenant_id, JOB, job_id),
        "UpdateExpression": "SET #status = :cancelled, cancelled_at = :now REMOVE gsi1pk, gsi1sk",
        "ConditionExpression": "#status = :pending",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":cancelled": s("CANCELLED"),
            ":pending": s("PENDING"),
            ":now": s(format_timestamp(now)),
        },
    }
    description = f"cancelled provisioning job {job_id} ({record.doc['customer_count']} customers) before it started"
    entry = audited(principal, Change("provisioning_job", job_id, "cancel", description), now)
    if update_with_entry(cancel, entry) is not None:
        raise InvalidRequest(f"job_id: job {job_id} has already started or was cancelled")


def claim_job(tenant: str, job_id: str, now: datetime) -> Claim | None:
    """Take the job's lease; None when another trigger holds it (or it is no longer due)."""
    return claim(
        tenant, JOB, job_id, now, "#status = :running, started_at = if_not_exists(started_at, :now)",
        {":running": s("RUNNING")},
    )  # fmt: skip


def cohort_chunk(job: Claim, index: int) -> list[str]:
    with translated_errors():
        item = get_client().get_item(
            TableName=table_name(), Key=key(job_pk(job.tenant, job.id), f"COHORT#{index:04}"), ConsistentRead=True
        )["Item"]
    ids: list[str] = json.loads(text(item, "ids"))
    return ids


def chunk_sent(job: Claim, index: int) -> bool:
    return update_leased(job, "SET next_chunk = :next", {":next": n(index + 1)})


def fail_job(job: Claim, reason: str, now: datetime) -> None:
    change = Change("provisioning_job", job.id, "fail", f"provisioning job failed before provisioning anyone: {reason}")
    update_leased(
        job,
        "SET #status = :failed, failure_reason = :reason, finished_at = :now REMOVE gsi1pk, gsi1sk",
        {":failed": s("FAILED"), ":reason": s(reason), ":now": s(format_timestamp(now))},
        background_entry(job.tenant, change, now, PROVISIONER),
    )


@dataclass(frozen=True)
class JobRef:
    """A job, for the items its worker writes."""

    tenant: str
    job_id: str


def _result_item(job: JobRef, customer_id: str, outcome: Outcome, now: datetime, **fields: str) -> Item:
    """The customer's result, which is also the guard of its contract's uniqueness key (holder_id)."""
    holder = {"holder_id": s(fields["contract_id"])} if "contract_id" in fields else {}
    return {
        **result_key(job.tenant, job.job_id, customer_id),
        **holder,
        "gsi1pk": s(results_listing(job.tenant, job.job_id)),
        "gsi1sk": s(customer_id),
        "outcome": s(outcome),
        "at": s(format_timestamp(now)),
        **{name: s(value) for name, value in fields.items()},
    }


def result_put(job: JobRef, customer_id: str, outcome: Outcome, now: datetime, **fields: str) -> GuardedItem:
    """The customer's result row, written once: finding it means the customer was done before."""
    item = _result_item(job, customer_id, outcome, now, **fields)
    put = {"TableName": table_name(), "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    return GuardedItem({"Put": put}, Failure.RESULT_RECORDED)


def outcome_counter(job: JobRef, counts: Counter[Outcome]) -> Item:
    """Move the customers counted from pending to their outcomes, on one counter shard."""
    changes = {outcome.lower(): count for outcome, count in counts.items()}
    return counter_update(job_pk(job.tenant, job.job_id), {"pending": -sum(counts.values()), **changes})


def outcome_items(job: JobRef, customer_id: str, outcome: Outcome, now: datetime, **fields: str) -> list[GuardedItem]:
    """The result row (written once) and the counter shard it moves from pending to `outcome`."""
    return [
        result_put(job, customer_id, outcome, now, **fields),
        GuardedItem(outcome_counter(job, Counter([outcome]))),
    ]


def record_outcome(job: JobRef, customer_id: str, outcome: Outcome, now: datetime, **fields: str) -> None:
    """A FAILED or SKIPPED result; a result already there means this customer was done before."""
    items = [g.item for g in outcome_items(job, customer_id, outcome, now, **fields)]
    try:
        with translated_errors():
            get_client().transact_write_items(TransactItems=cast(Any, items))
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed":
            raise


def cohort_holder(taken: ConditionFailed) -> str:
    """The contract an earlier job provisioned, from its cohort guard's failed put ("" if not returned)."""
    return text_or(taken.existing or {}, "holder_id", "")


def cohort_guard(
    job: JobRef, package_id: str, starting_at: datetime, customer_id: str, contract_id: str
) -> GuardedItem:
    """The cohort guard: one contract per (package, start, customer), whichever job writes it first."""
    guard_pk = f"T#{job.tenant}#COHORT#{package_id}#{format_timestamp(starting_at)}#{customer_id}"
    return GuardedItem(
        {
            "Put": {
                "TableName": table_name(),
                "Item": {**key(guard_pk, "GUARD"), "holder_id": s(contract_id), "job_id": s(job.job_id)},
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        Failure.COHORT_TAKEN,
    )
