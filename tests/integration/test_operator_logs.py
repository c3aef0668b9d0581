"""What operators see in the logs. A cohort message that fails inside a batch is a partial batch
failure: Lambda's Errors metric stays 0 and Powertools logs it at DEBUG. The worker says it at WARNING,
with the job and its customers, and counts it in the BatchItemFailures metric that an alarm watches.
An idle Provisioner says nothing at INFO."""

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from infra.lambda_runtime import LocalContext
from infra.template import ROOT
from package_service.domain.errors import Unavailable
from package_service.handlers import worker
from package_service.services import cohorts


def sample_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(Path(ROOT / "events" / "worker-sqs-batch.json").read_text())
    good = dict(event["Records"][0], messageId="good-message")
    broken = dict(event["Records"][0], messageId="broken-message", body="{not json")
    event["Records"] = [event["Records"][0], good, broken]
    return event


def test_failed_messages_are_logged_at_warning_and_counted(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def provision(batch: Any, now: Any) -> dict[str, int]:
        calls.append(batch)
        if len(calls) == 1:  # the first message meets a datastore fault
            raise Unavailable("the datastore did not answer in time; retry")
        return {"PROVISIONED": len(batch.customer_ids)}

    counted: list[tuple[str, float]] = []
    monkeypatch.setattr(cohorts, "provision_cohort_batch", provision)  # the worker imports it per message
    monkeypatch.setattr(worker.metrics, "add_metric", lambda name, unit, value: counted.append((name, value)))
    log = io.StringIO()
    monkeypatch.setattr(worker.logger.logger_handler, "stream", log)  # the handler bound stdout at import
    event = sample_event()

    response = worker.handler(event, LocalContext(function_name="ProvisionWorkerFunction"))

    first = event["Records"][0]
    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == {first["messageId"], "broken-message"}
    assert counted.count(("BatchItemFailures", 1)) == 2
    assert ("CustomersProvisioned", 1) in counted  # the good message still counts
    warnings = [json.loads(line) for line in log.getvalue().splitlines() if '"WARNING"' in line]
    assert len(warnings) == 2
    datastore, malformed = sorted(warnings, key=lambda w: w["message_id"] == "broken-message")
    body = json.loads(first["body"])
    assert datastore["message_id"] == first["messageId"]
    assert datastore["job_id"] == body["job_id"] and datastore["customer_ids"] == body["customer_ids"]
    assert "Unavailable" in datastore["exception"]
    assert malformed["message_id"] == "broken-message" and "job_id" not in malformed


def test_an_idle_provisioner_run_logs_nothing_at_info(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run` triggers the Provisioner every few seconds: with nothing due, a run must not bury the
    request log a newcomer is watching (it says so at DEBUG only)."""
    from package_service.handlers import provisioner
    from tests.integration.test_jobs import trigger

    log = io.StringIO()
    monkeypatch.setattr(provisioner.logger.logger_handler, "stream", log)
    assert trigger()["claimed"] == []
    assert "provisioner run" not in log.getvalue()


def test_request_bodies_stay_out_of_debug_logs(api: Any) -> None:
    """Powertools formats each route's arguments into a debug message; request models name their fields
    there, never their values (names, aliases, customer data)."""

    class Collected(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.DEBUG)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    powertools, collected = logging.getLogger("aws_lambda_powertools"), Collected()
    level = powertools.level
    powertools.addHandler(collected)
    powertools.setLevel(logging.DEBUG)
    try:
        created = api.ok(
            "/v1/packages/create", {"name": "Globex secret plan", "aliases": [{"name": "jane-doe-private"}]}
        )
    finally:
        powertools.removeHandler(collected)
        powertools.setLevel(level)
    messages = collected.messages
    assert any("Calling API Route Handler" in m and "PackageCreate(aliases, name)" in m for m in messages)
    assert not any("Globex secret plan" in m or "jane-doe" in m for m in messages)
    assert api.ok("/v1/packages/get", {"package_id": created["id"]})["name"] == "Globex secret plan"
