"""API benchmarks: DynamoDB calls per operation, create over HTTP vs a raw TransactWriteItems of the same
items (interleaved), and p50/p99 latency of create/get at 1, 8 and 32 concurrent clients.

The embedded DynamoDB and the local HTTP stack each run in their own process; the benchmark process
only sends requests, so the numbers are the service's, not the client's.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import urllib3

from bench.common import embedded_dynamodb, free_port
from infra.template import ROOT

TOKEN = "bench-token"
LEVELS = (1, 8, 32)
REQUESTS_PER_LEVEL = 192
INTERLEAVED = 200


def _start_stack(dynamodb_url: str, table: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DYNAMODB_ENDPOINT_URL": dynamodb_url, "TABLE_NAME": table,
           "LOCAL_API_TOKENS": f"bench={TOKEN}", "LOCAL_SCHEDULE_SECONDS": "0", "LOCAL_DEMO_DATA": "0",
           "POWERTOOLS_LOG_LEVEL": "WARNING"}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "infra.local_stack"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/swagger", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("local stack did not start")


def _package_body() -> dict[str, Any]:
    return {"name": "Bench plan", "duration": {"unit": "MONTHS", "value": 12}, "net_payment_terms_days": 15}


def _calls_per_operation() -> list[str]:
    """In-process handler calls against the embedded DynamoDB, counted through botocore's hooks."""

    from package_service.store.dynamo import get_client
    from tests.integration.conftest import Api
    from tests.payloads import STRIPE, package_body

    counter: Counter[str] = Counter()
    get_client().meta.events.register("before-call.dynamodb", lambda model, **_: counter.update([model.name]))
    api = Api(tenant="calls", token_name="calls")

    def counted(label: str, path: str, body: Any, **kwargs: Any) -> tuple[str, Counter[str], Any]:
        counter.clear()
        data = api.ok(path, body, **kwargs)
        return label, Counter(counter), data

    usage = api.ok("/v1/contract-pricing/products/create", {"name": "Tokens", "type": "USAGE"})["id"]
    seats = api.ok("/v1/contract-pricing/products/create", {"name": "Seats", "type": "SUBSCRIPTION"})["id"]
    api.ok("/v1/contract-pricing/rate-cards/create", {"name": "Rates", "aliases": [{"name": "tokens"}]})
    customer = api.ok("/v1/customers", {"name": "c", "customer_billing_provider_configurations": [STRIPE]})["id"]
    rows = []
    label, calls, created = counted("create package (every term group)", "/v1/packages/create",
                                    package_body({"usage": usage, "seats": seats}))  # fmt: skip
    rows.append((label, calls))
    rows.append(counted("get package", "/v1/packages/get", {"package_id": created["id"]})[:2])
    rows.append(counted("list packages (page of 10)", "/v1/packages/list", {})[:2])
    start = "2027-01-31T00:00:00Z"
    rows.append(counted("provision by package_id", "/v1/contracts/create",
                        {"customer_id": customer, "package_id": created["id"], "starting_at": start})[:2])  # fmt: skip
    rows.append(counted("provision by package_alias", "/v1/contracts/create",
                        {"customer_id": customer, "package_alias": "starter", "starting_at": start})[:2])  # fmt: skip
    lines = ["## DynamoDB calls per operation", "", "| operation | calls | which |", "|---|---|---|"]
    for label, calls in rows:
        which = ", ".join(f"{n} x{c}" if c > 1 else n for n, c in sorted(calls.items()))
        lines.append(f"| {label} | {sum(calls.values())} | {which} |")
    return [*lines, ""]


