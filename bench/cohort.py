"""Cohort provisioning through the worker path vs raw BatchWriteItem, and memory at 1,000 vs 10,000.

The worker path is what production runs: the Provisioner fans the job out to SQS, the ProvisionWorker
handler (invoked in-process, one batch at a time, like one Lambda instance) provisions the
customers of each message several to a transaction. The baseline writes copies of every item the job wrote with
BatchWriteItem, 25 per call, to the same endpoint: the floor for "just storing the contracts".
Peak memory is Python's traced peak (tracemalloc) in the benchmark process while the job runs;
the DynamoDB emulator runs in another process and is not counted. Tracing slows Python down, so
throughput comes from a separate, untraced run of the large cohort.
"""

import json
import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

from bench.common import embedded_dynamodb

TENANT = "bench"


def _catalog() -> tuple[str, Any]:
    from package_service.domain.catalog import ProductCreate, RateCardCreate
    from package_service.domain.package import PackageCreate
    from package_service.domain.principal import Principal
    from package_service.store.catalog import create_product, create_rate_card
    from package_service.store.packages import create_package
    from tests.payloads import package_body

    principal, now = Principal(TENANT, "bench"), datetime.now(UTC)
    usage = create_product(principal, ProductCreate(name="Tokens", type="USAGE"), now)
    seats = create_product(principal, ProductCreate(name="Seats", type="SUBSCRIPTION"), now)
    create_rate_card(principal, RateCardCreate.model_validate({"name": "Rates", "aliases": [{"name": "tokens"}]}), now)
    package = PackageCreate.model_validate(package_body({"usage": usage, "seats": seats}))
    return create_package(principal, package, now), principal


def _customers(principal: Any, count: int) -> list[str]:
    from package_service.domain.customers import CustomerCreate
    from package_service.store.customers import create_customer
    from tests.payloads import STRIPE

    request = CustomerCreate(name="c", customer_billing_provider_configurations=[STRIPE])  # type: ignore[list-item]
    now = datetime.now(UTC)
    return [create_customer(principal, request, now)["id"] for _ in range(count)]


def _run_job(
    principal: Any, package_id: str, customers: list[str], starting_at: str, url: str, traced: bool = True
) -> tuple[float, int, str]:
    """Create a job, fan it out and drain the queue through the worker; (seconds, peak bytes, job id)."""
    from infra.event_sources import drain_queues_once
    from package_service.domain.jobs import JobCreate
    from package_service.services.fanout import run_due_jobs
    from package_service.store.jobs import create_job, get_job

    now = datetime.now(UTC)
    job_id = create_job(
        principal, JobCreate(package_id=package_id, starting_at=starting_at, customer_ids=customers), now
    )  # type: ignore[arg-type]
    refs = json.loads(json.dumps(_queue_refs()))
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    run_due_jobs(datetime.now(UTC), lambda: 900_000)
    while drain_queues_once(url, refs):
        pass
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory() if traced else (0, 0)
    tracemalloc.stop()
    counts = get_job(principal, job_id)["counts"]
    assert counts["provisioned"] == len(customers), counts
    return seconds, peak, job_id


def _queue_refs() -> dict[str, str]:
    import os

    from infra.queues import sqs_client

    url = os.environ["PROVISIONING_QUEUE_URL"]
    arn = sqs_client(os.environ["SQS_ENDPOINT_URL"]).get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return {"ProvisioningQueue": url, "ProvisioningQueue.Arn": arn["Attributes"]["QueueArn"]}


