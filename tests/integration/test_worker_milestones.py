"""The worker checks a run's milestone once per run and batch (after the last of the batch's messages of that
run), not after every message, and a completion is still recorded exactly once, failures included."""

import time
from collections import Counter
from typing import Any

import pytest

from package_service.services import cohorts
from package_service.store import completions, counters
from tests.payloads import package_body

from .conftest import Api
from .test_jobs import drain, make_customers, start_job


@pytest.fixture
def package(api: Api, catalog: dict[str, str]) -> str:
    return str(api.ok("/v1/packages/create", package_body(catalog))["id"])


def _completions(api: Api, job_id: str) -> list[dict[str, Any]]:
    query = {"resource_type": "provisioning_job", "resource_id": job_id}
    return [e for e in api.get("/v1/auditLogs", query).body["data"] if e["action"] == "complete"]


@pytest.fixture
def count_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each run's counts are read (the query the per-batch check saves)."""
    reads: Counter[str] = Counter()
    real = counters.read_counts

    def counted(pk: str, names: tuple[str, ...]) -> dict[str, int]:
        reads[pk] += 1
        return real(pk, names)

    monkeypatch.setattr(completions, "read_counts", counted)
    return reads


def test_a_batch_of_one_jobs_messages_reads_its_counts_once(
    api: Api, queues: dict[str, str], package: str, count_reads: Counter[str]
) -> None:
    job_id = start_job(api, package, make_customers(100))  # 4 messages of 25 customers: one batch of 10
    assert drain(queues) == 4
    assert list(count_reads.values()) == [1]
    assert api.ok("/v1/provisioningJobs/get", {"job_id": job_id})["status"] == "COMPLETED"
    assert [e["description"] for e in _completions(api, job_id)] == ["completed: 100 provisioned, 0 skipped, 0 failed"]


def test_when_the_last_message_fails_its_redelivery_records_the_completion(
    api: Api, queues: dict[str, str], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = make_customers(100)
    job_id = start_job(api, package, customers)
    real = cohorts.provision_cohort_batch
    failed_once: list[str] = []

    def last_message_fails(batch: cohorts.CohortBatch, now: Any) -> Counter[str]:
        if customers[-1] in batch.customer_ids and not failed_once:
            failed_once.append(batch.customer_ids[0])
            raise RuntimeError("injected: the message holding the last customers fails before writing")
        return real(batch, now)

    monkeypatch.setattr(cohorts, "provision_cohort_batch", last_message_fails)  # the worker imports it per message
    drain(queues)
    assert failed_once and api.ok("/v1/provisioningJobs/get", {"job_id": job_id})["status"] == "RUNNING"
    assert _completions(api, job_id) == []
    time.sleep(1.1)  # the failed message's visibility timeout
    assert drain(queues) == 1
    assert api.ok("/v1/provisioningJobs/get", {"job_id": job_id})["status"] == "COMPLETED"
    assert len(_completions(api, job_id)) == 1


def test_a_milestone_check_that_fails_fails_its_message_and_is_checked_again(
    api: Api, queues: dict[str, str], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = start_job(api, package, make_customers(50))
    real = completions.record_once
    refused: list[bool] = []

    def refuse_first(kind: str, entry: Any) -> bool:
        if not refused:
            refused.append(True)
            raise RuntimeError("injected: the audit entry's write failed")
        return real(kind, entry)

    monkeypatch.setattr(completions, "record_once", refuse_first)
    drain(queues)
    assert refused and _completions(api, job_id) == []
    time.sleep(1.1)
    assert drain(queues) == 1  # the message whose check failed came back: its customers are skipped, not redone
    assert len(_completions(api, job_id)) == 1
    counts = api.ok("/v1/provisioningJobs/get", {"job_id": job_id})["counts"]
    assert (counts["provisioned"], counts["skipped"]) == (50, 0)


def test_two_jobs_in_one_batch_each_get_their_check_and_their_completion(
    api: Api, queues: dict[str, str], package: str, count_reads: Counter[str]
) -> None:
    customers = make_customers(60)
    first = start_job(api, package, customers[:30])  # 2 messages
    second_body = {"package_id": package, "starting_at": "2027-06-30T00:00:00Z", "customer_ids": customers[30:]}
    second = str(api.ok("/v1/provisioningJobs/create", second_body)["id"])
    from .test_jobs import trigger

    trigger()
    assert drain(queues) == 4  # one batch: 2 messages of each job
    assert sorted(count_reads.values()) == [1, 1]
    for job_id in (first, second):
        assert api.ok("/v1/provisioningJobs/get", {"job_id": job_id})["status"] == "COMPLETED"
        assert len(_completions(api, job_id)) == 1
