"""The embedded DynamoDB's patches keep DynamoDB's behaviour: transactions all or nothing, queries answered
as moto itself answers them (only faster)."""

import contextlib
import random
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

from infra import moto_patches


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    moto_patches.apply()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def test_a_cancelled_transaction_leaves_every_item_as_it_was(client) -> None:  # type: ignore[no-untyped-def]
    client.put_item(TableName="t", Item={"pk": {"S": "kept"}, "v": {"N": "1"}})
    client.put_item(TableName="t", Item={"pk": {"S": "taken"}})
    update = {"TableName": "t", "Key": {"pk": {"S": "kept"}}, "UpdateExpression": "SET v = :two",
              "ExpressionAttributeValues": {":two": {"N": "2"}}}  # fmt: skip
    guard = {"TableName": "t", "Item": {"pk": {"S": "taken"}}, "ConditionExpression": "attribute_not_exists(pk)"}
    with pytest.raises(ClientError) as error:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}}}},
                {"Update": update},
                {"Put": guard},
            ]
        )
    assert error.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in client.get_item(TableName="t", Key={"pk": {"S": "new"}})
    assert client.get_item(TableName="t", Key={"pk": {"S": "kept"}})["Item"]["v"] == {"N": "1"}


def test_a_cancelled_transaction_restores_what_it_overwrote_and_deleted(client) -> None:  # type: ignore[no-untyped-def]
    # Puts and deletes are rolled back to the stored item itself (not a copy): it must come back unchanged.
    client.put_item(TableName="t", Item={"pk": {"S": "overwritten"}, "v": {"N": "1"}, "tags": {"SS": ["a"]}})
    client.put_item(TableName="t", Item={"pk": {"S": "deleted"}, "v": {"N": "1"}})
    client.put_item(TableName="t", Item={"pk": {"S": "checked"}, "v": {"N": "1"}})
    with pytest.raises(ClientError):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "overwritten"}, "v": {"N": "2"}}}},
                {"Delete": {"TableName": "t", "Key": {"pk": {"S": "deleted"}}}},
                {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "checked"}},
                                    "ConditionExpression": "v = :two",
                                    "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            ]
        )  # fmt: skip
    assert client.get_item(TableName="t", Key={"pk": {"S": "overwritten"}})["Item"] == {
        "pk": {"S": "overwritten"},
        "v": {"N": "1"},
        "tags": {"SS": ["a"]},
    }
    assert client.get_item(TableName="t", Key={"pk": {"S": "deleted"}})["Item"]["v"] == {"N": "1"}
    assert client.get_item(TableName="t", Key={"pk": {"S": "checked"}})["Item"]["v"] == {"N": "1"}


def test_a_cancelled_transaction_leaves_no_stream_records(client) -> None:  # type: ignore[no-untyped-def]
    """DynamoDB Streams records what was written, and a cancelled transaction wrote nothing (moto's own
    rollback restores a copy of the whole table, stream included; the patch restores items one by one)."""
    from moto.dynamodb.models import dynamodb_backends

    client.update_table(TableName="t", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    shard = dynamodb_backends["123456789012"]["us-east-1"].tables["t"].stream_shard
    client.put_item(TableName="t", Item={"pk": {"S": "taken"}})
    guard = {"TableName": "t", "Item": {"pk": {"S": "taken"}}, "ConditionExpression": "attribute_not_exists(pk)"}
    with pytest.raises(ClientError):
        client.transact_write_items(
            TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}}}}, {"Put": guard}]
        )
    assert [r.record["eventName"] for r in shard.items] == ["INSERT"]  # the first put_item only
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": name}}}} for name in ("a", "b")]
    )
    assert [r.record["dynamodb"]["Keys"]["pk"]["S"] for r in shard.items] == ["taken", "a", "b"]


def test_a_committed_transaction_writes_every_item(client) -> None:  # type: ignore[no-untyped-def]
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": name}}}} for name in ("a", "b")]
    )
    assert client.scan(TableName="t")["Count"] == 2


