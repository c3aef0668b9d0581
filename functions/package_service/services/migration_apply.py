"""Applying a package migration: each PLANNED contract moved exactly once, several to a transaction.

One contract's move is: the successor (its `uniqueness_key` `migration:<migration>:<contract>`) with its
package-index row and its audit entry (`provision`, naming the migration), the old contract's end
(store/transitions.py: conditioned on no transition out yet and no archive, the only ways a contract changes)
with its index row and its audit entry (`transition`, naming the migration and the successor), and the
plan row from PLANNED to APPLIED (conditioned on PLANNED: the move's guard, as a cohort's result row is).
The moves of one message go several to a transaction (store/packing.py: one package check, one counter
update), so the worker pays one call for about ten contracts. When DynamoDB cancels a transaction
nothing of it was written; its cancellation reasons name the items whose condition failed, and so the
contracts they belong to: those are moved one at a time (a redelivery finds its row settled; a contract
changed since the plan becomes ACTION_NEEDED with the reason), and the others go together again.
"""

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from uuid import uuid4

from ..domain.audit import WORKER, AuditEntry, Change
from ..domain.base import format_timestamp, parse_timestamp
from ..domain.edit_carry import carried_terms
from ..domain.errors import InvalidRequest, PayloadTooLarge
from ..domain.migrations import RowStatus
from ..domain.provisioning import CoTerm, ProvisionRequest, Transition
from ..store.audit import background_entry
from ..store.contract_edits import edit_count, edits_of
from ..store.dynamo import Item, batch_get, maybe_text, s, table_name, text, text_or, transact
from ..store.kinds import CONTRACT
from ..store.packing import Writes, failed_entries, pack_items, packs
from ..store.records import (
    ConcurrentChange,
    ConditionFailed,
    GuardedItem,
    NewRecord,
    put_record_guarded,
    record_key,
    transaction_items,
)
from ..store.transaction import Failure
from ..store.transitions import contract_doc
from .migration_work import PLAN, MigrationBatch, plan_batch, reason_of, transact_once
from .provisioning import PackageOnDate
from .transitions import check_transition

_ATTEMPTS = 3


def run_migration_batch(batch: MigrationBatch, now: datetime) -> dict[str, int]:
    return plan_batch(batch, now) if batch.kind == PLAN else apply_batch(batch, now)


def apply_batch(batch: MigrationBatch, now: datetime) -> dict[str, int]:
    """Apply each still PLANNED row of the batch; returns how many this call settled, by status."""
    rows = batch_get([batch.row_key(c) for c, _ in batch.contracts])
    groups: dict[tuple[str, str, str], list[Item]] = defaultdict(list)
    for row in rows:
        if text(row, "row_status") == "PLANNED":
            term = text_or(row, "successor_term", "FULL_TERM")
            groups[(text(row, "to_package_id"), text(row, "effective_at"), term)].append(row)
    tally: Counter[str] = Counter()
    for (package_id, at, _), group in groups.items():
        customers = sorted({text(row, "customer_id") for row in group})
        try:
            on_date = _target(batch, package_id, at, customers, [text(row, "sk") for row in group])
        except InvalidRequest as error:  # the target package was archived since the plan
            for row in group:
                tally[_settle(batch, row, "ACTION_NEEDED", now, reason_of(error))] += 1
            continue
        tally.update(_apply_group(batch, on_date, group, now))
    tally.pop("ALREADY_DONE", None)
    return {status.lower(): count for status, count in tally.items()}


def _target(
    batch: MigrationBatch, package_id: str, at: str, customers: list[str], contracts: list[str]
) -> PackageOnDate:
    """The target package on `at`, with the customers and the contracts they move from read with it."""
    extra = [record_key(batch.tenant_id, CONTRACT, contract_id) for contract_id in contracts]
    return PackageOnDate(batch.principal, parse_timestamp(at), package_id, None, customers, extra)


@dataclass
class _Move(Writes):
    """One contract's move, ready to write with others (its counter update left to the transaction)."""

    row: Item = field(default_factory=dict)
    record: NewRecord | None = None  # what put_record_guarded writes when the move goes alone


def _apply_group(batch: MigrationBatch, on_date: PackageOnDate, rows: list[Item], now: datetime) -> Counter[str]:
    tally: Counter[str] = Counter()
    while rows:
        moves: list[_Move] = []
        for row in rows:
            prepared = _prepare(batch, on_date, row, now, counted=False)
            if isinstance(prepared, str):
                tally[prepared] += 1  # settled instead: changed since the plan
            else:
                moves.append(prepared)
        rows = []
        for pack in packs(moves):
            written, alone, again = _write_pack(batch, pack)
            tally["APPLIED"] += written
            for move in alone:  # its own condition failed: learn why, one contract at a time
                tally[_apply_one(batch, on_date, move.row, now)] += 1
            # Packed with a failing contract, they were not written: prepared anew, they go together again.
            rows += [move.row for move in again]
    return tally


def _write_pack(batch: MigrationBatch, pack: list[_Move]) -> tuple[int, list[_Move], list[_Move]]:
    """Write the pack in one transaction: (how many moved, the moves to settle alone, the moves to try
    together again). Conflicts with other writers are retried; after that each move goes alone."""
    tx = pack_items(pack, batch.counter({"planned": -len(pack), "applied": len(pack)}))
    for attempt in range(_ATTEMPTS):
        reasons = transact(tx.items)
        if reasons is None:
            return len(pack), [], []
        failed = failed_entries(reasons, tx)
        if failed:
            return 0, [pack[i] for i in sorted(failed)], [m for i, m in enumerate(pack) if i not in failed]
        time.sleep(0.02 * 2**attempt)  # a transaction conflict: another writer touched one of the items
    return 0, pack, []