def _interleaved(url: str) -> list[str]:
    """HTTP create vs raw TransactWriteItems of the same items (record + uniqueness guard + audit entry)."""
    from aws_lambda_powertools import Metrics

    from package_service.domain.audit import Change
    from package_service.domain.package import PackageCreate
    from package_service.domain.package_view import new_package_document
    from package_service.domain.principal import Principal
    from package_service.store.audit import audited
    from package_service.store.dynamo import get_client
    from package_service.store.records import NewRecord, _transaction
    from tests.integration.conftest import Api

    client, request = get_client(), PackageCreate.model_validate(_package_body())
    in_process = Api(tenant="inprocess", token_name="bench")
    # urllib3 on both sides (boto3 sends through it too), so the ratio compares the paths, not the
    # HTTP clients: httpx alone adds ~0.4 ms a request.
    http = urllib3.HTTPConnectionPool(urlsplit(url).hostname, urlsplit(url).port, maxsize=1)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    http.request("POST", "/v1/packages/list", body=b"{}", headers=headers)  # warm: authorizer cache, connection
    api_times, raw_times, handler_times = [], [], []
    for _ in range(INTERLEAVED):
        key = str(uuid4())
        payload = json.dumps({**_package_body(), "uniqueness_key": key}).encode()
        start = time.perf_counter()
        response = http.request("POST", "/v1/packages/create", body=payload, headers=headers)
        api_times.append(time.perf_counter() - start)
        assert response.status == 200, response.data
        start = time.perf_counter()
        in_process.ok("/v1/packages/create", {**_package_body(), "uniqueness_key": str(uuid4())})
        handler_times.append(time.perf_counter() - start)
        Metrics().clear_metrics()  # as the local runtime does after each invocation (metrics are off here)
        doc = new_package_document(request, str(uuid4()), datetime.now(UTC), "bench")
        entry = audited(Principal("rawbench", "bench"), Change("package", doc["id"], "create", "c"), datetime.now(UTC))
        items = _transaction(NewRecord("rawbench", "PACKAGE", doc, uniqueness_key=key, audit=[entry])).items
        start = time.perf_counter()
        client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        raw_times.append(time.perf_counter() - start)
    api_median, raw_median = statistics.median(api_times), statistics.median(raw_times)
    handler_median = statistics.median(handler_times)
    return [
        "## Create over the local HTTP stack vs raw TransactWriteItems of the same items",
        "",
        f"{INTERLEAVED} of each, interleaved; same endpoint. Target: at most 1.3x.",
        "",
        "| path | median |",
        "|---|---|",
        f"| HTTP: front door + authorizer (cached) + Api handler + DynamoDB | {api_median * 1000:.1f} ms |",
        f"| raw boto3 TransactWriteItems (record + uniqueness guard + audit entry) | {raw_median * 1000:.1f} ms |",
        f"| **ratio** | **{api_median / raw_median:.2f}x** (target ≤ 1.3x) |",
        f"| where it goes: the Api handler called in this process (no front door, no HTTP hop) | "
        f"{handler_median * 1000:.1f} ms ({handler_median / raw_median:.2f}x) |",
        "",
        "The split: the handler's own share (Powertools' layers, validation, building the items) is the in-process",
        "line over the raw call; the rest of the HTTP line is the local front door and its HTTP hop (API Gateway's",
        "part when deployed, not this code's).",
        "",
    ]


def _level(url: str, clients: int, package_id: str) -> tuple[dict[str, list[float]], float]:
    """Half creates, half gets from `clients` threads: per-kind latencies and the elapsed time."""
    timings: dict[str, list[float]] = {"create": [], "get": []}
    limits = httpx.Limits(max_connections=clients)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, limits=limits) as local:

        def one(index: int) -> None:
            kind = "create" if index % 2 == 0 else "get"
            body = _package_body() if kind == "create" else {"package_id": package_id}
            start = time.perf_counter()
            response = local.post(f"/v1/packages/{kind}", json=body)
            timings[kind].append(time.perf_counter() - start)
            assert response.status_code == 200, response.text

        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(one, range(2 * REQUESTS_PER_LEVEL)))
        return timings, time.perf_counter() - began


def _latency(url: str) -> list[str]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    package_id = httpx.post(f"{url}/v1/packages/create", json=_package_body(), headers=headers).json()["data"]["id"]
    lines = [
        "## Latency at 1, 8 and 32 concurrent clients",
        "",
        f"{REQUESTS_PER_LEVEL} requests of each kind per level, over loopback, one local stack process.",
        "",
        "| clients | create p50 | create p99 | get p50 | get p99 | requests/s |",
        "|---|---|---|---|---|---|",
    ]
    for clients in LEVELS:
        timings, elapsed = _level(url, clients, package_id)
        q = {kind: [v * 1000 for v in statistics.quantiles(values, n=100)] for kind, values in timings.items()}
        rate = 2 * REQUESTS_PER_LEVEL / elapsed
        lines.append(
            f"| {clients} | {q['create'][49]:.1f} ms | {q['create'][98]:.1f} ms | "
            f"{q['get'][49]:.1f} ms | {q['get'][98]:.1f} ms | {rate:.0f} |"
        )
    return [*lines, ""]


def run() -> list[str]:
    with embedded_dynamodb("apibench") as dynamodb_url:
        lines = _calls_per_operation()
        stack, url = _start_stack(dynamodb_url, "apibench")
        try:
            lines += _interleaved(url) + _latency(url)
        finally:
            stack.terminate()
            stack.wait(timeout=10)
    return lines


if __name__ == "__main__":
    print("\n".join(json.loads(json.dumps(run()))))
