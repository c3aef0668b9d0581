"""A provisioning job over HTTP, run by the local stack's own schedule loop and queue poller."""

import time
import uuid
from typing import Any

import httpx
from metronome import Metronome

from tests.e2e.conftest import TOKENS
from tests.payloads import STRIPE, package_body


def call(base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{base_url}{path}", json=body, headers={"Authorization": f"Bearer {TOKENS['acme']}"})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def wait_for_status(base_url: str, path: str, body: dict[str, Any], status: str, seconds: float = 60) -> dict[str, Any]:
    """Poll `path` (a job's or a migration's get) until its `status` is reached; its answer then."""
    deadline, found = time.monotonic() + seconds, {}
    while time.monotonic() < deadline:
        found = call(base_url, path, body)
        if found["status"] == status:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{path} {body}: status {found.get('status')}, not {status}: {found}")


def test_a_scheduled_job_completes_on_the_local_stack(client: Metronome, base_url: str) -> None:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    body = package_body({"usage": usage, "seats": seats}, rate_card_alias=alias, aliases=[])
    package = client.v1.packages.create(**body).data.id
    customers = [
        client.v1.customers.create(name=f"c{i}", customer_billing_provider_configurations=[STRIPE]).data.id
        for i in range(30)
    ]
    customers.append(client.v1.customers.create(name="no-config").data.id)

    job_id = call(
        base_url,
        "/v1/provisioningJobs/create",
        {"package_id": package, "starting_at": "2027-01-31T00:00:00Z", "customer_ids": customers},
    )["id"]
    job = wait_for_status(base_url, "/v1/provisioningJobs/get", {"job_id": job_id}, "COMPLETED")
    assert job["counts"] == {"pending": 0, "provisioned": 30, "failed": 1, "skipped": 0}
    on_package = list(client.v1.packages.list_contracts_on_package(package_id=package, limit=100))
    assert sorted(row.customer_id for row in on_package) == sorted(customers[:30])
