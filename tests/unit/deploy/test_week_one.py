"""The first week of operating the stack, read off the template as CloudFormation receives it, the sam
config and the docs. Each test names the AWS behaviour it encodes."""

import json
import re
import tomllib
from typing import Any

import pytest

from infra.template import ROOT, load_template
from tests.unit.deploy.cfn import depends_on, of_type, references, refusing_rules, transformed, watched_metrics

SAMCONFIG = tomllib.loads((ROOT / "infra" / "samconfig.toml").read_text())
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
RUNBOOK = (ROOT / "docs" / "operations.md").read_text()


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return transformed()


def _alarm(template: dict[str, Any], name: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][name]["Properties"]
    return props


def test_the_authorizer_alarm_ignores_refused_tokens(default: dict[str, Any]) -> None:
    """A TOKEN authorizer answers 401 only by raising "Unauthorized", which Lambda counts in Errors: an
    alarm on Errors fires on every forged or expired token. Failures are Errors minus TokensRefused,
    the metric the authorizer emits (namespace PackageService, Powertools' service dimension)."""
    alarm = _alarm(default, "AuthorizerErrorsAlarm")
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert returned["Expression"].replace(" ", "") == "FILL(errors,0)-FILL(refused,0)"
    queries = {m["Id"]: m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert queries["errors"]["Metric"]["MetricName"] == "Errors"
    assert references(queries["errors"]["Metric"]["Dimensions"]) == {"AuthorizerFunction"}
    assert queries["refused"]["Metric"] == {
        "Namespace": "PackageService",
        "MetricName": "TokensRefused",
        "Dimensions": [{"Name": "service", "Value": "package-service"}],
    }
    assert queries["errors"]["Period"] == queries["refused"]["Period"] == 60  # subtracted minute by minute
    source = (ROOT / "functions" / "package_service" / "handlers" / "authorizer.py").read_text()
    assert 'name="TokensRefused"' in source and "@metrics.log_metrics" in source


def test_a_cohort_leaves_the_api_room_and_throttles_alarm(default: dict[str, Any]) -> None:
    """Lambda throttles every function once the account's concurrency (10 on a new account) is in use;
    a throttled API or authorizer invocation is a 500 from API Gateway. The worker's event source may
    take at most WorkerMaximumConcurrency (default 2, SQS's minimum); throttles of the API, the
    authorizer and the worker each alarm."""
    parameter = load_template()["Parameters"]["WorkerMaximumConcurrency"]
    assert parameter["Default"] == parameter["MinValue"] == 2 and parameter["MaxValue"] == 1000
    throttled = {
        references(dimensions).pop()
        for alarm in of_type(default, "AWS::CloudWatch::Alarm").values()
        for namespace, metric, dimensions in watched_metrics(alarm)
        if (namespace, metric) == ("AWS/Lambda", "Throttles")
    }
    assert throttled == {"ApiFunction", "AuthorizerFunction", "ProvisionWorkerFunction"}
    for command in ("aws lambda get-account-settings", "request-service-quota-increase", "L-B99A9384"):
        assert command in DEPLOY, command


def test_prod_cannot_deploy_without_an_alarm_destination() -> None:
    """CloudFormation evaluates Rules before it creates or updates anything and refuses the stack when an
    assertion fails: a prod stack whose alarms would reach no one never exists."""
    assert refusing_rules(transformed({"Stage": "prod"})) == [
        "A prod stack needs AlarmEmail (the address its alarms notify)."
    ]
    assert refusing_rules(transformed({"Stage": "prod", "AlarmEmail": "ops@example.com"})) == []
    assert refusing_rules(transformed({"Stage": "dev"})) == []
    prod = SAMCONFIG["prod"]["deploy"]["parameters"]["parameter_overrides"]
    assert "AlarmEmail" not in prod and "AlarmEmail=" in (ROOT / "infra" / "samconfig.toml").read_text()


def test_every_alarm_also_says_when_it_is_over(default: dict[str, Any]) -> None:
    """CloudWatch notifies OKActions when an alarm returns to OK; without them no one learns it cleared.
    The alarm path is tested by hand with set-alarm-state (docs/deploy.md)."""
    for name, alarm in of_type(default, "AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["OKActions"] == alarm["Properties"]["AlarmActions"], name
    assert "aws cloudwatch set-alarm-state" in DEPLOY


def test_every_sam_environment_names_its_region_and_deletes_a_failed_create() -> None:
    """The SAM CLI ignores AWS_REGION (only AWS_DEFAULT_REGION, the profile or --region count) while
    botocore-based tools honour it: a config that names the region removes the guess. A stack whose
    first create failed sits in ROLLBACK_COMPLETE, where CloudFormation refuses the update `sam deploy`
    then attempts; on_failure DELETE removes it so the same command can be run again."""
    environments = {name: env for name, env in SAMCONFIG.items() if name != "version"}
    assert set(environments) == {"dev", "staging", "prod"}
    for name, env in environments.items():
        assert re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", env["global"]["parameters"]["region"]), name
        assert env["deploy"]["parameters"]["on_failure"] == "DELETE", name
    assert "AWS_DEFAULT_REGION" in DEPLOY and "ROLLBACK_COMPLETE" in DEPLOY
    # Nothing tells an operator to rely on AWS_REGION alone.
    for page in (DEPLOY, RUNBOOK):
        for line in page.splitlines():
            assert "AWS_REGION" not in line.replace("AWS_REGION=", "") or "ignores" in line or "wins" in line, line


def test_the_new_version_is_driven_before_traffic_shifts(default: dict[str, Any]) -> None:
    """CodeDeploy runs a BeforeAllowTraffic hook before it moves the alias; it invokes the hook with the
    deployment group's role, which SAM gives AWSCodeDeployRoleForLambda: lambda:InvokeFunction on
    functions named CodeDeployHook_* only. The hook must then invoke the new versions and report
    PutLifecycleEventHookExecutionStatus, or the deployment waits an hour and fails."""
    resources = default["Resources"]
    for alias in ("ApiFunctionAliaslive", "AuthorizerFunctionAliaslive"):
        update = resources[alias]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert update["BeforeAllowTrafficHook"] == {"Ref": "PreTrafficHookFunction"}, alias
    hook = resources["PreTrafficHookFunction"]["Properties"]
    assert hook["FunctionName"]["Fn::Sub"].startswith("CodeDeployHook_")
    for env in (env for name, env in SAMCONFIG.items() if name != "version"):  # Lambda: names of 64 at most
        stack = env["global"]["parameters"]["stack_name"]
        assert len(hook["FunctionName"]["Fn::Sub"].replace("${AWS::StackName}", stack)) <= 64, stack
    assert "DeploymentPreference" not in load_template()["Resources"]["PreTrafficHookFunction"]["Properties"]
    role = resources["CodeDeployServiceRole"]["Properties"]
    assert any("AWSCodeDeployRoleForLambda" in str(arn) for arn in role["ManagedPolicyArns"])
    statements = [
        s
        for p in resources["PreTrafficHookFunctionRole"]["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
    ]
    granted = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"lambda:InvokeFunction", "codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"} <= (
        granted
    )
    (invoke,) = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert references(invoke["Resource"]) == {"ApiFunction", "AuthorizerFunction"}
    assert all(r["Fn::Sub"].endswith(":*") for r in invoke["Resource"])  # versions, not $LATEST


def test_the_authorizer_has_its_own_canary(default: dict[str, Any]) -> None:
    """Every request passes the authorizer, so a bad version of it fails them all: API Gateway must call
    its alias (which CodeDeploy shifts), and the invoke permission must name that alias."""
    (api,) = of_type(default, "AWS::ApiGateway::RestApi").values()
    schemes = api["Properties"]["Body"]["components"]["securitySchemes"]
    uri = schemes["TokenAuthorizer"]["x-amazon-apigateway-authorizer"]["authorizerUri"]
    assert "AuthorizerFunctionAliaslive" in references(uri) and "AuthorizerFunction" not in references(uri)
    permissions = [
        p["Properties"]
        for p in of_type(default, "AWS::Lambda::Permission").values()
        if "authorizers" in json.dumps(p["Properties"].get("SourceArn"))
    ]
    assert [p["FunctionName"] for p in permissions] == [{"Ref": "AuthorizerFunctionAliaslive"}]
    group = default["Resources"]["AuthorizerFunctionDeploymentGroup"]["Properties"]
    assert [references(a["Name"]) for a in group["AlarmConfiguration"]["Alarms"]] == [{"AuthorizerErrorsAlarm"}]


def test_deployment_alarms_are_one_minute_and_watch_a_rate(default: dict[str, Any]) -> None:
    """A 10% canary at low traffic rarely reaches a count of 5 errors in 5 minutes, and CodeDeploy will not
    start a deployment (the fix included) while one of its alarms is in ALARM: its alarms look at one
    minute, and the API's at the share of 5xx answers rather than a count."""
    for group in of_type(default, "AWS::CodeDeploy::DeploymentGroup").values():
        for entry in group["Properties"]["AlarmConfiguration"]["Alarms"]:
            alarm = _alarm(default, references(entry["Name"]).pop())
            periods = [m["MetricStat"]["Period"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
            assert set(periods or [alarm["Period"]]) == {60} and alarm["EvaluationPeriods"] == 1
    rate = _alarm(default, "Api5xxRateAlarm")
    (returned,) = [m for m in rate["Metrics"] if m.get("ReturnData")]
    assert returned["Expression"] == "errors / requests" and 0 < rate["Threshold"] < 1
    assert "aws lambda update-alias" in RUNBOOK and "--function-version" in RUNBOOK


def test_function_log_groups_exist_before_their_functions(default: dict[str, Any]) -> None:
    """Lambda creates /aws/lambda/<name> on a function's first invocation if it does not exist; a log
    group the stack defines by that name afterwards fails the create ("already exists"). With
    LoggingConfig.LogGroup the function writes to a group CloudFormation creates first."""
    groups = of_type(default, "AWS::Logs::LogGroup")
    for name, function in of_type(default, "AWS::Lambda::Function").items():
        (group,) = references(function["Properties"]["LoggingConfig"]["LogGroup"])
        assert group in groups and group in depends_on(default, name), name
        assert name not in depends_on(default, group), name
        assert groups[group]["Properties"]["RetentionInDays"] == default["Parameters"]["LogRetentionDays"]


def test_throttled_requests_are_counted_from_the_access_log(default: dict[str, Any]) -> None:
    """API Gateway publishes no 429 metric (4XXError mixes them with every client error): a metric
    filter on the access log's status field counts them, and the runbook finds the tenant."""
    (metric_filter,) = of_type(default, "AWS::Logs::MetricFilter").values()
    props = metric_filter["Properties"]
    assert references(props["LogGroupName"]) == {"ApiAccessLogGroup"}
    (stage,) = of_type(default, "AWS::ApiGateway::Stage").values()
    access_format = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert access_format["status"] == "$context.status" and "tenant" in access_format
    assert props["FilterPattern"] == '{ $.status = "429" }'
    (transformation,) = props["MetricTransformations"]
    watched = [m for a in of_type(default, "AWS::CloudWatch::Alarm").values() for m in watched_metrics(a)]
    assert ("PackageService", transformation["MetricName"], []) in watched
    assert "stats count() by tenant" in RUNBOOK


def test_the_outputs_give_what_the_runbook_asks_for(default: dict[str, Any]) -> None:
    """`aws sqs start-message-move-task` takes the dead-letter queue's ARN, not its URL;
    `aws lambda update-alias` takes the function's name."""
    outputs = default["Outputs"]
    assert outputs["ProvisioningDeadLetterQueueArn"]["Value"] == {"Fn::GetAtt": "ProvisioningDeadLetterQueue.Arn"}
    assert references(outputs["ApiFunctionName"]["Value"]) == {"ApiFunction"}
    assert references(outputs["AuthorizerFunctionName"]["Value"]) == {"AuthorizerFunction"}
    for output in re.findall(r"<(\w+) output>", RUNBOOK):
        assert output in outputs, output


def test_the_deployers_permissions_cover_what_the_stack_creates(default: dict[str, Any]) -> None:
    """CloudFormation creates each resource with the deployer's credentials: a service missing from the
    deployer's policy fails the create at that resource. Creating a function or an API Gateway account
    setting with a role also needs iam:PassRole on that role."""
    section = DEPLOY.split("The deploying identity needs", 1)[1].split("\n-", 1)[0]
    names = {
        "ApiGateway": "API Gateway",
        "CloudWatch": "CloudWatch",
        "CodeDeploy": "CodeDeploy",
        "DynamoDB": "DynamoDB",
        "Events": "EventBridge",
        "IAM": "IAM",
        "KMS": "KMS",
        "Lambda": "Lambda",
        "Logs": "CloudWatch Logs",
        "SNS": "SNS",
        "SQS": "SQS",
        "CloudFormation": "CloudFormation",
    }
    services = {resource["Type"].split("::")[1] for resource in default["Resources"].values()}
    for service in services:
        assert names[service] in section, service
    assert "iam:PassRole" in section and "S3" in section


def test_sam_local_never_publishes_to_the_real_event_bus() -> None:
    """`sam local invoke` runs with the caller's AWS credentials: unless the change-events function is
    pointed at a file, its test invocation would publish to EventBridge in the caller's account."""
    sample = json.loads((ROOT / "infra" / "sam-local-env.json").read_text())
    assert sample["ChangeEventsFunction"]["LOCAL_EVENTS_FILE"].startswith("/tmp/")


def test_a_redeployed_stack_says_where_the_old_data_is() -> None:
    """DeletionPolicy RetainExceptOnCreate keeps the table when the stack is deleted; a new stack
    creates a new, empty one (every token gone, every client 401) unless the old one is copied in."""
    section = DEPLOY.split("## Deleting the stack", 1)[1]
    assert "empty" in section and "python -m infra.copy_table" in section
