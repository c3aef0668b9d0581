"""Package migrations: the records behind /v1/packageMigrations/* (the work itself: migration_work.py).

  migration    pk=T#<t>#MIGRATION#<id>       sk=RECORD      doc (the request), status, plan_expected,
               fan_cursor, plan_fanned_out_at?, apply_run_at?, apply_fanned_out_at?, lease_*
               gsi1pk=DUEJOBS while planning or applying is due (leases.py)
  counters     pk=T#<t>#MIGRATION#<id>       sk=COUNTER#<n> planned / action_needed / applied / skipped / failed
  listing      pk=T#<t>#MIGRATIONS           sk=<created_at>#<id>  from_package_id, to_package_id?  (newest first)
  plan row     pk=T#<t>#MIGRATIONPLAN#<id>   sk=<contract>  customer_id, row_status, effective_at?, reason?,
               to_package_id?, successor_term?, billing_config_id?, diff?, new_contract_id?,
               planned_edit_count? (the contract's edit_count when planned: an edit since is ACTION_NEEDED)

Each plan row is counted under its current status, and every status change moves its count in the same
transaction, so the counts always add up to the rows. The stored status is the phase (PLANNING,
APPLYING) or an end (CANCELLED); PLANNED and COMPLETED are read from the phase's progress.
"""

import json
from datetime import datetime
from typing import Any

from ..domain.audit import Change
from ..domain.base import format_timestamp
from ..domain.migrations import (
    COUNTS,
    MigrationCreate,
    MigrationFilter,
    MigrationStatus,
    migration_status,
)
from ..domain.principal import Principal
from .audit import audited, update_with_entry
from .counters import read_counts
from .cursors import decode_cursor, encode_cursor
from .dynamo import Item, get_client, key, n, number, query_page, s, table_name, text, translated_errors
from .kinds import MIGRATION, PACKAGE
from .leases import DUE_PARTITION, Claim, due_sort_key, update_leased
from .pages import partition_page
from .records import (
    GuardedItem,
    NewRecord,
    ReferenceCheck,
    StoredRecord,
    get_record,
    new_record_doc,
    package_reference,
    put_record_guarded,
    record_key,
    record_pk,
)

LABEL = "package migration"
PHASE_DONE = {"PLANNING": "plan_fanned_out_at", "APPLYING": "apply_fanned_out_at"}


def plan_pk(tenant: str, migration_id: str) -> str:
    return f"T#{tenant}#MIGRATIONPLAN#{migration_id}"


def listing_pk(tenant: str) -> str:
    return f"T#{tenant}#MIGRATIONS"


def put_migration(principal: Principal, request: MigrationCreate, now: datetime, record_id: str | None = None) -> str:
    """Store the migration (services/migrations.py checks it first); planning is due at once (the
    Provisioner's next run starts it)."""
    tenant = principal.tenant_id
    doc = {**new_record_doc(principal.token_name, request, now, record_id), **request.stored()}
    listed: Item = {
        **key(listing_pk(tenant), f"{doc['created_at']}#{doc['id']}"),
        "migration_id": s(doc["id"]),
        "from_package_id": s(request.from_package_id),
        **({"to_package_id": s(request.to_package_id)} if request.to_package_id else {}),
    }
    references = [
        ReferenceCheck(
            record_key(tenant, PACKAGE, request.from_package_id),
            "from_package_id",
            f"package {request.from_package_id}",
            must_be_active=False,  # moving customers off an archived package is what archiving leads to
        ),
        package_reference(tenant, request.to_package_id, request.to_package_alias, prefix="to_"),
    ]
    target = f"package {request.to_package_id}" if request.to_package_id else f"alias {request.to_package_alias!r}"
    subset = f" ({len(request.customer_ids)} customers)" if request.customer_ids else ""
    description = f"created migration of contracts on package {request.from_package_id}{subset} to {target}"
    entry = audited(principal, Change("package_migration", doc["id"], "create", description), now)
    return put_record_guarded(
        NewRecord(
            tenant,
            MIGRATION,
            doc,
            audit=[entry],
            uniqueness_key=request.uniqueness_key,
            attributes={"status": s("PLANNING"), "plan_expected": n(0)},
            listing_partition=DUE_PARTITION,
            listing_sort_key=due_sort_key(doc["created_at"], tenant, doc["id"]),
            references=references,
            extra_items=[GuardedItem({"Put": {"TableName": table_name(), "Item": listed}})],
        )
    )


def _status(record: StoredRecord, counts: dict[str, int]) -> MigrationStatus:
    stored = text(record.item, "status")
    done = PHASE_DONE.get(stored, "") in record.item
    return migration_status(stored, done, number(record.item, "plan_expected"), counts)


def migration_state(tenant: str, migration_id: str) -> tuple[StoredRecord, dict[str, int], MigrationStatus]:
    """The record (read consistently: milestones are decided on it), its counts and its status."""
    record = get_record(tenant, MIGRATION, migration_id, LABEL, consistent=True)
    counts = read_counts(record_pk(tenant, MIGRATION, migration_id), COUNTS)
    return record, counts, _status(record, counts)


def _read(principal: Principal, migration_id: str) -> tuple[StoredRecord, dict[str, int], MigrationStatus]:
    return migration_state(principal.tenant_id, migration_id)


def get_migration(principal: Principal, migration_id: str) -> dict[str, Any]:
    record, counts, status = _read(principal, migration_id)
    view = {**record.doc, "status": status, "counts": counts}
    for name in ("apply_run_at", "cancelled_at", "failure_reason"):
        if name in record.item:
            view[name] = text(record.item, name)
    return view


