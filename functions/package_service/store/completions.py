"""The audit entries that say a background run reached a milestone: a provisioning job completed (every
customer has an outcome), a package migration PLANNED (every contract has a plan row) or COMPLETED (none
is left to apply), each with its outcomes in summary.

No single write makes these states: they are read from counts that many workers move. So whoever may
complete one (the worker after each message's counts are written; the Provisioner after it marks its
fan-out done, before it takes the run off the due index) reads the record and counts afterwards and, on
a milestone, writes the entry in one transaction with a marker on the run's record, conditioned on the
marker being absent: recorded exactly once however many notice it. Each writes before it reads, so the
last of them to read sees both writes. A worker that fails to record fails its message, which comes
back and checks again; a Provisioner that fails leaves the run due, and the next trigger checks again.
"""

from datetime import datetime

from ..domain.audit import WORKER, Action, Actor, AuditEntry, Change
from ..domain.jobs import COUNTS as JOB_COUNTS
from ..domain.jobs import job_status
from .audit import background_entry, update_with_entry
from .counters import read_counts
from .dynamo import s, table_name
from .jobs import job_pk
from .kinds import JOB, MIGRATION
from .migrations import migration_state
from .records import record_key

_MARKERS = {"complete": "completion_recorded_at", "plan": "plan_recorded_at"}


def job_milestone(tenant: str, job_id: str, now: datetime) -> None:
    counts = read_counts(job_pk(tenant, job_id), JOB_COUNTS)
    if job_status("RUNNING", counts) != "COMPLETED":
        return
    summary = ", ".join(f"{counts[name]} {name}" for name in ("provisioned", "skipped", "failed"))
    change = Change("provisioning_job", job_id, "complete", f"completed: {summary}")
    record_once(JOB, background_entry(tenant, change, now, WORKER))


def migration_milestone(tenant: str, migration_id: str, now: datetime, actor: Actor = WORKER) -> None:
    """Record the milestone the migration has reached, if any and not recorded yet."""
    record, counts, status = migration_state(tenant, migration_id)
    action: Action
    if status == "PLANNED":
        action = "plan"
        summary = f"planned: {counts.get('planned', 0)} contracts to move, {counts.get('action_needed', 0)} need action"
    elif status == "COMPLETED":
        action = "complete"
        summary = "completed: " + ", ".join(
            f"{counts.get(name, 0)} {name}" for name in ("applied", "action_needed", "failed", "skipped")
        )
    else:
        return
    if _MARKERS[action] not in record.item:
        change = Change("package_migration", migration_id, action, summary)
        record_once(MIGRATION, background_entry(tenant, change, now, actor))


def record_once(kind: str, entry: AuditEntry) -> bool:
    """Write the milestone's entry unless its marker shows it recorded already; True if this call did."""
    marker = _MARKERS[entry.change.action]
    update = {
        "TableName": table_name(),
        "Key": record_key(entry.tenant, kind, entry.change.resource_id),
        "UpdateExpression": f"SET {marker} = :recorded",
        "ConditionExpression": f"attribute_exists(pk) AND attribute_not_exists({marker})",
        "ExpressionAttributeValues": {":recorded": s(entry.timestamp)},
    }
    return update_with_entry(update, entry) is None
