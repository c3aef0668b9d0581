"""The template's DynamoDB stream event sources without AWS: read the table's stream (the embedded
DynamoDB's, or DynamoDB Local's) and invoke the function as Lambda's event source mapping would.

Kept from the mapping: its FilterCriteria (records that match no filter are dropped, as Lambda drops
them), BatchSize, and ReportBatchItemFailures: a reported sequence number is read again from there, and
an invocation that raises is retried from its first record. At least once, in order, like Lambda.
"""

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .lambda_runtime import invoke
from .template import ROOT, event_sources

_DUMMY_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def matches(pattern: Any, value: Any) -> bool:
    """Whether a record matches an event filter pattern (the subset the template uses: nested objects
    whose leaves are lists of allowed values). Anything else is refused rather than guessed."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list) and all(isinstance(v, str | int | float | bool) or v is None for v in pattern):
        return value in pattern
    raise ValueError(f"filter pattern {pattern!r}: only exact-value lists are emulated locally")


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda delivers it (creation time in epoch seconds, the source ARN)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    if isinstance(created, datetime):
        created = created.timestamp()
    if isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = int(created)
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class RawRecordsReader:
    """GetRecords as plain JSON. botocore's response parser walks every attribute of every record in
    Python; `make run`'s poller reads every write the stack makes, and that walk cost the stack about a
    third of its throughput on a 2-core machine. json.loads does the same in C."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url, self.region = endpoint_url, region
        self.http = urllib3.PoolManager(maxsize=1)

    def __call__(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        body = json.dumps({"ShardIterator": ShardIterator, "Limit": Limit})
        target = "DynamoDBStreams_20120810.GetRecords"
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target}
        request = AWSRequest(method="POST", url=self.endpoint_url, data=body, headers=headers)
        SigV4Auth(Credentials("local", "local"), "dynamodb", self.region).add_auth(request)
        response = self.http.request("POST", self.endpoint_url, body=body, headers=dict(request.headers.items()))
        if response.status != 200:
            raise RuntimeError(f"GetRecords answered {response.status}: {response.data[:200]!r}")
        answer: dict[str, Any] = json.loads(response.data)
        return answer


SHARDS_TTL = 5.0  # seconds a stream's shard list is trusted before it is described again


@dataclass
class StreamSource:
    """One DynamoDB event source of the template, reading the table's stream from its start."""

    function: str
    properties: dict[str, Any]
    client: Any
    stream_arn: str
    get_records: Any = None  # a faster GetRecords (RawRecordsReader), else the client's
    iterators: dict[str, str] = field(default_factory=dict)  # shard id -> where to read next
    _shards: tuple[float, list[str]] | None = None  # (when described, shard ids)

    @property
    def filters(self) -> list[Any]:
        return [json.loads(f["Pattern"]) for f in self.properties.get("FilterCriteria", {}).get("Filters", [])]

    def shard_ids(self) -> list[str]:
        """The stream's shards, described again every SHARDS_TTL seconds (they change seldom; a
        DescribeStream on every poll doubled what an idle `make run` asks its embedded DynamoDB)."""
        now = time.monotonic()
        if self._shards is None or now - self._shards[0] > SHARDS_TTL:
            shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
            self._shards = (now, [shard["ShardId"] for shard in shards])
        return self._shards[1]

    def poll_once(self) -> int:
        """Deliver what each shard holds; returns how many records the function accepted."""
        delivered = 0
        for shard_id in self.shard_ids():
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self._iterator(shard_id, "TRIM_HORIZON")
            while True:
                try:
                    page = (self.get_records or self.client.get_records)(
                        ShardIterator=self.iterators[shard_id], Limit=int(self.properties.get("BatchSize", 100))
                    )
                except Exception as error:
                    if "TrimmedDataAccessException" not in str(error):
                        raise
                    # Records left the stream before they were read (in AWS: 24 hours behind): go on from
                    # the oldest still there, as Lambda's event source mapping does, and say so.
                    message = f"{self.function}: stream records expired unread; resuming at the oldest kept"
                    print(json.dumps({"level": "WARNING", "message": message}), flush=True)
                    self.iterators[shard_id] = self._iterator(shard_id, "TRIM_HORIZON")
                    continue
                records = page.get("Records", [])
                if not records:
                    self.iterators[shard_id] = page["NextShardIterator"]
                    break
                retry_from = self._deliver(records)
                if retry_from is not None:  # read again from there on the next poll
                    self.iterators[shard_id] = self._iterator(shard_id, "AT_SEQUENCE_NUMBER", retry_from)
                    break
                delivered += len(records)
                self.iterators[shard_id] = page["NextShardIterator"]
        return delivered

    def _deliver(self, records: list[dict[str, Any]]) -> str | None:
        """Invoke the function with the records its filters keep; the sequence number to retry from, if any."""
        kept = [lambda_record(r, self.stream_arn) for r in records if any(matches(p, r) for p in self.filters)]
        if not kept:
            return None
        try:
            response = invoke(self.function, {"Records": kept}) or {}
        except Exception:
            return str(kept[0]["dynamodb"]["SequenceNumber"])
        failures = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]
        return min(failures, key=int) if failures else None

    def _iterator(self, shard_id: str, kind: str, sequence_number: str | None = None) -> str:
        extra = {"SequenceNumber": sequence_number} if sequence_number else {}
        return str(
            self.client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=kind, **extra
            )["ShardIterator"]
        )


def poll_forever(sources: list[StreamSource], interval: float = 0.2) -> None:
    while True:
        try:
            for source in sources:
                source.poll_once()
        except Exception as error:  # keep polling, as Lambda's event source mapping would
            print(json.dumps({"level": "ERROR", "message": f"local stream source: {error!r}"}), flush=True)
        time.sleep(interval)


def spawn_stream_poller(endpoint_url: str | None, table_name: str) -> "subprocess.Popen[bytes]":
    """`make run`'s stream sources in a process of their own (as Lambda polls each source apart): reading a
    long stream after a burst of writes (a cohort) is CPU work that would otherwise slow the front door
    and the worker sharing one interpreter lock with it. It inherits the environment, so its functions
    see what the stack's see, and stops with the caller."""
    from .dynamodb import stop_with_parent

    command = [sys.executable, "-m", "infra.streams", endpoint_url or "", table_name]
    return subprocess.Popen(command, cwd=ROOT, preexec_fn=stop_with_parent)


def stream_sources(endpoint_url: str | None, table_name: str, region: str = "us-east-1") -> list[StreamSource]:
    """A source per DynamoDB event of the template (one table: every stream event reads its stream)."""
    extra: dict[str, Any] = {"endpoint_url": endpoint_url, **_DUMMY_CREDENTIALS} if endpoint_url else {}
    table = boto3.client("dynamodb", region_name=region, **extra).describe_table(TableName=table_name)["Table"]
    streams = boto3.client("dynamodbstreams", region_name=region, **extra)
    arn, raw = table["LatestStreamArn"], RawRecordsReader(endpoint_url, region) if endpoint_url else None
    return [StreamSource(function, props, streams, arn, raw) for function, props in event_sources("DynamoDB")]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "functions"))
    poll_forever(stream_sources(sys.argv[1] or None, sys.argv[2]))
