"""Rates per card at 1,000 and 10,000 rates: a getRates page (the first and the last), a getRateSchedule
page, a contract's rate schedule and adding one rate — latency and DynamoDB calls — in-process against the
embedded DynamoDB in another process.

Each card holds N rates: N/10 products, each priced for ten pricing groups (ten lanes a product), one
rate a lane; a contract on the card carries one 20%-off override on one product. Latency is the median
of REPEATS calls (wall clock on a shared machine: read the ratios beside the calls)."""

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import cpu_seconds, embedded_dynamodb

TENANT = "bench-rates"
REPEATS = 5
NOW = datetime(2026, 11, 1, tzinfo=UTC)
START = "2027-01-01T00:00:00Z"


def _seed(principal: Any, rates: int) -> tuple[str, str, str, str]:
    """A card with `rates` rates (every other product tagged `ai`); a customer with two contracts on it
    (custom: no package needed): 20% off one product, and 50% off the products tagged `ai`."""
    from package_service.domain.catalog import ProductCreate, RateCardCreate
    from package_service.domain.contract import ContractCreate
    from package_service.domain.customers import CustomerCreate
    from package_service.domain.rates import RateInput
    from package_service.services.contracts import create_contract
    from package_service.services.customers import create_customer
    from package_service.services.rates import add_rates
    from package_service.store.catalog import create_product, create_rate_card

    card = create_rate_card(principal, RateCardCreate(name=f"{rates} rates"), NOW)
    products = [create_product(principal, ProductCreate(name=f"p{i}", type="USAGE", tags=["ai"] if i % 2 else []), NOW)
                for i in range(rates // 10)]  # fmt: skip
    batch: list[RateInput] = []
    for product in products:
        for group in range(10):
            batch.append(RateInput.model_validate({
                "product_id": product, "entitled": True, "rate_type": "FLAT", "price": 1 + group,
                "starting_at": START, "pricing_group_values": {"region": f"r{group}"}}))  # fmt: skip
            if len(batch) == 1_000:
                add_rates(principal, card, batch, [""] * len(batch), NOW)
                batch = []
    if batch:
        add_rates(principal, card, batch, [""] * len(batch), NOW)
    customer = create_customer(principal, CustomerCreate(name="Acme"), NOW)["id"]
    override = {"starting_at": START, "type": "MULTIPLIER", "multiplier": 0.8,
                "override_specifiers": [{"product_id": products[0]}]}  # fmt: skip
    body = {"customer_id": customer, "starting_at": START, "rate_card_id": card, "overrides": [override]}
    contract = create_contract(principal, ContractCreate.model_validate(body), NOW)["id"]
    by_tag = {**override, "multiplier": 0.5, "override_specifiers": [{"product_tags": ["ai"]}]}
    body = {**body, "overrides": [by_tag]}
    tagged = create_contract(principal, ContractCreate.model_validate(body), NOW)["id"]
    return card, customer, contract, tagged


def _measure(call: Callable[[], Any]) -> tuple[tuple[float, float], int, Any]:
    """Median wall and CPU seconds (this process and the embedded DynamoDB) of REPEATS calls, the DynamoDB
    calls of one, and its answer."""
    from package_service.store.dynamo import get_client

    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = get_client().meta.events
    events.register("before-call.dynamodb", count)
    answer = call()
    events.unregister("before-call.dynamodb", count)
    seconds, cpu = [], []
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        call()
        seconds.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
    return (statistics.median(seconds), statistics.median(cpu)), sum(calls.values()), answer


def _card_figures(principal: Any, rates: int) -> tuple[dict[str, tuple[tuple[float, float], int, int]], str]:
    from package_service.domain.rates import ContractRateScheduleRequest, RateInput, RatesAt, RateScheduleRequest
    from package_service.services import rates as service
    from package_service.store.rates import read_chunks

    card, customer, contract, tagged = _seed(principal, rates)
    chunks = read_chunks(TENANT, card)
    stored = f"{len(chunks)} chunks, {sum(len(c.encoded) for c in chunks) / 1e3:.0f} KB"
    at = datetime(2027, 2, 1, tzinfo=UTC)
    cursor, last_cursor = None, None
    while True:  # the cursor of the card's last page (unmeasured walk)
        _, cursor = service.list_rates_at(principal, RatesAt(rate_card_id=card, at=at), 100, cursor, NOW)
        if cursor is None:
            break
        last_cursor = cursor
    product = service.list_rates_at(principal, RatesAt(rate_card_id=card, at=at), 1, None, NOW)[0][0]["product_id"]
    days = iter(range(1, 100))

    def add_one() -> Any:
        later = datetime(2027, 3, 1, tzinfo=UTC) + timedelta(days=next(days))  # after every start so far
        rate = RateInput.model_validate({"product_id": product, "entitled": True, "rate_type": "FLAT", "price": 7,
                                         "starting_at": later, "pricing_group_values": {"region": "r0"}})  # fmt: skip
        return service.add_rates(principal, card, [rate], [""], NOW), None

    figures = {}
    for name, call in {
        "getRates, first page (100)": lambda: service.list_rates_at(
            principal, RatesAt(rate_card_id=card, at=at), 100, None, NOW),
        "getRates, last page": lambda: service.list_rates_at(
            principal, RatesAt(rate_card_id=card, at=at), 100, last_cursor, NOW),
        "getRateSchedule page (100)": lambda: service.rate_schedule(
            principal, RateScheduleRequest(rate_card_id=card, starting_at=at), 100, None, NOW),
        "getContractRateSchedule page (100)": lambda: service.contract_schedule(
            principal, ContractRateScheduleRequest(contract_id=contract, customer_id=customer, at=at), 100, None, NOW),
        "getContractRateSchedule page (100), override by tag": lambda: service.contract_schedule(
            principal, ContractRateScheduleRequest(contract_id=tagged, customer_id=customer, at=at), 100, None, NOW),
        "addRate (a later rate for one product)": add_one,
    }.items():  # fmt: skip
        seconds, calls, (rows, _) = _measure(call)
        assert len(rows) == (100 if "page" in name else 1), (name, len(rows))
        figures[name] = (seconds, calls, len(rows))
    return figures, stored


def run(small: int = 1_000, large: int = 10_000) -> list[str]:
    from package_service.domain.principal import Principal

    principal = Principal(TENANT, "bench")
    with embedded_dynamodb("bench-rates") as _:
        little, little_stored = _card_figures(principal, small)
        big, big_stored = _card_figures(principal, large)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "## Rates per card (in-process, embedded DynamoDB)",
        "",
        f"| operation | {small:,} rates: wall ms, CPU ms, calls | {large:,} rates: wall ms, CPU ms, calls "
        "| ratio: wall, CPU |",
        "|---|---|---|---|",
        f"| the card as stored | {little_stored} | {big_stored} | |",
    ]
    for name in little:
        (s1, c1, _), (s2, c2, _) = little[name], big[name]
        lines.append(
            f"| {name} | {s1[0] * 1e3:.0f}, {s1[1] * 1e3:.0f}, {c1} | {s2[0] * 1e3:.0f}, {s2[1] * 1e3:.0f}, {c2} "
            f"| {s2[0] / s1[0]:.1f}x, {s2[1] / s1[1]:.1f}x |"
        )
    lines += [
        "",
        f"Median of {REPEATS} calls after one counted call (CPU: this process and the embedded DynamoDB it",
        "started); one card of N rates (N/10 products x 10 pricing groups, one rate a lane), seeded 1,000 rates",
        "a request. The card's lanes are packed in chunk items of zlib'd JSON (split past 32 KB), so the whole",
        "card is one Query page (1 MB) until its compressed rates pass 1 MB; a page reads from the chunk its",
        "cursor left off in, makes rows 100 lanes at a time and stops when full; only the page's products are",
        "read (one BatchGetItem) unless tag selectors or tag overrides choose the rows. A write rewrites the",
        "chunk(s) holding its lanes (decision 0016).",
        f"Load average (1, 5, 15 min) when the run ended: {load}.",
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
