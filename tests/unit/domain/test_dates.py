"""The date rule, to the day: month ends, leap years, anchored chains, periods."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from package_service.domain.dates import Span, add_months, periods, shift


def d(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2027-01-31", 1, "2027-02-28"),
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2028-02-29", 12, "2029-02-28"),
        ("2028-02-29", 48, "2032-02-29"),
        ("2027-03-31", 1, "2027-04-30"),
        ("2027-12-31", 2, "2028-02-29"),
        ("2027-01-15", 13, "2028-02-15"),
        ("2027-08-31", -6, "2027-02-28"),
    ],
)
def test_adding_months_clamps_to_the_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(d(start), months) == d(expected)


def test_a_chain_is_computed_from_its_anchor_not_step_by_step() -> None:
    # Jan 31 + 1 month offset + 1 month duration ends Mar 31, not Mar 28.
    assert shift(d("2027-01-31"), Span(months=1), Span(months=1)) == d("2027-03-31")
    assert shift(shift(d("2027-01-31"), Span(months=1)), Span(months=1)) == d("2027-03-28")


def test_day_spans_move_the_anchor_for_later_months() -> None:
    assert shift(d("2027-01-30"), Span(days=2), Span(months=1)) == d("2027-03-01")
    assert shift(d("2027-01-31"), Span(months=1), Span(days=1)) == d("2027-03-01")


def test_units_reduce_to_months_and_days() -> None:
    assert Span.of({"unit": "YEARS", "value": 2}) == Span(months=24)
    assert Span.of({"unit": "WEEKS", "value": 3}) == Span(days=21)
    assert Span.of({"unit": "months", "value": 5}) == Span(months=5)
    assert Span.of(None) == Span()


def test_the_readme_example_credit_periods() -> None:
    # 0-day offset, 3-month duration, monthly recurrence from a Jan 31 start.
    start = d("2027-01-31")
    end = shift(start, Span(), Span(months=3))
    assert end == d("2027-04-30")
    assert periods(start, Span(), Span(months=1), end, limit=100) == [
        (d("2027-01-31"), d("2027-02-28")),
        (d("2027-02-28"), d("2027-03-31")),
        (d("2027-03-31"), d("2027-04-30")),
    ]


def test_a_leap_day_start_stays_on_the_29th_where_it_exists() -> None:
    start = d("2028-02-29")
    starts = [s for s, _ in periods(start, Span(), Span(months=12), shift(start, Span(months=60)), limit=10)]
    assert starts == [d("2028-02-29"), d("2029-02-28"), d("2030-02-28"), d("2031-02-28"), d("2032-02-29")]


def test_the_last_period_is_cut_and_the_limit_enforced() -> None:
    start = d("2027-01-01")
    assert periods(start, Span(), Span(days=7), d("2027-01-10"), limit=5)[-1] == (d("2027-01-08"), d("2027-01-10"))
    with pytest.raises(ValueError, match="more than 3 periods"):
        periods(start, Span(), Span(days=1), d("2027-01-10"), limit=3)


moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 12, 31)).map(
    lambda m: m.replace(tzinfo=UTC)
)
months = st.integers(min_value=0, max_value=600)


@given(moments, months, months)
def test_month_spans_are_additive_from_the_anchor(anchor: datetime, a: int, b: int) -> None:
    assert shift(anchor, Span(months=a), Span(months=b)) == add_months(anchor, a + b)


@given(moments, months)
def test_adding_months_keeps_the_day_or_lands_on_the_month_end(anchor: datetime, n: int) -> None:
    moved = add_months(anchor, n)
    assert (moved.year - anchor.year) * 12 + moved.month - anchor.month == n
    assert moved.time() == anchor.time()
    if moved.day != anchor.day:
        assert moved.day < anchor.day and (moved + timedelta(days=1)).month != moved.month


@given(moments, st.integers(min_value=0, max_value=36_600))
def test_day_spans_are_exact(anchor: datetime, days: int) -> None:
    assert shift(anchor, Span(days=days)) - anchor == timedelta(days=days)


@given(moments, st.integers(min_value=1, max_value=24), st.integers(min_value=1, max_value=40))
def test_periods_tile_the_window_without_gaps(anchor: datetime, every: int, count: int) -> None:
    end = shift(anchor, Span(months=every * count))
    tiles = periods(anchor, Span(), Span(months=every), end, limit=count)
    assert len(tiles) == count
    assert tiles[0][0] == anchor and tiles[-1][1] == end
    assert all(a[1] == b[0] for a, b in pairwise(tiles))