def test_the_table_is_not_copied_per_transaction(client) -> None:  # type: ignore[no-untyped-def]
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"]["us-east-1"].tables["t"]
    client.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": "x"}}}}])
    with pytest.raises(ClientError):
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": "t",
                        "Item": {"pk": {"S": "x"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        )
    assert dynamodb_backends["123456789012"]["us-east-1"].tables["t"] is table


def test_a_conditional_write_is_won_by_one_thread_only(client) -> None:  # type: ignore[no-untyped-def]
    import threading

    winners, barrier = [], threading.Barrier(8)

    def claim(worker: int) -> None:
        barrier.wait()
        try:
            client.put_item(
                TableName="t", Item={"pk": {"S": "lease"}, "owner": {"N": str(worker)}},
                ConditionExpression="attribute_not_exists(pk)",
            )  # fmt: skip
            winners.append(worker)
        except ClientError:
            pass

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


@pytest.fixture
def indexed():  # type: ignore[no-untyped-def]
    """A table shaped like the service's: pk + sk, and a global index gsi1 (gsi1pk + gsi1sk)."""
    moto_patches.apply()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        names = ("pk", "sk", "gsi1pk", "gsi1sk")
        dynamodb.create_table(
            TableName="t",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in names],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                              {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
        yield dynamodb


def _random_write(client, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    key = {"pk": {"S": f"p{rng.randrange(4)}"}, "sk": {"S": f"s{rng.randrange(12):02}"}}
    listing = {"gsi1pk": {"S": f"g{rng.randrange(3)}"}, "gsi1sk": {"S": f"{rng.randrange(50):02}"}}
    kind = rng.choice(["put", "put-unlisted", "list", "unlist", "delete", "transact", "cancelled"])
    if kind == "put":
        client.put_item(TableName="t", Item={**key, **listing, "n": {"N": str(rng.randrange(9))}})
    elif kind == "put-unlisted":
        client.put_item(TableName="t", Item=key)
    elif kind == "list":  # an item gains (or moves to) an index partition in place
        client.update_item(TableName="t", Key=key, UpdateExpression="SET gsi1pk = :g, gsi1sk = :s",
                           ExpressionAttributeValues={":g": listing["gsi1pk"], ":s": listing["gsi1sk"]})  # fmt: skip
    elif kind == "unlist":
        client.update_item(TableName="t", Key=key, UpdateExpression="REMOVE gsi1pk, gsi1sk")
    elif kind == "delete":
        client.delete_item(TableName="t", Key=key)
    else:
        other = {"pk": {"S": f"p{rng.randrange(4)}"}, "sk": {"S": "s99"}}
        items = [{"Put": {"TableName": "t", "Item": {**other, **listing}}},
                 {"Update": {"TableName": "t", "Key": key, "UpdateExpression": "SET gsi1pk = :g",
                             "ExpressionAttributeValues": {":g": listing["gsi1pk"]}}}]  # fmt: skip
        if kind == "cancelled":  # a failed condition: nothing of it may show in any index
            items.append(
                {"ConditionCheck": {"TableName": "t", "Key": key, "ConditionExpression": "attribute_not_exists(pk)"}}
            )
        with contextlib.suppress(ClientError):
            client.transact_write_items(TransactItems=items)


_CONDITIONS = [
    ("", {}),
    (" AND {sk} = :a", {":a": "{x}"}),
    (" AND {sk} < :a", {":a": "{x}"}),
    (" AND {sk} <= :a", {":a": "{x}"}),
    (" AND {sk} > :a", {":a": "{x}"}),
    (" AND {sk} >= :a", {":a": "{x}"}),
    (" AND {sk} BETWEEN :a AND :b", {":a": "{x}", ":b": "{y}"}),
    (" AND begins_with({sk}, :a)", {":a": "{p}"}),
]


def _queries(rng: random.Random) -> list[dict[str, Any]]:
    """Table and index queries with every kind of key condition, both directions, several page sizes."""
    out: list[dict[str, Any]] = []
    for _ in range(8):
        index = rng.random() < 0.5
        pk, sk = ("gsi1pk", "gsi1sk") if index else ("pk", "sk")
        low, high = sorted(rng.randrange(50) for _ in range(2))
        as_key = (lambda n: f"{n:02}") if index else (lambda n: f"s{n % 13:02}")
        condition, values = rng.choice(_CONDITIONS)
        filled = {
            name: {"S": v.format(x=as_key(low), y=as_key(high), p=as_key(low)[:-1])} for name, v in values.items()
        }
        query: dict[str, Any] = {
            "TableName": "t",
            "KeyConditionExpression": f"{pk} = :h" + condition.format(sk=sk),
            "ExpressionAttributeValues": {
                ":h": {"S": f"g{rng.randrange(4)}" if index else f"p{rng.randrange(5)}"},
                **filled,
            },
            "ScanIndexForward": rng.random() < 0.5,
        }
        if index:
            query["IndexName"] = "gsi1"
        if rng.random() < 0.7:
            query["Limit"] = rng.choice([1, 2, 3, 5, 100])
        if rng.random() < 0.3:
            query["FilterExpression"] = "attribute_exists(n)"
        out.append(query)
    return out


def _all_pages(client, query: dict[str, Any]) -> list[Any]:  # type: ignore[no-untyped-def]
    pages, start = [], None
    while True:
        page = client.query(**query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append((page["Items"], page.get("LastEvaluatedKey")))
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_queries_answer_what_moto_itself_answers_through_random_writes(indexed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20261127)
    for _ in range(60):
        for _ in range(rng.randrange(1, 8)):
            _random_write(indexed, rng)
        for query in _queries(rng):
            narrowed = _all_pages(indexed, query)
            with monkeypatch.context() as unpatched:
                unpatched.setattr(Table, "query", Table.query.original)  # moto's own query
                walked = _all_pages(indexed, query)
            assert narrowed == walked, query


def test_a_page_costs_what_the_page_holds(indexed) -> None:  # type: ignore[no-untyped-def]
    for n in range(300):
        listing = {"gsi1pk": {"S": "big"}, "gsi1sk": {"S": f"{n:03}"}}
        indexed.put_item(TableName="t", Item={"pk": {"S": "one"}, "sk": {"S": f"{n:03}"}, **listing})
    seen: list[int] = []
    sorted_items = Table.sorted_items

    def spy(self, hash_attrs, range_attrs, items):  # type: ignore[no-untyped-def]
        seen.append(len(items))
        return sorted_items(self, hash_attrs, range_attrs, items)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Table, "sorted_items", spy)
        page = indexed.query(TableName="t", IndexName="gsi1", KeyConditionExpression="gsi1pk = :g AND gsi1sk > :a",
                             ExpressionAttributeValues={":g": {"S": "big"}, ":a": {"S": "150"}}, Limit=10)  # fmt: skip
    assert [item["gsi1sk"]["S"] for item in page["Items"]] == [f"{n:03}" for n in range(151, 161)]
    assert page["LastEvaluatedKey"]["gsi1sk"] == {"S": "160"}
    assert seen == [11]  # moto sorted the page and one more (to know there is a next page), not 300
    one = {":p": {"S": "one"}}
    base = indexed.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues=one, Limit=5,
                         ScanIndexForward=False)  # fmt: skip
    assert [item["sk"]["S"] for item in base["Items"]] == ["299", "298", "297", "296", "295"]


def test_reads_answer_the_json_moto_s_serializer_would(indexed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from moto.core.responses import ActionResult

    item = {"pk": {"S": "p"}, "sk": {"S": "s"}, "gsi1pk": {"S": "g"}, "gsi1sk": {"S": "1"},
            "n": {"N": "1.50"}, "big": {"N": "12345678901234567890"}, "t": {"BOOL": True}, "z": {"NULL": True},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "l": {"L": [{"S": "x"}, {"M": {"k": {"N": "0"}}}]},
            "m": {"M": {"nested": {"L": []}, "e": {"S": ""}}}, "uni": {"S": "naïve ✓ \\u2028"}}  # fmt: skip
    indexed.put_item(TableName="t", Item=item)
    indexed.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": "t"}, "b": {"B": b"\x00\xff"}})
    reads = [
        lambda: indexed.get_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "s"}}),
        lambda: indexed.get_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "absent"}}),
        lambda: indexed.batch_get_item(
            RequestItems={"t": {"Keys": [{"pk": {"S": "p"}, "sk": {"S": k}} for k in "st"]}}
        ),
        lambda: indexed.query(
            TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}
        ),
        lambda: indexed.query(
            TableName="t",
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :g",
            ExpressionAttributeValues={":g": {"S": "g"}},
            Limit=1,
        ),
        lambda: indexed.scan(TableName="t", Select="COUNT"),
    ]
    for read in reads:
        fast = read()
        with monkeypatch.context() as unpatched:
            unpatched.setattr(ActionResult, "execute_result", ActionResult.execute_result.original)
            slow = read()
        for answer in (fast, slow):
            answer.pop("ResponseMetadata")
        assert fast == slow


