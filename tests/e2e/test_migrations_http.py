"""A package migration over HTTP on the local stack (`make run`): its own schedule loop and queue poller
plan and apply it; the SDK reads the moved contracts."""

import time
import uuid
from typing import Any

from metronome import Metronome

from tests.payloads import STRIPE, package_body

from .test_jobs_http import call


def wait_for(base_url: str, migration_id: str, status: str) -> dict[str, Any]:
    deadline, found = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        found = call(base_url, "/v1/packageMigrations/get", {"migration_id": migration_id})
        if found["status"] == status:
            return found
        time.sleep(0.5)
    raise AssertionError(f"migration {migration_id} is {found.get('status')}, not {status}: {found}")


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
