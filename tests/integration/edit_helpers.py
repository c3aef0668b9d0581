"""Requests and readings the contract-edit suites share."""

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
