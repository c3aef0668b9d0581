"""A package migration carries each contract's own edits to its successor (an added override or credit
stays, a seat count stays), lists them in the plan's diff as `carried`, and turns a contract edited after
its plan ACTION_NEEDED at apply."""

from typing import Any

import pytest

from tests.payloads import package_body

from .conftest import Api, seats_subscription
from .edit_helpers import discount
from .test_jobs import make_customers
from .test_migrations import contract, migration, pin_clock, plan, run, start_migration, use_queues

AT = "2027-06-30T00:00:00.000Z"


@pytest.fixture(autouse=True)
def _clock_and_queues(monkeypatch: pytest.MonkeyPatch, queues: dict[str, str]) -> None:
    pin_clock(monkeypatch)
    use_queues(queues)


@pytest.fixture
def packages(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    """v1 (3 seats) and v2 (5 seats), both with their seats over the whole term."""
    v1 = package_body(catalog, name="Plan v1", aliases=[], subscriptions=[seats_subscription(catalog["seats"], 3)])
    v2 = package_body(catalog, name="Plan v2", aliases=[], subscriptions=[seats_subscription(catalog["seats"], 5)])
    return {"v1": api.ok("/v1/packages/create", v1)["id"], "v2": api.ok("/v1/packages/create", v2)["id"]}


def provisioned(api: Api, package: str, customer: str) -> dict[str, str]:
    body = {"customer_id": customer, "package_id": package, "starting_at": "2027-01-31T00:00:00Z"}
    contract_id = api.ok("/v1/contracts/create", body)["id"]
    got = api.ok("/v2/contracts/get", {"contract_id": contract_id, "customer_id": customer})
    return {"contract_id": contract_id, "customer_id": customer, "subscription": got["subscriptions"][0]["id"]}


def negotiate(api: Api, deal: dict[str, str], usage: str) -> None:
    """What the customer was given after provisioning: 7 seats from March, a discount, a goodwill credit."""
    ref = {"contract_id": deal["contract_id"], "customer_id": deal["customer_id"]}
    seats = {"subscription_id": deal["subscription"],
             "quantity_updates": [{"starting_at": "2027-03-31T00:00:00Z", "quantity": 7}]}  # fmt: skip
    goodwill = {"product_id": usage, "name": "Goodwill", "access_schedule": {"schedule_items": [
        {"amount": 40, "starting_at": "2027-05-31T00:00:00Z", "ending_before": "2027-09-30T00:00:00Z"}]}}  # fmt: skip
    api.ok("/v2/contracts/edit", {**ref, "update_subscriptions": [seats]})
    api.ok("/v2/contracts/edit", {**ref, "add_overrides": [discount(usage)], "add_credits": [goodwill]})


def test_a_migration_carries_each_contracts_edits(api: Api, catalog: dict[str, str], packages: dict[str, str]) -> None:
    customer = make_customers(1, with_config=True)[0]
    deal = provisioned(api, packages["v1"], customer)
    negotiate(api, deal, catalog["usage"])
    body = {"from_package_id": packages["v1"], "to_package_id": packages["v2"],
            "effective": {"type": "AT_DATE", "at": AT}}  # fmt: skip
    migration_id = start_migration(api, body)
    [row] = plan(api, migration_id)
    assert row["status"] == "PLANNED", row
    carried = row["diff"]["carried"]
    assert carried["seats"] == [{"product_id": catalog["seats"], "quantity": 7}]
    assert [o["multiplier"] for o in carried["overrides"]] == [0.8]
    assert len(carried["credits"]) == 1
    # With the seats carried the package's 5 seats never show: the successor keeps the customer's 7.
    assert row["diff"]["subscriptions"] == {"keeps": [{"product_id": catalog["seats"], "billing_frequency": "MONTHLY",
                                                       "collection_schedule": "ADVANCE", "quantity": 7}]}  # fmt: skip

    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    [applied] = plan(api, migration_id)
    assert applied["status"] == "APPLIED", applied
    successor = contract(api, customer, applied["new_contract_id"])
    assert successor["starting_at"] == AT
    assert [(o["multiplier"], o["starting_at"]) for o in successor["overrides"]] == [(0.8, AT)]
    goodwill = [c for c in successor["credits"] if c.get("name") == "Goodwill"]
    assert [(i["amount"], i["starting_at"], i["ending_before"]) for c in goodwill
            for i in c["access_schedule"]["schedule_items"]] == [(40, AT, "2027-09-30T00:00:00.000Z")]  # fmt: skip
    got = api.ok("/v2/contracts/get", {"contract_id": successor["id"], "customer_id": customer})
    assert [w["quantity"] for w in got["subscriptions"][0]["quantity_schedule"]] == [7]
    assert got["subscriptions"][0]["quantity_schedule"][0]["starting_at"] == AT
    # The old contract keeps what came before: the discount and credit up to the move, the seats.
    old = api.ok("/v2/contracts/get", {"contract_id": deal["contract_id"], "customer_id": customer})
    assert old["ending_before"] == AT and old["overrides"][0]["ending_before"] == AT


def test_an_edit_after_the_plan_makes_the_contract_action_needed(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    edited, untouched = make_customers(2, with_config=True)
    deals = [provisioned(api, packages["v1"], customer) for customer in (edited, untouched)]
    body = {"from_package_id": packages["v1"], "to_package_id": packages["v2"],
            "effective": {"type": "AT_DATE", "at": AT}}  # fmt: skip
    migration_id = start_migration(api, body)
    assert {row["status"] for row in plan(api, migration_id)} == {"PLANNED"}
    assert all("carried" not in row["diff"] for row in plan(api, migration_id))
    negotiate(api, deals[0], catalog["usage"])

    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    rows: dict[str, Any] = {row["customer_id"]: row for row in plan(api, migration_id)}
    assert rows[untouched]["status"] == "APPLIED"
    assert rows[edited]["status"] == "ACTION_NEEDED" and "edited since the plan" in rows[edited]["reason"]
    counts = migration(api, migration_id)["counts"]
    assert counts == {"planned": 0, "action_needed": 1, "applied": 1, "skipped": 0, "failed": 0}
    still = api.ok("/v2/contracts/get", {"contract_id": deals[0]["contract_id"], "customer_id": edited})
    assert still["ending_before"] == "2028-01-31T00:00:00.000Z" and not still["transitions"]


@pytest.mark.parametrize(
    ("effective", "successor_start"),
    [
        ({"effective": {"type": "AT_DATE", "at": AT}, "successor_term": "FULL_TERM"}, AT),
        ({"effective": {"type": "END_OF_TERM"}}, "2028-01-31T00:00:00.000Z"),
    ],
    ids=["full-term-from-a-date", "at-the-end-of-term"],
)
def test_carried_seats_cover_a_successor_that_runs_past_the_old_end(
    api: Api, catalog: dict[str, str], packages: dict[str, str], effective: dict[str, Any], successor_start: str
) -> None:
    """The customer's 7 seats ran to the old contract's end; a successor with a term of its own keeps 7 seats
    over its whole subscription, not up to the old end and then no quantity at all (or the package's 5)."""
    customer = make_customers(1, with_config=True)[0]
    deal = provisioned(api, packages["v1"], customer)
    negotiate(api, deal, catalog["usage"])
    migration_id = start_migration(api, {"from_package_id": packages["v1"], "to_package_id": packages["v2"],
                                         **effective})  # fmt: skip
    [row] = plan(api, migration_id)
    assert row["diff"]["carried"]["seats"] == [{"product_id": catalog["seats"], "quantity": 7}], row["diff"]
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    [applied] = plan(api, migration_id)
    assert applied["status"] == "APPLIED", applied
    got = api.ok("/v2/contracts/get", {"contract_id": applied["new_contract_id"], "customer_id": customer})
    assert got["starting_at"] == successor_start and got["ending_before"] > "2028-01-31T00:00:00.000Z"
    [subscription] = got["subscriptions"]
    schedule = [(w["quantity"], w["starting_at"], w.get("ending_before")) for w in subscription["quantity_schedule"]]
    assert schedule == [(7, successor_start, subscription.get("ending_before"))]
