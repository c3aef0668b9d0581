"""Properties of a lane, whatever rates are added to it in whatever batches."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from package_service.domain.base import parse_timestamp
from package_service.domain.errors import InvalidRequest
from package_service.domain.rates import RateInput, add_to_lanes, rates_at

PRODUCT = "11111111-1111-4111-8111-111111111111"
BASE = datetime(2027, 1, 1, tzinfo=UTC)


def rate(day: int, price: int) -> RateInput:
    start = (BASE + timedelta(days=day)).isoformat()
    return RateInput.model_validate(
        {"product_id": PRODUCT, "entitled": True, "rate_type": "FLAT", "price": price, "starting_at": start}
    )


batches = st.lists(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 9)), min_size=1, max_size=4), max_size=5)


@settings(max_examples=200, derandomize=True)
@given(batches)
def test_a_lane_never_overlaps_and_each_instant_has_the_latest_price_started(
    sent: list[list[tuple[int, int]]],
) -> None:
    lanes: dict[str, list[dict[str, Any]]] = {}
    accepted: dict[int, int] = {}
    for batch in sent:
        try:
            lanes = {**lanes, **add_to_lanes(lanes, [rate(d, p) for d, p in batch], [""] * len(batch))}
        except InvalidRequest:
            days = sorted(d for d, _ in batch)
            latest = max(accepted, default=-1)
            # Refused only for a reason: a repeated start in the batch, or a start at or before the latest.
            assert len(set(days)) < len(days) or days[0] <= latest
            continue
        accepted.update(dict(batch))
    [lane] = lanes.values() if lanes else [[]]
    starts = [parse_timestamp(r["starting_at"]) for r in lane]
    assert starts == sorted(set(starts))  # one rate per start, oldest first
    for before, after in pairwise(lane):
        assert before["ending_before"] == after["starting_at"]  # contiguous: no gap, no overlap
    for day in range(62):
        at = BASE + timedelta(days=day, hours=12)
        expected = [accepted[d] for d in sorted(accepted) if d <= day][-1:]
        assert [r["price"] for r in rates_at([lane], at)] == expected
