"""Records and alias rows read together (one BatchGetItem per 100 keys), looked up by what was asked
for: a service names kinds, ids and alias names, never the keys or items behind them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..domain.aliases import AliasAssignment
from .dynamo import Item, batch_get, text
from .records import StoredRecord, alias_key, history_from_item, record_from_item, record_key


@dataclass
class Found:
    """What batch reads in one tenant found, by partition key."""

    tenant: str
    items: dict[str, Item] = field(default_factory=dict)
    # The last record of each kind parsed, kept: a migration asks for the contract it moves twice (to
    # check it, then, its customer read between, to end it), and its ~8 KB document is parsed once. The
    # last only: a batch's records all kept would stay in memory until the batch is done.
    _last: dict[str, tuple[str, StoredRecord]] = field(default_factory=dict, repr=False)

    def record(self, kind: str, record_id: str) -> StoredRecord | None:
        pk = text(record_key(self.tenant, kind, record_id), "pk")
        last = self._last.get(kind)
        if last is not None and last[0] == pk:
            return last[1]
        item = self.items.get(pk)
        if item is None:
            return None
        parsed = record_from_item(item)
        self._last[kind] = (pk, parsed)
        return parsed

    def alias_history(self, kind: str, name: str) -> list[AliasAssignment]:
        """The alias's assignments ([] when it was not found)."""
        item = self.items.get(text(alias_key(self.tenant, kind, name), "pk"))
        return history_from_item(item) if item else []

    def add(self, other: "Found") -> None:
        self.items.update(other.items)
        self._last.clear()


def read_together(
    tenant: str,
    records: Iterable[tuple[str, str]] = (),
    aliases: Iterable[tuple[str, str]] = (),
    keys: Sequence[Item] = (),
) -> Found:
    """Read the records (kind, id), the alias rows (kind, name) and any record `keys` a caller holds in one
    batch; nothing asked for, no call."""
    wanted = [record_key(tenant, kind, record_id) for kind, record_id in records]
    wanted += [alias_key(tenant, kind, name) for kind, name in aliases]
    wanted += keys
    return Found(tenant, {text(item, "pk"): item for item in batch_get(wanted)} if wanted else {})
