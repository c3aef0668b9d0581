"""Scheduled cohort provisioning on moto: Provisioner (schedule) -> SQS -> ProvisionWorker."""

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.event_sources import drain_queues_once, scheduled_event
from infra.lambda_runtime import LocalContext
from package_service.domain.customers import CustomerCreate, with_delivery_method
from package_service.domain.principal import Principal
from package_service.services import cohorts, fanout
from package_service.services.fanout import run_due_jobs
from package_service.store import records
from package_service.store.customers import create_customer
from package_service.store.dynamo import get_client
from tests.payloads import STRIPE, package_body

from .conftest import TABLE, Api

START = "2027-01-31T00:00:00Z"


@pytest.fixture
def package(api: Api, catalog: dict[str, str]) -> str:
    return str(api.ok("/v1/packages/create", package_body(catalog))["id"])


def make_customers(count: int, with_config: bool = True) -> list[str]:
    """Customers written through the store directly: quicker than 1,000 API calls, same items."""
    principal, now = Principal("acme", "acme-token"), datetime.now(UTC)
    configs = [STRIPE] if with_config else []
    customers = []
    for i in range(count):
        request = CustomerCreate(name=f"c{i}", customer_billing_provider_configurations=configs)
        named = [
            with_delivery_method("acme", c, "config") for c in request.customer_billing_provider_configurations or []
        ]
        request = request.model_copy(update={"customer_billing_provider_configurations": named or None})
        customers.append(create_customer(principal, request, now)["id"])
    return customers


def trigger() -> dict[str, Any]:
    from package_service.handlers.provisioner import handler

    result: dict[str, Any] = handler(
        scheduled_event("ProvisionerFunction"), LocalContext("ProvisionerFunction", timeout_seconds=60)
    )
    return result


def drain(queues: dict[str, str]) -> int:
    return drain_queues_once(None, queues)


