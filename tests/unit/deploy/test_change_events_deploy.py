"""Change events as CloudFormation receives them (after the SAM transform). Each test names the AWS
behaviour it encodes."""

import json
from typing import Any

import pytest

from infra.streams import matches
from tests.unit.deploy.cfn import of_type, references, transformed, watched_metrics


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return transformed()


def _stream_mapping(template: dict[str, Any]) -> dict[str, Any]:
    (mapping,) = [
        m["Properties"]
        for m in of_type(template, "AWS::Lambda::EventSourceMapping").values()
        if "StartingPosition" in m["Properties"]
    ]
    return mapping


def test_the_stream_carries_what_the_filter_reads(default: dict[str, Any]) -> None:
    """Lambda event filtering on a DynamoDB stream can only match `dynamodb.NewImage` if the stream's
    view type includes new images (NEW_IMAGE or NEW_AND_OLD_IMAGES); with KEYS_ONLY no record would ever
    match and no event would ever be published, without any error."""
    (table,) = of_type(default, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["StreamSpecification"]["StreamViewType"] in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    mapping = _stream_mapping(default)
    assert references(mapping["EventSourceArn"]) == {"DataTable"}
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": "DataTable.StreamArn"}
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    audit_insert = {"eventName": "INSERT", "dynamodb": {"NewImage": {"record_type": {"S": "AUDIT"}}}}
    assert matches(pattern, audit_insert)
    assert not matches(pattern, {"eventName": "INSERT", "dynamodb": {"NewImage": {"pk": {"S": "T#a#PACKAGE#1"}}}})


def test_a_failing_batch_is_retried_from_its_failure_then_kept_for_an_operator(default: dict[str, Any]) -> None:
    """DynamoDB stream event sources retry a failed batch until the records expire (24 h) unless
    MaximumRetryAttempts / MaximumRecordAgeInSeconds bound it, and then drop it silently unless an
    on-failure destination is set. ReportBatchItemFailures makes Lambda resume from the reported
    sequence number instead of the whole batch."""
    mapping = _stream_mapping(default)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["StartingPosition"] == "TRIM_HORIZON"  # from the oldest record: none skipped at deploy
    assert 0 < mapping["MaximumRecordAgeInSeconds"] < 24 * 3600  # fails over while the stream still holds it
    assert references(mapping["DestinationConfig"]["OnFailure"]["Destination"]) == {"ChangeEventsDeadLetterQueue"}


def test_the_publisher_may_read_the_stream_publish_to_its_bus_and_report_failures(default: dict[str, Any]) -> None:
    """Lambda needs dynamodb:GetRecords (and friends) on the stream for the mapping to be created at all,
    sqs:SendMessage on the on-failure destination, and events:PutEvents on the bus. SAM adds the first
    two for a DynamoDB event with an SQS destination; the third comes from the policy template."""
    role = default["Resources"]["ChangeEventsFunctionRole"]["Properties"]
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole" in role["ManagedPolicyArns"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    granted = [(s["Action"], references(s["Resource"])) for s in statements]
    assert any(action == "sqs:SendMessage" and "ChangeEventsDeadLetterQueue" in to for action, to in granted)
    assert any(action == "events:PutEvents" and "ChangeEventBus" in to for action, to in granted)
    function = default["Resources"]["ChangeEventsFunction"]["Properties"]
    assert references(function["Environment"]["Variables"]["EVENT_BUS_NAME"]) == {"ChangeEventBus"}


def test_publisher_failures_each_have_an_alarm(default: dict[str, Any]) -> None:
    """A stream function's partial batch failures leave Lambda's Errors at 0, its lag only shows in
    IteratorAge, and its on-failure queue fills silently: each is watched."""
    metrics = [m for a in of_type(default, "AWS::CloudWatch::Alarm").values() for m in watched_metrics(a)]
    watched = {(namespace, name, frozenset(references(dimensions))) for namespace, name, dimensions in metrics}
    assert ("AWS/Lambda", "Errors", frozenset({"ChangeEventsFunction"})) in watched
    assert ("AWS/Lambda", "IteratorAge", frozenset({"ChangeEventsFunction"})) in watched
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", frozenset({"ChangeEventsDeadLetterQueue"})) in watched
    assert any(namespace == "PackageService" and name == "ChangeEventsFailed" for namespace, name, _ in metrics)
