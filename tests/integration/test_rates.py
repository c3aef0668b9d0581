"""Rates on rate cards and the price a contract pays, through the Api handler on moto."""

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.payloads import STRIPE, full_custom_contract

from .conftest import START, Api, scan_count

CARDS = "/v1/contract-pricing/rate-cards"
JAN, APR, JUL = "2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z", "2027-07-01T00:00:00Z"


def flat(product_id: str, price: float, starting_at: str, **more: Any) -> dict[str, Any]:
    return {"product_id": product_id, "entitled": True, "rate_type": "FLAT", "price": price, "starting_at": starting_at,
            **more}  # fmt: skip


def prices_at(api: Api, card: str, at: str) -> dict[str, float]:
    rows = api.every_page(f"{CARDS}/getRates", {"rate_card_id": card, "at": at})
    return {row["product_name"]: row["rate"]["price"] for row in rows}


def test_a_scheduled_price_change_ends_the_old_price_there(api: Api, catalog: dict[str, str]) -> None:
    card, tokens = catalog["rate_card"], catalog["usage"]
    added = api.ok(f"{CARDS}/addRate", {**flat(tokens, 2.5, JAN), "rate_card_id": card})
    assert added == {"rate_type": "FLAT", "price": 2.5,
                     "credit_type": {"id": "2714e483-4ff1-48e4-9e25-ac732e8f24f2", "name": "USD (cents)"}}  # fmt: skip
    assert api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": [flat(tokens, 3, APR)]}) == {"id": card}
    assert prices_at(api, card, "2027-03-31T23:59:59Z") == {"Tokens": 2.5}
    assert prices_at(api, card, APR) == {"Tokens": 3}
    assert prices_at(api, card, "2026-12-31T00:00:00Z") == {}
    schedule = api.ok(f"{CARDS}/getRateSchedule", {"rate_card_id": card, "starting_at": JAN})
    assert [(r["rate"]["price"], r["starting_at"], r.get("ending_before")) for r in schedule] == [
        (2.5, "2027-01-01T00:00:00.000Z", "2027-04-01T00:00:00.000Z"),
        (3, "2027-04-01T00:00:00.000Z", None),
    ]
    audit = api.get("/v1/auditLogs", {"resource_id": card, "resource_type": "rate_card", "sort": "date_asc"})
    assert [e["description"] for e in audit.data][-2:] == [
        f"added rate to rate card {card} ({tokens})",
        f"added rate to rate card {card} ({tokens})",
    ]


def test_pages_and_selectors(api: Api, catalog: dict[str, str]) -> None:
    card = catalog["rate_card"]
    regions = [flat(catalog["usage"], i, JAN, pricing_group_values={"region": f"r{i:02}"}) for i in range(25)]
    seats = {**flat(catalog["seats"], 10, JAN), "rate_type": "SUBSCRIPTION", "is_prorated": True,
             "billing_frequency": "MONTHLY", "quantity": 1}  # fmt: skip
    api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": [*regions, seats]})
    every = api.every_page(f"{CARDS}/getRates", {"rate_card_id": card, "at": APR}, page_size=7)
    assert len(every) == 26 and len({(r["product_id"], str(r.get("pricing_group_values"))) for r in every}) == 26
    picked = {"rate_card_id": card, "at": APR, "selectors": [{"pricing_group_values": {"region": "r07"}},
                                                              {"billing_frequency": "MONTHLY"}]}  # fmt: skip
    rows = api.ok(f"{CARDS}/getRates", picked)
    assert sorted(r["rate"]["price"] for r in rows) == [7, 10]
    assert next(r for r in rows if r["product_id"] == catalog["seats"])["rate"]["is_prorated"] is True


def _add_rates(api: Api, catalog: dict[str, str], body: dict[str, Any]) -> Any:
    return api.post(f"{CARDS}/addRates", {"rate_card_id": catalog["rate_card"], **body})


