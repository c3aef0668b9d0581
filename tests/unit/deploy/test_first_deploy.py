"""A first deploy on a new AWS account, read off the template as CloudFormation receives it (after the
SAM transform, conditions decided for the given parameters). Each test names the AWS behaviour it
encodes; reintroducing the old template line makes it fail."""

from typing import Any

import pytest

from tests.unit.deploy.cfn import depends_on, of_type, references, transformed, watched_metrics


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return transformed()


def test_no_function_reserves_concurrency_by_default(default: dict[str, Any]) -> None:
    """Lambda: a new account's concurrency quota can be 10, and Lambda refuses any reservation that
    leaves fewer than 10 unreserved executions ("Specified ConcurrentExecutions ... decreases account's
    UnreservedConcurrentExecution below its minimum value of [10]"): any reservation fails the stack."""
    functions = of_type(default, "AWS::Lambda::Function")
    assert len(functions) == 6
    for name, function in functions.items():
        assert "ReservedConcurrentExecutions" not in function["Properties"], name
    reserved = of_type(transformed({"WorkerReservedConcurrency": "25"}), "AWS::Lambda::Function")
    assert {n: f["Properties"].get("ReservedConcurrentExecutions") for n, f in reserved.items()} == {
        "ApiFunction": None,
        "AuthorizerFunction": None,
        "ProvisionerFunction": None,
        "ProvisionWorkerFunction": "25",
        "ChangeEventsFunction": None,
        "PreTrafficHookFunction": None,
    }


def test_the_worker_is_still_capped_by_its_event_source(default: dict[str, Any]) -> None:
    """SQS event sources: ScalingConfig.MaximumConcurrency caps the concurrent invocations a queue
    drives, without reserving account concurrency; it accepts 2 to 1000. A new account runs 10
    executions at once: a cohort may take 2 of them by default, leaving the API and its authorizer
    (throttled, they answer 500) the rest."""
    mappings = of_type(default, "AWS::Lambda::EventSourceMapping").values()
    (mapping,) = [m for m in mappings if "ScalingConfig" in m["Properties"]]
    assert references(mapping["Properties"]["FunctionName"]) == {"ProvisionWorkerFunction"}
    assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] == "2"
    raised = of_type(transformed({"WorkerMaximumConcurrency": "50"}), "AWS::Lambda::EventSourceMapping").values()
    assert [
        m["Properties"]["ScalingConfig"]["MaximumConcurrency"] for m in raised if "ScalingConfig" in m["Properties"]
    ] == ["50"]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def _logging_role_of(template: dict[str, Any]) -> dict[str, Any]:
    (account,) = of_type(template, "AWS::ApiGateway::Account").values()
    role_name = references(account["Properties"]["CloudWatchRoleArn"]).pop()
    return template["Resources"][role_name]


def test_the_access_logged_stage_waits_for_the_api_gateway_logging_role(default: dict[str, Any]) -> None:
    """API Gateway refuses a stage with AccessLogSetting ("CloudWatch Logs role ARN must be set in
    account settings to enable logging") until the region's account settings name a role that
    apigateway.amazonaws.com may assume with AmazonAPIGatewayPushToCloudWatchLogs. A new account has
    none, so the stack sets it, before the stage."""
    (stage_id,) = of_type(default, "AWS::ApiGateway::Stage")
    assert "AccessLogSetting" in default["Resources"][stage_id]["Properties"]
    (account_id,) = of_type(default, "AWS::ApiGateway::Account")
    assert account_id in depends_on(default, stage_id)
    role = _logging_role_of(default)
    assert role["Type"] == "AWS::IAM::Role"
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    (policy,) = role["Properties"]["ManagedPolicyArns"]
    assert "service-role/AmazonAPIGatewayPushToCloudWatchLogs" in str(policy)
    # One setting per account and region, which other APIs may use: deleting the stack keeps it.
    assert role["DeletionPolicy"] == "Retain"