def _written_items(principal: Any, job_id: str) -> list[Any]:
    """Every item the job wrote for its customers: contract, result row (= uniqueness guard), package-index
    row and cohort guard of each."""
    from package_service.store.dynamo import batch_get, key
    from package_service.store.jobs import list_results, result_key
    from package_service.store.package_index import index_row_key

    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page, cursor = list_results(principal, job_id, 100, cursor)
        rows += page
        if not cursor:
            break
    contracts = batch_get([key(f"T#{TENANT}#CONTRACT#{row['contract_id']}", "RECORD") for row in rows])
    docs = [json.loads(item["doc"]["S"]) for item in contracts]
    keys = [result_key(TENANT, job_id, row["customer_id"]) for row in rows]
    keys += [index_row_key(TENANT, doc) for doc in docs]
    keys += [key(f"T#{TENANT}#COHORT#{doc['package_id']}#{doc['starting_at']}#{doc['customer_id']}", "GUARD")
             for doc in docs]  # fmt: skip
    return contracts + batch_get(keys)


def _raw_batch_write(principal: Any, job_id: str) -> tuple[float, int]:
    """Write copies of every item the job wrote with BatchWriteItem (25 per call): (seconds, items)."""
    from package_service.store.dynamo import get_client, table_name

    copies = [{**item, "pk": {"S": "RAW#" + item["pk"]["S"]}} for item in _written_items(principal, job_id)]
    for item in copies:
        item.pop("gsi1pk", None)  # a copy is not listed anywhere
    client = get_client()
    start = time.perf_counter()
    for index in range(0, len(copies), 25):
        pending: dict[str, Any] = {table_name(): [{"PutRequest": {"Item": i}} for i in copies[index : index + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return time.perf_counter() - start, len(copies)


def run(small: int = 1_000, large: int = 10_000) -> list[str]:
    with embedded_dynamodb() as url:
        package_id, principal = _catalog()
        # Warm-up, untraced: imports and first-use caches are not part of what a job costs.
        _run_job(principal, package_id, _customers(principal, 5), "2026-12-31T00:00:00.000Z", url, traced=False)
        small_seconds, small_peak, _ = _run_job(
            principal, package_id, _customers(principal, small), "2027-01-31T00:00:00.000Z", url
        )
        large_cohort = _customers(principal, large)
        _, large_peak, _ = _run_job(principal, package_id, large_cohort, "2027-02-28T00:00:00.000Z", url)
        # The same customers again at another start: nothing is skipped, every contract is new.
        large_seconds, _, large_job = _run_job(
            principal, package_id, large_cohort, "2027-03-31T00:00:00.000Z", url, traced=False
        )
        raw_seconds, raw_items = _raw_batch_write(principal, large_job)
    worker_rate, raw_rate = large / large_seconds, raw_items / raw_seconds
    worker_items = raw_items / large * worker_rate  # items a second the worker wrote (the same items)
    return [
        "## Cohort provisioning (worker path) vs raw BatchWriteItem",
        "",
        "| measure | value |",
        "|---|---|",
        f"| customers provisioned, worker path | {large:,} in {large_seconds:.1f} s ({worker_rate:,.0f}/s, "
        f"{worker_items:,.0f} items/s) |",
        f"| the same items with raw BatchWriteItem | {raw_items:,} in {raw_seconds:.1f} s ({raw_rate:,.0f} items/s) |",
        f"| **worker / raw, per item** | **{worker_items / raw_rate:.2f}x** (target ≥ 0.5x) |",
        f"| peak traced memory, {small:,} customers | {small_peak / 1e6:.1f} MB |",
        f"| peak traced memory, {large:,} customers | {large_peak / 1e6:.1f} MB |",
        f"| **memory {large:,} / {small:,}** | **{large_peak / small_peak:.2f}x** (cohort is {large // small}x) |",
        f"| ({small:,}-customer run time, traced) | {small_seconds:.1f} s |",
        "",
        "One worker invocation at a time (its batch's messages on 4 threads), against the embedded DynamoDB in",
        "another process. Each customer is",
        "5 items (contract, result row = uniqueness guard, index row, cohort guard, customer check), written up",
        "to 19 customers per TransactWriteItems with one package check and one counter update; the",
        "baseline writes copies of the same 4 written items a customer with BatchWriteItem, no transaction.",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
