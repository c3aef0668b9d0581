"""The audit log: every change on the record in the change's own transaction, nothing recorded for a
change that did not happen, and `GET /v1/auditLogs` paging by tenant or resource without a scan."""

from collections import Counter
from typing import Any

import pytest

from package_service.store.dynamo import get_client

from .conftest import START, Api, every_operation, run_background_work, scan_count

PAGE = {"limit": "100"}


def history(api: Api, **query: str) -> list[dict[str, Any]]:
    """Every entry of the tenant (or of one resource), following next_page to the end."""
    entries: list[dict[str, Any]] = []
    params = {**PAGE, **query}
    while True:
        reply = api.get("/v1/auditLogs", params)
        assert reply.status == 200, reply.body
        entries += reply.data
        if reply.body["next_page"] is None:
            return entries
        params = {**PAGE, "next_page": reply.body["next_page"]}


def test_every_change_is_on_the_record_and_reads_record_nothing(api: Api, world: dict[str, str]) -> None:
    every_operation(api, world)
    entries = history(api)
    recorded = Counter((entry["resource_type"], entry["action"]) for entry in entries)
    assert set(recorded) == {
        ("product", "create"), ("product", "update"), ("product", "archive"),
        ("rate_card", "create"), ("rate_card", "update"), ("rate_card", "archive"),
        ("package", "create"), ("package", "archive"),
        ("customer", "create"), ("customer", "archive"),
        ("customer", "set_billing_provider_configurations"), ("customer", "archive_billing_provider_configurations"),
        ("contract", "provision"), ("contract", "transition"), ("contract", "archive"), ("contract", "update"),
        ("provisioning_job", "create"), ("provisioning_job", "cancel"),
        ("package_migration", "create"), ("package_migration", "plan"), ("package_migration", "apply"),
        ("package_migration", "complete"), ("package_migration", "cancel"),
    }  # fmt: skip
    # Once each: two migrations created, one planned, applied, completed; the other cancelled.
    assert recorded[("package_migration", "plan")] == recorded[("package_migration", "complete")] == 1
    assert recorded[("package_migration", "cancel")] == 1 and recorded[("package_migration", "create")] == 2
    by_api = [e for e in entries if not e["actor"]["id"].startswith("package-service:")]
    assert all(e["actor"]["name"] == "acme-token" and e["request"]["id"] == "req-1" for e in by_api)
    background = [e for e in entries if e["actor"]["id"].startswith("package-service:")]
    assert {(e["resource_type"], e["action"]) for e in background} == {
        ("package_migration", "plan"),
        ("package_migration", "complete"),
        ("contract", "provision"),  # the migration's move: an entry on the successor...
        ("contract", "transition"),  # ...and one on the contract it ends, both naming the migration
    }
    moves = [e for e in background if e["resource_type"] == "contract"]
    migrated = next(e for e in entries if e["resource_type"] == "package_migration" and e["action"] == "complete")
    assert len(moves) == 2 and all(migrated["resource_id"] in e["description"] for e in moves)
    completed = next(e for e in background if e["action"] == "complete")
    assert completed["description"] == "completed: 1 applied, 1 action_needed, 0 failed, 0 skipped"
    assert [e["timestamp"] for e in entries] == sorted(e["timestamp"] for e in entries)
    # Reading everything again (and the audit log itself) records nothing.
    for path, body in [("/v1/packages/list", {}), ("/v1/contracts/list", {"customer_id": world["customer"]})]:
        api.ok(path, body)
    assert len(history(api)) == len(entries)


def test_a_transition_is_on_both_contracts_histories(api: Api, world: dict[str, str]) -> None:
    first = history(api, resource_type="contract", resource_id=world["contract"])
    assert [(e["action"], e["resource_id"]) for e in first] == [
        ("provision", world["contract"]),
        ("transition", world["contract"]),
    ]
    assert "renewal transition to contract" in first[1]["description"]
    successor = first[1]["description"].split("contract ")[1].split(",")[0]
    assert [e["action"] for e in history(api, resource_type="contract", resource_id=successor)] == ["provision"]