def test_an_account_that_has_a_logging_role_can_skip_it() -> None:
    """The setting is account-wide: a second stack in the region must not fight over it."""
    template = transformed({"CreateApiGatewayLoggingRole": "false"})
    assert of_type(template, "AWS::ApiGateway::Account") == {}
    (stage_id,) = of_type(template, "AWS::ApiGateway::Stage")
    assert "AccessLogSetting" in template["Resources"][stage_id]["Properties"]
    # DependsOn may not name a resource that is not created: the stage must not depend on it by name.
    for resource in template["Resources"].values():
        assert "ApiGatewayAccount" not in str(resource.get("DependsOn", ""))


def test_only_the_configured_stage_exists(default: dict[str, Any]) -> None:
    """SAM: without OpenApiVersion the generated Deployment carries StageName "Stage", which makes API
    Gateway create a second stage with no throttling, access logs or tracing, outside the alarms."""
    stages = of_type(default, "AWS::ApiGateway::Stage")
    assert len(stages) == 1
    for deployment in of_type(default, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]
    (stage,) = stages.values()
    props = stage["Properties"]
    assert props["StageName"] == default["Parameters"]["Stage"]
    assert props["TracingEnabled"] is True
    assert props["MethodSettings"][0]["ThrottlingRateLimit"] > 0


def test_a_failed_first_create_leaves_no_table_behind(default: dict[str, Any]) -> None:
    """CloudFormation: DeletionPolicy Retain keeps a table even when the stack's own first create rolls
    back, and a leftover blocks nothing but costs an orphan. RetainExceptOnCreate deletes it then and
    keeps it on every later delete. A table created with deletion protection cannot be deleted by that
    rollback (DELETE_FAILED / ROLLBACK_FAILED): the template never sets it; operators turn it on once
    the stack exists (docs/deploy.md), and CloudFormation leaves a property it does not declare alone."""
    for template in (default, transformed({"Stage": "prod", "AlarmEmail": "ops@example.com"})):
        (table,) = of_type(template, "AWS::DynamoDB::Table").values()
        assert table["DeletionPolicy"] == "RetainExceptOnCreate"
        assert table["UpdateReplacePolicy"] == "Retain"
        assert "DeletionProtectionEnabled" not in table["Properties"]


def test_alarms_can_publish_to_their_encrypted_topic(default: dict[str, Any]) -> None:
    """CloudWatch alarms cannot use the AWS managed key alias/aws/sns (its policy does not admit
    cloudwatch.amazonaws.com and cannot be edited): every alarm action fails. A customer managed key
    must let CloudWatch call kms:Decrypt and kms:GenerateDataKey*."""
    resources = default["Resources"]
    (topic_id,) = of_type(default, "AWS::SNS::Topic")
    key_ref = resources[topic_id]["Properties"]["KmsMasterKeyId"]
    assert not str(key_ref).startswith("alias/aws/")
    key = resources[references(key_ref).pop()]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    grants = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement["Effect"] == "Allow" and statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert grants and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grants[0]["Action"])
    assert "Condition" not in grants[0]  # a condition CloudWatch's calls do not carry would deny them
    alarms = of_type(default, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 12
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}], name