MISSING = "00000000-0000-4000-8000-000000000000"
FEB = "2027-02-01T00:00:00Z"
BAD_RATES: list[tuple[Callable[[str], list[dict[str, Any]]], str]] = [
    (lambda tokens: [flat(tokens, 1, FEB), flat(MISSING, 1, FEB)], "rates[1].product_id"),  # not in the tenant
    (lambda tokens: [flat(tokens, 1, FEB), flat(tokens, 2, FEB)], "rates[1].starting_at"),  # overlap at one instant
    (lambda tokens: [flat(tokens, 1, JAN)], "rates[0].starting_at"),  # the existing rate's start again
    (lambda tokens: [flat(tokens, 1, "2026-06-01T00:00:00Z")], "rates[0].starting_at"),  # before the existing rate
    (lambda tokens: [flat(tokens, -1, FEB)], "rates[0]"),
    (lambda tokens: [{**flat(tokens, 1, FEB), "rate_type": "TIERED"}], "rates[0]"),
]


@pytest.mark.parametrize(("rates", "field"), BAD_RATES)
def test_bad_rates_are_400_naming_the_field_and_store_nothing(
    api: Api, catalog: dict[str, str], rates: Callable[[str], list[dict[str, Any]]], field: str
) -> None:
    api.ok(f"{CARDS}/addRate", {**flat(catalog["usage"], 1, JAN), "rate_card_id": catalog["rate_card"]})
    before = scan_count()
    reply = _add_rates(api, catalog, {"rates": rates(catalog["usage"])})
    assert reply.status == 400 and reply.message.startswith(field), reply.body
    assert scan_count() == before


def test_add_rate_names_its_own_fields(api: Api, catalog: dict[str, str]) -> None:
    card = catalog["rate_card"]
    reply = api.post(f"{CARDS}/addRate", {**flat(MISSING, 1, JAN), "rate_card_id": card})
    assert reply.status == 400 and reply.message.startswith("product_id: product"), reply.body
    assert api.post(f"{CARDS}/addRate", {**flat(catalog["usage"], 1, JAN), "rate_card_id": MISSING}).status == 404
    assert api.post(f"{CARDS}/getRates", {"rate_card_id": MISSING, "at": JAN}).status == 404


def test_the_published_minimum_config_is_kept_and_answered_where_published(api: Api, catalog: dict[str, str]) -> None:
    """Metronome's published `Rate` and `CommitRate` carry `minimum_config` (the SDK's types do not yet);
    addRate's published answer (`RateWithCommitRate`) has none on the rate itself."""
    card, tokens = catalog["rate_card"], catalog["usage"]
    commit = {"rate_type": "FLAT", "price": 2, "minimum_config": {"minimum": 0.7}}
    body = flat(tokens, 2.5, JAN, minimum_config={"minimum": 12.34}, commit_rate=commit)
    added = api.ok(f"{CARDS}/addRate", {**body, "rate_card_id": card})
    assert "minimum_config" not in added and added["commit_rate"] == commit
    [row] = api.ok(f"{CARDS}/getRates", {"rate_card_id": card, "at": APR})
    assert (row["rate"]["minimum_config"], row["commit_rate"]) == ({"minimum": 12.34}, commit)
    reply = api.post(f"{CARDS}/addRate", {**flat(tokens, 3, APR, minimum_config={"minimum": -1}), "rate_card_id": card})
    assert reply.status == 400 and reply.message.startswith("minimum_config.minimum"), reply.body


def test_get_rate_schedule_selectors_take_no_product_tags(api: Api, catalog: dict[str, str]) -> None:
    """Published (and SDK) getRateSchedule selectors have no `product_tags`; getRates' do."""
    card = catalog["rate_card"]
    tagged = {"rate_card_id": card, "selectors": [{"product_tags": ["ai"]}]}
    reply = api.post(f"{CARDS}/getRateSchedule", {**tagged, "starting_at": JAN})
    assert reply.status == 400 and reply.message.startswith("selectors[0].product_tags"), reply.body
    assert api.post(f"{CARDS}/getRates", {**tagged, "at": JAN}).status == 200


