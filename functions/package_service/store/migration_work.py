"""The worker side of a package migration: plan a batch of contracts, or apply a batch of plan rows.

Planning writes each contract's plan row once (a put conditioned on its absence) with its count, the
batch in one transaction; a redelivered batch finds its rows and writes each remaining one on its own.

Applying moves each PLANNED contract exactly once: the new contract (uniqueness key
`migration:<migration>:<contract>`), the old contract's end (transitions.py: conditioned on no
transition out yet and no archive, the only ways a contract changes), the plan row from PLANNED to
APPLIED and its count, in one transaction. A redelivery finds the row settled and does nothing; a
contract changed since it was planned (or whose customer's billing configuration match changed)
becomes ACTION_NEEDED with the reason.
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast
from uuid import uuid4

from botocore.exceptions import ClientError

from ..domain.base import format_timestamp, parse_timestamp
from ..domain.errors import InvalidRequest, PayloadTooLarge, UniquenessKeyTaken
from ..domain.migration_diff import term_diff
from ..domain.migrations import CannotMove, RowStatus, check_movable, effective_at
from ..domain.provisioning import ProvisionRequest, Transition
from .counters import counter_update
from .dynamo import Item, batch_get, get_client, key, s, table_name, translated_errors
from .kinds import CONTRACT, MIGRATION
from .migrations import plan_pk
from .provisioning import PackageOnDate
from .records import (
    ConcurrentChange,
    ConditionFailed,
    GuardedItem,
    StoredRecord,
    put_record_guarded,
    record_from_item,
    record_key,
    record_pk,
    write_together,
)
from .tokens import Principal
from .transitions import check_transition, contract_doc, transitions_out

BatchKind = Literal["migration_plan", "migration_apply"]
PLAN: BatchKind = "migration_plan"
APPLY: BatchKind = "migration_apply"
_ATTEMPTS = 3


@dataclass(frozen=True)
class MigrationBatch:
    """One queue message: up to MESSAGE_SIZE (contract id, customer id) pairs of one migration."""

    kind: BatchKind
    tenant_id: str
    token_name: str
    migration_id: str
    contracts: list[tuple[str, str]]

    def to_message(self) -> dict[str, Any]:
        return {**self.__dict__, "contracts": [list(pair) for pair in self.contracts]}

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> "MigrationBatch":
        return cls(**{**body, "contracts": [(str(c), str(u)) for c, u in body["contracts"]]})

    @property
    def principal(self) -> Principal:
        return Principal(self.tenant_id, self.token_name)

    def counter(self, changes: dict[str, int]) -> Item:
        return counter_update(record_pk(self.tenant_id, MIGRATION, self.migration_id), changes)

    def row_key(self, contract_id: str) -> Item:
        return key(plan_pk(self.tenant_id, self.migration_id), contract_id)


def run_migration_batch(batch: MigrationBatch, now: datetime) -> dict[str, int]:
    return plan_batch(batch, now) if batch.kind == PLAN else apply_batch(batch, now)


def _reason(error: InvalidRequest | PayloadTooLarge) -> str:
    """A validation message as a reason: without the request field it names (this is no request)."""
    field, _, rest = error.message.partition(": ")
    return rest if rest and " " not in field else error.message


# --- planning ---------------------------------------------------------------------------------------


def _plan_row(batch: MigrationBatch, contract_id: str, customer_id: str, status: RowStatus, now: datetime,
              at: datetime | None = None, **fields: str) -> Item:  # fmt: skip
    row: Item = {
        **batch.row_key(contract_id),
        "customer_id": s(customer_id),
        "row_status": s(status),
        "planned_at": s(format_timestamp(now)),
        **{name: s(value) for name, value in fields.items()},
    }
    if at is not None:
        row["effective_at"] = s(format_timestamp(at))
    return row


def plan_batch(batch: MigrationBatch, now: datetime) -> dict[str, int]:
    """Plan each contract of the batch; returns how many rows this call wrote, by status."""
    tenant = batch.tenant_id
    keys = [record_key(tenant, MIGRATION, batch.migration_id)]
    keys += [record_key(tenant, CONTRACT, contract_id) for contract_id, _ in batch.contracts]
    found = {item["pk"]["S"]: item for item in batch_get(keys)}
    migration_item = found.get(keys[0]["pk"]["S"])
    if migration_item is None or migration_item["status"]["S"] == "CANCELLED":
        return {}  # nothing to plan for (a message for another table, or a cancelled migration)
    migration = record_from_item(migration_item)
    rows: list[Item] = []
    movable: dict[datetime, list[tuple[StoredRecord, dict[str, Any]]]] = defaultdict(list)
    for (contract_id, customer_id), contract_key in zip(batch.contracts, keys[1:], strict=True):
        record = record_from_item(found[contract_key["pk"]["S"]])
        current = contract_doc(record)
        at: datetime | None = None
        try:
            at = effective_at(migration.doc["effective"], current)
            moved = transitions_out(record)
            check_movable(current, record.archived_at, moved[0]["to_contract_id"] if moved else None, at)
        except CannotMove as why:
            rows.append(_plan_row(batch, contract_id, customer_id, "ACTION_NEEDED", now, at, reason=str(why)))
            continue
        movable[at].append((record, current))
    for at, group in movable.items():
        rows += _plan_group(batch, migration.doc, at, group, now)
    return _write_rows(batch, rows)


def _plan_group(batch: MigrationBatch, migration: dict[str, Any], at: datetime,
                group: list[tuple[StoredRecord, dict[str, Any]]], now: datetime) -> list[Item]:  # fmt: skip
    """The plan rows of contracts moving at one `at`: the target resolved once for all of them."""
    try:
        on_date = PackageOnDate(
            batch.principal, at, migration.get("to_package_id"), migration.get("to_package_alias"),
            sorted({record.doc["customer_id"] for record, _ in group}),
        )  # fmt: skip
    except InvalidRequest as error:  # the target on that date: archived, or no alias holder
        return [
            _plan_row(batch, r.id, r.doc["customer_id"], "ACTION_NEEDED", now, at, reason=_reason(error))
            for r, _ in group
        ]
    rows = []
    for record, current in group:
        customer_id = record.doc["customer_id"]
        request = ProvisionRequest(customer_id=customer_id, package_id=on_date.package.id, starting_at=at)
        try:
            plan = on_date.plan(request, now)
        except (InvalidRequest, PayloadTooLarge) as error:  # no or several matching billing configurations...
            rows.append(_plan_row(batch, record.id, customer_id, "ACTION_NEEDED", now, at, reason=_reason(error)))
            continue
        config = plan.resolved.billing_config
        fields = {"to_package_id": on_date.package.id, "diff": json.dumps(term_diff(current, plan.doc, at))}
        if config:
            fields["billing_config_id"] = config["id"]
        rows.append(_plan_row(batch, record.id, customer_id, "PLANNED", now, at, **fields))
    return rows


def _row_put(row: Item) -> Item:
    return {"Put": {"TableName": table_name(), "Item": row, "ConditionExpression": "attribute_not_exists(pk)"}}


def _write_rows(batch: MigrationBatch, rows: list[Item]) -> dict[str, int]:
    """All rows and their counts in one transaction; if it is cancelled (a redelivery: some rows are
    there already), each row with its count on its own, the ones already there left alone."""
    if not rows:
        return {}
    statuses = Counter(row["row_status"]["S"].lower() for row in rows)
    cancelled_by = write_together([*map(_row_put, rows), batch.counter(dict(statuses))])
    if not cancelled_by:
        return dict(statuses)
    if cancelled_by - {"ConditionalCheckFailed", "TransactionConflict"}:
        raise ConcurrentChange(f"planning batch cancelled by {sorted(cancelled_by)}")
    written: Counter[str] = Counter()
    for row in rows:
        status = row["row_status"]["S"].lower()
        if _transact_once([_row_put(row), batch.counter({status: 1})]):
            written[status] += 1
    return dict(written)


def _transact_once(items: list[Item]) -> bool:
    """Write the items; False if the first one's condition failed (it was written before)."""
    try:
        with translated_errors():
            get_client().transact_write_items(TransactItems=cast(Any, items))
        return True
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise


