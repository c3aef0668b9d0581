"""Package migrations as the API sees them: a new migration is checked (dates not in the past, every
named customer exists) before the store writes it; the rest is one store call each (planning and
applying are migration_work.py and migration_apply.py)."""

from datetime import datetime

from ..domain.errors import InvalidRequest
from ..domain.migrations import MigrationCreate, refuse_past_dates
from ..domain.principal import Principal
from ..store.customers import missing_customers
from ..store.migrations import (
    apply_migration,
    cancel_migration,
    get_migration,
    list_migrations,
    list_plan,
    put_migration,
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
