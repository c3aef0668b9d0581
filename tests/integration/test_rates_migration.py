"""Prices in a contract preview and in a package migration's plan diff."""

from typing import Any

import pytest

from tests.payloads import STRIPE, package_body

from .conftest import Api
from .test_migrations import pin_clock, plan, provision, start_migration, use_queues, v1_body

CARDS = "/v1/contract-pricing/rate-cards"
JUNE = "2027-06-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, queues: dict[str, str]) -> None:
    pin_clock(monkeypatch)
    use_queues(queues)


def flat(product_id: str, price: float, starting_at: str) -> dict[str, Any]:
    return {"product_id": product_id, "entitled": True, "rate_type": "FLAT", "price": price, "starting_at": starting_at}


@pytest.fixture
def priced(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    """Tokens at 2.50 from January, 3.00 from September; v2 gives 20% off tokens through an override."""
    rates = [flat(catalog["usage"], 2.5, "2027-01-01T00:00:00Z"), flat(catalog["usage"], 3, "2027-09-01T00:00:00Z")]
    api.ok(f"{CARDS}/addRates", {"rate_card_id": catalog["rate_card"], "rates": rates})
    v1 = api.ok("/v1/packages/create", v1_body(catalog))["id"]
    discount = {"override_specifiers": [{"product_id": catalog["usage"]}], "type": "MULTIPLIER", "multiplier": 0.8,
                "starting_at_offset": {"unit": "DAYS", "value": 0}}  # fmt: skip
    v2 = api.ok("/v1/packages/create", package_body(catalog, name="Plan v2", aliases=[], overrides=[discount]))["id"]
    customer = api.ok("/v1/customers", {"name": "Acme", "customer_billing_provider_configurations": [STRIPE]})["id"]
    return {**catalog, "v1": v1, "v2": v2, "customer": customer}


def test_a_preview_shows_the_prices_the_contract_would_pay(api: Api, priced: dict[str, str]) -> None:
    body = {"customer_id": priced["customer"], "package_id": priced["v2"], "starting_at": JUNE}
    rows = api.ok("/v1/contracts/preview", body)["rate_schedule"]
    assert [(r["starting_at"][:10], r["list_rate"]["price"], r["override_rate"]["price"]) for r in rows] == [
        ("2027-06-01", 2.5, 2.0),
        ("2027-09-01", 3, 2.4),
    ]


def test_a_migration_plan_names_the_price_change_per_product(api: Api, priced: dict[str, str]) -> None:
    provision(api, priced["v1"], [priced["customer"]], "2027-01-01T00:00:00Z")
    moving = {"from_package_id": priced["v1"], "to_package_id": priced["v2"],
              "effective": {"type": "AT_DATE", "at": JUNE}}  # fmt: skip
    [row] = plan(api, start_migration(api, moving))
    assert row["status"] == "PLANNED", row
    [change] = row["diff"]["prices"]["changes"]
    assert change["before"]["product"] == change["after"]["product"] == {"id": priced["usage"], "name": "Tokens"}
    assert (change["before"]["rate"]["price"], change["after"]["rate"]["price"]) == (2.5, 2.0)


def big_card(api: Api, catalog: dict[str, str], groups: int) -> None:
    """The tokens product priced in `groups` pricing groups (a lane each), 2.50 from January."""
    rates = [flat(catalog["usage"], 2.5, "2027-01-01T00:00:00Z") | {"pricing_group_values": {"region": f"r{g:04}"}}
             for g in range(groups)]  # fmt: skip
    for start in range(0, groups, 1000):
        api.ok(f"{CARDS}/addRates", {"rate_card_id": catalog["rate_card"], "rates": rates[start : start + 1000]})


def test_a_preview_of_a_big_card_answers_the_first_page_and_counts_the_rest(api: Api, priced: dict[str, str]) -> None:
    big_card(api, priced, 250)  # + the two ungrouped rates of `priced`
    body = {"customer_id": priced["customer"], "package_id": priced["v2"], "starting_at": JUNE}
    preview = api.ok("/v1/contracts/preview", body)
    assert len(preview["rate_schedule"]) == 100
    assert preview["rate_schedule_rows"] == 252


def test_a_migration_on_a_card_of_thousands_of_lanes_plans_with_a_bounded_price_diff(
    api: Api, priced: dict[str, str]
) -> None:
    """A plan row is one item (400 KB): with every lane listed, 2,000 lanes' `keeps` alone passed it and
    the plan failed. Each kind lists at most 50 and `counts` says how many there are."""
    big_card(api, priced, 2000)
    provision(api, priced["v1"], [priced["customer"]], "2027-01-01T00:00:00Z")
    moving = {"from_package_id": priced["v1"], "to_package_id": priced["v2"],
              "effective": {"type": "AT_DATE", "at": JUNE}}  # fmt: skip
    [row] = plan(api, start_migration(api, moving))
    assert row["status"] == "PLANNED", row
    prices = row["diff"]["prices"]
    # v2's override takes 20% off every lane of tokens: 2,001 changes (2,000 groups + the ungrouped lane).
    assert prices["counts"] == {"changes": 2001}
    assert len(prices["changes"]) == 50
    assert all(c["after"]["rate"]["price"] == 2.0 for c in prices["changes"])
