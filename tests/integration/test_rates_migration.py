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