# --- applying ---------------------------------------------------------------------------------------


def apply_batch(batch: MigrationBatch, now: datetime) -> dict[str, int]:
    """Apply each still PLANNED row of the batch; returns how many this call settled, by status."""
    rows = [item for item in batch_get([batch.row_key(c) for c, _ in batch.contracts])]
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for row in rows:
        if row["row_status"]["S"] == "PLANNED":
            groups[(row["to_package_id"]["S"], row["effective_at"]["S"])].append(row)
    tally: Counter[str] = Counter()
    for (package_id, at), group in groups.items():
        customers = sorted({row["customer_id"]["S"] for row in group})
        try:
            on_date = _target(batch, package_id, at, customers, [row["sk"]["S"] for row in group])
        except InvalidRequest as error:  # the target package was archived since the plan
            for row in group:
                tally[_settle(batch, row, "ACTION_NEEDED", now, _reason(error))] += 1
            continue
        for row in group:
            tally[_apply_one(batch, on_date, row, now)] += 1
    tally.pop("ALREADY_DONE", None)
    return {status.lower(): count for status, count in tally.items()}


def _target(
    batch: MigrationBatch, package_id: str, at: str, customers: list[str], contracts: list[str]
) -> PackageOnDate:
    """The target package on `at`, with the customers and the contracts they move from read with it."""
    extra = [record_key(batch.tenant_id, CONTRACT, contract_id) for contract_id in contracts]
    return PackageOnDate(batch.principal, parse_timestamp(at), package_id, None, customers, extra)


