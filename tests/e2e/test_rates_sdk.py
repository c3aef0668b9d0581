"""Rates through the official metronome-sdk, unchanged, on a local stack: every answer is also validated
by the SDK's own response model (the SDK builds its objects without validating them).

This module's stack runs on a clock that starts at CLOCK (LOCAL_CLOCK): a migration refuses dates in the
past, and the dates below must stay in the future whenever the tests run."""

import uuid
from typing import Any

import pytest
import schemathesis
import yaml
from metronome import Metronome
from metronome.types.v1 import ContractRetrieveRateScheduleResponse
from metronome.types.v1.contracts import RateCardRetrieveRateScheduleResponse
from metronome.types.v1.contracts.rate_cards import RateAddManyResponse, RateAddResponse, RateListResponse

from tests.published import RATES_DOCUMENT

from .conftest import TOKENS, stack_on_clock
from .published_runs import fuzz_published
from .test_fuzz_published import CHECKS
from .test_migrations_http import wait_for

CLOCK = "2026-11-01T00:00:00Z"
CARDS = "/v1/contract-pricing/rate-cards"
JAN, APR, JUN = "2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z", "2027-06-01T00:00:00Z"


base_url, client = stack_on_clock(CLOCK)


@pytest.fixture(scope="module")
def card(client: Metronome) -> dict[str, str]:
    """Tokens at 2.50 from January and 3.00 from April (added in one add_many); seats at 10 a month."""
    tokens = client.v1.contracts.products.create(name="Tokens", type="USAGE", tags=["ai"]).data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rates-{uuid.uuid4().hex[:6]}"
    card_id = client.v1.contracts.rate_cards.create(name="List prices", aliases=[{"name": alias}]).data.id
    raw = client.v1.contracts.rate_cards.rates.with_raw_response.add_many(
        rate_card_id=card_id,
        rates=[
            {"product_id": tokens, "entitled": True, "rate_type": "FLAT", "price": 2.5, "starting_at": JAN},
            {"product_id": tokens, "entitled": True, "rate_type": "FLAT", "price": 3, "starting_at": APR},
        ],
    )
    assert RateAddManyResponse.model_validate(raw.http_response.json()).data.id == card_id
    added = client.v1.contracts.rate_cards.rates.with_raw_response.add(
        rate_card_id=card_id, product_id=seats, entitled=True, rate_type="SUBSCRIPTION", price=10,
        is_prorated=True, quantity=1, billing_frequency="MONTHLY", starting_at=JAN,
    )  # fmt: skip
    rate = RateAddResponse.model_validate(added.http_response.json()).data
    assert (rate.rate_type, rate.price, rate.is_prorated, rate.quantity) == ("SUBSCRIPTION", 10, True, 1)
    return {"tokens": tokens, "seats": seats, "card": card_id, "alias": alias}


def listed_at(client: Metronome, card_id: str, at: str) -> dict[str, float | None]:
    """Every page (one rate a page: the SDK follows `next_page`), each row validated by the SDK's model."""
    rates = client.v1.contracts.rate_cards.rates
    out = {item.product_name: item.rate.price for item in rates.list(rate_card_id=card_id, at=at, limit=1)}
    for row in rates.with_raw_response.list(rate_card_id=card_id, at=at).http_response.json()["data"]:
        RateListResponse.model_validate(row)
    return out


def test_list_at_dates_around_a_scheduled_change(client: Metronome, card: dict[str, str]) -> None:
    assert listed_at(client, card["card"], "2026-12-31T23:00:00Z") == {}
    assert listed_at(client, card["card"], "2027-03-31T23:59:59Z") == {"Tokens": 2.5, "Seats": 10}
    assert listed_at(client, card["card"], APR) == {"Tokens": 3, "Seats": 10}
    tokens_only = client.v1.contracts.rate_cards.rates.list(
        rate_card_id=card["card"], at=APR, selectors=[{"product_tags": ["ai"]}]
    )
    assert [(r.product_id, r.rate.price) for r in tokens_only] == [(card["tokens"], 3)]


def test_rate_schedule_of_a_card(client: Metronome, card: dict[str, str]) -> None:
    raw = client.v1.contracts.rate_cards.with_raw_response.retrieve_rate_schedule(
        rate_card_id=card["card"], starting_at=JAN, selectors=[{"product_id": card["tokens"]}]
    )
    schedule = RateCardRetrieveRateScheduleResponse.model_validate(raw.http_response.json())
    got = [(r.rate.price, r.starting_at.isoformat()[:10], r.ending_before and r.ending_before.isoformat()[:10])
           for r in schedule.data]  # fmt: skip
    assert got == [(2.5, "2027-01-01", "2027-04-01"), (3, "2027-04-01", None)]


def _package(client: Metronome, card: dict[str, str], prioritization: str, overrides: list[dict[str, Any]]) -> str:
    return client.v1.packages.create(
        name=f"Tokens {prioritization}", rate_card_alias=card["alias"], duration={"unit": "YEARS", "value": 1},
        multiplier_override_prioritization=prioritization, overrides=overrides,  # type: ignore[arg-type]
    ).data.id  # fmt: skip


