"""Provisioning jobs.

  job          pk=T#<t>#JOB#<id>         sk=RECORD       doc, status, chunk_count, next_chunk, lease_*
               gsi1pk=DUEJOBS (only while it still has to be fanned out)  gsi1sk=<run_at>#<t>#<id>
  cohort       pk=T#<t>#JOB#<id>         sk=COHORT#<n>   ids: up to CHUNK_SIZE customer ids
  counters     pk=T#<t>#JOB#<id>         sk=COUNTER#<n>  pending / provisioned / failed / skipped
  results      pk=T#<t>#JOBRESULTS#<id>  sk=<customer>   outcome, contract_id?, reason?

The due index is the only cross-tenant partition: the scheduler reads it, never a client. Counters
are sharded (COUNTER_SHARDS items) so parallel workers seldom contend on one item: each write goes
to a shard drawn at random, and the counts are the sum of all shards.
"""

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from botocore.exceptions import ClientError

from ..domain.base import format_timestamp
from ..domain.errors import InvalidRequest
from ..domain.jobs import CHUNK_SIZE, COUNTS, JobCreate, chunks, present_job
from .dynamo import Item, get_client, key, s, table_name, translated_errors
from .kinds import JOB, PACKAGE
from .records import (
    GuardedItem,
    NewRecord,
    ReferenceCheck,
    alias_key,
    decode_cursor,
    encode_cursor,
    get_record,
    put_record_guarded,
    record_from_item,
    record_key,
)
from .tokens import Principal

DUE_PARTITION = "DUEJOBS"
COUNTER_SHARDS = 32  # > the worker's 20 concurrent instances
LEASE = timedelta(minutes=2)
COHORT_RETENTION = timedelta(days=30)


def job_pk(tenant: str, job_id: str) -> str:
    return f"T#{tenant}#{JOB}#{job_id}"


def results_pk(tenant: str, job_id: str) -> str:
    return f"T#{tenant}#JOBRESULTS#{job_id}"


def counter_key(tenant: str, job_id: str) -> Item:
    """A counter shard drawn at random: any one will do, the counts are the sum of all shards."""
    return key(job_pk(tenant, job_id), f"COUNTER#{random.randrange(COUNTER_SHARDS)}")


def create_job(principal: Principal, request: JobCreate, now: datetime) -> str:
    tenant, job_id = principal.tenant_id, str(uuid4())
    run_at = request.run_at or now
    doc = {
        "id": job_id,
        "created_at": format_timestamp(now),
        "created_by": principal.token_name,
        **request.model_dump(mode="json", exclude_none=True, exclude={"customer_ids", "run_at"}),
        "run_at": format_timestamp(run_at),
        "customer_count": len(request.customer_ids),
    }
    cohort = chunks(request.customer_ids, CHUNK_SIZE)
    # Chunks are only read while fanning out; DynamoDB's TTL removes them a while after run_at.
    expires_at = {"N": str(int((run_at + COHORT_RETENTION).timestamp()))}
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
                        **key(job_pk(tenant, job_id), "COUNTER#0"),
                        "pending": {"N": str(len(request.customer_ids))},
                    },
                }
            }
        )
    )
    package_ref = (
        ReferenceCheck(record_key(tenant, PACKAGE, request.package_id), "package_id", f"package {request.package_id}")
        if request.package_id
        else ReferenceCheck(
            alias_key(tenant, PACKAGE, request.package_alias or ""),
            "package_alias",
            f"package alias {request.package_alias!r}",
            must_be_active=False,
        )
    )
    attributes: Item = {"status": s("PENDING"), "chunk_count": {"N": str(len(cohort))}, "next_chunk": {"N": "0"}}
    return put_record_guarded(
        NewRecord(
            tenant,
            JOB,
            doc,
            uniqueness_key=request.uniqueness_key,
            attributes=attributes,
            listing_partition=DUE_PARTITION,
            listing_sort_key=f"{doc['run_at']}#{tenant}#{job_id}",
            extra_items=extra,
            references=[package_ref],
        )
    )


def _counts(tenant: str, job_id: str) -> dict[str, int]:
    totals = dict.fromkeys(COUNTS, 0)
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :counter)",
        "ExpressionAttributeValues": {":pk": s(job_pk(tenant, job_id)), ":counter": s("COUNTER#")},
        "ConsistentRead": True,
    }
    with translated_errors():
        items = get_client().query(**query).get("Items", [])
    for item in items:
        for name in COUNTS:
            totals[name] += int(item.get(name, {}).get("N", "0"))
    return totals


def get_job(principal: Principal, job_id: str) -> dict[str, Any]:
    record = get_record(principal.tenant_id, JOB, job_id, "provisioning job")
    status = record.item["status"]["S"]
    failure = record.item.get("failure_reason", {}).get("S")
    return present_job(record.doc, status, _counts(principal.tenant_id, job_id), failure)