def test_stream_records_answer_what_moto_s_serializer_would(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """GetRecords (served by the embedded server: moto's in-process stub does not route DynamoDB Streams)."""
    from moto.core.responses import ActionResult

    from infra.dynamodb import start_embedded_dynamodb

    server, url = start_embedded_dynamodb()
    try:
        local = {
            "endpoint_url": url,
            "region_name": "us-east-1",
            "aws_access_key_id": "x",
            "aws_secret_access_key": "x",
        }
        dynamodb, streams = boto3.client("dynamodb", **local), boto3.client("dynamodbstreams", **local)
        dynamodb.create_table(
            TableName="s", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )  # fmt: skip
        dynamodb.put_item(TableName="s", Item={"pk": {"S": "a"}, "n": {"N": "1.5"}, "l": {"L": [{"M": {}}]}})
        dynamodb.update_item(TableName="s", Key={"pk": {"S": "a"}}, UpdateExpression="SET t = :t",
                             ExpressionAttributeValues={":t": {"BOOL": False}})  # fmt: skip
        dynamodb.delete_item(TableName="s", Key={"pk": {"S": "a"}})
        arn = dynamodb.describe_table(TableName="s")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

        def records() -> list[Any]:
            start = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
            return list(streams.get_records(ShardIterator=start["ShardIterator"])["Records"])

        fast = records()
        with monkeypatch.context() as unpatched:
            unpatched.setattr(ActionResult, "execute_result", ActionResult.execute_result.original)
            slow = records()
        assert [r["eventName"] for r in fast] == ["INSERT", "MODIFY", "REMOVE"]
        assert fast == slow
    finally:
        server.stop()


def test_the_sqs_clock_answers_what_moto_s_own_does() -> None:
    from datetime import datetime

    from moto.core import utils

    from infra import moto_sqs

    for moment in (datetime(1970, 1, 1), datetime(2027, 1, 31, 23, 59, 59, 999999), datetime(2100, 2, 28, 12)):
        assert moto_sqs.unix_time(moment) == utils.unix_time(moment)
        assert moto_sqs.unix_time_millis(moment) == utils.unix_time_millis(moment)
    before = utils.unix_time()
    now = moto_sqs.unix_time()
    assert before <= now <= utils.unix_time()  # "now" is the same clock


def test_the_embedded_sqs_reads_the_patched_clock() -> None:
    from moto.sqs import models as sqs_models

    from infra import moto_sqs

    moto_patches.apply()
    assert sqs_models.unix_time_millis is moto_sqs.unix_time_millis and sqs_models.unix_time is moto_sqs.unix_time


def test_updates_through_the_parsed_once_expression_do_what_moto_s_own_parse_does(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each update twice: once through the cached parse, once through moto's own; the items must agree."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    updates = [
        ("ADD #c0 :d0, #c1 :d1", {"#c0": "n", "#c1": "m"}, {":d0": {"N": "2"}, ":d1": {"N": "-1"}}),
        ("ADD #c0 :d0, #c1 :d1", {"#c0": "m", "#c1": "n"}, {":d0": {"N": "5"}, ":d1": {"N": "7"}}),
        ("SET s = :v, l = list_append(if_not_exists(l, :e), :v2) REMOVE gone", None,
         {":v": {"S": "x"}, ":e": {"L": []}, ":v2": {"L": [{"N": "1"}]}}),
        ("SET s = :v, l = list_append(if_not_exists(l, :e), :v2) REMOVE gone", None,
         {":v": {"S": "y"}, ":e": {"L": []}, ":v2": {"L": [{"N": "2"}]}}),
    ]  # fmt: skip
    for table_key in ("cached", "original"):
        client.put_item(TableName="t", Item={"pk": {"S": table_key}, "gone": {"S": "soon"}})
    original = UpdateExpressionParser.make.original
    for expression, names, values in updates:
        for table_key in ("cached", "original"):
            if table_key == "original":
                monkeypatch.setattr(UpdateExpressionParser, "make", original)
            request = {"TableName": "t", "Key": {"pk": {"S": table_key}}, "UpdateExpression": expression,
                       "ExpressionAttributeValues": values}  # fmt: skip
            if names:
                request["ExpressionAttributeNames"] = names
            client.update_item(**request)
            monkeypatch.undo()
    cached = client.get_item(TableName="t", Key={"pk": {"S": "cached"}})["Item"]
    original_item = client.get_item(TableName="t", Key={"pk": {"S": "original"}})["Item"]
    assert {**cached, "pk": None} == {**original_item, "pk": None}
    assert cached["n"] == {"N": "9"} and cached["l"] == {"L": [{"N": "1"}, {"N": "2"}]} and "gone" not in cached
    with pytest.raises(ClientError):  # an invalid expression is refused every time, not remembered
        client.update_item(TableName="t", Key={"pk": {"S": "cached"}}, UpdateExpression="SET = broken")
    with pytest.raises(ClientError):
        client.update_item(TableName="t", Key={"pk": {"S": "cached"}}, UpdateExpression="SET = broken")


def test_the_queue_counts_answer_what_moto_s_message_checks_do() -> None:
    """Messages visible, in flight and delayed: the counts read the clock once and agree with moto's own
    per-message `visible` / `delayed`."""
    import boto3
    from moto import mock_aws
    from moto.sqs import models as sqs_models

    moto_patches.apply()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        for index in range(6):
            sqs.send_message(QueueUrl=url, MessageBody=str(index), DelaySeconds=60 if index < 2 else 0)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)  # two in flight
        queue = sqs_models.sqs_backends["123456789012"]["us-east-1"].get_queue("q")
        expected = [m for m in queue._messages if m.visible and not m.delayed]
        assert queue.messages == expected and len(expected) == 2
        assert queue.approximate_number_of_messages_delayed == sum(m.delayed for m in queue._messages) == 2
        assert queue.approximate_number_of_messages_not_visible == sum(not m.visible for m in queue._messages) == 2
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"],
                attributes["ApproximateNumberOfMessagesDelayed"]) == ("2", "2", "2")  # fmt: skip