def test_the_schedules_dead_letter_queue_accepts_eventbridge(default: dict[str, Any]) -> None:
    """EventBridge delivers to a dead-letter queue as events.amazonaws.com: the queue policy must allow
    it, and a queue encrypted with alias/aws/sqs refuses it (that key only admits this account's
    principals). Lambda's on-failure destination sends with the function's role instead."""
    resources = default["Resources"]
    (rule,) = of_type(default, "AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]
    queue_id = references(target["DeadLetterConfig"]["Arn"]).pop()
    queue = resources[queue_id]["Properties"]
    assert "KmsMasterKeyId" not in queue and queue["SqsManagedSseEnabled"] is True
    policies = [
        p for p in of_type(default, "AWS::SQS::QueuePolicy").values() if {"Ref": queue_id} in p["Properties"]["Queues"]
    ]
    (statement,) = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    (invoke_config,) = of_type(default, "AWS::Lambda::EventInvokeConfig").values()
    on_failure = invoke_config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    assert references(on_failure) == {queue_id}


def test_alarm_dimensions_name_what_the_stack_creates(default: dict[str, Any]) -> None:
    """CloudWatch matches dimensions exactly: an alarm on an ApiName or a stage that does not exist
    stays in INSUFFICIENT_DATA (treated as not breaching) forever, silently."""
    resources = default["Resources"]
    (api,) = of_type(default, "AWS::ApiGateway::RestApi").values()
    (stage,) = of_type(default, "AWS::ApiGateway::Stage").values()
    checked = 0
    filtered = {
        t["MetricName"]
        for f in of_type(default, "AWS::Logs::MetricFilter").values()
        for t in f["Properties"]["MetricTransformations"]
    }
    for name, alarm in of_type(default, "AWS::CloudWatch::Alarm").items():
        for namespace, metric, dimension_list in watched_metrics(alarm):
            dimensions = {d["Name"]: d["Value"] for d in dimension_list}
            if namespace == "AWS/ApiGateway":
                assert dimensions["ApiName"] == api["Properties"]["Name"], name
                assert dimensions["Stage"] == stage["Properties"]["StageName"], name
            elif namespace in ("AWS/Lambda", "AWS/SQS", "AWS/DynamoDB"):
                (target,) = references(
                    dimensions[{"AWS/Lambda": "FunctionName", "AWS/SQS": "QueueName"}.get(namespace, "TableName")]
                )
                assert resources[target]["Type"] in {"AWS::Lambda::Function", "AWS::SQS::Queue", "AWS::DynamoDB::Table"}
            elif metric in filtered:  # a log metric filter publishes without dimensions
                assert namespace == "PackageService" and dimensions == {}, name
            else:  # Powertools' metrics carry the service dimension
                assert namespace == "PackageService" and dimensions == {"service": "package-service"}, name
            checked += 1
    assert checked > len(of_type(default, "AWS::CloudWatch::Alarm"))


def test_the_api_function_rolls_out_as_a_canary_rolled_back_by_its_alarms(default: dict[str, Any]) -> None:
    """CodeDeploy shifts the `live` alias gradually and rolls back when a listed alarm fires; API
    Gateway must call the alias (not $LATEST) for the shift to mean anything."""
    resources = default["Resources"]
    group = default["Resources"]["ApiFunctionDeploymentGroup"]
    alarms = [a["Name"] for a in group["Properties"]["AlarmConfiguration"]["Alarms"]]
    assert {references(a).pop() for a in alarms} == {"Api5xxRateAlarm", "ApiFunctionErrorsAlarm"}
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["Properties"]["AutoRollbackConfiguration"]["Events"]
    alias_id = "ApiFunctionAliaslive"
    assert resources[alias_id]["Properties"]["Name"] == "live"
    (api,) = of_type(default, "AWS::ApiGateway::RestApi").values()
    integrations = [
        method["x-amazon-apigateway-integration"]
        for path, methods in api["Properties"]["Body"]["paths"].items()
        for method in methods.values()
    ]
    assert integrations and all(alias_id in str(i["uri"]) for i in integrations)
    errors_alarm = resources["ApiFunctionErrorsAlarm"]["Properties"]
    assert {"Name": "Resource", "Value": {"Fn::Sub": "${ApiFunction}:live"}} in errors_alarm["Dimensions"]


def test_what_fails_quietly_has_an_alarm(default: dict[str, Any]) -> None:
    """Partial batch failures leave Lambda's Errors at 0; a failed scheduled run lands in a queue no one
    watches; a stuck queue only grows older. Each has its own alarm."""
    watched = {
        (namespace, metric, str(dimensions))
        for alarm in of_type(default, "AWS::CloudWatch::Alarm").values()
        for namespace, metric, dimensions in watched_metrics(alarm)
    }
    metrics = {(namespace, metric) for namespace, metric, _ in watched}
    for wanted in [
        ("PackageService", "BatchItemFailures"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/ApiGateway", "5XXError"),
    ]:
        assert wanted in metrics
    lambda_errors = " ".join(d for namespace, metric, d in watched if (namespace, metric) == ("AWS/Lambda", "Errors"))
    for function in ("ApiFunction", "AuthorizerFunction", "ProvisionerFunction", "ProvisionWorkerFunction"):
        assert function in lambda_errors
    queue_depth = " ".join(d for n, m, d in watched if m == "ApproximateNumberOfMessagesVisible")
    assert "ProvisionerFailureQueue" in queue_depth and "ProvisioningDeadLetterQueue" in queue_depth
    assert len(of_type(default, "AWS::CloudWatch::Dashboard")) == 1