def list_results(
    principal: Principal, job_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    get_record(principal.tenant_id, JOB, job_id, "provisioning job")  # 404 outside the tenant
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk" + (" AND sk > :after" if cursor else ""),
        "ExpressionAttributeValues": {":pk": s(results_pk(principal.tenant_id, job_id))},
        "Limit": limit + 1,
    }
    if cursor:
        query["ExpressionAttributeValues"][":after"] = s(decode_cursor(cursor, "after")[0])
    with translated_errors():
        items = get_client().query(**query).get("Items", [])
    rows = [
        {
            "customer_id": item["sk"]["S"],
            "status": item["outcome"]["S"],
            "contract_id": item.get("contract_id", {}).get("S"),
            "reason": item.get("reason", {}).get("S"),
        }
        for item in items[:limit]
    ]
    return rows, (encode_cursor({"after": str(rows[-1]["customer_id"])}) if len(items) > limit else None)


def cancel_job(principal: Principal, job_id: str, now: datetime) -> None:
    """Only a job that has not started can be cancelled."""
    get_record(principal.tenant_id, JOB, job_id, "provisioning job")
    try:
        with translated_errors():
            get_client().update_item(
                TableName=table_name(),
                Key=record_key(principal.tenant_id, JOB, job_id),
                UpdateExpression="SET #status = :cancelled, cancelled_at = :now REMOVE gsi1pk, gsi1sk",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":cancelled": s("CANCELLED"),
                    ":pending": s("PENDING"),
                    ":now": s(format_timestamp(now)),
                },
            )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise InvalidRequest(f"job_id: job {job_id} has already started or was cancelled") from None
        raise


@dataclass
class ClaimedJob:
    tenant: str
    doc: dict[str, Any]
    chunk_count: int
    next_chunk: int
    lease_id: str

    @property
    def id(self) -> str:
        return str(self.doc["id"])


def due_jobs(now: datetime, limit: int = 25) -> list[tuple[str, str]]:
    """(tenant, job id) of jobs whose run_at has come and that still have to be fanned out."""
    with translated_errors():
        items = (
            get_client()
            .query(
                TableName=table_name(),
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :due AND gsi1sk <= :now",
                ExpressionAttributeValues={":due": s(DUE_PARTITION), ":now": s(format_timestamp(now) + "#~")},
                Limit=limit,
            )
            .get("Items", [])
        )
    return [(item["pk"]["S"].split("#")[1], item["pk"]["S"].rsplit("#", 1)[1]) for item in items]


def claim_job(tenant: str, job_id: str, now: datetime) -> ClaimedJob | None:
    """Take the job's lease; None when another trigger holds it (or it is no longer due)."""
    lease_id = str(uuid4())
    try:
        with translated_errors():
            item = get_client().update_item(
                TableName=table_name(),
                Key=record_key(tenant, JOB, job_id),
                UpdateExpression="SET #status = :running, lease_id = :lease, lease_until = :until, "
                "started_at = if_not_exists(started_at, :now)",
                ConditionExpression="attribute_exists(gsi1pk) AND (#status = :pending OR lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":running": s("RUNNING"),
                    ":pending": s("PENDING"),
                    ":lease": s(lease_id),
                    ":until": s(format_timestamp(now + LEASE)),
                    ":now": s(format_timestamp(now)),
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return None
        raise
    record = record_from_item(item)
    return ClaimedJob(tenant, record.doc, int(item["chunk_count"]["N"]), int(item["next_chunk"]["N"]), lease_id)


def cohort_chunk(job: ClaimedJob, index: int) -> list[str]:
    with translated_errors():
        item = get_client().get_item(
            TableName=table_name(), Key=key(job_pk(job.tenant, job.id), f"COHORT#{index:04}"), ConsistentRead=True
        )["Item"]
    ids: list[str] = json.loads(item["ids"]["S"])
    return ids


def _update_leased(job: ClaimedJob, expression: str, values: Item) -> bool:
    """An update that only the lease holder may make; False if the lease was lost."""
    update: dict[str, Any] = {
        "TableName": table_name(),
        "Key": record_key(job.tenant, JOB, job.id),
        "UpdateExpression": expression,
        "ConditionExpression": "lease_id = :lease",
        "ExpressionAttributeValues": {":lease": s(job.lease_id), **values},
    }
    if "#status" in expression:  # DynamoDB refuses names an expression does not use
        update["ExpressionAttributeNames"] = {"#status": "status"}
    try:
        with translated_errors():
            get_client().update_item(**update)
        return True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise


def chunk_sent(job: ClaimedJob, index: int) -> bool:
    return _update_leased(job, "SET next_chunk = :next", {":next": {"N": str(index + 1)}})


def release_lease(job: ClaimedJob, now: datetime) -> None:
    """Stop early (time is short): the next trigger may continue at once."""
    _update_leased(job, "SET lease_until = :now", {":now": s(format_timestamp(now))})


def fan_out_done(job: ClaimedJob, now: datetime) -> None:
    _update_leased(
        job, "SET fanned_out_at = :now REMOVE gsi1pk, gsi1sk, lease_until", {":now": s(format_timestamp(now))}
    )


def fail_job(job: ClaimedJob, reason: str, now: datetime) -> None:
    _update_leased(
        job,
        "SET #status = :failed, failure_reason = :reason, finished_at = :now REMOVE gsi1pk, gsi1sk",
        {":failed": s("FAILED"), ":reason": s(reason), ":now": s(format_timestamp(now))},
    )
