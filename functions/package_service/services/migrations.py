"""Package migrations as the API sees them: a new migration is checked (dates not in the past, every
named customer exists) before the store writes it; apply and cancel read the status and decide (no-op,
refusal, or the store's conditional write); reads are one store call each (planning and applying
themselves are migration_work.py and migration_apply.py)."""

from datetime import datetime

from ..domain.base import format_timestamp
from ..domain.errors import InvalidRequest
from ..domain.migrations import MigrationApply, MigrationCreate, refuse_past_dates
from ..domain.principal import Principal
from ..store.customers import missing_customers
from ..store.migrations import (
    get_migration,
    list_migrations,
    list_plan,
    mark_cancelled,
    migration_state,
    put_migration,
    schedule_apply,
)

__all__ = ["apply_migration", "cancel_migration", "create_migration", "get_migration", "list_migrations", "list_plan"]


def create_migration(
    principal: Principal, request: MigrationCreate, now: datetime, record_id: str | None = None
) -> str:
    """Refused with a 400 naming the field, nothing stored: a date in the past, a customer that does not exist."""
    refuse_past_dates(request.effective, now)
    if request.customer_ids:
        unknown = missing_customers(principal.tenant_id, request.customer_ids)
        if unknown:
            more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
            raise InvalidRequest(f"customer_ids: no customer {', '.join(unknown[:20])}{more}")
    return put_migration(principal, request, now, record_id)


def _refuse(migration_id: str, status: str, what: str) -> InvalidRequest:
    return InvalidRequest(f"migration_id: migration {migration_id} is {status}; {what}")


def apply_migration(principal: Principal, request: MigrationApply, now: datetime) -> str:
    """Schedule the apply at `run_at` (default now). Asking again once applying (whatever `run_at`) is a
    no-op, so a retried request is safe: the first request's `run_at` stands."""
    migration_id = request.migration_id
    counts, status = migration_state(principal.tenant_id, migration_id)[1:]
    if status in ("APPLYING", "COMPLETED"):
        return migration_id  # applied already, at the run_at first asked for (get answers it): a no-op
    if status != "PLANNED":
        raise _refuse(migration_id, status, "only a PLANNED migration can be applied")
    run_at = format_timestamp(request.run_at or now)
    if not schedule_apply(principal, migration_id, run_at, counts.get("planned", 0), now):
        raise _refuse(migration_id, "no longer PLANNED", "read it again")
    return migration_id


def cancel_migration(principal: Principal, migration_id: str, now: datetime) -> None:
    """Cancel while planning, planned, or applying at a run_at not reached yet (idempotent)."""
    status = migration_state(principal.tenant_id, migration_id)[2]
    if status == "CANCELLED":
        return
    if not mark_cancelled(principal, migration_id, status, now):
        now_status = migration_state(principal.tenant_id, migration_id)[2]
        if now_status != "CANCELLED":  # a concurrent cancel is this one's retry: done, recorded once
            raise _refuse(migration_id, now_status, "applying has started")
