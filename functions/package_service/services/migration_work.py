"""The worker side of a package migration: one queue message, and planning a batch of contracts
(applying: migration_apply.py).

Planning writes each contract's plan row once (a put conditioned on its absence) with its count, the
batch in one transaction conditioned on the migration still planning (a cancel stops it: no row is
written after a cancel is accepted); a redelivered batch finds its rows and writes each remaining one
on its own. A contract already moved to the target (by an earlier migration or a transition) is SKIPPED.
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..domain.aliases import assignment_at
from ..domain.base import format_timestamp, parse_timestamp
from ..domain.edit_carry import carried_diff, carried_terms
from ..domain.errors import InvalidRequest, PayloadTooLarge
from ..domain.migration_diff import term_diff
from ..domain.migrations import CannotMove, RowStatus, check_movable, effective_at
from ..domain.principal import Principal
from ..domain.provisioning import CoTerm, ProvisionRequest
from ..store.contract_edits import edit_count, edits_of
from ..store.counters import counter_update
from ..store.dynamo import Item, batch_get, key, s, table_name, text, transact
from ..store.kinds import CONTRACT, MIGRATION, PACKAGE
from ..store.migrations import plan_pk
from ..store.records import (
    ConcurrentChange,
    StoredRecord,
    alias_histories,
    get_records,
    record_from_item,
    record_key,
    record_pk,
)
from ..store.transitions import contract_doc, transitions_out
from .provisioning import PackageOnDate
from .rates import PriceBook

Doc = dict[str, Any]
BatchKind = Literal["migration_plan", "migration_apply"]
PLAN: BatchKind = "migration_plan"
APPLY: BatchKind = "migration_apply"


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


def reason_of(error: InvalidRequest | PayloadTooLarge) -> str:
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
    found = {text(item, "pk"): item for item in batch_get(keys)}
    migration_item = found.get(text(keys[0], "pk"))
    if migration_item is None or text(migration_item, "status") != "PLANNING":
        return {}  # nothing to plan for (a message for another table, or a cancelled migration)
    migration = record_from_item(migration_item)
    term = migration.doc.get("successor_term", "FULL_TERM")  # older migrations: the package's own term
    since = parse_timestamp(migration.doc["created_at"])
    records = [record_from_item(found[text(contract_key, "pk")]) for contract_key in keys[1:]]
    moved_to_target = _moved_to_target(batch, migration.doc, records)
    rows: list[Item] = []
    movable: dict[datetime, list[tuple[StoredRecord, dict[str, Any]]]] = defaultdict(list)
    for (contract_id, customer_id), record in zip(batch.contracts, records, strict=True):
        if contract_id in moved_to_target:
            rows.append(_skipped_row(batch, record, moved_to_target[contract_id], now))
            continue
        current = contract_doc(record)
        at: datetime | None = None
        try:
            at = effective_at(migration.doc["effective"], current)
            moved = transitions_out(record)
            check_movable(current, record.archived_at, moved[0]["to_contract_id"] if moved else None, at, since,
                          remaining_term=term == "REMAINING_TERM")  # fmt: skip
        except CannotMove as why:
            rows.append(_plan_row(batch, contract_id, customer_id, "ACTION_NEEDED", now, at, reason=str(why)))
            continue
        movable[at].append((record, current))
    for at, group in movable.items():
        rows += _plan_group(batch, migration.doc, at, group, now)
    return _write_rows(batch, rows)


def _moved_to_target(batch: MigrationBatch, migration: Doc, records: list[StoredRecord]) -> dict[str, StoredRecord]:
    """The successors, by the contract they succeed, of the contracts already transitioned to the target:
    its package named by id, or the alias's holder at the successor's start."""
    successor_of = {r.id: moved[0]["to_contract_id"] for r in records if (moved := transitions_out(r))}
    if not successor_of:
        return {}
    tenant = batch.tenant_id
    successors = get_records(tenant, CONTRACT, set(successor_of.values()))
    target, alias = migration.get("to_package_id"), migration.get("to_package_alias")
    history = alias_histories(tenant, PACKAGE, {alias}).get(alias, []) if alias else []
    out = {}
    for contract_id, successor_id in successor_of.items():
        successor = successors.get(successor_id)
        if successor is None or successor.archived_at:
            continue
        package = successor.doc.get("package_id")
        if alias:
            holder = assignment_at(history, parse_timestamp(successor.doc["starting_at"]))
            target = holder.holder_id if holder else None
        if package and package == target:
            out[contract_id] = successor
    return out


def _skipped_row(batch: MigrationBatch, record: StoredRecord, successor: StoredRecord, now: datetime) -> Item:
    package, start = successor.doc["package_id"], successor.doc["starting_at"]
    reason = f"already moved to package {package}: contract {successor.id} succeeds it from {start}"
    row = _plan_row(batch, record.id, record.doc["customer_id"], "SKIPPED", now, parse_timestamp(start),
                    reason=reason, to_package_id=package, new_contract_id=successor.id)  # fmt: skip
    return row


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
            _plan_row(batch, r.id, r.doc["customer_id"], "ACTION_NEEDED", now, at, reason=reason_of(error))
            for r, _ in group
        ]
    rows = []
    term = migration.get("successor_term", "FULL_TERM")
    prices = PriceBook(batch.principal.tenant_id, now)
    for record, current in group:
        customer_id = record.doc["customer_id"]
        request = ProvisionRequest(customer_id=customer_id, package_id=on_date.package.id, starting_at=at)
        co_term = CoTerm.of(current) if term == "REMAINING_TERM" else None
        carried = carried_terms(current, edits_of(record), at)
        try:
            plan = on_date.plan(request, now, co_term=co_term, carried=carried)
        except (InvalidRequest, PayloadTooLarge) as error:  # no or several matching billing configurations...
            rows.append(_plan_row(batch, record.id, customer_id, "ACTION_NEEDED", now, at, reason=reason_of(error)))
            continue
        config = plan.resolved.billing_config
        diff = term_diff(current, plan.doc, at) | _priced(prices.diff(current, plan.doc, at))
        if carried:  # the customer's own edits, brought along (an edit after this plan: ACTION_NEEDED at apply)
            diff["carried"] = carried_diff(carried, at)
        fields = {
            "to_package_id": on_date.package.id,
            "successor_term": term,
            "diff": json.dumps(diff),
            "planned_edit_count": str(edit_count(record)),
        }
        if config:
            fields["billing_config_id"] = config["id"]
        rows.append(_plan_row(batch, record.id, customer_id, "PLANNED", now, at, **fields))
    return rows


def _priced(prices: dict[str, Any]) -> dict[str, Any]:
    """The diff's `prices` (per product, before and after), when either contract's rate card has rates."""
    return {"prices": prices} if prices else {}


def _row_put(row: Item) -> Item:
    return {"Put": {"TableName": table_name(), "Item": row, "ConditionExpression": "attribute_not_exists(pk)"}}


def _still_planning(batch: MigrationBatch) -> Item:
    """The condition every plan row's transaction carries: a cancel accepted before it stops it."""
    check = {
        "TableName": table_name(),
        "Key": record_key(batch.tenant_id, MIGRATION, batch.migration_id),
        "ConditionExpression": "#status = :planning",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":planning": s("PLANNING")},
    }
    return {"ConditionCheck": check}


