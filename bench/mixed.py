"""`make run` under a mixed workload: 16 clients creating, reading and listing packages and provisioning
contracts, as the table grows from 1,000 to 50,000 records; the stack as it is now (embedded DynamoDB in
a child process, queries that read only their page) against the stack as it was (bench/legacy_stack.py),
side by side in one run.

The table is grown between measurements with BatchWriteItem of package records (copies of a real one
with new ids): half in the benchmark tenant's own package listing, half in other tenants, so both what a
tenant holds and what the table holds grow.
"""

import json
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import uuid4

import httpx

from bench.common import start_stack

TOKEN = "mixed-token"
CLIENTS = 16
REQUESTS = 320  # per measurement, a quarter of each kind
SIZES = (1_000, 50_000)


def _call(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, (path, response.text)
    data: dict[str, Any] = response.json()["data"]
    return data


def seed(client: httpx.Client) -> dict[str, Any]:
    from tests.payloads import STRIPE, package_body

    usage = _call(client, "/v1/contract-pricing/products/create", {"name": "Tokens", "type": "USAGE"})["id"]
    seats = _call(client, "/v1/contract-pricing/products/create", {"name": "Seats", "type": "SUBSCRIPTION"})["id"]
    _call(client, "/v1/contract-pricing/rate-cards/create", {"name": "Rates", "aliases": [{"name": "tokens"}]})
    package = _call(client, "/v1/packages/create", package_body({"usage": usage, "seats": seats}, aliases=[]))["id"]
    customers = [
        _call(client, "/v1/customers", {"name": f"c{i}", "customer_billing_provider_configurations": [STRIPE]})["id"]
        for i in range(64)
    ]
    return {"package": package, "customers": customers}


def _grow(endpoint_url: str, table: str, count: int) -> None:
    """`count` more package records: copies of one with new ids, half in the tenant's listing."""
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    stamp = "2026-01-01T00:00:00.000Z"
    for start in range(0, count, 25):
        puts = []
        for n in range(start, min(start + 25, count)):
            record_id, tenant = str(uuid4()), "mixed" if n % 2 == 0 else f"other{n % 97}"
            doc = json.dumps({"id": record_id, "name": f"filler {n}", "created_at": stamp, "created_by": "bench"})
            item = {"pk": {"S": f"T#{tenant}#PACKAGE#{record_id}"}, "sk": {"S": "RECORD"}, "doc": {"S": doc},
                    "created_at": {"S": stamp}, "gsi1pk": {"S": f"T#{tenant}#PACKAGE"},
                    "gsi1sk": {"S": f"{stamp}#{record_id}"}}  # fmt: skip
            puts.append({"PutRequest": {"Item": item}})
        pending: dict[str, Any] = {table: puts}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


KINDS = ("create", "get", "list", "provision")


def request_for(kind: str, rng: random.Random, seeded: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path and body of one request of the mix."""
    if kind == "create":
        return "/v1/packages/create", {"name": "Mixed", "duration": {"unit": "MONTHS", "value": 12}}
    if kind == "get":
        return "/v1/packages/get", {"package_id": seeded["package"]}
    if kind == "list":
        return "/v1/packages/list", {}
    day = rng.randrange(1, 28)
    return "/v1/contracts/create", {"customer_id": rng.choice(seeded["customers"]), "package_id": seeded["package"],
                                    "starting_at": f"2027-02-{day:02}T00:00:00Z"}  # fmt: skip


def _measure(client: httpx.Client, seeded: dict[str, Any]) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of the mixed workload from CLIENTS threads."""
    rng = random.Random(7)
    kinds = list(KINDS) * (REQUESTS // 4)
    rng.shuffle(kinds)
    latencies: list[float] = []

    def one(kind: str) -> None:
        path, body = request_for(kind, rng, seeded)
        start = time.perf_counter()
        response = client.post(path, json=body)
        latencies.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.text)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, kinds))
    elapsed = time.perf_counter() - began
    q = statistics.quantiles([v * 1000 for v in latencies], n=100)
    return REQUESTS / elapsed, q[49], q[98]


def _run_stack(module: str) -> dict[int, tuple[float, float, float]]:
    process, url, state = start_stack(module, {"LOCAL_API_TOKENS": f"mixed={TOKEN}"})
    endpoint, table = state["endpoint_url"], state["table_name"]
    try:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        limits = httpx.Limits(max_connections=CLIENTS)
        with httpx.Client(base_url=url, headers=headers, limits=limits, timeout=120) as client:
            seeded = seed(client)
            results, held = {}, 0
            for size in SIZES:
                _grow(endpoint, table, size - held)
                held = size
                _measure(client, seeded)  # warm-up at this size (caches, connections)
                results[size] = _measure(client, seeded)
            return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def run() -> list[str]:
    before = _run_stack("bench.legacy_stack")
    now = _run_stack("infra.local_stack")
    lines = [
        f"## `make run` under a mixed workload ({CLIENTS} clients: create, get, list, provision)",
        "",
        f"{REQUESTS} requests per measurement (after a warm-up of as many), a quarter of each kind, over loopback.",
        "Before: embedded DynamoDB in the front door's process, moto's own queries. Now: `make run` as it is.",
        "",
        "| table holds | before: req/s, p50, p99 | now: req/s, p50, p99 | **throughput now / before** | target |",
        "|---|---|---|---|---|",
    ]
    for size in SIZES:
        b, n = before[size], now[size]
        lines.append(
            f"| {size:,} records | {b[0]:.0f}/s, {b[1]:.0f} ms, {b[2]:.0f} ms | {n[0]:.0f}/s, {n[1]:.0f} ms, "
            f"{n[2]:.0f} ms | **{n[0] / b[0]:.2f}x** | ≥ 2x, p99 < 500 ms |"
        )
    small, large = now[SIZES[0]], now[SIZES[-1]]
    lines += [
        f"| **now, {SIZES[-1]:,} / {SIZES[0]:,} records** | | throughput {large[0] / small[0]:.2f}x, "
        f"p99 {large[2] / small[2]:.2f}x | | flat |",
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