def _prepare(batch: MigrationBatch, on_date: PackageOnDate, row: Item, now: datetime, counted: bool) -> "_Move | str":
    """The move of one PLANNED row as transaction items, or the status it was settled with instead (the
    contract changed since the plan). `counted`: its own counter update among the items (moved alone)."""
    contract_id, customer_id = text(row, "sk"), text(row, "customer_id")
    request = ProvisionRequest(
        customer_id=customer_id,
        package_id=on_date.package.id,
        starting_at=on_date.starting_at,
        uniqueness_key=f"migration:{batch.migration_id}:{contract_id}",
        transition=Transition(from_contract_id=contract_id, type="RENEWAL"),
    )
    try:
        previous = on_date.previous_contract(contract_id)
        check_transition(previous, request)
        assert previous is not None  # check_transition refuses a missing contract
        planned_edits = maybe_text(row, "planned_edit_count")
        if planned_edits is not None and int(planned_edits) != edit_count(previous):
            return _settle(batch, row, "ACTION_NEEDED", now, "the contract was edited since the plan; plan again")
        remaining = maybe_text(row, "successor_term") == "REMAINING_TERM"
        current = contract_doc(previous)
        co_term = CoTerm.of(current) if remaining else None
        carried = carried_terms(current, edits_of(previous), on_date.starting_at)
        new_id = str(uuid4())
        extras = _applied_items(batch, row, new_id, now, counted)
        audit = _entries(batch, contract_id, new_id, on_date, now)
        # The plan row's PLANNED -> APPLIED is the uniqueness guard (as a cohort's result row is): no guard item.
        plan = on_date.plan(request, now, extras, new_id, guard_written_by_caller=True, co_term=co_term, audit=audit,
                            carried=carried)  # fmt: skip
        if (plan.resolved.billing_config or {}).get("id") != maybe_text(row, "billing_config_id"):
            reason = "the customer's matching billing provider configuration changed since the plan"
            return _settle(batch, row, "ACTION_NEEDED", now, reason)
        return _Move(transaction_items(plan.record), row, plan.record)
    except InvalidRequest as error:  # changed since the plan: transitioned, archived, configuration...
        return _settle(batch, row, "ACTION_NEEDED", now, f"changed since the plan: {reason_of(error)}")
    except PayloadTooLarge as error:
        return _settle(batch, row, "FAILED", now, reason_of(error))


def _entries(
    batch: MigrationBatch, old_id: str, new_id: str, on_date: PackageOnDate, now: datetime
) -> list[AuditEntry]:
    """The audit entries of one move, one on each contract, written in its transaction."""
    migration, package, at = batch.migration_id, on_date.package.id, format_timestamp(on_date.starting_at)
    provisioned = f"provisioned from package {package}, starting {at}, by package migration {migration} " \
                  f"(succeeds contract {old_id})"  # fmt: skip
    ended = f"renewal transition to contract {new_id}, which starts {at}, by package migration {migration}"
    return [
        background_entry(batch.tenant_id, Change("contract", new_id, "provision", provisioned), now, WORKER),
        background_entry(batch.tenant_id, Change("contract", old_id, "transition", ended), now, WORKER),
    ]


def _apply_one(batch: MigrationBatch, on_date: PackageOnDate, row: Item, now: datetime) -> str:
    """One contract's move in a transaction of its own, read again on a concurrent change."""
    contract_id, customer_id = text(row, "sk"), text(row, "customer_id")
    for _ in range(_ATTEMPTS):
        prepared = _prepare(batch, on_date, row, now, counted=True)
        if isinstance(prepared, str):
            return prepared
        try:
            assert prepared.record is not None
            put_record_guarded(prepared.record)
            return "APPLIED"
        except ConditionFailed as failed:
            if failed.failure is Failure.PLAN_ROW_SETTLED:
                return "ALREADY_DONE"  # another delivery settled this row first
        except ConcurrentChange:
            pass
        # Something read changed before the write (the old contract, the customer, the package): read
        # them again, and the checks say why.
        on_date = _target(batch, on_date.package.id, text(row, "effective_at"), [customer_id], [contract_id])
    raise ConcurrentChange(f"contract {contract_id} kept changing while its migration was applied")


def _applied_items(batch: MigrationBatch, row: Item, new_id: str, now: datetime, counted: bool) -> list[GuardedItem]:
    """The plan row PLANNED -> APPLIED (once: its failure tells a second delivery apart), and its count
    when the move is written alone. The row is put whole (it was read whole): cheaper than an update."""
    applied = {**row, "row_status": s("APPLIED"), "new_contract_id": s(new_id), "settled_at": s(format_timestamp(now))}
    put = {
        "TableName": table_name(),
        "Item": applied,
        "ConditionExpression": "row_status = :planned",
        "ExpressionAttributeValues": {":planned": s("PLANNED")},
    }
    items = [GuardedItem({"Put": put}, Failure.PLAN_ROW_SETTLED)]
    return [*items, GuardedItem(batch.counter({"planned": -1, "applied": 1}))] if counted else items


def _settle(batch: MigrationBatch, row: Item, status: RowStatus, now: datetime, reason: str) -> str:
    """A PLANNED row that will not move: its status, reason and count, once."""
    update = {
        "Update": {
            "TableName": table_name(),
            "Key": batch.row_key(text(row, "sk")),
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
    written = transact_once([update, batch.counter({"planned": -1, status.lower(): 1})])
    return status if written else "ALREADY_DONE"
