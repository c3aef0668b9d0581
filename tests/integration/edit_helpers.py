"""Requests and readings the contract-edit suites share."""

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def ref(deal: dict[str, str]) -> dict[str, str]:
    return {"contract_id": deal["contract"], "customer_id": deal["customer"]}


def seats_at(deal: dict[str, str], at: str, **change: Any) -> dict[str, Any]:
    update = {"subscription_id": deal["subscription"], "quantity_updates": [{"starting_at": at, **change}]}
    return {**ref(deal), "update_subscriptions": [update]}


def discount(product_id: str, starting_at: str = "2027-04-30T00:00:00Z") -> dict[str, Any]:
    return {"starting_at": starting_at, "type": "MULTIPLIER", "multiplier": 0.8,
            "override_specifiers": [{"product_id": product_id}]}  # fmt: skip


def quantities(contract: dict[str, Any]) -> list[tuple[float, str, str | None]]:
    schedule = contract["subscriptions"][0]["quantity_schedule"]
    return [(w["quantity"], w["starting_at"], w.get("ending_before")) for w in schedule]


def applied_at_once(edit: Callable[[int], int], count: int, workers: int) -> int:
    """Runs `edit(i)` for `count` indexes on `workers` threads at once; each answers 200 or 503 (kept losing the
    race, nothing stored). How many applied (at least one)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = Counter(pool.map(edit, range(count)))
    assert set(answers) <= {200, 503}, answers
    assert answers[200] >= 1
    return answers[200]
