"""Alias schedules. Pure: an alias's history is a list of assignments, newest last.

An alias points at the package (or rate card) it was most recently assigned to for a given
instant. Older holders are "trimmed" by computing, at read time, what of their window no newer
assignment covers; nothing already stored is rewritten, so a create never has to read first.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

_BEGINNING = datetime.min.replace(tzinfo=UTC)
_END = datetime.max.replace(tzinfo=UTC)

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class AliasAssignment:
    holder_id: str
    starting_at: datetime | None = None
    ending_before: datetime | None = None
    # A package's rate card alias and the products its terms name (comma-separated ids), copied here so
    # provisioning by package alias reads the package, the rate card alias and the product names at once.
    rate_card_alias: str | None = None
    product_ids: str | None = None

    @property
    def window(self) -> Window:
        return (self.starting_at or _BEGINNING, self.ending_before or _END)

    def to_item(self) -> dict[str, str | None]:
        return {
            "holder_id": self.holder_id,
            "starting_at": self.starting_at.isoformat() if self.starting_at else None,
            "ending_before": self.ending_before.isoformat() if self.ending_before else None,
            "rate_card_alias": self.rate_card_alias,
            "product_ids": self.product_ids,
        }

    @classmethod
    def from_item(cls, item: dict[str, str | None]) -> "AliasAssignment":
        start, end = item.get("starting_at"), item.get("ending_before")
        return cls(
            holder_id=str(item["holder_id"]),
            starting_at=datetime.fromisoformat(start) if start else None,
            ending_before=datetime.fromisoformat(end) if end else None,
            rate_card_alias=item.get("rate_card_alias"),
            product_ids=item.get("product_ids"),
        )


def _subtract(windows: list[Window], cut: Window) -> list[Window]:
    kept: list[Window] = []
    for start, end in windows:
        if cut[1] <= start or end <= cut[0]:
            kept.append((start, end))
            continue
        if start < cut[0]:
            kept.append((start, cut[0]))
        if cut[1] < end:
            kept.append((cut[1], end))
    return kept


def effective_windows(history: list[AliasAssignment], holder_id: str) -> list[tuple[datetime | None, datetime | None]]:
    """The parts of `holder_id`'s own assignments that no later assignment overrides, in time order."""
    result: list[Window] = []
    for index, assignment in enumerate(history):
        if assignment.holder_id != holder_id:
            continue
        windows = [assignment.window]
        for later in history[index + 1 :]:
            windows = _subtract(windows, later.window)
        result.extend(windows)
    return [(None if start == _BEGINNING else start, None if end == _END else end) for start, end in sorted(result)]


def assignment_at(history: list[AliasAssignment], when: datetime) -> AliasAssignment | None:
    """The assignment in force at `when`: the newest one whose window contains it."""
    for assignment in reversed(history):
        start, end = assignment.window
        if start <= when < end:
            return assignment
    return None