def test_an_update_expressions_structure_is_checked_once_and_a_bad_one_refused_every_time(client) -> None:  # type: ignore[no-untyped-def]
    """moto's clause-count, overlapping-path and key checks run once per expression text; values change."""
    client.put_item(TableName="t", Item={"pk": {"S": "a"}})
    for n in range(3):
        client.update_item(TableName="t", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v, w = :w",
                           ExpressionAttributeValues={":v": {"N": str(n)}, ":w": {"S": f"w{n}"}})  # fmt: skip
    assert client.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"] == {
        "pk": {"S": "a"}, "v": {"N": "2"}, "w": {"S": "w2"}
    }  # fmt: skip
    for invalid in ("SET v = :v SET w = :v", "SET v = :v, v = :v", "SET pk = :v"):
        for _ in range(2):  # refused the second time too: a failed check is never remembered as passed
            with pytest.raises(ClientError):
                client.update_item(TableName="t", Key={"pk": {"S": "a"}}, UpdateExpression=invalid,
                                   ExpressionAttributeValues={":v": {"N": "1"}})  # fmt: skip


def _conditional_writes(client, prefix: str) -> list[Any]:  # type: ignore[no-untyped-def]
    """Transactions whose conditions pass, fail, name unused attributes or do not parse; what each did."""
    key = {"pk": {"S": f"{prefix}-row"}}
    put = {"Put": {"TableName": "t", "Item": {**key, "status": {"S": "PLANNED"}},
                   "ConditionExpression": "attribute_not_exists(pk)"}}  # fmt: skip

    def settle(status: str, expected: str, names: dict[str, str] | None = None) -> dict[str, Any]:
        update = {"TableName": "t", "Key": key, "UpdateExpression": "SET #s = :to",
                  "ConditionExpression": "#s = :from", "ExpressionAttributeNames": names or {"#s": "status"},
                  "ExpressionAttributeValues": {":to": {"S": status}, ":from": {"S": expected}}}  # fmt: skip
        return {"Update": update}

    broken = {"ConditionCheck": {"TableName": "t", "Key": key, "ConditionExpression": "pk = :undefined"}}
    outcomes: list[Any] = []
    for items in ([put], [put], [settle("APPLIED", "PLANNED")], [settle("APPLIED", "PLANNED")],
                  [settle("DONE", "APPLIED", {"#s": "status", "#unused": "x"})], [broken], [broken],
                  [settle("DONE", "APPLIED")]):  # fmt: skip
        try:
            client.transact_write_items(TransactItems=items)
            outcomes.append("written")
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            outcomes.append((error.response["Error"]["Code"], reasons))
        except KeyError as error:  # moto's answer to an undefined value (DynamoDB's: a ValidationException)
            outcomes.append(type(error).__name__)
    item = client.get_item(TableName="t", Key=key)["Item"]
    return [*outcomes, {**item, "pk": None}]