def test_a_job_completes_on_the_record_once_with_its_outcomes(api: Api, world: dict[str, str]) -> None:
    job = api.ok(
        "/v1/provisioningJobs/create",
        {"package_id": world["package"], "starting_at": "2031-01-31T00:00:00Z", "customer_ids": [world["customer"]]},
    )["id"]
    run_background_work(world)
    run_background_work(world)  # nothing left to do: no second completion
    entries = history(api, resource_type="provisioning_job", resource_id=job)
    assert [(e["action"], e["actor"]["name"]) for e in entries] == [
        ("create", "acme-token"),
        ("complete", "Provisioning worker"),
    ]
    assert entries[1]["description"] == "completed: 1 provisioned, 0 skipped, 0 failed"


def test_a_change_that_fails_records_nothing(api: Api, catalog: dict[str, str], dynamodb_calls: Counter[str]) -> None:
    before, items = len(history(api)), scan_count()
    # Refused by DynamoDB inside the transaction: the product was archived after the request was read.
    api.ok("/v1/contract-pricing/products/archive", {"product_id": catalog["usage"]})
    before, items = before + 1, items + 1
    body = {"name": "P", "commits": [{"product_id": catalog["usage"], "type": "PREPAID",
            "access_schedule": {"schedule_items": [{"amount": 1, "starting_at_offset": {"unit": "DAYS", "value": 0},
                                                    "duration": {"unit": "MONTHS", "value": 1}}]}}]}  # fmt: skip
    reply = api.post("/v1/packages/create", body)
    assert reply.status == 400 and "commits[0].product_id" in reply.message
    # A uniqueness key taken: 409, and the second create wrote nothing.
    api.ok("/v1/packages/create", {"name": "Once", "uniqueness_key": "k-1"})
    before, items = before + 1, items + 3  # the package, its key, its entry
    assert api.post("/v1/packages/create", {"name": "Twice", "uniqueness_key": "k-1"}).status == 409
    # Archiving what is archived already changes nothing, so records nothing.
    api.ok("/v1/contract-pricing/products/archive", {"product_id": catalog["usage"]})
    assert len(history(api)) == before and scan_count() == items


def test_a_package_create_is_still_one_dynamodb_call(
    api: Api, catalog: dict[str, str], dynamodb_calls: Counter[str]
) -> None:
    dynamodb_calls.clear()
    body = {"name": "One call", "rate_card_id": catalog["rate_card"], "aliases": [{"name": "one-call"}],
            "uniqueness_key": "one-call"}  # fmt: skip
    package = api.ok("/v1/packages/create", body)["id"]
    assert dict(dynamodb_calls) == {"TransactWriteItems": 1}
    (entry,) = history(api, resource_type="package", resource_id=package)
    assert entry["description"] == "created package 'One call'; aliases 'one-call' point at it"


def test_pages_in_both_orders_by_date_range_without_a_scan(
    api: Api, other_tenant: Api, dynamodb_calls: Counter[str]
) -> None:
    # 10,000 entries written straight to the table the way the service writes them (creating 10,000
    # products through the handler would take minutes), plus some of another tenant interleaved.
    from datetime import UTC, datetime, timedelta

    from package_service.domain.audit import Change
    from package_service.domain.principal import Principal
    from package_service.store.audit import audited, entry_put

    start = datetime(2026, 1, 1, tzinfo=UTC)
    acme, globex = Principal("acme", "acme-token"), Principal("globex", "globex-token")
    puts = []
    for n in range(10_000):
        puts.append(
            entry_put(audited(acme, Change("product", f"p{n:05}", "create", f"#{n}"), start + timedelta(seconds=n)))
        )
        if n % 100 == 0:
            puts.append(
                entry_put(audited(globex, Change("product", f"g{n}", "create", "x"), start + timedelta(seconds=n)))
            )
    client = get_client()
    for at in range(0, len(puts), 100):
        client.transact_write_items(TransactItems=puts[at : at + 100])  # type: ignore[arg-type]

    dynamodb_calls.clear()
    ascending = history(api)
    assert [e["description"] for e in ascending] == [f"#{n}" for n in range(10_000)]
    pages = 10_000 // 100 + 1  # the last page (full) still has a cursor; the empty one after it has none
    assert dict(dynamodb_calls) == {"Query": pages}  # one query per page, never a scan

    descending = history(api, sort="date_desc")
    assert descending == ascending[::-1]
    assert {e["resource_id"] for e in other_tenant_history(other_tenant)} == {f"g{n}" for n in range(0, 10_000, 100)}

    window = history(api, starting_on="2026-01-01T01:00:00Z", ending_before="2026-01-01T01:00:10Z")
    assert [e["description"] for e in window] == [f"#{n}" for n in range(3600, 3610)]
    one = history(api, resource_type="product", resource_id="p04242")
    assert [e["description"] for e in one] == ["#4242"]


