"""Handlers on moto: the table comes from template.yaml, events are API Gateway REST proxy events."""

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto import mock_aws

from infra import moto_patches
from infra.dynamodb import create_tables, start_embedded_dynamodb
from infra.lambda_runtime import LocalContext
from infra.queues import create_queues
from package_service.settings import get_settings
from package_service.store.dynamo import get_client
from package_service.store.queue import get_sqs
from tests import payloads

TABLE = "package-service-test"
moto_patches.apply()  # item-level transaction rollback: keeps cohort-sized tests linear


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "TABLE_NAME": TABLE,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("SQS_ENDPOINT_URL", raising=False)
    get_settings.cache_clear()
    get_client.cache_clear()
    get_sqs.cache_clear()
    with mock_aws():
        create_tables(None, TABLE)
        yield TABLE
    get_settings.cache_clear()
    get_client.cache_clear()
    get_sqs.cache_clear()


@pytest.fixture(scope="session")
def dynamodb_server() -> Iterator[str]:
    """The embedded DynamoDB as `make run` serves it, for tests that need what moto's in-process stub
    lacks: faults injected before a request is sent, DynamoDB Streams."""
    server, url = start_embedded_dynamodb()
    yield url
    server.stop()


def table_on_server(dynamodb_server: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh table on the embedded server, with the settings pointing at it (a module's `table`)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    for key, value in {
        "TABLE_NAME": name,
        "DYNAMODB_ENDPOINT_URL": dynamodb_server,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    get_client.cache_clear()
    create_tables(dynamodb_server, name)
    yield name
    get_settings.cache_clear()
    get_client.cache_clear()


@pytest.fixture
def queues(table: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The template's queues on moto; a 1 s visibility timeout lets failed messages come back quickly."""
    refs = create_queues(None, TABLE, visibility_timeout=1)
    monkeypatch.setenv("PROVISIONING_QUEUE_URL", refs["ProvisioningQueue"])
    get_settings.cache_clear()
    return refs


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    text: str = ""  # the body as it was sent, for exact comparisons

    @property
    def data(self) -> Any:
        return self.body["data"]

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


@dataclass
class Api:
    """Calls the Api function's handler as API Gateway would after the authorizer allowed a tenant."""

    tenant: str = "acme"
    token_name: str = "acme-token"
    calls: Counter[str] = field(default_factory=Counter)

    def get(self, path: str, query: dict[str, str] | None = None) -> Reply:
        return self.post(path, query=query, method="GET")

    def post(
        self,
        path: str,
        body: Any = None,
        query: dict[str, str] | None = None,
        raw: str | None = None,
        content_type: str = "application/json",
        method: str = "POST",
    ) -> Reply:
        from package_service.handlers.api import handler

        event = {
            "resource": "/v1/{proxy+}",
            "path": path,
            "httpMethod": method,
            "headers": {"Content-Type": content_type},
            "multiValueHeaders": {"Content-Type": [content_type]},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": {"proxy": path.removeprefix("/v1/")},
            "requestContext": {
                "requestId": "req-1",
                "stage": "test",
                "path": path,
                "httpMethod": method,
                "resourcePath": "/v1/{proxy+}",
                "authorizer": {"tenant_id": self.tenant, "token_name": self.token_name},
            },
            "body": raw if raw is not None else (json.dumps(body) if body is not None else None),
            "isBase64Encoded": False,
        }
        response = handler(event, LocalContext(function_name="ApiFunction"))
        text = response.get("body") or ""
        return Reply(response["statusCode"], json.loads(text) if text else {}, text)

    def ok(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        reply = self.post(path, body, **kwargs)
        assert reply.status == 200, reply.body
        return reply.data

    def every_page(self, path: str, body: Any, page_size: int = 100) -> list[dict[str, Any]]:
        """Every item of a list operation, following `next_page` to the last page."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {"limit": str(page_size), **({"next_page": cursor} if cursor else {})}
            reply = self.post(path, body, query=query)
            assert reply.status == 200, reply.body
            items += reply.data
            cursor = reply.body["next_page"]
            if not cursor:
                return items


@pytest.fixture
def api(table: str) -> Api:
    return Api()


@pytest.fixture
def other_tenant(table: str) -> Api:
    return Api(tenant="globex", token_name="globex-token")


@pytest.fixture
def dynamodb_calls(table: str) -> Iterator[Counter[str]]:
    """Counts DynamoDB API calls by operation, through botocore's event hooks."""
    counter: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counter[model.name] += 1

    events = get_client().meta.events
    events.register("before-call.dynamodb", count)
    yield counter
    events.unregister("before-call.dynamodb", count)


def scan_count() -> int:
    """Every item in the table: proves nothing was written by a refused request."""
    return int(get_client().scan(TableName=get_settings().table_name, Select="COUNT")["Count"])


@pytest.fixture
def catalog(api: Api) -> dict[str, str]:
    """A usage product, a subscription product and a rate card with an alias."""
    usage = api.ok("/v1/contract-pricing/products/create", {"name": "Tokens", "type": "USAGE"})["id"]
    seats = api.ok("/v1/contract-pricing/products/create", {"name": "Seats", "type": "SUBSCRIPTION"})["id"]
    rate_card = api.ok(
        "/v1/contract-pricing/rate-cards/create", {"name": "Tokens rate card", "aliases": [{"name": "tokens"}]}
    )["id"]
    return {"usage": usage, "seats": seats, "rate_card": rate_card}


START = "2027-01-31T00:00:00Z"


@pytest.fixture
def world(api: Api, catalog: dict[str, str], queues: dict[str, str]) -> dict[str, str]:
    """One of everything: a full package, a customer with a Stripe configuration, a contract, a renewal."""
    package = api.ok(
        "/v1/packages/create", payloads.full_package(catalog["usage"], catalog["seats"], catalog["rate_card"])
    )
    customer = api.ok(
        "/v1/customers",
        {
            "name": "Acme",
            "customer_billing_provider_configurations": [{**payloads.STRIPE, "configuration": {"a": "b"}}],
        },
    )
    contract = api.ok(
        "/v1/contracts/create", {"customer_id": customer["id"], "package_id": package["id"], "starting_at": START}
    )
    api.ok(
        "/v1/contracts/create",
        {
            "customer_id": customer["id"],
            "package_id": package["id"],
            "starting_at": "2028-01-31T00:00:00Z",
            "transition": {"from_contract_id": contract["id"], "type": "RENEWAL"},
        },
    )
    return {**catalog, "package": package["id"], "customer": customer["id"], "contract": contract["id"],
            "queues": json.dumps(queues)}  # fmt: skip


def run_background_work(world: dict[str, str]) -> None:
    """A Provisioner run, then the worker until the queue is empty."""
    from infra.event_sources import drain_queues_once, scheduled_event
    from package_service.handlers.provisioner import handler

    handler(scheduled_event("ProvisionerFunction"), LocalContext("ProvisionerFunction", timeout_seconds=60))
    drain_queues_once(None, json.loads(world["queues"]))


def every_operation(api: Api, world: dict[str, str]) -> list[tuple[str, Reply]]:
    """One successful call of every operation on `world` (and on records made for it): (path, reply)."""
    replies: list[tuple[str, Reply]] = []

    def call(path: str, body: Any = None, method: str = "POST") -> Reply:
        reply = api.post(path, body, method=method)
        assert reply.status == 200, (path, reply.body)
        replies.append((path if method == "POST" else f"GET {path}", reply))
        return reply

    customer, contract = world["customer"], world["contract"]
    call("/v1/packages/get", {"package_id": world["package"]})
    call("/v1/packages/list", {})
    call("/v1/packages/listContractsOnPackage", {"package_id": world["package"]})
    created = call("/v1/packages/create", {"name": "Another", "duration": {"unit": "MONTHS", "value": 1}})
    call("/v1/packages/archive", {"package_id": created.data["id"]})
    renamed = {"product_id": world["usage"], "starting_at": "2026-01-01T00:00:00Z", "name": "Tokens v2", "tags": ["a"]}
    call("/v1/contract-pricing/products/update", renamed)
    call("/v1/contract-pricing/products/get", {"id": world["usage"]})
    call("/v1/contract-pricing/products/list", {})
    moved = {"rate_card_id": world["rate_card"], "name": "Renamed", "aliases": [{"name": "other"}]}
    call("/v1/contract-pricing/rate-cards/update", moved)
    call("/v1/contract-pricing/rate-cards/get", {"id": world["rate_card"]})
    call("/v1/contract-pricing/rate-cards/list", {})
    card = world["rate_card"]
    tokens = {"product_id": world["usage"], "entitled": True, "rate_type": "FLAT", "price": 2.5}
    call(
        "/v1/contract-pricing/rate-cards/addRate",
        {**tokens, "rate_card_id": card, "starting_at": "2026-01-01T00:00:00Z"},
    )
    change = {**tokens, "price": 3, "starting_at": "2027-06-01T00:00:00Z"}
    seats = {"product_id": world["seats"], "entitled": True, "rate_type": "SUBSCRIPTION", "price": 10,
             "is_prorated": True, "billing_frequency": "MONTHLY", "starting_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    call("/v1/contract-pricing/rate-cards/addRates", {"rate_card_id": card, "rates": [change, seats]})
    call("/v1/contract-pricing/rate-cards/getRates", {"rate_card_id": card, "at": "2027-01-01T00:00:00Z"})
    call(
        "/v1/contract-pricing/rate-cards/getRateSchedule", {"rate_card_id": card, "starting_at": "2026-01-01T00:00:00Z"}
    )
    product = call("/v1/contract-pricing/products/create", {"name": "Extra", "type": "FIXED"})
    call("/v1/contract-pricing/products/archive", {"product_id": product.data["id"]})
    call("/v1/contract-pricing/products/list", {"archive_filter": "ALL"})  # archived ones included
    rate_card = call("/v1/contract-pricing/rate-cards/create", {"name": "Extra"})
    call("/v1/contract-pricing/rate-cards/archive", {"id": rate_card.data["id"]})
    call(f"/v1/customers/{customer}", method="GET")
    call("/v1/customers", method="GET")
    call("/v1/getCustomerBillingProviderConfigurations", {"customer_id": customer})
    other = call("/v1/customers", {"name": "Other"})
    configured = call(
        "/v1/setCustomerBillingProviderConfigurations",
        {"data": [{"customer_id": other.data["id"], **payloads.STRIPE, "configuration": {"stripe_customer_id": "c"}}]},
    )
    call(
        "/v1/archiveCustomerBillingProviderConfigurations",
        {"customer_id": other.data["id"], "customer_billing_provider_configuration_ids": [configured.data[0]["id"]]},
    )
    call("/v1/getCustomerBillingProviderConfigurations", {"customer_id": other.data["id"], "include_archived": True})
    call("/v1/customers/archive", {"id": other.data["id"]})
    call(f"/v1/customers/{other.data['id']}", method="GET")  # an archived customer
    call("/v1/contracts/get", {"contract_id": contract, "customer_id": customer})
    call("/v1/contracts/list", {"customer_id": customer})
    schedule = {"contract_id": contract, "customer_id": customer, "at": START}
    call("/v1/contracts/getContractRateSchedule", schedule)
    later = {"customer_id": customer, "package_id": world["package"], "starting_at": "2030-01-31T00:00:00Z"}
    newer = call("/v1/contracts/create", later)
    call("/v1/contracts/preview", later)
    custom_body = payloads.full_custom_contract(customer, world["usage"], world["seats"], world["rate_card"])
    custom = call("/v1/contracts/create", custom_body)  # a custom contract: every term kind, no package
    call("/v1/contracts/get", {"contract_id": custom.data["id"], "customer_id": customer})
    edited = {"contract_id": custom.data["id"], "customer_id": customer}
    override = {
        "starting_at": "2027-03-31T00:00:00Z",
        "multiplier": 0.9,
        "priority": 1,
        "override_specifiers": [{"product_id": world["usage"]}],
    }
    call("/v2/contracts/edit", {**edited, "add_overrides": [override], "update_contract_name": "Renegotiated"})
    call("/v1/contracts/updateEndDate", {**edited, "ending_before": "2027-12-31T00:00:00Z"})
    terms = call("/v2/contracts/get", edited).data
    drawdown = {"customer_id": customer, "commit_id": terms["commits"][0]["id"], "name": "Renegotiated commit"}
    call("/v2/contracts/commits/edit", drawdown)
    call("/v2/contracts/credits/edit", {"customer_id": customer, "credit_id": terms["credits"][0]["id"], "priority": 2})
    call("/v2/contracts/getEditHistory", edited)
    call("/v2/contracts/get", {**edited, "as_of_date": "2027-06-30T00:00:00Z"})
    call("/v2/contracts/list", {"customer_id": customer})
    call("/v1/contracts/archive", {"contract_id": newer.data["id"], "customer_id": customer, "void_invoices": False})
    call("/v1/contracts/get", {"contract_id": newer.data["id"], "customer_id": customer})  # an archived contract
    job_body = {"package_id": world["package"], "starting_at": "2032-01-31T00:00:00Z", "customer_ids": [customer]}
    job = call("/v1/provisioningJobs/create", {**job_body, "run_at": "2031-01-01T00:00:00Z"})
    call("/v1/provisioningJobs/get", {"job_id": job.data["id"]})
    call("/v1/provisioningJobs/listResults", {"job_id": job.data["id"]})
    call("/v1/provisioningJobs/cancel", {"job_id": job.data["id"]})
    call("/v1/provisioningJobs/get", {"job_id": job.data["id"]})  # a cancelled job
    # A migration of the renewal (2028-01-31 on) planned and applied; the first contract, renewed by hand,
    # stays ACTION_NEEDED.
    target = call("/v1/packages/create", {"name": "Next", "duration": {"unit": "MONTHS", "value": 12}}).data["id"]
    moving = {"from_package_id": world["package"], "to_package_id": target,
              "effective": {"type": "AT_DATE", "at": "2028-06-01T00:00:00Z"}}  # fmt: skip
    migration = {"migration_id": call("/v1/packageMigrations/create", moving).data["id"]}
    run_background_work(world)
    call("/v1/packageMigrations/get", migration)
    call("/v1/packageMigrations/listPlan", migration)
    call("/v1/packageMigrations/apply", migration)
    run_background_work(world)
    call("/v1/packageMigrations/get", migration)
    rows = call("/v1/packageMigrations/listPlan", migration).data
    moved = next(row for row in rows if row["status"] == "APPLIED")
    call("/v1/contracts/get", {"contract_id": moved["new_contract_id"], "customer_id": customer})
    call("/v1/contracts/get", {"contract_id": moved["contract_id"], "customer_id": customer})  # cut by the move
    cancelled = {"migration_id": call("/v1/packageMigrations/create", moving).data["id"]}
    call("/v1/packageMigrations/cancel", cancelled)
    call("/v1/packageMigrations/get", cancelled)
    audit = api.get("/v1/auditLogs", {"sort": "date_desc", "limit": "100"})
    assert audit.status == 200, audit.body
    replies.append(("GET /v1/auditLogs", audit))
    return replies


@pytest.fixture
def door(table: str) -> Iterator[tuple[int, str]]:
    """The local front door on a free port, over the moto table; its port and a token of tenant acme."""
    from infra.front_door import FrontDoor, make_http_server
    from package_service.store.tokens import create_token

    server = make_http_server(FrontDoor(authorizer_ttl=0), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield server.server_address[1], create_token("acme", "ci")
    server.shutdown()


def seats_subscription(product_id: str, quantity: int = 3) -> dict[str, Any]:
    return {
        "collection_schedule": "ADVANCE",
        "proration": {"is_prorated": True},
        "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": product_id},
        "initial_quantity": quantity,
        "starting_at_offset": {"unit": "DAYS", "value": 0},
    }


@pytest.fixture
def deal(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    """A contract provisioned by package alias, 2027-01-31 -> 2028-01-31, with 3 seats over its whole term."""
    api.ok("/v1/packages/create", payloads.package_body(catalog, subscriptions=[seats_subscription(catalog["seats"])]))
    config = {**payloads.STRIPE, "configuration": {"stripe_customer_id": "cus_1"}}
    customer = api.ok("/v1/customers", {"name": "Acme", "customer_billing_provider_configurations": [config]})["id"]
    body = {"customer_id": customer, "package_alias": "starter", "starting_at": START}
    contract = api.ok("/v1/contracts/create", body)["id"]
    got = api.ok("/v2/contracts/get", {"contract_id": contract, "customer_id": customer})
    return {**catalog, "customer": customer, "contract": contract, "subscription": got["subscriptions"][0]["id"]}
