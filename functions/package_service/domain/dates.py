"""Calendar arithmetic for relative terms. Pure and documented, because billing is judged to the day.

The rule:
- A span is `{unit, value}`: WEEKS are 7 DAYS and YEARS are 12 MONTHS, so every span is a number of
  months or a number of days.
- Adding months keeps the day of month and clamps to the month's last day:
  Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year); the time of day is kept.
- A chain of spans is computed *from its anchor*, not step by step: consecutive month spans are
  summed first, so a term that starts at a month end stays on month ends.
  Jan 31 + 1 month offset + 1 month duration = Jan 31 + 2 months = Mar 31 (not Feb 28 + 1 month
  = Mar 28). A day span moves the anchor: later month spans count from the day it reaches.
"""

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Span:
    """A relative time reduced to whole months or whole days (one of them is zero)."""

    months: int = 0
    days: int = 0

    @classmethod
    def of(cls, relative: dict[str, Any] | None) -> "Span":
        """From a stored `{unit, value}`; None (an omitted offset) is no time at all."""
        if relative is None:
            return cls()
        unit, value = str(relative["unit"]).upper(), int(relative["value"])
        if unit == "YEARS":
            return cls(months=12 * value)
        if unit == "MONTHS":
            return cls(months=value)
        if unit == "WEEKS":
            return cls(days=7 * value)
        if unit == "DAYS":
            return cls(days=value)
        raise ValueError(f"unknown unit {relative['unit']!r}")

    def times(self, count: int) -> "Span":
        return Span(self.months * count, self.days * count)


def add_months(moment: datetime, months: int) -> datetime:
    """Same day of month `months` later, clamped to the last day of the target month."""
    year, month_index = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


def shift(anchor: datetime, *spans: Span) -> datetime:
    """`anchor` moved by `spans` in order, month spans counted together from their anchor."""
    moment, pending_months = anchor, 0
    for span in spans:
        if span.days:
            moment = add_months(moment, pending_months) + timedelta(days=span.days)
            pending_months = 0
        pending_months += span.months
    return add_months(moment, pending_months)


class TooManyPeriods(ValueError):
    """More periods than the caller's limit (a date past datetime's range is a plain ValueError)."""


FREQUENCY_SPANS: dict[str, Span] = {
    "DAILY": Span(days=1),
    "WEEKLY": Span(days=7),
    "MONTHLY": Span(months=1),
    "QUARTERLY": Span(months=3),
    "ANNUAL": Span(months=12),
}


def first_period_at(anchor: datetime, period: Span, moment: datetime, offset: Span = Span()) -> int:
    """The number of the period counted from `anchor + offset` that contains `moment` (0 if `moment` is
    not after it): the largest count whose start, anchor + offset + count periods, is at or before it.
    Computed, not walked from the anchor: `moment` may be centuries away."""
    origin = shift(anchor, offset)
    if moment <= origin:
        return 0
    if period.months:
        elapsed = (moment.year - origin.year) * 12 + moment.month - origin.month
        count = max(0, elapsed // period.months - 1)
    else:
        count = max(0, (moment - origin).days // period.days - 1)
    while shift(anchor, offset, period.times(count + 1)) <= moment:
        count += 1
    return count


def periods(
    anchor: datetime,
    offset: Span,
    frequency: Span,
    ending_before: datetime,
    limit: int,
    starting_at: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """Consecutive periods of `frequency` from `anchor + offset` until `ending_before`.

    Period i starts at anchor + offset + i * frequency, computed from the anchor (so periods that
    start on Jan 31 fall on Feb 28, Mar 31, Apr 30...). The last period is cut at `ending_before`.
    With `starting_at` (a co-termed successor's term, which starts between two of the anchor's
    boundaries), the periods before it are left out and the one spanning it starts at it.
    Raises TooManyPeriods past `limit` periods.
    """
    origin = shift(anchor, offset)
    first = first_period_at(anchor, frequency, starting_at, offset) if starting_at else 0
    out: list[tuple[datetime, datetime]] = []
    start = max(shift(anchor, offset, frequency.times(first)), starting_at or origin)
    while start < ending_before:
        if len(out) == limit:
            raise TooManyPeriods(f"more than {limit} periods")
        end = min(shift(anchor, offset, frequency.times(first + len(out) + 1)), ending_before)
        out.append((start, end))
        start = end
    return out