def list_migrations(
    principal: Principal, filters: MigrationFilter, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The tenant's migrations, newest first, each as `get` answers it, filtered by package and status.
    The listing rows carry the packages (filtered by DynamoDB); the status is read with each migration."""
    tenant = principal.tenant_id
    after = decode_cursor(cursor, "before")[0] if cursor else None
    conditions, values = [], {":pk": s(listing_pk(tenant))}
    for name in ("from_package_id", "to_package_id"):
        if getattr(filters, name):
            conditions.append(f"{name} = :{name}")
            values[f":{name}"] = s(getattr(filters, name))
    views: list[dict[str, Any]] = []
    while True:
        query: dict[str, Any] = {
            "TableName": table_name(),
            "KeyConditionExpression": "pk = :pk" + (" AND sk < :before" if after else ""),
            "ExpressionAttributeValues": {**values, **({":before": s(after)} if after else {})},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if conditions:
            query["FilterExpression"] = " AND ".join(conditions)
        with translated_errors():
            response = get_client().query(**query)
        for item in response.get("Items", []):
            view = get_migration(principal, text(item, "migration_id"))
            if filters.status is None or view["status"] == filters.status:
                views.append(view)
            after = text(item, "sk")
            if len(views) == limit:
                more = "LastEvaluatedKey" in response or item is not response["Items"][-1]
                return views, (encode_cursor({"before": after}) if more else None)
        if "LastEvaluatedKey" not in response:
            return views, None
        after = text(response["LastEvaluatedKey"], "sk")


def list_plan(
    principal: Principal, migration_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    get_record(principal.tenant_id, MIGRATION, migration_id, LABEL)  # 404 outside the tenant
    items, next_page = partition_page(plan_pk(principal.tenant_id, migration_id), limit, cursor)
    return [plan_row_view(item) for item in items], next_page


def planned_rows_page(
    tenant: str, migration_id: str, after: str | None, limit: int
) -> tuple[list[tuple[str, str]], str | None]:
    """One page of the plan rows still PLANNED: (contract id, customer id) pairs, and the contract id to
    resume after (None: the plan is done)."""
    items, last = query_page(
        {
            "TableName": table_name(),
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "row_status = :planned",
            "ProjectionExpression": "pk, sk, customer_id",
            "ExpressionAttributeValues": {":pk": s(plan_pk(tenant, migration_id)), ":planned": s("PLANNED")},
            "Limit": limit,
        },
        after,
    )
    return [(text(item, "sk"), text(item, "customer_id")) for item in items], last


def advance_fan_cursor(held: Claim, cursor: str, sent: int | None) -> bool:
    """Move the fan-out's page pointer to `cursor` and, while planning, add the `sent` contracts to
    `plan_expected`, in one update under the lease (False: the lease was lost or the migration cancelled)."""
    values: Item = {":cursor": s(cursor)}
    expression = "SET fan_cursor = :cursor"
    if sent is not None:
        expression, values[":sent"] = expression + " ADD plan_expected :sent", n(sent)
    return update_leased(held, expression, values)


def mark_fanned_out(held: Claim, stamp: str, now: datetime) -> bool:
    """Stamp the phase fanned out (`stamp`: a PHASE_DONE attribute), keeping the first stamp; False as
    `advance_fan_cursor`."""
    return update_leased(held, f"SET {stamp} = if_not_exists({stamp}, :now)", {":now": s(format_timestamp(now))})


def plan_row_view(item: Item) -> dict[str, Any]:
    row: dict[str, Any] = {"contract_id": text(item, "sk"), "status": text(item, "row_status")}
    for name in ("customer_id", "effective_at", "reason", "to_package_id", "new_contract_id"):
        if name in item:
            row[name] = text(item, name)
    if "diff" in item:
        row["diff"] = json.loads(text(item, "diff"))
    return row


def schedule_apply(principal: Principal, migration_id: str, run_at: str, planned: int, now: datetime) -> bool:
    """Apply at `run_at`, provided planning is done and nothing moved the status since it was read
    (False: it did, nothing written)."""
    apply = {
        "TableName": table_name(),
        "Key": record_key(principal.tenant_id, MIGRATION, migration_id),
        "UpdateExpression": "SET #status = :applying, apply_run_at = :run_at, gsi1pk = :due, gsi1sk = :when "
        "REMOVE fan_cursor",
        "ConditionExpression": "#status = :planning AND attribute_exists(plan_fanned_out_at)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":applying": s("APPLYING"),
            ":planning": s("PLANNING"),
            ":run_at": s(run_at),
            ":due": s(DUE_PARTITION),
            ":when": s(due_sort_key(run_at, principal.tenant_id, migration_id)),
        },
    }
    description = f"applying the plan ({planned} contracts to move) at {run_at}"
    entry = audited(principal, Change("package_migration", migration_id, "apply", description), now)
    return update_with_entry(apply, entry) is None


def mark_cancelled(principal: Principal, migration_id: str, status: str, now: datetime) -> bool:
    """Cancel, provided applying has not started (False: it has, nothing written); `status` is the one
    read before, for the audit entry."""
    cancel = {
        "TableName": table_name(),
        "Key": record_key(principal.tenant_id, MIGRATION, migration_id),
        "UpdateExpression": "SET #status = :cancelled, cancelled_at = :now REMOVE gsi1pk, gsi1sk",
        # Applying has started once a Provisioner took the lease for it (and until it is done).
        "ConditionExpression": "#status = :planning OR (#status = :applying AND "
        "attribute_not_exists(lease_until) AND attribute_not_exists(apply_fanned_out_at))",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":cancelled": s("CANCELLED"),
            ":planning": s("PLANNING"),
            ":applying": s("APPLYING"),
            ":now": s(format_timestamp(now)),
        },
    }
    entry = audited(principal, Change("package_migration", migration_id, "cancel", f"cancelled while {status}"), now)
    return update_with_entry(cancel, entry) is None
