"""ChangeEventsFunction Lambda (DynamoDB stream of the table, filtered to new audit entries): each entry
becomes one event on the service's bus, at least once.

Stream records come in order per shard; PutEvents takes 10 at a time. On the first entry EventBridge
refuses (or a call that fails), the handler reports that record as the batch's failure: Lambda retries
the shard from it, so nothing after it is lost, and what was already published may come again
(consumers de-duplicate on the event id, which is the audit entry's id).
"""

from typing import Any

from .loading import collector_paused

with collector_paused():
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ..event_bus import PUT_EVENTS_LIMIT, put_events
    from ..observability import logger, metrics
    from ..store.change_events import event_of_stream_record


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    pending = [
        (r["dynamodb"]["SequenceNumber"], e) for r in event.get("Records", []) if (e := event_of_stream_record(r))
    ]
    published = 0
    for start in range(0, len(pending), PUT_EVENTS_LIMIT):
        chunk = pending[start : start + PUT_EVENTS_LIMIT]
        try:
            accepted = put_events([entry for _, entry in chunk])
        except Exception:
            logger.warning("PutEvents failed; the stream retries from this record", exc_info=True)
            accepted = [False] * len(chunk)
        refused = next((index for index, ok in enumerate(accepted) if not ok), None)
        published += len(chunk) if refused is None else refused
        if refused is not None:
            sequence_number, entry = chunk[refused]
            logger.warning(
                "an event was not published; retrying from it", extra={"event_id": entry["Detail"]["event_id"]}
            )
            metrics.add_metric(name="ChangeEventsFailed", unit=MetricUnit.Count, value=1)
            metrics.add_metric(name="ChangeEventsPublished", unit=MetricUnit.Count, value=published)
            return {"batchItemFailures": [{"itemIdentifier": sequence_number}]}
    metrics.add_metric(name="ChangeEventsPublished", unit=MetricUnit.Count, value=published)
    return {"batchItemFailures": []}
