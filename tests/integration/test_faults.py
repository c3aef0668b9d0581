"""Fault injection in the store layer's DynamoDB client: throttling, cancelled transactions,
timeouts, internal errors. The API answers 429/503 with a message, botocore retries where safe,
and a scan of the table after each fault proves no partial record was left.

These tests talk to the embedded DynamoDB *server* over HTTP, not moto's in-process stub: botocore
offers `before-send` to every handler, so with the stub a request would still be applied behind an
injected error. Over HTTP, an injected response means the request never left the client.
"""

import contextlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from package_service.domain.migrations import MigrationCreate
from package_service.domain.principal import Principal
from package_service.services.migration_apply import apply_batch
from package_service.services.migration_work import APPLY, PLAN, MigrationBatch, plan_batch
from package_service.services.migrations import create_migration, get_migration
from package_service.settings import get_settings
from package_service.store.dynamo import get_client
from tests.payloads import STRIPE, package_body

from .conftest import Api, scan_count, table_on_server

START = "2027-01-31T00:00:00Z"


class _Body:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = json.dumps(payload).encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


class Faults:
    """Answers chosen DynamoDB operations with an error before the request leaves the client."""

    def __init__(self) -> None:
        self.plans: dict[str, list[dict[str, Any] | str]] = {}
        self.injected = 0
        get_client().meta.events.register_first("before-send.dynamodb", self._send)

    def fail(self, operation: str, fault: dict[str, Any] | str, times: int = 100) -> None:
        self.plans[operation] = [fault] * times

    def _send(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = kwargs["event_name"].rsplit(".", 1)[1]
        plan = self.plans.get(operation)
        if not plan:
            return None
        fault = plan.pop(0)
        self.injected += 1
        if fault == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        assert isinstance(fault, dict)
        status = int(fault.pop("_status", 400))
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{fault['code']}", "message": "injected", **fault}
        body.pop("code")
        fault["_status"] = status  # keep the plan entry reusable
        return AWSResponse(request.url, status, {"x-amzn-ErrorType": fault["code"]}, _Body(body))


def throttled() -> dict[str, Any]:
    return {"code": "ProvisionedThroughputExceededException"}


def internal() -> dict[str, Any]:
    return {"code": "InternalServerError", "_status": 500}


def conflict(items: int) -> dict[str, Any]:
    return {"code": "TransactionCanceledException", "CancellationReasons": [{"Code": "TransactionConflict"}] * items}


@pytest.fixture
def table(dynamodb_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh table on the embedded DynamoDB server (this module's `table`, replacing moto's stub)."""
    yield from table_on_server(dynamodb_server, "faults", monkeypatch)


@pytest.fixture
def faults(table: str) -> Faults:
    return Faults()


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (throttled(), 429),
        ({"code": "ThrottlingException"}, 429),
        ({"code": "RequestLimitExceeded"}, 429),
        (internal(), 503),
        ({"code": "ServiceUnavailable", "_status": 503}, 503),
        ("timeout", 503),
        (conflict(2), 503),
    ],
    ids=["throughput", "throttling", "request-limit", "internal", "unavailable", "timeout", "conflict"],
)
def test_a_failing_create_answers_retryably_and_stores_nothing(
    api: Api, faults: Faults, fault: dict[str, Any] | str, status: int
) -> None:
    before = scan_count()
    faults.fail("TransactWriteItems", fault)
    reply = api.post("/v1/packages/create", {"name": "Faulty", "uniqueness_key": "k1"})
    assert reply.status == status, reply.body
    assert "retry" in reply.message
    faults.plans.clear()
    assert scan_count() == before
    assert api.get("/v1/auditLogs", {}).data == []  # no entry for a change that did not happen
    # The same request, retried by the client once the fault is gone, succeeds exactly once.
    assert api.post("/v1/packages/create", {"name": "Faulty", "uniqueness_key": "k1"}).status == 200
    assert api.post("/v1/packages/create", {"name": "Faulty", "uniqueness_key": "k1"}).status == 409
    assert [e["description"] for e in api.get("/v1/auditLogs", {}).data] == ["created package 'Faulty'"]


def test_transient_throttling_is_retried_by_the_client(api: Api, faults: Faults) -> None:
    faults.fail("TransactWriteItems", throttled(), times=2)
    reply = api.post("/v1/packages/create", {"name": "Eventually"})
    assert reply.status == 200 and faults.injected == 2
    assert len(api.ok("/v1/packages/list", {})) == 1


def test_a_transaction_conflict_is_retried_by_the_service(api: Api, faults: Faults) -> None:
    faults.fail("TransactWriteItems", conflict(2), times=1)
    reply = api.post("/v1/packages/create", {"name": "Contended"})
    assert reply.status == 200 and faults.injected == 1
    assert len(api.ok("/v1/packages/list", {})) == 1


@pytest.mark.parametrize(
    ("operation", "path", "body"),
    [
        ("GetItem", "/v1/packages/get", {"package_id": "11111111-1111-4111-8111-111111111111"}),
        ("Query", "/v1/packages/list", {}),
        ("Query", "/v1/contract-pricing/products/list", {}),
        ("TransactWriteItems", "/v1/packages/archive", {"package_id": "11111111-1111-4111-8111-111111111111"}),
    ],
)
@pytest.mark.parametrize(("fault", "status"), [(throttled(), 429), (internal(), 503), ("timeout", 503)])
def test_reads_and_archives_answer_retryably(
    api: Api, faults: Faults, operation: str, path: str, body: dict[str, Any], fault: Any, status: int
) -> None:
    faults.fail(operation, fault)
    reply = api.post(path, body)
    assert reply.status == status and reply.message


@pytest.mark.parametrize(("operation", "fault", "status"), [
    ("BatchGetItem", throttled(), 429),
    ("BatchGetItem", "timeout", 503),
    ("TransactWriteItems", internal(), 503),
    ("TransactWriteItems", conflict(7), 503),
])  # fmt: skip
def test_provisioning_faults_leave_no_partial_contract(
    api: Api, catalog: dict[str, str], faults: Faults, operation: str, fault: Any, status: int
) -> None:
    package = api.ok("/v1/packages/create", package_body(catalog))["id"]
    customer = api.ok("/v1/customers", {"name": "Acme", "customer_billing_provider_configurations": [STRIPE]})["id"]
    before = scan_count()
    faults.fail(operation, fault)
    reply = api.post("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": START})
    assert reply.status == status, reply.body
    assert scan_count() == before  # no contract, index row or uniqueness guard without the others
    faults.plans.clear()
    assert (
        api.post("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": START}).status
        == 200
    )


def test_an_unexpected_datastore_rejection_is_a_500_without_details(api: Api, faults: Faults) -> None:
    faults.fail("TransactWriteItems", {"code": "ValidationException"})
    reply = api.post("/v1/packages/create", {"name": "Bug"})
    assert reply.status == 500
    assert reply.body == {"message": "internal error; the request was not applied"}
    faults.plans.clear()
    assert scan_count() == 0


def test_job_creation_faults_store_nothing(api: Api, catalog: dict[str, str], faults: Faults) -> None:
    package = api.ok("/v1/packages/create", package_body(catalog))["id"]
    before = scan_count()
    faults.fail("TransactWriteItems", "timeout")
    body = {"package_id": package, "starting_at": START, "customer_ids": ["11111111-1111-4111-8111-111111111111"] * 1}
    assert api.post("/v1/provisioningJobs/create", body).status == 503
    assert scan_count() == before


def test_a_conflict_setting_billing_configurations_is_a_503_like_every_write(api: Api, faults: Faults) -> None:
    """It re-raised DynamoDB's error (a 500); nothing was written, so the client may retry."""
    customer = api.ok("/v1/customers", {"name": "Contended"})["id"]
    before = scan_count()
    faults.fail("TransactWriteItems", conflict(2))
    reply = api.post("/v1/setCustomerBillingProviderConfigurations", {"data": [{"customer_id": customer, **STRIPE}]})
    assert reply.status == 503 and "retry" in reply.message
    faults.plans.clear()
    assert scan_count() == before
    retried = api.post("/v1/setCustomerBillingProviderConfigurations", {"data": [{"customer_id": customer, **STRIPE}]})
    assert retried.status == 200


class ChaoticTransactions:
    """TransactWriteItems that fail now and then, as DynamoDB and the network do: throttled or an internal
    error before the request leaves (nothing written), or the reply lost after DynamoDB committed it."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.on = True
        self.injected: Counter[str] = Counter()
        events = get_client().meta.events
        events.register_first("before-send.dynamodb.TransactWriteItems", self._before)
        events.register_first("after-call.dynamodb.TransactWriteItems", self._after)

    def _before(self, request: Any, **_: Any) -> AWSResponse | None:
        roll = self.random.random()
        if not self.on or roll >= 0.4:
            return None
        fault = throttled() if roll < 0.25 else internal()
        self.injected[fault["code"]] += 1
        status = int(fault.pop("_status", 400))
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{fault['code']}", "message": "injected"}
        return AWSResponse(request.url, status, {"x-amzn-ErrorType": fault["code"]}, _Body(body))

    def _after(self, http_response: Any, **_: Any) -> None:
        if self.on and http_response.status_code == 200 and self.random.random() < 0.2:
            self.injected["lost reply"] += 1
            raise ReadTimeoutError(endpoint_url="injected: the reply was lost after the commit")


def _table_items(prefix: str) -> list[dict[str, Any]]:
    pages = (
        get_client()
        .get_paginator("scan")
        .paginate(
            TableName=get_settings().table_name,
            FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": prefix}},
        )
    )
    return [item for page in pages for item in page["Items"]]


def test_an_apply_through_throttles_errors_and_lost_replies_moves_each_contract_at_most_once(
    api: Api, catalog: dict[str, str]
) -> None:
    # 100 contracts (four queue messages' worth, several per transaction), planned; then the apply's messages
    # are delivered again and again, as SQS does after a failure, while a quarter of the transactions fail.
    package = api.ok("/v1/packages/create", package_body(catalog, aliases=[]))["id"]
    target = api.ok("/v1/packages/create", package_body(catalog, name="v2", aliases=[]))["id"]
    pairs = []
    for i in range(COUNT):
        customer = api.ok("/v1/customers", {"name": f"c{i}", "customer_billing_provider_configurations": [STRIPE]})
        body = {"customer_id": customer["id"], "package_id": package, "starting_at": START}
        pairs.append((api.ok("/v1/contracts/create", body)["contract"]["id"], customer["id"]))
    principal, now = Principal("acme", "acme-token"), datetime(2026, 11, 1, tzinfo=UTC)
    effective = {"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}
    request = MigrationCreate.model_validate(
        {"from_package_id": package, "to_package_id": target, "effective": effective}
    )
    migration_id = create_migration(principal, request, now)
    messages = [
        MigrationBatch(PLAN, "acme", "acme-token", migration_id, pairs[i : i + 25]) for i in range(0, COUNT, 25)
    ]
    for message in messages:
        plan_batch(message, now)
    assert get_migration(principal, migration_id)["counts"]["planned"] == COUNT

    chaos = ChaoticTransactions(seed=24)
    applying = [replace(m, kind=APPLY) for m in messages]
    deliveries = 0
    while deliveries < 60:
        pending = [m for m in applying if _planned_left(principal, migration_id, m)]
        if not pending:
            break
        for message in pending:
            deliveries += 1
            with contextlib.suppress(Exception):  # the message fails; SQS delivers it again
                apply_batch(message, now)
        counts = get_migration(principal, migration_id)["counts"]
        assert sum(counts.values()) == COUNT  # counts add up after every delivery, whatever failed
    chaos.on = False
    assert deliveries > len(messages)  # messages failed and came back
    assert all(chaos.injected[kind] for kind in ("lost reply", "ProvisionedThroughputExceededException",
                                                 "InternalServerError")), chaos.injected  # fmt: skip

    counts = get_migration(principal, migration_id)["counts"]
    assert counts == {"planned": 0, "action_needed": 0, "applied": COUNT, "skipped": 0, "failed": 0}
    contracts = [json.loads(item["doc"]["S"]) | {"_item": item} for item in _table_items("T#acme#CONTRACT#")]
    successors = [c for c in contracts if c.get("transitions")]
    moved_from = Counter(t["from_contract_id"] for c in successors for t in c["transitions"])
    assert sorted(moved_from) == sorted(c for c, _ in pairs) and set(moved_from.values()) == {1}  # once each
    by_id = {c["id"]: c for c in contracts}
    for successor in successors:  # no successor without its old contract ended where it starts
        old = by_id[successor["transitions"][0]["from_contract_id"]]["_item"]
        assert old["ended_at"]["S"] == successor["starting_at"] == "2027-06-01T00:00:00.000Z"
        assert old["transitions_out"]["L"][0]["M"]["to_contract_id"]["S"] == successor["id"]
    rows = _table_items(f"T#acme#MIGRATIONPLAN#{migration_id}")
    assert {r["new_contract_id"]["S"] for r in rows} == {s["id"] for s in successors}
    # Each move has its two audit entries, once: a lost reply's retry wrote nothing twice.
    entries = [json.loads(item["doc"]["S"]) for item in _table_items("T#acme#AUDIT")]
    by_migration = Counter(e["action"] for e in entries if migration_id in e["description"])
    assert by_migration == {"provision": COUNT, "transition": COUNT}


COUNT = 100


def _planned_left(principal: Principal, migration_id: str, message: MigrationBatch) -> bool:
    rows = _table_items(f"T#acme#MIGRATIONPLAN#{migration_id}")
    mine = {c for c, _ in message.contracts}
    return any(r["row_status"]["S"] == "PLANNED" for r in rows if r["sk"]["S"] in mine)