def _apply_one(batch: MigrationBatch, on_date: PackageOnDate, row: Item, now: datetime) -> str:
    contract_id, customer_id = row["sk"]["S"], row["customer_id"]["S"]
    request = ProvisionRequest(
        customer_id=customer_id,
        package_id=on_date.package.id,
        starting_at=on_date.starting_at,
        uniqueness_key=f"migration:{batch.migration_id}:{contract_id}",
        transition=Transition(from_contract_id=contract_id, type="RENEWAL"),
    )
    for _ in range(_ATTEMPTS):
        try:
            check_transition(on_date.previous_contract(contract_id), request)
            new_id = str(uuid4())
            plan = on_date.plan(request, now, _applied_items(batch, contract_id, new_id, now), new_id)
            config = plan.resolved.billing_config
            if (config or {}).get("id") != row.get("billing_config_id", {}).get("S"):
                reason = "the customer's matching billing provider configuration changed since the plan"
                return _settle(batch, row, "ACTION_NEEDED", now, reason)
            put_record_guarded(plan.record)
            return "APPLIED"
        except ConditionFailed as failed:
            if failed.label == "plan":
                return "ALREADY_DONE"  # another delivery settled this row first
        except UniquenessKeyTaken:
            return "ALREADY_DONE"
        except ConcurrentChange:
            pass
        except InvalidRequest as error:  # changed since the plan: transitioned, archived, configuration...
            return _settle(batch, row, "ACTION_NEEDED", now, f"changed since the plan: {_reason(error)}")
        except PayloadTooLarge as error:
            return _settle(batch, row, "FAILED", now, _reason(error))
        # Something read changed before the write: read the contract, customer and package again.
        on_date = _target(batch, on_date.package.id, row["effective_at"]["S"], [customer_id], [contract_id])
    raise ConcurrentChange(f"contract {contract_id} kept changing while its migration was applied")


def _applied_items(batch: MigrationBatch, contract_id: str, new_id: str, now: datetime) -> list[GuardedItem]:
    """The plan row PLANNED -> APPLIED (once: the label tells a second delivery apart) and its count."""
    update = {
        "TableName": table_name(),
        "Key": batch.row_key(contract_id),
        "UpdateExpression": "SET row_status = :applied, new_contract_id = :new, settled_at = :now",
        "ConditionExpression": "row_status = :planned",
        "ExpressionAttributeValues": {
            ":applied": s("APPLIED"),
            ":planned": s("PLANNED"),
            ":new": s(new_id),
            ":now": s(format_timestamp(now)),
        },
    }
    return [GuardedItem({"Update": update}, "plan"), GuardedItem(batch.counter({"planned": -1, "applied": 1}))]


def _settle(batch: MigrationBatch, row: Item, status: RowStatus, now: datetime, reason: str) -> str:
    """A PLANNED row that will not move: its status, reason and count, once."""
    update = {
        "Update": {
            "TableName": table_name(),
            "Key": batch.row_key(row["sk"]["S"]),
            "UpdateExpression": "SET row_status = :status, reason = :reason, settled_at = :now",
            "ConditionExpression": "row_status = :planned",
            "ExpressionAttributeValues": {
                ":status": s(status),
                ":reason": s(reason),
                ":planned": s("PLANNED"),
                ":now": s(format_timestamp(now)),
            },
        }
    }
    written = _transact_once([update, batch.counter({"planned": -1, status.lower(): 1})])
    return status if written else "ALREADY_DONE"
