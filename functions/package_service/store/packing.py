"""Several records' writes in one transaction, as cohort provisioning and a migration's apply do.

Consecutive entries go together while DynamoDB's caps allow (100 items, 4 MB): each identical condition
check (the package's, shared by a cohort) is written once, and one counter update serves the whole
transaction. When DynamoDB cancels one, nothing of it was written, and its CancellationReasons (read
back through the items: transaction.py) say which entries' items failed their conditions: those are
settled on their own, the others can go together again.
"""

import json
import marshal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from .dynamo import Item
from .records import MAX_TRANSACTION_ITEMS
from .transaction import Transaction

TRANSACTION_BYTES = 3_000_000  # DynamoDB's cap is 4 MB of items; they are measured from above, with room to spare


@dataclass
class Writes:
    """One entry's transaction items (writes and condition checks), and their size."""

    items: list[Item]

    @cached_property
    def size(self) -> int:
        """At least the items' bytes as DynamoDB counts them (names and values, UTF-8): marshal's version 2
        writes every string whole, as UTF-8, with a few bytes around it and no back-references. A fifth
        of the cost of measuring them as JSON (a migration's move is ~20 KB of items)."""
        return len(marshal.dumps(self.items, 2))

    @property
    def writes(self) -> list[Item]:
        return [item for item in self.items if "ConditionCheck" not in item]

    @cached_property
    def checks(self) -> dict[str, Item]:
        """Its condition checks by identity: entries of one package share the package's."""
        return {json.dumps(i, sort_keys=True): i for i in self.items if "ConditionCheck" in i}


def packs[Entry: Writes](entries: Sequence[Entry]) -> Iterator[list[Entry]]:
    """Consecutive entries, as many per transaction as the caps allow (one item left for the counter)."""
    group: list[Entry] = []
    checks: set[str] = set()
    writes = size = 0
    for each in entries:
        more_checks = checks | set(each.checks)
        items = writes + len(each.writes) + len(more_checks) + 1  # + the counter update
        if group and (size + each.size > TRANSACTION_BYTES or items > MAX_TRANSACTION_ITEMS):
            yield group
            group, more_checks, writes, size = [], set(each.checks), 0, 0
        group.append(each)
        checks, writes, size = more_checks, writes + len(each.writes), size + each.size
    if group:
        yield group


def pack_items(group: Sequence[Writes], counter: Item) -> Transaction:
    """The transaction for `group` (every entry's writes, each identical check once, then `counter`);
    each item's `detail` is the positions in `group` of the entries it belongs to."""
    tx = Transaction()
    checks: dict[str, tuple[Item, set[int]]] = {}
    for position, each in enumerate(group):
        for item in each.writes:
            tx.add(item, detail={position})
        for identity, check in each.checks.items():
            checks.setdefault(identity, (check, set()))[1].add(position)
    for check, sharing in checks.values():
        tx.add(check, detail=sharing)
    tx.add(counter, detail=set())
    return tx


def failed_entries(reasons: Sequence[Item], tx: Transaction) -> set[int]:
    """The positions of the entries whose items failed their condition in a cancelled transaction."""
    return {position for entry, _ in tx.failures(reasons) for position in entry.detail}
