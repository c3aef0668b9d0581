"""The local stream poller (infra/streams.py): what it asks the embedded DynamoDB while idle."""

from collections import Counter
from typing import Any

from infra import streams


def test_the_stream_poller_describes_the_stream_once_per_ttl_not_per_poll(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: Counter[str] = Counter()

    class FakeStreams:
        def describe_stream(self, StreamArn: str) -> dict[str, Any]:
            calls["describe"] += 1
            return {"StreamDescription": {"Shards": [{"ShardId": "s-1"}]}}

        def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
            return {"ShardIterator": "it"}

        def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
            calls["get_records"] += 1
            return {"Records": [], "NextShardIterator": "it"}

    source = streams.StreamSource("ChangeEventsFunction", {}, FakeStreams(), "arn")
    clock = [100.0]
    monkeypatch.setattr(streams.time, "monotonic", lambda: clock[0])
    for _ in range(10):
        source.poll_once()
    clock[0] += streams.SHARDS_TTL + 1
    source.poll_once()
    assert calls == Counter({"get_records": 11, "describe": 2})
