"""The Provisioner's part of a package migration: send its contracts to the queue, page by page.

Planning pages through the from-package's index (every shard, archived contracts left out, the
customer subset applied); applying pages through the plan rows still PLANNED. After each page is
queued the page pointer moves (and, when planning, the number of contracts sent is added to
`plan_expected`) in one update under the lease: a run that stops re-sends at most one page, which
the worker recognises, and counts it once.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.audit import PROVISIONER
from ..domain.jobs import chunks
from ..domain.migrations import MESSAGE_SIZE
from ..store.completions import migration_milestone
from ..store.leases import SAFETY_MARGIN_MS, Claim, release, work_done
from ..store.migrations import advance_fan_cursor, mark_fanned_out, planned_rows_page
from ..store.package_index import SHARDS, active_index_page
from ..store.queue import send_messages
from .migration_work import APPLY, PLAN, MigrationBatch

PAGE = 250  # index rows or plan rows read per step


def fan_out_migration(held: Claim, now: datetime, time_left_ms: Callable[[], int]) -> str:
    planning = held.text("status") == "PLANNING"
    cursor: dict[str, Any] = json.loads(held.text("fan_cursor") or "{}")
    while True:
        if (planning and cursor.get("shard", 0) >= SHARDS) or (not planning and cursor.get("done")):
            return _finish(held, now, "plan_fanned_out_at" if planning else "apply_fanned_out_at")
        if time_left_ms() < SAFETY_MARGIN_MS:
            release(held, now)
            return "paused"
        pairs, cursor = _plan_page(held, cursor) if planning else _apply_page(held, cursor)
        kind = PLAN if planning else APPLY
        send_messages(
            [
                MigrationBatch(kind, held.tenant, held.doc["created_by"], held.id, batch).to_message()
                for batch in chunks(pairs, MESSAGE_SIZE)
            ]
        )
        if not advance_fan_cursor(held, json.dumps(cursor), len(pairs) if planning else None):
            return "paused"  # the lease was taken over, or the migration cancelled


def _finish(held: Claim, now: datetime, stamp: str) -> str:
    """Mark the phase fanned out, record the milestone if the workers are already done (store/completions.py),
    and only then leave the due index: a run that stops in between is checked again by the next trigger."""
    if not mark_fanned_out(held, stamp, now):
        return "paused"
    migration_milestone(held.tenant, held.id, now, PROVISIONER)
    work_done(held, now, stamp)
    return "finished"


def _plan_page(held: Claim, cursor: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    shard = int(cursor.get("shard", 0))
    pairs, after = active_index_page(held.tenant, held.doc["from_package_id"], shard, cursor.get("after"), PAGE)
    subset = set(held.doc.get("customer_ids") or ())
    pairs = [(contract, customer) for contract, customer in pairs if not subset or customer in subset]
    return pairs, ({"shard": shard, "after": after} if after else {"shard": shard + 1})


def _apply_page(held: Claim, cursor: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    pairs, after = planned_rows_page(held.tenant, held.id, cursor.get("after"), PAGE)
    return pairs, ({"after": after} if after else {"done": True})
