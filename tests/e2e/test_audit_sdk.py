"""The audit log and change events over HTTP on `make run`, read with the official SDK, unchanged."""

import json
import time
from datetime import UTC, datetime

import httpx
from metronome import Metronome

from infra.local_stack import EVENTS_FILE


def test_the_sdk_pages_a_tenants_history_in_both_orders(client: Metronome, other_client: Metronome) -> None:
    since = datetime.now(UTC)
    mine = [client.v1.contracts.products.create(name=f"Audited {n}", type="USAGE").data.id for n in range(23)]
    theirs = other_client.v1.contracts.products.create(name="Not yours", type="USAGE").data.id

    ascending = list(client.v1.audit_logs.list(starting_on=since, limit=5))  # the SDK follows next_page
    created = [entry.resource_id for entry in ascending if entry.resource_type == "product"]
    assert created == mine
    assert theirs not in {entry.resource_id for entry in ascending}
    first = ascending[0]
    assert (first.action, first.status, first.actor and first.actor.name) == ("create", "success", "acme")
    assert first.request.id and first.request.ip == "127.0.0.1"
    assert first.request.user_agent and first.request.user_agent.startswith("Metronome/Python")

    descending = list(client.v1.audit_logs.list(starting_on=since, sort="date_desc", limit=7))
    assert [e.id for e in descending] == [e.id for e in ascending][::-1]

    one = list(client.v1.audit_logs.list(resource_type="product", resource_id=mine[4]))
    assert [(e.action, e.description) for e in one] == [("create", "created product 'Audited 4'")]
    assert list(other_client.v1.audit_logs.list(resource_type="product", resource_id=mine[4])) == []


def test_a_bad_filter_is_a_400_naming_it(base_url: str) -> None:
    reply = httpx.get(
        f"{base_url}/v1/auditLogs",
        params={"resource_type": "product"},
        headers={"Authorization": "Bearer e2e-acme-token"},
    )
    assert reply.status_code == 400 and reply.json()["message"].startswith("resource_id:")


def test_make_run_publishes_each_change_to_the_local_events_file(client: Metronome) -> None:
    package_id = client.v1.packages.create(name="Evented").data.id
    (entry,) = client.v1.audit_logs.list(resource_type="package", resource_id=package_id)
    deadline = time.monotonic() + 20  # the stack's event-source loop polls the stream every 0.2 s
    while time.monotonic() < deadline:
        lines = EVENTS_FILE.read_text().splitlines() if EVENTS_FILE.exists() else []
        events = [json.loads(line) for line in lines if entry.id in line]
        if events:
            break
        time.sleep(0.2)
    assert len(events) == 1
    assert events[0]["detail-type"] == "package.created" and events[0]["source"] == "package-service"
    assert events[0]["detail"]["resource_id"] == package_id and events[0]["detail"]["tenant_id"] == "acme"