class MigrationCancelled(Exception):
    """The migration stopped planning (cancelled) while this batch was being planned."""


def _write_rows(batch: MigrationBatch, rows: list[Item]) -> dict[str, int]:
    """All rows and their counts in one transaction; if it is cancelled (a redelivery: some rows are
    there already), each row with its count on its own, the ones already there left alone. A cancelled
    migration stops the writing: nothing more is written."""
    if not rows:
        return {}
    statuses = Counter(text(row, "row_status").lower() for row in rows)
    reasons = transact([*map(_row_put, rows), batch.counter(dict(statuses)), _still_planning(batch)])
    if reasons is None:
        return dict(statuses)
    if reasons[-1].get("Code") == "ConditionalCheckFailed":
        return {}
    codes = {str(r.get("Code")) for r in reasons} - {"None", "ConditionalCheckFailed", "TransactionConflict"}
    if codes:
        raise ConcurrentChange(f"planning batch cancelled by {sorted(codes)}")
    written: Counter[str] = Counter()
    try:
        for row in rows:
            status = text(row, "row_status").lower()
            if _write_row(batch, row, status):
                written[status] += 1
    except MigrationCancelled:
        pass
    return dict(written)


def _write_row(batch: MigrationBatch, row: Item, status: str) -> bool:
    """One plan row with its count; False if it was written before."""
    reasons = transact([_row_put(row), batch.counter({status: 1}), _still_planning(batch)])
    if reasons is None:
        return True
    if reasons[-1].get("Code") == "ConditionalCheckFailed":
        raise MigrationCancelled(batch.migration_id)
    if reasons[0].get("Code") == "ConditionalCheckFailed":
        return False
    raise ConcurrentChange(f"plan row of contract {row['sk']['S']} could not be written; retry")


def transact_once(items: list[Item]) -> bool:
    """Write the items; False if the first one's condition failed (it was written before)."""
    reasons = transact(items)
    if reasons is None:
        return True
    if reasons[0].get("Code") == "ConditionalCheckFailed":
        return False
    raise ConcurrentChange(f"cancelled by {sorted({str(r.get('Code')) for r in reasons})}; retry")
