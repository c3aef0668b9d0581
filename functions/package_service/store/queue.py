"""The provisioning queue (SQS): from the Provisioner to the ProvisionWorker, cohort batches (a job's
customers) and package-migration batches (a migration's contracts to plan or apply)."""

import json
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from botocore.config import Config

from ..domain.errors import Unavailable
from ..settings import get_settings
from .dynamo import aws_session, client_region, translated_errors

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

SEND_BATCH = 10  # SQS SendMessageBatch takes at most 10 entries


@lru_cache(maxsize=1)
def get_sqs() -> SQSClient:
    settings = get_settings()
    client = aws_session().create_client(
        "sqs",
        region_name=client_region(settings.sqs_endpoint_url),
        endpoint_url=settings.sqs_endpoint_url,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5),
    )
    return cast("SQSClient", client)


def queue_url() -> str:
    url = get_settings().provisioning_queue_url
    if not url:
        raise Unavailable("PROVISIONING_QUEUE_URL is not configured")
    return url


def send_messages(bodies: list[dict[str, Any]]) -> None:
    """Send every body, 10 per call; entries SQS refuses are retried, then the call fails."""
    for start in range(0, len(bodies), SEND_BATCH):
        pending = {str(i): json.dumps(body) for i, body in enumerate(bodies[start : start + SEND_BATCH])}
        for attempt in range(4):
            with translated_errors():
                response = get_sqs().send_message_batch(
                    QueueUrl=queue_url(),
                    Entries=[{"Id": entry_id, "MessageBody": body} for entry_id, body in pending.items()],
                )
            pending = {entry["Id"]: pending[entry["Id"]] for entry in response.get("Failed", [])}
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise Unavailable(f"the provisioning queue refused {len(pending)} messages")
