"""The embedded DynamoDB's transaction patch keeps DynamoDB's all-or-nothing behaviour."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

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
