"""Alias schedules: newest assignment wins; older holders keep only what nobody newer covers."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from package_service.domain.aliases import AliasAssignment, assignment_at, effective_windows

JAN, MAR, JUN = (datetime(2027, m, 1, tzinfo=UTC) for m in (1, 3, 6))


def holder_at(history: list[AliasAssignment], when: datetime) -> str | None:
    """Who holds the alias at `when`, by the schedule provisioning reads (assignment_at)."""
    assignment = assignment_at(history, when)
    return assignment.holder_id if assignment else None


def test_a_later_window_trims_the_earlier_holder() -> None:
    history = [AliasAssignment("v1"), AliasAssignment("v2", starting_at=MAR)]
    assert effective_windows(history, "v1") == [(None, MAR)]
    assert effective_windows(history, "v2") == [(MAR, None)]
    assert holder_at(history, JAN) == "v1"
    assert holder_at(history, MAR) == "v2"  # starting_at is inclusive


def test_a_window_in_the_middle_splits_the_earlier_holder() -> None:
    history = [AliasAssignment("v1"), AliasAssignment("promo", starting_at=MAR, ending_before=JUN)]
    assert effective_windows(history, "v1") == [(None, MAR), (JUN, None)]
    assert holder_at(history, JUN) == "v1"  # ending_before is exclusive


def test_an_unbounded_reassignment_takes_everything() -> None:
    history = [AliasAssignment("v1", starting_at=JAN), AliasAssignment("v2")]
    assert effective_windows(history, "v1") == []
    assert holder_at(history, JAN - timedelta(days=400)) == "v2"


def test_no_holder_outside_every_window() -> None:
    history = [AliasAssignment("v1", starting_at=MAR, ending_before=JUN)]
    assert holder_at(history, JAN) is None


def test_round_trip_through_storage() -> None:
    original = AliasAssignment("v1", starting_at=MAR, ending_before=JUN)
    assert AliasAssignment.from_item(original.to_item()) == original


days = st.integers(min_value=0, max_value=60)
bounds = st.one_of(st.none(), days)


@st.composite
def histories(draw: st.DrawFn) -> list[AliasAssignment]:
    base = datetime(2027, 1, 1, tzinfo=UTC)
    out = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        start, end = draw(bounds), draw(bounds)
        if start is not None and end is not None and end <= start:
            start, end = end, (start if start > end else start + 1)
        out.append(
            AliasAssignment(
                f"p{index % 3}",
                base + timedelta(days=start) if start is not None else None,
                base + timedelta(days=end) if end is not None else None,
            )
        )
    return out


@given(histories(), days)
def test_resolution_agrees_with_the_schedules_get_shows(history: list[AliasAssignment], day: int) -> None:
    when = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=day)
    holders = {
        assignment.holder_id
        for assignment in history
        for start, end in effective_windows(history, assignment.holder_id)
        if (start is None or start <= when) and (end is None or when < end)
    }
    resolved = holder_at(history, when)
    assert holders == ({resolved} if resolved else set())
