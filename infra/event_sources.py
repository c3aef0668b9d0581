"""Lambda event sources without AWS: the template's Schedule events on a short interval, its SQS event
source mappings (batch size, ReportBatchItemFailures) as a poller that invokes the function, and its
DynamoDB stream event sources on a thread of their own (streams.py), as Lambda polls each source apart.
"""

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from .lambda_runtime import invoke
from .queues import sqs_client
from .template import event_sources, resolve


def scheduled_event(function: str) -> dict[str, Any]:
    """What EventBridge Scheduler sends a function on a `rate(...)` schedule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{function}-schedule"],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers for received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                               "SentTimestamp": str(int(time.time() * 1000))},
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }  # fmt: skip


def run_schedules_once() -> list[Any]:
    return [invoke(function, scheduled_event(function)) for function, _ in event_sources("Schedule")]


def drain_queues_once(endpoint_url: str | None, refs: dict[str, str], wait_seconds: int = 0) -> int:
    """Deliver what each SQS event source's queue holds to its function; returns messages handled."""
    client = sqs_client(endpoint_url)
    handled = 0
    for function, props in event_sources("SQS"):
        queue_arn = str(resolve(props["Queue"], refs))
        queue_url = next(url for name, url in refs.items() if refs.get(f"{name}.Arn") == queue_arn)
        while True:
            messages = client.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(int(props.get("BatchSize", 10)), 10),
                WaitTimeSeconds=wait_seconds,
                AttributeNames=["ApproximateReceiveCount"],
            ).get("Messages", [])
            if not messages:
                break
            try:
                response = invoke(function, sqs_event(messages, queue_arn)) or {}
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            except Exception:  # the whole batch failed: every message comes back after its timeout
                failed = {m["MessageId"] for m in messages}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                client.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            handled += len(done)
            if failed:
                break  # retried after the visibility timeout, as SQS would
    return handled


class EventSourceLoop:
    """A background thread: run schedules every `interval` seconds and keep draining queues."""

    def __init__(self, endpoint_url: str | None, refs: dict[str, str], interval: float) -> None:
        self.endpoint_url, self.refs, self.interval = endpoint_url, refs, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        next_schedule = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_schedule:
                    run_schedules_once()
                    next_schedule = time.monotonic() + self.interval
                self.drain()
            except Exception as error:  # keep the loop alive, as a Lambda trigger would keep firing
                print(json.dumps({"level": "ERROR", "message": f"local event source: {error!r}"}), flush=True)
            self._stop.wait(0.2)

    def drain(self) -> int:
        return drain_queues_once(self.endpoint_url, self.refs, wait_seconds=0)
