"""Contract edits: what the edits a contract carries cost its reads (every read replays them, decision 0017)
and what one edit costs to write — latency and DynamoDB calls, in-process against the embedded DynamoDB in
another process. A custom contract with every term kind gets 0, 20 and 100 edits (each a change of a
subscription's stated quantity)."""

import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import embedded_dynamodb

TENANT = "bench-edits"
REPEATS = 15
NOW = datetime(2026, 11, 1, tzinfo=UTC)
EDITS = (0, 20, 100)  # each level's measured writes (REPEATS + 1 edits) stay below the next level


def _measure(call: Callable[[], Any]) -> tuple[float, int]:
    """Median seconds of REPEATS calls and the DynamoDB calls of one."""
    from package_service.store.dynamo import get_client

    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = get_client().meta.events
    events.register("before-call.dynamodb", count)
    call()
    events.unregister("before-call.dynamodb", count)
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), sum(calls.values())


def _contract(principal: Any) -> tuple[str, str, str]:
    from package_service.domain.catalog import ProductCreate
    from package_service.domain.contract import ContractCreate
    from package_service.domain.customers import CustomerCreate
    from package_service.services.contract_reads import get_contract_v2
    from package_service.services.contracts import create_contract
    from package_service.store.catalog import create_product
    from package_service.store.customers import create_customer
    from tests.payloads import full_custom_contract

    usage = create_product(principal, ProductCreate(name="Tokens", type="USAGE"), NOW)
    seats = create_product(principal, ProductCreate(name="Seats", type="SUBSCRIPTION"), NOW)
    customer = create_customer(principal, CustomerCreate(name="Acme"), NOW)["id"]
    body = full_custom_contract(customer, usage, seats, "")
    body = {k: v for k, v in body.items() if k not in ("rate_card_id", "billing_provider_configuration")}
    # The edits change a stated quantity: a SEAT_BASED subscription's follows its seats and is refused.
    seated = body["subscriptions"][0]
    stated = {k: v for k, v in seated.items() if k not in ("temporary_id", "seat_config", "quantity_management_mode")}
    body["subscriptions"] = [*body["subscriptions"], {**stated, "name": "Licences", "initial_quantity": 1}]
    contract = create_contract(principal, ContractCreate.model_validate(body), NOW)["id"]
    subscriptions = get_contract_v2(principal, contract, customer, None)["subscriptions"]
    subscription = next(s["id"] for s in subscriptions if s.get("quantity_management_mode") != "SEAT_BASED")
    return customer, contract, subscription


def _seat_change(customer: str, contract: str, subscription: str, index: int) -> Any:
    from package_service.domain.edit_terms import ContractEdit

    at = datetime(2027, 2, 1, tzinfo=UTC) + timedelta(days=index % 300)
    change = {"starting_at": at.isoformat(), "quantity": index}
    update = {"subscription_id": subscription, "quantity_updates": [change]}
    return ContractEdit.model_validate(
        {"contract_id": contract, "customer_id": customer, "update_subscriptions": [update]}
    )


def run() -> list[str]:
    from package_service.domain.principal import Principal
    from package_service.services.contract_edits import edit_contract
    from package_service.services.contract_reads import get_contract_v2

    principal = Principal(TENANT, "bench")
    rows = []
    with embedded_dynamodb("bench-edits") as _:
        customer, contract, subscription = _contract(principal)
        made = 0
        for count in EDITS:
            while made < count:
                edit_contract(principal, _seat_change(customer, contract, subscription, made), NOW)
                made += 1
            assert made == count, (made, count)
            read = _measure(lambda: get_contract_v2(principal, contract, customer, None))
            as_of = _measure(lambda: get_contract_v2(principal, contract, customer, NOW + timedelta(seconds=1)))
            write = _measure(lambda: edit_contract(principal, _seat_change(customer, contract, subscription, 7), NOW))
            made += 1 + REPEATS  # the measured writes are edits too
            rows.append((count, read, as_of, write))
    base = rows[0][1][0]
    lines = [
        "## Contract edits: reads replay them (in-process, embedded DynamoDB)",
        "",
        "| edits on the contract | v2 get: median ms, calls | ratio to no edits | get as_of_date "
        "| one more edit: median ms, calls |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for count, (read, read_calls), (as_of, _), (write, write_calls) in rows:
        lines.append(f"| {count} | {read * 1e3:.1f} ms, {read_calls} | {read / base:.2f}x | {as_of * 1e3:.1f} ms | "
                     f"{write * 1e3:.1f} ms, {write_calls} |")  # fmt: skip
    lines += [
        "",
        f"Median of {REPEATS} calls after one counted call. A custom contract with every term kind; each edit a",
        "change of a QUANTITY_ONLY subscription's quantity. A read is one GetItem (and",
        "one BatchGetItem for product names) whatever the number of edits; the replay adds parsing and applying",
        "each edit. A write is GetItem, BatchGetItem (products it names, if any) and one TransactWriteItems.",
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
