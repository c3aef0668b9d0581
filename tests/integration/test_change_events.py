"""Change events: the table's stream, filtered as the template filters it, through ChangeEventsFunction to
the bus (here the local JSON-lines file), at least once: a crashed or refused publish is retried from
the first event not published, duplicates carry the audit entry's id, and nothing is lost."""

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.streams import StreamSource, lambda_record, matches, stream_sources
from infra.template import event_sources
from package_service.handlers import change_events
from package_service.settings import get_settings

from .conftest import Api, scan_count, table_on_server


@pytest.fixture
def table(dynamodb_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """On the embedded DynamoDB server: moto's in-process stub does not answer DynamoDB Streams."""
    yield from table_on_server(dynamodb_server, "events", monkeypatch)


@pytest.fixture
def bus(table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The local bus: LOCAL_EVENTS_FILE, as `make run` sets it."""
    events = tmp_path / "events.jsonl"
    monkeypatch.setenv("LOCAL_EVENTS_FILE", str(events))
    get_settings.cache_clear()
    return events


@pytest.fixture
def stream(table: str, dynamodb_server: str) -> StreamSource:
    (source,) = stream_sources(dynamodb_server, table)
    return source


def published(bus: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in bus.read_text().splitlines()] if bus.exists() else []


def audit_ids(api: Api) -> list[str]:
    ids, query = [], {"limit": "100"}
    while True:
        reply = api.get("/v1/auditLogs", query)
        ids += [entry["id"] for entry in reply.data]
        if not reply.body["next_page"]:
            return ids
        query = {"limit": "100", "next_page": reply.body["next_page"]}


def make_changes(api: Api, count: int) -> None:
    for n in range(count):
        api.ok("/v1/contract-pricing/products/create", {"name": f"P{n}", "type": "USAGE"})


def test_each_audit_entry_becomes_one_event_with_its_id(api: Api, bus: Path, stream: StreamSource) -> None:
    make_changes(api, 3)
    package = api.ok("/v1/packages/create", {"name": "Starter"})["id"]
    api.ok("/v1/packages/archive", {"package_id": package})
    # Every stream record is read (9 items inserted, the package modified by its archive); only the 5
    # audit entries reach the bus.
    assert (stream.poll_once(), scan_count()) == (10, 9)
    events = published(bus)
    assert [e["detail"]["event_id"] for e in events] == audit_ids(api)
    assert [e["detail-type"] for e in events] == ["product.created"] * 3 + ["package.created", "package.archived"]
    last = events[-1]
    assert last["source"] == "package-service"
    assert last["detail"]["tenant_id"] == "acme" and last["detail"]["resource_id"] == package
    assert last["detail"]["audit_log"]["description"] == f"archived package {package}"
    assert stream.poll_once() == 0 and len(published(bus)) == 5  # nothing new, nothing again


def test_a_publisher_crash_mid_batch_republishes_and_loses_nothing(
    api: Api, bus: Path, stream: StreamSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_changes(api, 35)  # 4 PutEvents calls of up to 10
    real, calls = change_events.put_events, Counter[str]()

    def crashing_on_the_third_call(entries: list[dict[str, Any]]) -> list[bool]:
        calls["put"] += 1
        if calls["put"] == 3:
            raise ConnectionError("EventBridge went away")
        return real(entries)

    monkeypatch.setattr(change_events, "put_events", crashing_on_the_third_call)
    stream.poll_once()
    assert len(published(bus)) == 20  # two calls went out before the crash
    stream.poll_once()  # retried from the first event not published
    ids = [e["detail"]["event_id"] for e in published(bus)]
    assert set(ids) == set(audit_ids(api)) and len(set(ids)) == 35  # none lost
    assert len(ids) == len(set(ids))  # (here the retry began exactly at the first unpublished one)


def test_an_entry_eventbridge_refuses_is_retried_from_there(
    api: Api, bus: Path, stream: StreamSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_changes(api, 12)
    real, refused = change_events.put_events, Counter[str]()

    def refusing_the_fourth_once(entries: list[dict[str, Any]]) -> list[bool]:
        if refused["n"] == 0:
            refused["n"] += 1
            real(entries)  # EventBridge accepts the others of the call, refuses one (FailedEntryCount 1)
            return [index != 3 for index in range(len(entries))]
        return real(entries)

    monkeypatch.setattr(change_events, "put_events", refusing_the_fourth_once)
    stream.poll_once()
    stream.poll_once()
    ids = [e["detail"]["event_id"] for e in published(bus)]
    assert set(ids) == set(audit_ids(api))  # none lost
    duplicates = [event_id for event_id, count in Counter(ids).items() if count > 1]
    assert len(duplicates) == 10 - 3  # the rest of the refused call came again: de-duplicable by id


def test_a_change_whose_transaction_fails_publishes_nothing(api: Api, bus: Path, stream: StreamSource) -> None:
    api.ok("/v1/packages/create", {"name": "Once", "uniqueness_key": "k"})
    assert api.post("/v1/packages/create", {"name": "Twice", "uniqueness_key": "k"}).status == 409
    unknown = {"name": "Bad", "rate_card_id": "11111111-1111-4111-8111-111111111111"}
    assert api.post("/v1/packages/create", unknown).status == 400
    stream.poll_once()
    assert [e["detail"]["audit_log"]["description"] for e in published(bus)] == ["created package 'Once'"]


def test_the_templates_filter_keeps_new_audit_entries_only() -> None:
    """Lambda event filtering (FilterCriteria) drops records that match no pattern before invoking; the
    local stream source applies the template's own patterns, so both see the same records."""
    ((_, props),) = event_sources("DynamoDB")
    (pattern,) = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]

    def record(event_name: str, record_type: str | None) -> dict[str, Any]:
        image = {"pk": {"S": "T#acme#AUDIT"}, **({"record_type": {"S": record_type}} if record_type else {})}
        return {"eventName": event_name, "dynamodb": {"NewImage": image, "SequenceNumber": "1"}}

    assert matches(pattern, record("INSERT", "AUDIT"))
    assert not matches(pattern, record("MODIFY", "AUDIT"))
    assert not matches(pattern, record("INSERT", None))  # a package, a contract, a counter...
    assert not matches(pattern, record("INSERT", "OTHER"))
    assert lambda_record(record("INSERT", "AUDIT"), "arn:stream")["eventSourceARN"] == "arn:stream"
    with pytest.raises(ValueError, match="only exact-value lists"):
        matches({"eventName": [{"prefix": "INS"}]}, record("INSERT", "AUDIT"))


def test_an_operator_republishes_a_window_from_the_audit_log(api: Api, bus: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from package_service.admin import main

    make_changes(api, 12)  # more than one PutEvents call
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert main(["events", "republish", "--tenant", "acme", "--starting-on", since]) == 0
    assert [e["detail"]["event_id"] for e in published(bus)] == audit_ids(api)
    assert main(["events", "republish", "--tenant", "globex", "--starting-on", since]) == 0
    assert len(published(bus)) == 12  # nothing of another tenant


def test_a_poller_past_the_streams_retention_resumes_at_its_oldest_record(
    api: Api,
    bus: Path,
    stream: StreamSource,
    table: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The embedded stream keeps a bounded number of records (DynamoDB: 24 hours). A reader left behind
    gets TrimmedDataAccessException, as from DynamoDB, and goes on from the oldest record still kept."""
    from infra import moto_streams

    monkeypatch.setattr(moto_streams, "STREAM_RECORDS_KEPT", 20)
    make_changes(api, 2)
    stream.poll_once()  # the reader now stands after the 4 records written (2 products, 2 entries)
    make_changes(api, 15)  # 30 more records: the stream keeps 20, the reader's position is gone
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["us-east-1"].tables[table].stream_shard
    assert len(shard.items) <= 20  # memory stays bounded
    stream.poll_once()
    assert "stream records expired unread" in capsys.readouterr().out
    kept = [e["detail"]["event_id"] for e in published(bus)]
    assert len(kept) == len(set(kept)) and set(kept) < set(audit_ids(api))  # expired ones were not published
    make_changes(api, 1)
    stream.poll_once()
    assert published(bus)[-1]["detail"]["audit_log"]["description"] == "created product 'P0'"