def test_contract_rate_schedule_applies_the_packages_overrides_in_three_calls(
    api: Api, world: dict[str, str], dynamodb_calls: Counter[str]
) -> None:
    """The world's package discounts tokens by 0.9 (EXPLICIT, priority 1) for the contract's first six
    months; its commit-specific overwrite prices commit draws only and stays out of the schedule."""
    api.ok(f"{CARDS}/addRates", {"rate_card_id": world["rate_card"], "rates": [flat(world["usage"], 2.5, JAN)]})
    dynamodb_calls.clear()
    body = {"contract_id": world["contract"], "customer_id": world["customer"], "at": START}
    rows = api.ok("/v1/contracts/getContractRateSchedule", body)
    assert dynamodb_calls == Counter({"GetItem": 1, "Query": 1, "BatchGetItem": 1})
    assert [(r["starting_at"], r.get("ending_before"), r["list_rate"]["price"], r.get("override_rate", {}).get("price"))
            for r in rows] == [
        ("2027-01-31T00:00:00.000Z", "2027-07-31T00:00:00.000Z", 2.5, 2.25),
        ("2027-07-31T00:00:00.000Z", "2028-01-31T00:00:00.000Z", 2.5, None),
    ]  # fmt: skip
    assert {r["rate_card_id"] for r in rows} == {world["rate_card"]}
    other = api.post("/v1/contracts/getContractRateSchedule", {**body, "customer_id": world["usage"]})
    assert other.status == 404


def test_a_page_reads_only_its_own_products_unless_tags_choose_the_rows(
    api: Api, catalog: dict[str, str], dynamodb_calls: Counter[str]
) -> None:
    tagged = api.ok("/v1/contract-pricing/products/create", {"name": "Agents", "type": "USAGE", "tags": ["ai"]})["id"]
    rates = [flat(catalog["usage"], 1, JAN), flat(catalog["seats"], 2, JAN), flat(tagged, 3, JAN)]
    api.ok(f"{CARDS}/addRates", {"rate_card_id": catalog["rate_card"], "rates": rates})
    dynamodb_calls.clear()
    body = {"rate_card_id": catalog["rate_card"], "at": APR, "selectors": [{"product_tags": ["ai"]}]}
    assert [(r["product_name"], r["product_tags"]) for r in api.ok(f"{CARDS}/getRates", body)] == [("Agents", ["ai"])]
    assert dynamodb_calls == Counter({"Query": 1, "BatchGetItem": 1})
    seen: list[str] = []
    cursor = None
    for _ in range(2):
        dynamodb_calls.clear()
        reply = api.post(f"{CARDS}/getRates", {"rate_card_id": catalog["rate_card"], "at": APR},
                         query={"limit": "2", **({"next_page": cursor} if cursor else {})})  # fmt: skip
        cursor = reply.body["next_page"]
        seen += [r["product_name"] for r in reply.data]
        assert dynamodb_calls == Counter({"Query": 1, "BatchGetItem": 1})
    assert sorted(seen) == ["Agents", "Seats", "Tokens"] and cursor is None


def test_a_custom_contract_is_priced_by_its_own_overrides(api: Api, catalog: dict[str, str]) -> None:
    """The full custom contract is EXPLICIT: 0.9 at priority 1 beats 0.5 at priority 2 (the older
    single-product form); its commit-specific overwrite prices commit draws only."""
    customer = api.ok("/v1/customers", {"name": "Custom", "customer_billing_provider_configurations": [STRIPE]})["id"]
    api.ok(f"{CARDS}/addRate", {**flat(catalog["usage"], 2.5, JAN), "rate_card_id": catalog["rate_card"]})
    body = full_custom_contract(customer, catalog["usage"], catalog["seats"], catalog["rate_card"])
    contract = api.ok("/v1/contracts/create", body)["id"]
    rows = api.ok(
        "/v1/contracts/getContractRateSchedule", {"contract_id": contract, "customer_id": customer, "at": START}
    )
    assert [(r["starting_at"], r.get("ending_before"), r["override_rate"]["price"]) for r in rows] == [
        ("2027-01-31T00:00:00.000Z", "2028-01-31T00:00:00.000Z", 2.25)
    ]
