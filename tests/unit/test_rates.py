"""Rates and the price a contract pays: the pure rules, as tables."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from package_service.domain.errors import InvalidRequest
from package_service.domain.rate_overrides import contract_rate_schedule, in_precedence, override_rate
from package_service.domain.rates import (
    Product,
    RateInput,
    RateSelector,
    add_to_lanes,
    lane_of,
    page_after,
    rates_at,
    rates_between,
    selected,
)

TOKENS, SEATS = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
PRODUCTS = {TOKENS: Product("Tokens", ["ai"], {}), SEATS: Product("Seats", ["seats"], {})}
JAN, APR, JUL, OCT = (datetime(2027, m, 1, tzinfo=UTC) for m in (1, 4, 7, 10))


def rate(start: str, price: float = 1.0, product: str = TOKENS, **more: Any) -> RateInput:
    return RateInput.model_validate(
        {"product_id": product, "entitled": True, "rate_type": "FLAT", "price": price, "starting_at": start, **more}
    )


def lanes_after(*batches: list[RateInput]) -> list[list[dict[str, Any]]]:
    lanes: dict[str, list[dict[str, Any]]] = {}
    for batch in batches:
        lanes.update(add_to_lanes(lanes, batch, [f"rates[{i}]." for i in range(len(batch))]))
    return list(lanes.values())


def test_a_later_rate_ends_the_previous_one_at_its_start() -> None:
    [lane] = lanes_after([rate("2027-01-01T00:00:00Z", 2)], [rate("2027-04-01T00:00:00Z", 3)])
    assert [(r["price"], r["starting_at"], r.get("ending_before")) for r in lane] == [
        (2, "2027-01-01T00:00:00.000Z", "2027-04-01T00:00:00.000Z"),
        (3, "2027-04-01T00:00:00.000Z", None),
    ]
    assert [r["price"] for r in rates_at([lane], datetime(2027, 3, 31, 23, tzinfo=UTC))] == [2]
    assert [r["price"] for r in rates_at([lane], APR)] == [3]
    assert rates_at([lane], datetime(2026, 12, 31, tzinfo=UTC)) == []


def test_one_request_may_carry_a_lanes_changes_in_any_order() -> None:
    [lane] = lanes_after([rate("2027-04-01T00:00:00Z", 3), rate("2027-01-01T00:00:00Z", 2)])
    assert [r["price"] for r in lane] == [2, 3] and lane[0]["ending_before"] == "2027-04-01T00:00:00.000Z"


def test_pricing_groups_and_frequencies_are_lanes_of_their_own() -> None:
    east, west = ({"region": r} for r in ("east", "west"))
    docs = [r.model_dump(mode="json", exclude_none=True) for r in (
        rate(JAN.isoformat(), pricing_group_values=east), rate(JAN.isoformat(), pricing_group_values=west),
        rate(JAN.isoformat(), product=SEATS, rate_type="SUBSCRIPTION", is_prorated=True, billing_frequency="MONTHLY"),
        rate(JAN.isoformat(), product=SEATS, rate_type="SUBSCRIPTION", is_prorated=True, billing_frequency="ANNUAL"),
    )]  # fmt: skip
    assert len({lane_of(d) for d in docs}) == 4
    assert len(lanes_after([rate(JAN.isoformat(), pricing_group_values=east), rate(JAN.isoformat())])) == 2


@pytest.mark.parametrize(
    ("batches", "message"),
    [
        ([[rate("2027-01-01T00:00:00Z"), rate("2027-01-01T00:00:00Z", 2)]], "rates[1].starting_at: overlaps"),
        ([[rate("2027-04-01T00:00:00Z")], [rate("2027-04-01T00:00:00Z")]], "rates[0].starting_at: overlaps"),
        ([[rate("2027-04-01T00:00:00Z")], [rate("2027-01-01T00:00:00Z")]], "rates[0].starting_at: must not be before"),
    ],
)
def test_overlapping_and_out_of_order_rates_are_refused(batches: list[list[RateInput]], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("[", r"\[").replace("]", r"\]")):
        lanes_after(*batches)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"rate_type": "FLAT", "price": None}, "price is required"),
        ({"rate_type": "FLAT", "price": -1}, "price must be >= 0"),
        ({"rate_type": "PERCENTAGE", "price": 1.5}, "fraction between 0 and 1"),
        ({"rate_type": "TIERED", "price": None}, "tiers are required"),
        ({"rate_type": "CUSTOM", "price": None}, "custom_rate is required"),
        ({"rate_type": "FLAT", "is_prorated": True}, "only valid for SUBSCRIPTION"),
        ({"rate_type": "SUBSCRIPTION", "is_prorated": False}, "must be true"),
        ({"ending_before": "2026-01-01T00:00:00Z"}, "ending_before must be after starting_at"),
    ],
)
def test_a_rate_must_be_shaped_as_its_type_says(fields: dict[str, Any], error: str) -> None:
    body = {
        "product_id": TOKENS,
        "entitled": True,
        "rate_type": "FLAT",
        "price": 1,
        "starting_at": "2027-01-01T00:00:00Z",
    }
    body.update({k: v for k, v in fields.items() if v is not None})
    for name in [k for k, v in fields.items() if v is None]:
        body.pop(name)
    with pytest.raises(ValidationError, match=error):
        RateInput.model_validate(body)


def test_every_sdk_rate_type_is_accepted() -> None:
    for fields in (
        {"rate_type": "FLAT", "price": 1},
        {"rate_type": "PERCENTAGE", "price": 0.1},
        {"rate_type": "SUBSCRIPTION", "price": 5, "is_prorated": True, "quantity": 2, "billing_frequency": "MONTHLY"},
        {"rate_type": "TIERED", "tiers": [{"price": 2, "size": 100}, {"price": 1}]},
        {"rate_type": "CUSTOM", "custom_rate": {"formula": "x"}},
    ):
        RateInput.model_validate(
            {"product_id": TOKENS, "entitled": True, "starting_at": "2027-01-01T00:00:00Z", **fields}
        )


def test_schedule_window_selectors_and_pages() -> None:
    lanes = lanes_after([rate("2027-01-01T00:00:00Z", 2), rate("2027-07-01T00:00:00Z", 3), rate(
        "2027-01-01T00:00:00Z", 9, product=SEATS)])  # fmt: skip
    assert [r["price"] for r in rates_between(lanes, APR, JUL)] == [2, 9]  # by product, then start
    assert len(rates_between(lanes, APR, None)) == 3
    rows = rates_between(lanes, JAN, None)
    first, cursor = page_after(rows, None, 2)
    rest, end = page_after(rows, cursor, 2)
    assert [*first, *rest] == rows and end is None and len(first) == 2
    seats_only = [RateSelector(product_tags=["seats"])]
    assert [r["price"] for r in rows if selected(r, PRODUCTS[r["product_id"]], seats_only)] == [9]
    by_product = [RateSelector(product_id=TOKENS), RateSelector(pricing_group_values={"region": "east"})]
    assert [r["price"] for r in rows if selected(r, PRODUCTS[r["product_id"]], by_product)] == [2, 3]


OVERRIDE_WINDOW = {"starting_at": "2027-04-01T00:00:00.000Z", "ending_before": "2027-10-01T00:00:00.000Z"}


def contract(overrides: list[dict[str, Any]], prioritization: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"rate_card_id": "card", "starting_at": "2027-01-01T00:00:00.000Z", "overrides": overrides}
    if prioritization:
        doc["multiplier_override_prioritization"] = prioritization
    return doc


def tokens_override(**fields: Any) -> dict[str, Any]:
    return {**OVERRIDE_WINDOW, "override_specifiers": [{"product_id": TOKENS}], **fields}


def prices(doc: dict[str, Any], at: datetime = JAN) -> list[tuple[str, float, float | None]]:
    [lane] = lanes_after([rate("2027-01-01T00:00:00Z", 100)])
    rows = contract_rate_schedule(doc, lane, PRODUCTS, at, None)
    return [(r["starting_at"][:10], r["list_rate"]["price"], r.get("override_rate", {}).get("price")) for r in rows]


@pytest.mark.parametrize(
    ("overrides", "prioritization", "during"),
    [
        ([tokens_override(multiplier=0.8)], None, 80),
        ([tokens_override(multiplier=0.8), tokens_override(multiplier=0.5)], None, 50),  # the lowest wins
        ([tokens_override(multiplier=0.8, priority=1), tokens_override(multiplier=0.5, priority=2)], "EXPLICIT", 80),
        ([tokens_override(multiplier=0.5, priority=2), tokens_override(multiplier=0.8, priority=1)], "EXPLICIT", 80),
        (  # under LOWEST_MULTIPLIER an overwrite wins over any multiplier
            [tokens_override(multiplier=0.5), tokens_override(overwrite_rate={"rate_type": "FLAT", "price": 70})],
            None,
            70,
        ),
        (  # under EXPLICIT too, "overwrites are prioritized first" (Metronome's `priority` description)
            [
                tokens_override(multiplier=0.5, priority=1),
                tokens_override(overwrite_rate={"rate_type": "FLAT", "price": 70}, priority=2),
            ],
            "EXPLICIT",
            70,
        ),
        (  # ... and among overwrites, the lowest priority
            [
                tokens_override(overwrite_rate={"rate_type": "FLAT", "price": 60}, priority=3),
                tokens_override(overwrite_rate={"rate_type": "FLAT", "price": 70}, priority=2),
                tokens_override(multiplier=0.5, priority=1),
            ],
            "EXPLICIT",
            70,
        ),
        ([{**OVERRIDE_WINDOW, "override_specifiers": [{"product_tags": ["ai"]}], "multiplier": 0.9}], None, 90),
        ([{**OVERRIDE_WINDOW, "override_specifiers": [{"product_tags": ["seats"]}], "multiplier": 0.9}], None, None),
        ([{**OVERRIDE_WINDOW, "override_specifiers": [{"product_id": SEATS}], "multiplier": 0.9}], None, None),
        ([tokens_override(multiplier=0.5, is_commit_specific=True)], None, None),  # prices commit draws only
        (
            [
                {
                    **OVERRIDE_WINDOW,
                    "override_specifiers": [{"product_id": TOKENS, "commit_ids": ["c"]}],
                    "multiplier": 0.5,
                }
            ],
            None,
            None,
        ),
        ([{**OVERRIDE_WINDOW, "product_id": TOKENS, "multiplier": 0.3}], None, 30),  # the older single-product form
    ],
)
def test_overrides_under_each_prioritization(
    overrides: list[dict[str, Any]], prioritization: str | None, during: float | None
) -> None:
    schedule = prices(contract(overrides, prioritization))
    if during is None:
        assert schedule == [("2027-01-01", 100, None)]
    else:
        assert schedule == [("2027-01-01", 100, None), ("2027-04-01", 100, during), ("2027-10-01", 100, None)]


def test_multipliers_are_exact_decimals() -> None:
    override = tokens_override(multiplier=0.3)
    assert override_rate(override, {"rate_type": "FLAT", "price": 3, "entitled": True})["price"] == 0.9


def test_tiered_overrides_need_explicit_prioritization() -> None:
    tiered = tokens_override(tiers=[{"multiplier": 1, "size": 1000}, {"multiplier": 0.5}], priority=1)
    with pytest.raises(InvalidRequest, match="TIERED overrides require EXPLICIT"):
        in_precedence([tiered], "LOWEST_MULTIPLIER")
    [lane] = lanes_after([rate("2027-01-01T00:00:00Z", 100)])
    rows = contract_rate_schedule(contract([tiered], "EXPLICIT"), lane, PRODUCTS, APR, None)
    assert rows[0]["override_rate"]["rate_type"] == "TIERED"
    assert rows[0]["override_rate"]["tiers"] == [{"price": 100.0, "size": 1000}, {"price": 50.0}]


def test_entitlement_overrides_and_the_contract_term() -> None:
    unentitled = tokens_override(multiplier=1, entitled=False)
    assert prices(contract([unentitled])) == [("2027-01-01", 100, None), ("2027-10-01", 100, None)]
    ended = {**contract([]), "ending_before": "2027-07-01T00:00:00.000Z"}
    [lane] = lanes_after([rate("2027-01-01T00:00:00Z", 100)])
    [row] = contract_rate_schedule(ended, lane, PRODUCTS, JAN, None)
    assert row["ending_before"] == "2027-07-01T00:00:00.000Z"


def test_at_leaves_out_segments_that_ended_before_it() -> None:
    schedule = prices(contract([tokens_override(multiplier=0.8)]), at=OCT)
    assert schedule == [("2027-10-01", 100, None)]


def test_a_price_change_inside_an_override_window_is_discounted_too() -> None:
    lane = lanes_after([rate("2027-01-01T00:00:00Z", 100)], [rate("2027-07-01T00:00:00Z", 120)])[0]
    rows = contract_rate_schedule(contract([tokens_override(multiplier=0.8)]), lane, PRODUCTS, JAN, None)
    got = [(r["starting_at"][:10], r["list_rate"]["price"], r.get("override_rate", {}).get("price")) for r in rows]
    assert got == [
        ("2027-01-01", 100, None),
        ("2027-04-01", 100, 80),
        ("2027-07-01", 120, 96),
        ("2027-10-01", 120, None),
    ]
