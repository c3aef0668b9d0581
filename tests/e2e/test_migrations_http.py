"""A package migration over HTTP on the local stack (`make run`): its own schedule loop and queue poller
plan and apply it; the SDK reads the moved contracts."""

import uuid
from typing import Any

from metronome import Metronome

from tests.payloads import STRIPE, package_body

from .test_jobs_http import call, wait_for_status


def wait_for(base_url: str, migration_id: str, status: str) -> dict[str, Any]:
    return wait_for_status(base_url, "/v1/packageMigrations/get", {"migration_id": migration_id}, status)


def test_a_migration_plans_and_applies_on_the_local_stack(client: Metronome, base_url: str) -> None:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    v1 = client.v1.packages.create(
        **package_body({"usage": usage, "seats": seats}, rate_card_alias=alias, aliases=[])
    ).data.id
    next_alias = f"next-{uuid.uuid4().hex[:6]}"
    v2_body = package_body(
        {"usage": usage, "seats": seats}, name="v2", rate_card_alias=alias, aliases=[{"name": next_alias}]
    )
    v2 = client.v1.packages.create(**v2_body).data.id
    customers = [
        client.v1.customers.create(name=f"m{i}", customer_billing_provider_configurations=[STRIPE]).data.id
        for i in range(3)
    ]
    old = {c: client.v1.contracts.create(customer_id=c, package_id=v1, starting_at="2027-01-31T00:00:00Z").data.id
           for c in customers}  # fmt: skip

    # The SDK's client posts to paths it has no method for, as docs/api.md shows.
    created = client.post("/v1/packageMigrations/create", cast_to=dict[str, Any], body={
        "from_package_id": v1, "to_package_alias": next_alias,
        "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
    })  # fmt: skip
    migration_id = created["data"]["id"]
    planned = wait_for(base_url, migration_id, "PLANNED")
    assert planned["counts"]["planned"] == 3
    rows = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any], body={"migration_id": migration_id},
                       options={"params": {"limit": 2}})  # fmt: skip
    assert len(rows["data"]) == 2 and rows["next_page"]
    call(base_url, "/v1/packageMigrations/apply", {"migration_id": migration_id})
    done = wait_for(base_url, migration_id, "COMPLETED")
    assert done["counts"] == {"planned": 0, "action_needed": 0, "applied": 3, "skipped": 0, "failed": 0}

    on_v2 = {row.customer_id: row for row in client.v1.packages.list_contracts_on_package(package_id=v2)}
    assert set(on_v2) == set(customers)
    for customer in customers:
        moved = client.v1.contracts.retrieve(contract_id=old[customer], customer_id=customer).data
        assert moved.current.ending_before is not None
        assert moved.current.ending_before.isoformat().startswith("2027-06-01")  # statements on the 1st (the default)
        assert on_v2[customer].starting_at.isoformat().startswith("2027-06-01")


def every_row(client: Metronome, migration_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"next_page": cursor} if cursor else {})}
        page = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any],
                           body={"migration_id": migration_id}, options={"params": params})  # fmt: skip
        rows += page["data"]
        cursor = page.get("next_page")
        if not cursor:
            return rows


def test_a_thousand_contracts_migrate_on_the_local_stack(client: Metronome, base_url: str) -> None:
    # 1,000 contracts on v1 over ten start dates with statements on each contract's own anniversary; 50
    # customers without the configuration v2 bills through; v2 named by an alias.
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    catalog = {"usage": usage, "seats": seats}
    anniversaries = {"frequency": "MONTHLY", "day": "CONTRACT_START"}
    v1_body = package_body(catalog, name="v1", rate_card_alias=alias, aliases=[], billing_provider=None,
                           delivery_method=None, usage_statement_schedule=anniversaries)  # fmt: skip
    v1 = client.v1.packages.create(**{k: v for k, v in v1_body.items() if v is not None}).data.id
    next_alias = f"next-{uuid.uuid4().hex[:6]}"
    v2 = client.v1.packages.create(**package_body(catalog, name="v2", rate_card_alias=alias,
                                                  aliases=[{"name": next_alias}])).data.id  # fmt: skip
    customers = [
        client.v1.customers.create(
            name=f"k{i}", customer_billing_provider_configurations=[STRIPE] if i < 950 else []
        ).data.id
        for i in range(1000)
    ]
    starts = ["2027-01-31", "2027-02-15", "2027-02-28", "2027-03-31", "2027-04-01",
              "2027-04-30", "2027-05-10", "2028-02-29", "2026-12-31", "2027-01-01"]  # fmt: skip
    for index, start in enumerate(starts):
        job = {"package_id": v1, "starting_at": f"{start}T00:00:00Z", "customer_ids": customers[index::10]}
        job_id = call(base_url, "/v1/provisioningJobs/create", job)["id"]
        wait_for_status(base_url, "/v1/provisioningJobs/get", {"job_id": job_id}, "COMPLETED", seconds=120)

    migration_id = call(base_url, "/v1/packageMigrations/create", {
        "from_package_id": v1, "to_package_alias": next_alias,
        "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
    })["id"]  # fmt: skip
    planned = wait_for(base_url, migration_id, "PLANNED")
    assert planned["counts"] == {"planned": 950, "action_needed": 50, "applied": 0, "skipped": 0, "failed": 0}
    rows = every_row(client, migration_id)
    assert len({row["contract_id"] for row in rows}) == 1000
    assert {row["customer_id"] for row in rows if row["status"] == "ACTION_NEEDED"} == set(customers[950:])

    # One planned contract is renewed by hand between plan and apply.
    by_hand = next(row for row in rows if row["status"] == "PLANNED")
    client.v1.contracts.create(customer_id=by_hand["customer_id"], package_id=v2, starting_at=by_hand["effective_at"],
                               transition={"from_contract_id": by_hand["contract_id"], "type": "RENEWAL"})  # fmt: skip

    call(base_url, "/v1/packageMigrations/apply", {"migration_id": migration_id})
    done = wait_for(base_url, migration_id, "COMPLETED")
    assert done["counts"] == {"planned": 0, "action_needed": 51, "applied": 949, "skipped": 0, "failed": 0}
    after = {row["contract_id"]: row for row in every_row(client, migration_id)}
    assert "already transitioned" in after[by_hand["contract_id"]]["reason"]
    applied = [row for row in after.values() if row["status"] == "APPLIED"]
    on_v2 = {row.contract_id: row for row in client.v1.packages.list_contracts_on_package(package_id=v2, limit=100)}
    on_v1 = {row.contract_id: row for row in client.v1.packages.list_contracts_on_package(package_id=v1, limit=100)}
    assert len(on_v2) == 950  # 949 moved + the one renewed by hand: exactly one successor each
    for row in applied:
        assert on_v2[row["new_contract_id"]].starting_at.isoformat().replace("+00:00", ".000Z") == row["effective_at"]
        assert on_v1[row["contract_id"]].ending_before is not None
        assert on_v1[row["contract_id"]].ending_before.isoformat().replace("+00:00", ".000Z") == row["effective_at"]
