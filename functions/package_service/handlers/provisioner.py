"""Provisioner Lambda (EventBridge schedule): fan due provisioning jobs (their customers) and package
migrations (their contracts) out to the queue."""

from datetime import UTC, datetime
from typing import Any

from .loading import collector_paused

with collector_paused():
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ..observability import logger, metrics
    from ..services.fanout import run_due_jobs
    from ..tracing import tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = run_due_jobs(datetime.now(UTC), context.get_remaining_time_in_millis)
    metrics.add_metric(name="JobsClaimed", unit=MetricUnit.Count, value=len(summary["claimed"]))
    # Every minute in AWS, every few seconds locally: a run that found nothing due says so at DEBUG only.
    log = logger.info if any(summary.values()) else logger.debug
    log("provisioner run", extra=summary)
    return summary
