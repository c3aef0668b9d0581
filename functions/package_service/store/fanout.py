"""The Provisioner: claim due jobs and fan their cohorts out to the queue, chunk by chunk.

A claim is a conditional write, so two triggers firing together never both run a job. The chunk
pointer is saved after each chunk is queued; a run that stops (time running out, or a crash) is
picked up by the next trigger from that chunk. Re-sending a chunk is harmless: the worker is
idempotent per customer.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.base import parse_timestamp
from ..domain.errors import InvalidRequest
from ..domain.jobs import MESSAGE_SIZE, chunks
from .cohorts import CohortBatch
from .jobs import ClaimedJob, chunk_sent, claim_job, cohort_chunk, due_jobs, fail_job, fan_out_done, release_lease
from .provisioning import PackageOnDate
from .queue import send_messages
from .tokens import Principal

SAFETY_MARGIN_MS = 10_000  # stop fanning out when less Lambda time than this remains


def run_due_jobs(now: datetime, time_left_ms: Callable[[], int]) -> dict[str, Any]:
    summary: dict[str, Any] = {"claimed": [], "finished": [], "failed": [], "paused": []}
    for tenant, job_id in due_jobs(now):
        job = claim_job(tenant, job_id, now)
        if job is None:
            continue  # another trigger holds it, or it was cancelled meanwhile
        summary["claimed"].append(job_id)
        summary[_fan_out(job, now, time_left_ms)].append(job_id)
    return summary


def _fan_out(job: ClaimedJob, now: datetime, time_left_ms: Callable[[], int]) -> str:
    doc = job.doc
    principal = Principal(job.tenant, doc["created_by"])
    starting_at = parse_timestamp(doc["starting_at"])
    try:
        # Resolved once per job, so an alias moved mid-run cannot split the cohort across packages.
        package = PackageOnDate(principal, starting_at, doc.get("package_id"), doc.get("package_alias"), []).package
    except InvalidRequest as error:
        fail_job(job, error.message, now)
        return "failed"
    for index in range(job.next_chunk, job.chunk_count):
        if time_left_ms() < SAFETY_MARGIN_MS:
            release_lease(job, now)
            return "paused"
        batches = [
            CohortBatch(job.tenant, principal.token_name, job.id, package.id, starting_at, ids).to_message()
            for ids in chunks(cohort_chunk(job, index), MESSAGE_SIZE)
        ]
        send_messages(batches)
        if not chunk_sent(job, index):
            return "paused"  # the lease was taken over: leave the rest to its new holder
    fan_out_done(job, now)
    return "finished"
