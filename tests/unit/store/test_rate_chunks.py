"""Rate chunks: splitting keeps every lane, in order, and each lane is found again in the chunk it went to."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from package_service.domain.rates import lane_of
from package_service.store import rates as store

Lane = list[dict[str, Any]]


def _lane(product: int, group: int, rates: int) -> Lane:
    return [
        {"product_id": f"p{product}", "entitled": True, "rate_type": "FLAT", "price": k,
         "starting_at": f"2027-0{k + 1}-01T00:00:00.000Z", "pricing_group_values": {"g": str(group)}}
        for k in range(rates)
    ]  # fmt: skip


lanes = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(1, 4)),
    min_size=1,
    max_size=60,
    unique_by=lambda t: t[:2],
).map(lambda specs: sorted((_lane(*spec) for spec in specs), key=lambda lane: lane_of(lane[0])))


@given(lanes=lanes, limit=st.sampled_from([1, 200, 600, 5_000]))
def test_pieces_keep_every_lane_in_order_and_route_back(lanes: list[Lane], limit: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "CHUNK_BYTES", limit)
        pieces = store._pieces(lanes)
    assert [lane for piece, _ in pieces for lane in piece] == lanes
    for piece, encoded in pieces:
        assert len(encoded) <= limit or len(piece) == 1
    starts = [""] + [lane_of(piece[0][0]) for piece, _ in pieces[1:]]  # as _puts names the chunks
    for start, (piece, _) in zip(starts, pieces, strict=True):
        assert {store.chunk_start(lane_of(lane[0]), starts) for lane in piece} == {start}
