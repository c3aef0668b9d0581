"""Fault injection in the store layer's DynamoDB client: throttling, cancelled transactions,
timeouts, internal errors. The API answers 429/503 with a message, botocore retries where safe,
and a scan of the table after each fault proves no partial record was left.

These tests talk to the embedded DynamoDB *server* over HTTP, not moto's in-process stub: botocore
offers `before-send` to every handler, so with the stub a request would still be applied behind an
injected error. Over HTTP, an injected response means the request never left the client.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

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
