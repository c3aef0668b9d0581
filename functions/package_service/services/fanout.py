"""The Provisioner: claim due jobs and fan their cohorts out to the queue, chunk by chunk (and package
migrations, their contracts: migration_fanout.py).

A claim is a conditional write, so two triggers firing together never both run a job. The chunk
pointer is saved after each chunk is queued; a run that stops (time running out, or a crash) is
picked up by the next trigger from that chunk. Re-sending a chunk is harmless: the worker is
idempotent per customer.

What a kind of due work needs (a cohort's package resolution and batches; a migration's planning
modules) is imported when the first of its kind is due, not with the handler: most runs find nothing
due, and a cold start pays only for claiming (decision 0018 does the same for the API and the worker).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.base import parse_timestamp
from ..domain.errors import InvalidRequest
from ..domain.jobs import MESSAGE_SIZE, chunks
from ..domain.principal import Principal
from ..store.jobs import chunk_sent, claim_job, cohort_chunk, fail_job
from ..store.kinds import MIGRATION
from ..store.leases import SAFETY_MARGIN_MS, Claim, claim, due_records, release, work_done
from ..store.queue import send_messages


def run_due_jobs(now: datetime, time_left_ms: Callable[[], int]) -> dict[str, Any]:
    summary: dict[str, Any] = {"claimed": [], "finished": [], "failed": [], "paused": []}
    for tenant, kind, record_id in due_records(now):
        fan_out: Callable[[Claim, datetime, Callable[[], int]], str]
        if kind == MIGRATION:
            from .migration_fanout import fan_out_migration

            held = claim(tenant, MIGRATION, record_id, now)
            fan_out = fan_out_migration
        else:
            held, fan_out = claim_job(tenant, record_id, now), _fan_out
        if held is None:
            continue  # another trigger holds it, or it was cancelled meanwhile
        summary["claimed"].append(record_id)
        summary[fan_out(held, now, time_left_ms)].append(record_id)
    return summary


def _fan_out(job: Claim, now: datetime, time_left_ms: Callable[[], int]) -> str:
    from .cohorts import CohortBatch
    from .provisioning import PackageOnDate

    doc = job.doc
    principal = Principal(job.tenant, doc["created_by"])
    starting_at = parse_timestamp(doc["starting_at"])
    try:
        # Resolved once per job, so an alias moved mid-run cannot split the cohort across packages.
        package = PackageOnDate(principal, starting_at, doc.get("package_id"), doc.get("package_alias"), []).package
    except InvalidRequest as error:
        fail_job(job, error.message, now)
        return "failed"
    for index in range(job.number("next_chunk"), job.number("chunk_count")):
        if time_left_ms() < SAFETY_MARGIN_MS:
            release(job, now)
            return "paused"
        batches = [
            CohortBatch(job.tenant, principal.token_name, job.id, package.id, starting_at, ids).to_message()
            for ids in chunks(cohort_chunk(job, index), MESSAGE_SIZE)
        ]
        send_messages(batches)
        if not chunk_sent(job, index):
            return "paused"  # the lease was taken over: leave the rest to its new holder
    work_done(job, now, "fanned_out_at")
    return "finished"
