"""SQS queues from template.yaml, created on the embedded moto server (or any SQS endpoint)."""

import json
from typing import Any

import boto3

from .template import queue_definitions, resolve

_DUMMY_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")


def sqs_client(endpoint_url: str | None, region: str = "us-east-1") -> Any:
    extra: dict[str, Any] = {"endpoint_url": endpoint_url, **_DUMMY_CREDENTIALS} if endpoint_url else {}
    return boto3.client("sqs", region_name=region, **extra)


def create_queues(endpoint_url: str | None, prefix: str, visibility_timeout: int | None = None) -> dict[str, str]:
    """Create every queue (idempotent); returns refs: `Name` -> URL, `Name.Arn`, `Name.QueueName`.

    `visibility_timeout` overrides the template's, so tests can watch a failed message come back.
    """
    client = sqs_client(endpoint_url)
    refs: dict[str, str] = {}
    for name, props in queue_definitions().items():
        attributes = {k: str(props[k]) for k in _ATTRIBUTES if k in props}
        if visibility_timeout is not None:
            attributes["VisibilityTimeout"] = str(visibility_timeout)
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": resolve(policy["deadLetterTargetArn"], refs),
                    "maxReceiveCount": str(policy["maxReceiveCount"]),
                }
            )
        queue_name = f"{prefix}-{name}"
        url = client.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        refs.update({name: url, f"{name}.Arn": arn, f"{name}.QueueName": queue_name})
    return refs