def other_tenant_history(api: Api) -> list[dict[str, Any]]:
    return history(api)


def test_a_poller_gets_what_came_since_its_cursor(api: Api) -> None:
    api.ok("/v1/contract-pricing/products/create", {"name": "A", "type": "USAGE"})
    first = api.get("/v1/auditLogs", {})
    cursor = first.body["next_page"]
    assert len(first.data) == 1 and cursor
    empty = api.get("/v1/auditLogs", {"next_page": cursor})
    assert empty.data == [] and empty.body["next_page"] is None  # nothing new: poll again with `cursor`
    api.ok("/v1/contract-pricing/products/create", {"name": "B", "type": "USAGE"})
    later = api.get("/v1/auditLogs", {"next_page": cursor})
    assert [e["description"] for e in later.data] == ["created product 'B'"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"resource_type": "package"}, "resource_id"),
        ({"resource_id": "x"}, "resource_type"),
        ({"sort": "newest"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"starting_on": "yesterday"}, "starting_on"),
        ({"starting_on": "2026-01-02T00:00:00Z", "ending_before": "2026-01-01T00:00:00Z"}, "ending_before"),
        ({"next_page": "not-a-cursor"}, "next_page"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api: Api, query: dict[str, str], field: str) -> None:
    reply = api.get("/v1/auditLogs", query)
    assert reply.status == 400 and field in reply.message, reply.body


def test_a_cursor_keeps_its_listing(api: Api) -> None:
    for name in ("A", "B"):
        api.ok("/v1/contract-pricing/products/create", {"name": name, "type": "USAGE"})
    cursor = api.get("/v1/auditLogs", {"limit": "1", "sort": "date_desc"}).body["next_page"]
    reply = api.get("/v1/auditLogs", {"next_page": cursor, "starting_on": START})
    assert reply.status == 400 and reply.message.startswith("starting_on: differs from the next_page cursor's")
    reply = api.get("/v1/auditLogs", {"next_page": cursor, "sort": "date_asc"})
    assert reply.status == 400 and reply.message.startswith("sort: differs")
    assert [e["description"] for e in api.get("/v1/auditLogs", {"next_page": cursor}).data] == ["created product 'A'"]
    # The SDK sends the first page's parameters again with next_page: the same ones are the same listing.
    again = api.get("/v1/auditLogs", {"next_page": cursor, "sort": "date_desc", "limit": "1"})
    assert [e["description"] for e in again.data] == ["created product 'A'"]


def test_what_only_the_provisioner_sees_is_on_the_record(api: Api, world: dict[str, str]) -> None:
    empty = api.ok("/v1/packages/create", {"name": "Empty"})["id"]
    moving = {"from_package_id": empty, "to_package_id": world["package"], "effective": {"type": "END_OF_TERM"}}
    migration = api.ok("/v1/packageMigrations/create", moving)["id"]
    doomed = api.ok("/v1/packages/create", {"name": "Doomed"})["id"]
    job = {"package_id": doomed, "starting_at": "2031-01-31T00:00:00Z", "customer_ids": [world["customer"]]}
    job_id = api.ok("/v1/provisioningJobs/create", job)["id"]
    api.ok("/v1/packages/archive", {"package_id": doomed})
    run_background_work(world)
    run_background_work(world)
    planned = history(api, resource_type="package_migration", resource_id=migration)
    assert [(e["action"], e["actor"]["name"]) for e in planned] == [
        ("create", "acme-token"),
        ("plan", "Provisioner (scheduled)"),  # nothing to plan: done when its fan-out ended
    ]
    assert planned[1]["description"] == "planned: 0 contracts to move, 0 need action"
    failed = history(api, resource_type="provisioning_job", resource_id=job_id)
    assert [e["action"] for e in failed] == ["create", "fail"]
    assert "is archived" in failed[1]["description"]


def test_the_audit_log_is_read_with_get_only(api: Api) -> None:
    """API Gateway routes on resource and method together: POST /v1/auditLogs falls through to the
    /v1/{proxy+} POST resource and so reaches the function, which answers 405 naming the method to use."""
    reply = api.post("/v1/auditLogs", {})
    assert reply.status == 405 and reply.message == "POST is not allowed on /v1/auditLogs; use GET"
