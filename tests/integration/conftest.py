"""Handlers on moto: the table comes from template.yaml, events are API Gateway REST proxy events."""

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto import mock_aws

from infra import moto_patches
from infra.dynamodb import create_tables
from infra.lambda_runtime import LocalContext
from infra.queues import create_queues
from package_service.settings import get_settings
from package_service.store.dynamo import get_client
from package_service.store.queue import get_sqs

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
        return Reply(response["statusCode"], json.loads(response["body"]) if response.get("body") else {})

    def ok(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        reply = self.post(path, body, **kwargs)
        assert reply.status == 200, reply.body
        return reply.data


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