def _discount(card: dict[str, str], multiplier: float, **more: Any) -> dict[str, Any]:
    return {"override_specifiers": [{"product_id": card["tokens"]}], "type": "MULTIPLIER", "multiplier": multiplier,
            "starting_at_offset": {"unit": "DAYS", "value": 0}, **more}  # fmt: skip


@pytest.mark.parametrize(
    ("prioritization", "overrides", "paid"),
    [
        ("LOWEST_MULTIPLIER", [(0.8, {}), (0.9, {})], 2.0),  # the lowest multiplier wins
        ("EXPLICIT", [(0.8, {"priority": 2}), (0.9, {"priority": 1})], 2.25),  # priority 1 wins
    ],
)
def test_contract_rate_schedule_under_each_prioritization(
    client: Metronome, card: dict[str, str], prioritization: str, overrides: list[Any], paid: float
) -> None:
    package = _package(client, card, prioritization, [_discount(card, m, **more) for m, more in overrides])
    customer = client.v1.customers.create(name=f"Acme {prioritization}").data.id
    contract = client.v1.contracts.create(customer_id=customer, package_id=package, starting_at=JAN).data.id
    raw = client.v1.contracts.with_raw_response.retrieve_rate_schedule(
        contract_id=contract, customer_id=customer, at=JAN, selectors=[{"product_id": card["tokens"]}]
    )
    schedule = ContractRetrieveRateScheduleResponse.model_validate(raw.http_response.json())
    got = [(r.starting_at.isoformat()[:10], r.list_rate.price, r.override_rate and r.override_rate.price)
           for r in schedule.data]  # fmt: skip
    assert got == [("2027-01-01", 2.5, paid), ("2027-04-01", 3, round(paid / 2.5 * 3, 10))]
    assert {r.rate_card_id for r in schedule.data} == {card["card"]}


def test_a_migration_diff_names_the_price_change(client: Metronome, base_url: str, card: dict[str, str]) -> None:
    plain = _package(client, card, "LOWEST_MULTIPLIER", [])
    discounted = _package(client, card, "LOWEST_MULTIPLIER", [_discount(card, 0.8)])
    customer = client.v1.customers.create(name="Migrating").data.id
    client.v1.contracts.create(customer_id=customer, package_id=plain, starting_at=JAN)
    moving = {"from_package_id": plain, "to_package_id": discounted, "effective": {"type": "AT_DATE", "at": JUN}}
    created = client.post("/v1/packageMigrations/create", cast_to=dict[str, Any], body=moving)
    migration_id = created["data"]["id"]
    wait_for(base_url, migration_id, "PLANNED")
    plan = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any], body={"migration_id": migration_id})
    [row] = plan["data"]
    [change] = row["diff"]["prices"]["changes"]
    assert change["before"]["product"]["name"] == "Tokens"
    assert (change["before"]["rate"]["price"], change["after"]["rate"]["price"]) == (3, 2.4)


def test_generated_requests_get_answers_in_the_published_shapes(base_url: str, card: dict[str, str]) -> None:
    """schemathesis over Metronome's published rate operations (tests/published/metronome-rates-openapi.yaml),
    every phase of the published run's configuration: no 5xx, and every answer in the published response shape."""
    fuzz_published(RATES_DOCUMENT, base_url, operations=5)


def test_every_rate_operation_answers_real_records_in_the_published_shape(
    client: Metronome, base_url: str, card: dict[str, str]
) -> None:
    customer = client.v1.customers.create(name="Published rates").data.id
    package = _package(client, card, "LOWEST_MULTIPLIER", [_discount(card, 0.5)])
    contract = client.v1.contracts.create(customer_id=customer, package_id=package, starting_at=JAN).data.id
    later = {"product_id": card["seats"], "entitled": True, "rate_type": "SUBSCRIPTION", "price": 12,
             "is_prorated": True, "quantity": 1, "billing_frequency": "MONTHLY"}  # fmt: skip
    calls: dict[str, dict[str, Any]] = {
        f"{CARDS}/addRate": {**later, "rate_card_id": card["card"], "starting_at": "2027-09-01T00:00:00Z"},
        f"{CARDS}/addRates": {
            "rate_card_id": card["card"],
            "rates": [{**later, "starting_at": "2027-10-01T00:00:00Z"}],
        },
        f"{CARDS}/getRates": {"rate_card_id": card["card"], "at": APR},
        f"{CARDS}/getRateSchedule": {"rate_card_id": card["card"], "starting_at": JAN},
        "/v1/contracts/getContractRateSchedule": {"contract_id": contract, "customer_id": customer, "at": JAN},
    }
    schema = schemathesis.openapi.from_path(str(RATES_DOCUMENT))
    assert set(calls) == set(yaml.safe_load(RATES_DOCUMENT.read_text())["paths"])
    for path, body in calls.items():
        case = schema[path]["POST"].Case(body=body)
        response = case.call_and_validate(
            base_url=base_url, headers={"Authorization": f"Bearer {TOKENS['acme']}"}, checks=CHECKS
        )
        assert response.status_code == 200 and response.json()["data"], (path, response.text)
