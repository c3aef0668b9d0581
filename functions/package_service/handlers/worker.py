"""ProvisionWorker Lambda (SQS): provision each customer of each cohort batch exactly once, and plan or
apply each contract of each package-migration batch (messages with a `kind`) exactly once.

A message that fails (throttling, a datastore fault) is reported as a partial batch failure and
comes back; customers it had already finished are recognised by their result rows.

A batch's messages are worked on a few threads at once: each spends most of its time waiting on
DynamoDB, and messages are independent (exactly once holds across concurrent workers anyway, by the
conditions of each transaction). In Lambda, X-Ray gives each thread its own facade segment of the
invocation's trace.

After its writes, the last of a batch's messages of one run (a job or a migration) to finish checks
whether the run reached a milestone (completions.py): once per run and batch rather than per message,
as reading a run's counts is a query of all its counter shards. Any message that completes a run is
followed in its own invocation by that check, so the milestone is seen; a check that fails fails its
message, which comes back and checks again.

What a message kind needs (the cohort or the migration services, their domain and store modules) is
imported by its first message, not with the handler: an instance working a cohort never loads the
migration modules, and its cold start is the handler's import alone (decision 0018 does the same for the
API's route modules). Each import runs each time a message of its kind does; after the first it is a
lookup in sys.modules.
"""

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from .loading import collector_paused

with collector_paused():
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ..observability import logger, metrics
    from ..tracing import tracer

THREADS = 4  # messages worked at once; more buys little while one message's CPU holds the interpreter


class _ConcurrentBatchProcessor(BatchProcessor):
    def process(self) -> list[tuple[Any, ...]]:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            return list(pool.map(self._process_record, self.records))


processor = _ConcurrentBatchProcessor(event_type=EventType.SQS)
_outcomes: Counter[str] = Counter()  # this invocation's customers and contracts by outcome, as metric names
_counting = threading.Lock()  # the threads of one invocation add to the same counts


Run = tuple[str, str, str] | None  # (kind, tenant, id) of a message's job or migration; None if unreadable
_unfinished: Counter[Run] = Counter()  # this invocation's messages of each run not finished yet


def _run_of(body: Any) -> Run:
    if not isinstance(body, dict):
        return None
    if "kind" in body:
        return ("migration", str(body.get("tenant_id")), str(body.get("migration_id")))
    return ("job", str(body.get("tenant_id")), str(body.get("job_id")))


def _parsed(raw_body: Any) -> Any:
    """A message body as `_work_on` reads it; None when it cannot (that message fails there)."""
    try:
        return json.loads(raw_body)
    except (TypeError, ValueError):
        return None


def _last_of_its_run(run: Run) -> bool:
    """Count a message of `run` finished; True if it was the last of its run in this invocation."""
    with _counting:
        _unfinished[run] -= 1
        return _unfinished[run] <= 0


def _work_on(record: SQSRecord) -> dict[str, int]:
    body: Any = None
    run: Run = None
    finished = False
    try:
        body = json.loads(record.body)
        run = _run_of(body)
        if "kind" in body:
            from ..services.migration_apply import run_migration_batch
            from ..services.migration_work import MigrationBatch
            from ..store.completions import migration_milestone

            migration = MigrationBatch.from_message(body)
            tally = run_migration_batch(migration, datetime.now(UTC))
            finished = True
            if _last_of_its_run(run):
                migration_milestone(migration.tenant_id, migration.migration_id, datetime.now(UTC))
            counted = "Contracts"
        else:
            from ..services.cohorts import CohortBatch, provision_cohort_batch
            from ..store.completions import job_milestone

            cohort = CohortBatch.from_message(body)
            tally = provision_cohort_batch(cohort, datetime.now(UTC))
            finished = True
            if _last_of_its_run(run):
                job_milestone(cohort.tenant_id, cohort.job_id, datetime.now(UTC))
            counted = "Customers"
    except Exception:
        if not finished:
            _last_of_its_run(run)  # a failed message is finished too: another may be its run's last
        # Powertools logs a failed record at DEBUG only, and Lambda's Errors metric stays 0 for partial
        # batch failures: say it here, with what an operator needs to find the job and its customers.
        message = body if isinstance(body, dict) else {}
        logger.warning(
            "batch failed; SQS will deliver it again (then to the dead-letter queue)",
            extra={
                "message_id": record.message_id,
                "receive_count": record.attributes.approximate_receive_count,
                "job_id": message.get("job_id"),
                "customer_ids": message.get("customer_ids"),
                "migration_id": message.get("migration_id"),
                "contracts": message.get("contracts"),
            },
            exc_info=True,
        )
        with _counting:
            metrics.add_metric(name="BatchItemFailures", unit=MetricUnit.Count, value=1)
        raise
    with _counting:
        _outcomes.update({counted + outcome.title().replace("_", ""): count for outcome, count in tally.items()})
    return tally


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _outcomes.clear()
    _unfinished.clear()
    _unfinished.update(_run_of(_parsed(record.get("body"))) for record in event.get("Records", []))
    response = process_partial_response(event=event, record_handler=_work_on, processor=processor, context=context)
    for outcome, count in _outcomes.items():  # one data point per outcome per invocation
        metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=count)
    return dict(response)