def test_conditions_through_the_parsed_once_parser_do_what_moto_s_own_parse_does(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import moto.dynamodb.comparisons as comparisons
    import moto.dynamodb.models as dynamodb_models
    import moto.dynamodb.models.table as table_module
    import moto.dynamodb.responses as dynamodb_responses

    cached = _conditional_writes(client, "cached")
    for module in (dynamodb_models, table_module, dynamodb_responses):
        for name in ("create_condition_expression_parser", "get_filter_expression"):
            if name in vars(module):
                monkeypatch.setitem(vars(module), name, getattr(comparisons, name))
    assert dynamodb_responses.create_condition_expression_parser is comparisons.create_condition_expression_parser
    original = _conditional_writes(client, "original")
    assert cached == original
    assert cached[0] == "written" and cached[1][1] == ["ConditionalCheckFailed"] and cached[-2] == "written"
    assert cached[4][0] == "ValidationException" and cached[5] == cached[6] == "KeyError"  # refused every time
    assert cached[-1]["status"] == {"S": "DONE"}


def test_an_item_is_refused_past_the_size_moto_refuses_it_at(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Sized once when built (infra/moto_items.py), the limit falls where moto's own check puts it."""
    from moto.dynamodb.models.dynamo_type import Item

    from infra import moto_items

    def outcomes() -> list[str]:
        found = []
        for filler in (moto_items.ITEM_BYTES - 7, moto_items.ITEM_BYTES - 6):  # with the names: the limit, 1 over
            item = {"pk": {"S": "big"}, "a": {"S": "x" * (filler // 2)}, "b": {"S": "y" * (filler - filler // 2)}}
            try:
                client.put_item(TableName="t", Item=item)
                found.append("written")
            except ClientError as error:
                found.append(error.response["Error"]["Code"])
        return found

    assert Item.__init__ is moto_items.built_then_sized
    sized_once = outcomes()
    monkeypatch.setattr(Item, "__init__", moto_items.MOTO_ITEM_INIT)
    assert sized_once == outcomes() == ["written", "ValidationException"]


_EVERY_VALUE = {"pk": {"S": "a"}, "n": {"N": "1.50"}, "ok": {"BOOL": False}, "none": {"NULL": True},
                "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]}, "quoted": {"S": 'say "B" and \\u00e9 é'},
                "l": {"L": [{"S": "x"}, {"M": {"deep": {"N": "3"}}}]}, "m": {"M": {"k": {"L": []}}}}  # fmt: skip
_REQUESTS = [
    ("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "t", "Item": _EVERY_VALUE, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET #v = :v ADD c :one",
                    "ExpressionAttributeNames": {"#v": "v"},
                    "ExpressionAttributeValues": {":v": {"M": {"x": {"S": "y"}}}, ":one": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "c"}}, "ConditionExpression": "attribute_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "d"}}}}]}),
    ("BatchGetItem", {"RequestItems": {"t": {"Keys": [{"pk": {"S": "a"}}], "ConsistentRead": True,
                                             "ProjectionExpression": "pk, n"}}}),
    ("Query", {"TableName": "t", "IndexName": "gsi1", "KeyConditionExpression": "pk = :pk", "Limit": 25,
               "ScanIndexForward": False, "ExpressionAttributeValues": {":pk": {"S": "a"}},
               "ExclusiveStartKey": {"pk": {"S": "a"}}, "FilterExpression": "n > :pk"}),
    ("PutItem", {"TableName": "t", "Item": _EVERY_VALUE, "ReturnValues": "ALL_OLD"}),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "params"), _REQUESTS, ids=[name for name, _ in _REQUESTS])
def test_an_item_request_reads_as_moto_s_parser_reads_it(operation: str, params: dict[str, Any]) -> None:
    """The body the SDK sends (botocore's serializer), read by moto's parser and as plain JSON: the same."""
    import botocore.session
    from botocore.serialize import create_serializer
    from moto.core.model import ServiceModel
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.utils import get_service_model

    from infra import moto_requests

    model = botocore.session.get_session().get_service_model("dynamodb").operation_model(operation)
    body = create_serializer("json", include_validation=True).serialize_to_request(params, model)["body"]
    moto_model = get_service_model("dynamodb")
    assert isinstance(moto_model, ServiceModel)
    parser = PROTOCOL_PARSERS["json"](moto_model.operation_model(operation), map_type=dict)
    by_moto = parser.parse({"method": "POST", "values": {}, "headers": {}, "body": body, "url_path": "/",
                            "url_params": {}})  # fmt: skip
    assert moto_requests.plain_json(operation, body) == by_moto == params


def test_a_binary_attribute_or_another_operation_is_left_to_moto_s_parser() -> None:
    from infra import moto_requests

    assert moto_requests.plain_json("PutItem", b'{"TableName": "t", "Item": {"b": {"B": "AAE="}}}') is None
    assert moto_requests.plain_json("PutItem", b'{"TableName": "t", "Item": {"b": {"BS": ["AAE="]}}}') is None
    assert moto_requests.plain_json("CreateTable", b'{"TableName": "t"}') is None
    assert moto_requests.plain_json("PutItem", b'{"TableName": "t"}') == {"TableName": "t"}
