"""Rates per card at 1,000 and 10,000 rates: a getRates page, a getRateSchedule page and a contract's rate
schedule — latency and DynamoDB calls — in-process against the embedded DynamoDB in another process.

Each card holds N rates: N/10 products, each priced for ten pricing groups (ten lanes a product), one
rate a lane; a contract on the card carries one 20%-off override on one product. Latency is the median
of REPEATS calls (wall clock on a shared machine: read the ratios beside the calls)."""

import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import embedded_dynamodb

TENANT = "bench-rates"
REPEATS = 5
NOW = datetime(2026, 11, 1, tzinfo=UTC)
START = "2027-01-01T00:00:00Z"


def _seed(principal: Any, rates: int) -> tuple[str, str, str]:
    """A card with `rates` rates; a customer with a contract on it (custom: no package needed)."""
    from package_service.domain.catalog import ProductCreate, RateCardCreate
    from package_service.domain.contract import ContractCreate
    from package_service.domain.customers import CustomerCreate
    from package_service.domain.rates import RateInput
    from package_service.services.contracts import create_contract
    from package_service.services.rates import add_rates
    from package_service.store.catalog import create_product, create_rate_card
    from package_service.store.customers import create_customer

    card = create_rate_card(principal, RateCardCreate(name=f"{rates} rates"), NOW)
    products = [create_product(principal, ProductCreate(name=f"p{i}", type="USAGE"), NOW) for i in range(rates // 10)]
    batch: list[RateInput] = []
    for product in products:
        for group in range(10):
            batch.append(RateInput.model_validate({
                "product_id": product, "entitled": True, "rate_type": "FLAT", "price": 1 + group,
                "starting_at": START, "pricing_group_values": {"region": f"r{group}"}}))  # fmt: skip
            if len(batch) == 90:
                add_rates(principal, card, batch, [""] * len(batch), NOW)
                batch = []
    if batch:
        add_rates(principal, card, batch, [""] * len(batch), NOW)
    customer = create_customer(principal, CustomerCreate(name="Acme"), NOW)["id"]
    override = {"starting_at": START, "type": "MULTIPLIER", "multiplier": 0.8,
                "override_specifiers": [{"product_id": products[0]}]}  # fmt: skip
    body = {"customer_id": customer, "starting_at": START, "rate_card_id": card, "overrides": [override]}
    contract = create_contract(principal, ContractCreate.model_validate(body), NOW)["id"]
    return card, customer, contract


def _measure(call: Callable[[], Any]) -> tuple[float, int, Any]:
    """Median seconds of REPEATS calls, the DynamoDB calls of one, and its answer."""
    from package_service.store.dynamo import get_client

    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = get_client().meta.events
    events.register("before-call.dynamodb", count)
    answer = call()
    events.unregister("before-call.dynamodb", count)
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), sum(calls.values()), answer


def _card_figures(principal: Any, rates: int) -> dict[str, tuple[float, int, int]]:
    from package_service.domain.rates import ContractRateScheduleRequest, RatesAt, RateScheduleRequest
    from package_service.services import rates as service

    card, customer, contract = _seed(principal, rates)
    at = datetime(2027, 2, 1, tzinfo=UTC)
    figures = {}
    for name, call in {
        "getRates page (100)": lambda: service.list_rates_at(
            principal, RatesAt(rate_card_id=card, at=at), 100, None, NOW),
        "getRateSchedule page (100)": lambda: service.rate_schedule(
            principal, RateScheduleRequest(rate_card_id=card, starting_at=at), 100, None, NOW),
        "getContractRateSchedule page (100)": lambda: service.contract_schedule(
            principal, ContractRateScheduleRequest(contract_id=contract, customer_id=customer, at=at), 100, None, NOW),
    }.items():  # fmt: skip
        seconds, calls, (rows, _) = _measure(call)
        assert len(rows) == 100, (name, len(rows))
        figures[name] = (seconds, calls, len(rows))
    return figures


def run(small: int = 1_000, large: int = 10_000) -> list[str]:
    from package_service.domain.principal import Principal

    principal = Principal(TENANT, "bench")
    with embedded_dynamodb("bench-rates") as _:
        little = _card_figures(principal, small)
        big = _card_figures(principal, large)
    lines = [
        "## Rates per card (in-process, embedded DynamoDB)",
        "",
        f"| operation | {small:,} rates: median ms, calls | {large:,} rates: median ms, calls | ms ratio |",
        "|---|---|---|---|",
    ]
    for name in little:
        (s1, c1, _), (s2, c2, _) = little[name], big[name]
        lines.append(f"| {name} | {s1 * 1e3:.0f} ms, {c1} | {s2 * 1e3:.0f} ms, {c2} | {s2 / s1:.1f}x |")
    lines += [
        "",
        f"Median of {REPEATS} calls after one counted call; one card of N rates (N/10 products x 10 pricing",
        "groups, one rate a lane). Every page reads the card's lanes whole (one Query per MB of lanes, ~2,500",
        "single-rate lanes a MB) and cuts the page in memory; only the page's products are read (one",
        "BatchGetItem) unless tag selectors or tag overrides choose the rows. Latency grows with the card",
        "(reading and parsing its lanes), calls by one per MB of lanes (decision 0016).",
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
