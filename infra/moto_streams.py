"""The embedded DynamoDB's stream (moto), bounded like DynamoDB's: records and iterators do not pile up
for ever in a long `make run` session. Applied by moto_patches.apply()."""

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

STREAM_RECORDS_KEPT = 200_000  # the local stream's retention (DynamoDB keeps 24 hours of records)
ITERATORS_KEPT = 1_000  # shard iterators remembered (DynamoDB's expire after 15 minutes)


class TrimmedDataAccessError(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("TrimmedDataAccessException", "the requested records are past the stream's retention")


def next_sequence(shard: StreamShard) -> int:
    return int(shard.starting_sequence_number) + len(shard.items)


def _bounded_stream(add: Callable[..., Any]) -> Callable[..., Any]:
    """moto keeps every stream record for ever, the whole item image in each: a long `make run` session
    (a 100,000-customer cohort is 500,000 writes) would hold them all twice. Past STREAM_RECORDS_KEPT the
    oldest tenth goes, sequence numbers continuing, as DynamoDB drops records after 24 hours."""

    def add_then_trim(self: StreamShard, old: Any, new: Any) -> None:
        add(self, old, new)
        if len(self.items) > STREAM_RECORDS_KEPT:
            dropped = len(self.items) - STREAM_RECORDS_KEPT + STREAM_RECORDS_KEPT // 10
            del self.items[:dropped]
            self.starting_sequence_number += dropped

    return add_then_trim


def _trimmed_is_an_error(get: Callable[..., Any]) -> Callable[..., Any]:
    """Reading from before the stream's horizon is DynamoDB's TrimmedDataAccessException (moto asserts)."""

    def get_or_refuse(self: StreamShard, start: int, quantity: int) -> Any:
        if start < self.starting_sequence_number:
            raise TrimmedDataAccessError()
        return get(self, start, quantity)

    return get_or_refuse


def _forgetting_old_iterators(get_records: Callable[..., Any]) -> Callable[..., Any]:
    """Every GetRecords makes a new iterator, which moto keeps for ever: keep the newest ITERATORS_KEPT."""

    def get_records_then_forget(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> Any:
        result = get_records(self, iterator_arn, limit)
        for stale in list(self.shard_iterators)[: max(0, len(self.shard_iterators) - ITERATORS_KEPT)]:
            del self.shard_iterators[stale]
        return result

    return get_records_then_forget


def apply() -> None:
    StreamShard.add = _bounded_stream(StreamShard.add)  # type: ignore[method-assign]
    StreamShard.get = _trimmed_is_an_error(StreamShard.get)  # type: ignore[method-assign]
    backend = DynamoDBStreamsBackend
    backend.get_records = _forgetting_old_iterators(backend.get_records)  # type: ignore[method-assign]