def job(api: Api, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("/v1/provisioningJobs/get", {"job_id": job_id})
    return data


def start_job(api: Api, package: str, customers: list[str]) -> str:
    """A job for `customers` on `package`, fanned out to the queue (not yet worked)."""
    body = {"package_id": package, "starting_at": START, "customer_ids": customers}
    job_id = str(api.ok("/v1/provisioningJobs/create", body)["id"])
    trigger()
    return job_id


@pytest.fixture
def settled_one_by_one(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The customers the worker writes one at a time (after a group transaction was cancelled), in order."""
    settled: list[str] = []
    provision_one = cohorts._provision_one

    def spy(on_date: Any, batch: Any, customer_id: str, now: Any) -> str:
        settled.append(customer_id)
        return provision_one(on_date, batch, customer_id, now)

    monkeypatch.setattr(cohorts, "_provision_one", spy)
    return settled


def results(api: Api, job_id: str) -> list[dict[str, Any]]:
    return api.every_page("/v1/provisioningJobs/listResults", {"job_id": job_id})


def contract_docs() -> list[dict[str, Any]]:
    """Every contract in the table (all scan pages)."""
    pages = (
        get_client()
        .get_paginator("scan")
        .paginate(
            TableName=TABLE,
            FilterExpression="begins_with(pk, :c)",
            ExpressionAttributeValues={":c": {"S": "T#acme#CONTRACT#"}},
        )
    )
    return [json.loads(item["doc"]["S"]) for page in pages for item in page["Items"]]


def contracts_per_customer() -> Counter[str]:
    return Counter(doc["customer_id"] for doc in contract_docs())


def test_a_thousand_customer_job_ends_with_every_customer_accounted_for(
    api: Api, queues: dict[str, str], package: str
) -> None:
    # Given 1,000 customers: 900 with a matching billing configuration, 100 without,
    # and 50 of the 900 already provisioned onto the package at that start by an earlier job.
    good, bare = make_customers(900), make_customers(100, with_config=False)
    earlier = api.ok(
        "/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": good[:50]}
    )["id"]
    trigger()
    drain(queues)
    assert job(api, earlier)["counts"]["provisioned"] == 50

    cohort = good + bare
    job_id = api.ok(
        "/v1/provisioningJobs/create",
        {"package_alias": "starter", "starting_at": START, "customer_ids": cohort, "uniqueness_key": "cohort-1"},
    )["id"]
    assert job(api, job_id)["status"] == "PENDING"
    summary = trigger()
    assert summary["finished"] == [job_id]
    drain(queues)

    status = job(api, job_id)
    assert status["status"] == "COMPLETED"
    assert status["counts"] == {"pending": 0, "provisioned": 850, "failed": 100, "skipped": 50}
    rows = results(api, job_id)
    assert len(rows) == 1000 and {r["customer_id"] for r in rows} == set(cohort)
    by_status = Counter(r["status"] for r in rows)
    assert by_status == Counter({"PROVISIONED": 850, "FAILED": 100, "SKIPPED": 50})
    failed = next(r for r in rows if r["status"] == "FAILED")
    assert (
        failed["reason"].startswith("customer_id:") and "no active billing provider configuration" in failed["reason"]
    )
    skipped = next(r for r in rows if r["status"] == "SKIPPED")
    assert skipped["contract_id"]
    # Exactly one contract per customer that could have one.
    assert contracts_per_customer() == Counter(dict.fromkeys(good, 1))


def test_a_worker_killed_midway_resumes_without_duplicates(
    api: Api, queues: dict[str, str], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = make_customers(120)
    job_id = start_job(api, package, customers)

    real = cohorts.write_together
    calls = {"n": 0}

    def crash_sometimes(items: list[Any]) -> set[str]:
        calls["n"] += 1
        if calls["n"] % 5 == 0:  # killed before a transaction: nothing of it written
            raise RuntimeError("injected crash before writing")
        written = real(items)
        if calls["n"] % 3 == 0:  # killed after a transaction committed, before the message is acknowledged
            raise RuntimeError("injected crash after writing")
        return written

    monkeypatch.setattr(cohorts, "write_together", crash_sometimes)
    drain(queues)
    partial = job(api, job_id)["counts"]
    assert 0 < partial["provisioned"] < 120 and partial["pending"] == 120 - partial["provisioned"]

    monkeypatch.setattr(cohorts, "write_together", real)
    time.sleep(1.1)  # the failed messages' visibility timeout
    drain(queues)
    final = job(api, job_id)
    assert final["status"] == "COMPLETED" and final["counts"]["provisioned"] == 120
    assert contracts_per_customer() == Counter(dict.fromkeys(customers, 1))
    assert Counter(r["status"] for r in results(api, job_id)) == Counter({"PROVISIONED": 120})


def test_customers_are_written_several_per_transaction_and_one_by_one_when_cancelled(
    api: Api,
    queues: dict[str, str],
    package: str,
    dynamodb_calls: Counter[str],
    monkeypatch: pytest.MonkeyPatch,
    settled_one_by_one: list[str],
) -> None:
    # Given a 25-customer message (one SQS message) whose 13th customer an earlier job already provisioned.
    customers = make_customers(25)
    earlier = {"package_id": package, "starting_at": START, "customer_ids": customers[12:13]}
    api.ok("/v1/provisioningJobs/create", earlier)
    trigger()
    drain(queues)
    job_id = start_job(api, package, customers)
    transactions: list[tuple[int, set[str]]] = []
    write_together = cohorts.write_together

    def spy_together(items: list[Any]) -> set[str]:
        transactions.append((len(items), write_together(items)))
        return transactions[-1][1]

    monkeypatch.setattr(cohorts, "write_together", spy_together)
    dynamodb_calls.clear()
    drain(queues)

    # Two transactions within DynamoDB's 100 items; the first, holding customer 13, is cancelled whole
    # and its customers are then written one by one: 1 skipped (plus its result row), the others provisioned.
    assert [cancelled_by for _, cancelled_by in transactions] == [{"ConditionalCheckFailed"}, set()]
    assert all(count <= 100 for count, _ in transactions)
    first = len(settled_one_by_one)
    # 5 items a customer (contract, result row = uniqueness guard, index row, cohort guard, customer
    # check): 19 of them with the package check and the counter update fit in 100.
    assert settled_one_by_one == customers[:first] and first == 19
    # + 1: the job's completion, recorded in the audit log in a transaction of its own (completions.py)
    assert dynamodb_calls["TransactWriteItems"] == 2 + first + 1 + 1
    status = job(api, job_id)
    assert status["counts"] == {"pending": 0, "provisioned": 24, "failed": 0, "skipped": 1}
    assert contracts_per_customer() == Counter(dict.fromkeys(customers, 1))


def test_customers_that_cannot_be_provisioned_fail_within_the_same_transactions(
    api: Api, queues: dict[str, str], package: str, dynamodb_calls: Counter[str]
) -> None:
    good, bare = make_customers(15), make_customers(10, with_config=False)
    customers = good[:5] + bare[:5] + good[5:] + bare[5:]  # one 25-customer message, outcomes mixed
    job_id = start_job(api, package, customers)
    dynamodb_calls.clear()
    drain(queues)
    # 15 contracts of 5 items + 10 result rows + the package check + a counter update: 87 items, so one
    # transaction, and no customer written on its own; then the job's completion entry (completions.py).
    assert dynamodb_calls["TransactWriteItems"] == 1 + 1
    assert job(api, job_id)["counts"] == {"pending": 0, "provisioned": 15, "failed": 10, "skipped": 0}
    failed = {row["customer_id"]: row["reason"] for row in results(api, job_id) if row["status"] == "FAILED"}
    assert set(failed) == set(bare)
    assert all("no active billing provider configuration" in reason for reason in failed.values())
    assert contracts_per_customer() == Counter(dict.fromkeys(good, 1))


def test_a_package_archived_after_fan_out_fails_every_customer_with_the_reason(
    api: Api, queues: dict[str, str], package: str, dynamodb_calls: Counter[str]
) -> None:
    customers = make_customers(30)  # two messages: 25 + 5
    job_id = start_job(api, package, customers)
    api.ok("/v1/packages/archive", {"package_id": package})
    dynamodb_calls.clear()
    drain(queues)
    # One per message (25 and 5 result rows), then the job's completion entry (completions.py): tried by
    # each message that finds no customer pending (both, when they finish together), recorded once.
    assert dynamodb_calls["TransactWriteItems"] in (2 + 1, 2 + 2)
    completions = [e for e in api.get("/v1/auditLogs", {"limit": "100"}).data if e["action"] == "complete"]
    assert [e["resource_id"] for e in completions] == [job_id]
    assert job(api, job_id)["counts"] == {"pending": 0, "provisioned": 0, "failed": 30, "skipped": 0}
    reasons = {row["reason"] for row in results(api, job_id)}
    assert len(reasons) == 1 and "archived" in reasons.pop()
    assert contracts_per_customer() == Counter()


def test_a_transaction_conflict_is_retried_and_a_lasting_one_settles_customers_one_by_one(
    api: Api, queues: dict[str, str], package: str, monkeypatch: pytest.MonkeyPatch, settled_one_by_one: list[str]
) -> None:
    customers = make_customers(25)
    job_id = start_job(api, package, customers)
    write_together = cohorts.write_together
    attempts: list[int] = []

    def conflicting(items: list[Any]) -> set[str]:
        attempts.append(len(items))
        # Another worker holds an item: once for the first group, on every attempt for the second.
        if len(attempts) == 1 or len(attempts) >= 3:
            return {"TransactionConflict"}
        return write_together(items)

    monkeypatch.setattr(cohorts, "write_together", conflicting)
    drain(queues)

    first_group = 25 - len(settled_one_by_one)
    assert len(attempts) == 2 + 3  # first group: conflict, then written; second: three conflicts
    assert settled_one_by_one == customers[first_group:] and 0 < first_group < 25
    assert job(api, job_id)["counts"] == {"pending": 0, "provisioned": 25, "failed": 0, "skipped": 0}
    assert contracts_per_customer() == Counter(dict.fromkeys(customers, 1))


def test_a_contract_too_large_to_store_fails_its_customers_with_the_reason(
    api: Api, queues: dict[str, str], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = make_customers(3)
    job_id = start_job(api, package, customers)
    monkeypatch.setattr(records, "MAX_DOC_BYTES", 500)  # every resolved contract of this package is larger
    drain(queues)  # once: a message that failed would come back, and the job would never complete
    status = job(api, job_id)
    assert status["status"] == "COMPLETED"
    assert status["counts"] == {"pending": 0, "provisioned": 0, "failed": 3, "skipped": 0}
    reasons = {row["reason"] for row in results(api, job_id)}
    assert len(reasons) == 1 and reasons.pop().startswith("the contract is ")
    assert contracts_per_customer() == Counter()


def test_a_provisioner_killed_midway_is_resumed_by_the_next_trigger(
    api: Api, queues: dict[str, str], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = make_customers(1200)  # three cohort chunks
    job_id = api.ok(
        "/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": customers}
    )["id"]
    real_send, sent = fanout.send_messages, {"chunks": 0}

    def die_on_second_chunk(bodies: list[dict[str, Any]]) -> None:
        sent["chunks"] += 1
        if sent["chunks"] == 2:
            raise RuntimeError("injected crash")
        real_send(bodies)

    monkeypatch.setattr(fanout, "send_messages", die_on_second_chunk)
    with pytest.raises(RuntimeError):
        run_due_jobs(datetime.now(UTC), lambda: 60_000)
    monkeypatch.setattr(fanout, "send_messages", real_send)
    # The lease is still held: a trigger now does nothing; one after the lease expires resumes.
    assert run_due_jobs(datetime.now(UTC), lambda: 60_000)["claimed"] == []
    later = run_due_jobs(datetime.now(UTC) + timedelta(minutes=3), lambda: 60_000)
    assert later["finished"] == [job_id]
    drain(queues)
    status = job(api, job_id)
    assert status["status"] == "COMPLETED" and status["counts"]["provisioned"] == 1200
    assert contracts_per_customer() == Counter(dict.fromkeys(customers, 1))


def test_a_run_short_of_time_pauses_and_the_next_trigger_continues(
    api: Api, queues: dict[str, str], package: str
) -> None:
    customers = make_customers(1100)
    job_id = api.ok(
        "/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": customers}
    )["id"]
    budget = iter([60_000, 60_000, 1_000])  # enough for two chunks, then the Lambda is nearly out of time
    assert run_due_jobs(datetime.now(UTC), lambda: next(budget))["paused"] == [job_id]
    assert run_due_jobs(datetime.now(UTC), lambda: 60_000)["finished"] == [job_id]
    drain(queues)
    assert job(api, job_id)["counts"]["provisioned"] == 1100


def test_two_simultaneous_triggers_run_the_job_once(api: Api, queues: dict[str, str], package: str) -> None:
    customers = make_customers(30)
    job_id = api.ok(
        "/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": customers}
    )["id"]
    barrier, summaries = threading.Barrier(2), []

    def fire() -> None:
        barrier.wait()
        summaries.append(run_due_jobs(datetime.now(UTC), lambda: 60_000))

    threads = [threading.Thread(target=fire) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(s["claimed"]) for s in summaries) == [0, 1]
    assert drain(queues) == 2  # 30 customers in messages of 25: two messages, sent once
    assert job(api, job_id)["counts"]["provisioned"] == 30


def test_jobs_wait_for_run_at_and_can_be_cancelled_before(api: Api, queues: dict[str, str], package: str) -> None:
    customers = make_customers(3)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    waiting = api.ok(
        "/v1/provisioningJobs/create",
        {"package_id": package, "starting_at": START, "customer_ids": customers, "run_at": later},
    )["id"]
    assert trigger()["claimed"] == []
    assert job(api, waiting)["status"] == "PENDING"
    api.ok("/v1/provisioningJobs/cancel", {"job_id": waiting})
    assert run_due_jobs(datetime.now(UTC) + timedelta(hours=2), lambda: 60_000)["claimed"] == []
    assert job(api, waiting)["status"] == "CANCELLED"

    now_job = api.ok(
        "/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": customers}
    )["id"]
    trigger()
    reply = api.post("/v1/provisioningJobs/cancel", {"job_id": now_job})
    assert reply.status == 400 and reply.message.startswith("job_id")


def test_an_archived_package_fails_the_job_with_its_reason(api: Api, queues: dict[str, str], package: str) -> None:
    job_id = api.ok(
        "/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": make_customers(2)}
    )["id"]
    api.ok("/v1/packages/archive", {"package_id": package})
    assert trigger()["failed"] == [job_id]
    status = job(api, job_id)
    assert status["status"] == "FAILED" and "archived" in status["failure_reason"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_ids": []}, "customer_ids"),
        ({"customer_ids": ["11111111-1111-4111-8111-111111111111"] * 2}, "customer_ids"),
        ({"customer_ids": ["not-a-uuid"]}, "customer_ids[0]"),
        ({"package_alias": "starter"}, "package_alias"),
        ({"package_id": None}, "package_id"),
        ({"starting_at": "tomorrow"}, "starting_at"),
        ({"run_at": "2027-01-01T00:00:00"}, "run_at"),
        ({"package_id": "00000000-0000-4000-8000-000000000000"}, "package_id"),
        ({"package_id": None, "package_alias": "nobody"}, "package_alias"),
    ],
)
def test_invalid_jobs_are_400_naming_the_field(api: Api, package: str, body: dict[str, Any], field: str) -> None:
    request = {
        "package_id": package,
        "starting_at": START,
        "customer_ids": ["11111111-1111-4111-8111-111111111111"],
        **body,
    }
    reply = api.post("/v1/provisioningJobs/create", {k: v for k, v in request.items() if v is not None})
    assert reply.status == 400, reply.body
    assert reply.message.startswith(field), reply.message


def test_job_uniqueness_key_and_tenant_isolation(
    api: Api, other_tenant: Api, queues: dict[str, str], package: str
) -> None:
    body = {"package_id": package, "starting_at": START, "customer_ids": make_customers(1), "uniqueness_key": "jan"}
    first = api.ok("/v1/provisioningJobs/create", body)["id"]
    again = api.post("/v1/provisioningJobs/create", body)
    assert again.status == 409 and again.body["conflicting_id"] == first
    assert other_tenant.post("/v1/provisioningJobs/get", {"job_id": first}).status == 404
    assert other_tenant.post("/v1/provisioningJobs/listResults", {"job_id": first}).status == 404
    forged = api.post("/v1/provisioningJobs/listResults", {"job_id": first}, query={"next_page": "zzz"})
    assert forged.status == 400 and forged.message.startswith("next_page")


def test_a_job_contracts_uniqueness_key_is_held_by_its_result_row(
    api: Api, queues: dict[str, str], package: str
) -> None:
    customer = make_customers(1)[0]
    job_id = start_job(api, package, [customer])
    drain(queues)
    (row,) = results(api, job_id)
    contract = api.ok("/v1/contracts/get", {"contract_id": row["contract_id"], "customer_id": customer})
    assert contract["uniqueness_key"] == f"job:{job_id}:{customer}"
    # One item both records the outcome and guards the key: a client reusing the key gets the 409.
    again = {"customer_id": customer, "package_id": package, "starting_at": "2028-01-31T00:00:00Z",
             "uniqueness_key": f"job:{job_id}:{customer}"}  # fmt: skip
    reply = api.post("/v1/contracts/create", again)
    assert reply.status == 409 and reply.body["conflicting_id"] == row["contract_id"]


def test_a_jobs_timestamps_are_answered_with_milliseconds(
    api: Api, catalog: dict[str, str], queues: dict[str, str]
) -> None:
    package = api.ok("/v1/packages/create", package_body(catalog, aliases=[]))["id"]
    body = {"package_id": package, "starting_at": "2027-01-31T00:00:00Z", "run_at": "2027-01-30T22:00:00+00:00",
            "customer_ids": make_customers(1)}  # fmt: skip
    answered = job(api, api.ok("/v1/provisioningJobs/create", body)["id"])
    assert (answered["starting_at"], answered["run_at"]) == ("2027-01-31T00:00:00.000Z", "2027-01-30T22:00:00.000Z")
