"""What an operator and CloudWatch see of the running service: refused tokens counted apart from failures,
the admin CLI saying which table and region it acts on, and the PreTraffic hook failing a bad version."""

import io
import json
from typing import Any

import pytest

from infra.lambda_runtime import LocalContext
from package_service.admin import main as admin
from package_service.handlers import api, authorizer, pre_traffic
from package_service.store.tokens import create_token


def emitted_metrics(output: str) -> dict[str, Any]:
    """The CloudWatch embedded-metric-format documents Powertools printed: metric name -> value."""
    found: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    found[metric["Name"]] = document[metric["Name"]]
    return found


def test_a_refused_token_is_counted_apart_from_failures(
    table: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lambda counts the authorizer's "Unauthorized" (the only way a TOKEN authorizer answers 401) in
    Errors; the TokensRefused metric lets the failures alarm subtract refusals."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    event = {"type": "TOKEN", "authorizationToken": "Bearer forged", "methodArn": "arn:x/dev/POST/v1/packages/list"}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event, LocalContext("AuthorizerFunction"))
    assert emitted_metrics(capsys.readouterr().out) == {"TokensRefused": [1.0]}
    allowed = {**event, "authorizationToken": f"Bearer {create_token('acme', 'ci')}"}
    assert authorizer.handler(allowed, LocalContext("AuthorizerFunction"))["principalId"] == "acme"
    assert "TokensRefused" not in emitted_metrics(capsys.readouterr().out)


def test_the_admin_cli_names_its_table_and_region(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin(["tokens", "list", "--tenant", "acme"]) == 0
    assert f"using table {table} in us-east-1" in capsys.readouterr().err


def test_a_missing_table_is_an_error_message_not_a_traceback(
    table: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DynamoDB answers ResourceNotFoundException for a table that is not in the client's region: the
    usual sign of a region that is not the stack's, or a TABLE_NAME from another stack."""
    from package_service.settings import get_settings

    monkeypatch.setenv("TABLE_NAME", "no-such-table")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")  # AWS_REGION=us-east-1 wins, and the CLI says so
    get_settings.cache_clear()
    assert admin(["tokens", "create", "--tenant", "acme"]) == 1
    err = capsys.readouterr().err
    assert "error: no table no-such-table in us-east-1" in err and "TableName output" in err
    assert "AWS_REGION=us-east-1 wins over AWS_DEFAULT_REGION=eu-west-1" in err
    assert "Traceback" not in err


class LocalLambda:
    """lambda:Invoke on a version, answered by this process's handlers (or a broken stand-in)."""

    def __init__(self, handlers: dict[str, Any]) -> None:
        self.handlers, self.calls = handlers, []

    def invoke(self, FunctionName: str, Qualifier: str, Payload: bytes) -> dict[str, Any]:
        self.calls.append((FunctionName, Qualifier))
        try:
            answer, error = self.handlers[FunctionName](json.loads(Payload), LocalContext(FunctionName)), None
        except Exception as failure:
            answer, error = {"errorMessage": str(failure), "errorType": type(failure).__name__}, "Unhandled"
        response = {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}
        return {**response, "FunctionError": error} if error else response


def test_the_new_api_version_answers_every_smoke_call(table: str) -> None:
    lambda_client = LocalLambda({"stack-ApiFunction": api.handler})
    assert pre_traffic.smoke_failures(lambda_client, "stack-ApiFunction", "7") == []
    assert len(lambda_client.calls) == len(pre_traffic.SMOKE_CALLS) >= 5
    assert set(lambda_client.calls) == {("stack-ApiFunction", "7")}  # the new version, never the alias


def test_a_version_that_answers_500_fails_the_hook(table: str) -> None:
    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["path"] == "/v1/customers":
            return {"statusCode": 500, "body": '{"message": "internal error"}'}
        return api.handler(event, context)

    failures = pre_traffic.smoke_failures(LocalLambda({"stack-ApiFunction": broken}), "stack-ApiFunction", "8")
    assert failures == ["GET /v1/customers: {'statusCode': 500, 'body': '{\"message\": \"internal error\"}'}"]


def test_the_new_authorizer_must_refuse_an_unknown_token(table: str) -> None:
    name = "stack-AuthorizerFunction"
    assert pre_traffic.smoke_failures(LocalLambda({name: authorizer.handler}), name, "3") == []

    def allows_everyone(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"principalId": "anyone"}

    assert pre_traffic.smoke_failures(LocalLambda({name: allows_everyone}), name, "4") != []


def test_the_hook_reads_its_target_from_the_deployments_appspec() -> None:
    """CodeDeploy tells a hook only the deployment id; a Lambda deployment's AppSpec names the function
    and the version traffic is about to shift to."""
    appspec = {
        "version": 0.0,
        "Resources": [
            {
                "ApiFunction": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": "stack-ApiFunction",
                        "Alias": "live",
                        "CurrentVersion": "6",
                        "TargetVersion": "7",
                    },
                }
            }
        ],
    }
    deployment = {
        "deploymentInfo": {
            "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(appspec)}}
        }
    }
    assert pre_traffic.target_of(deployment) == ("stack-ApiFunction", "7")


class FakeCodeDeploy:
    def __init__(self, deployment: dict[str, Any] | None) -> None:
        self.deployment, self.reported = deployment, []

    def get_deployment(self, deploymentId: str) -> dict[str, Any]:
        if self.deployment is None:
            raise RuntimeError("AccessDenied")  # e.g. the hook's role lost codedeploy:GetDeployment
        return self.deployment

    def put_lifecycle_event_hook_execution_status(self, **status: str) -> None:
        self.reported.append(status)


@pytest.mark.parametrize("broken", [False, True])
def test_the_hook_always_reports_to_codedeploy(table: str, monkeypatch: pytest.MonkeyPatch, broken: bool) -> None:
    """CodeDeploy waits up to an hour for a hook that never calls PutLifecycleEventHookExecutionStatus:
    whatever goes wrong, the hook reports, and only a clean run reports Succeeded."""
    appspec = {"Resources": [{"ApiFunction": {"Properties": {"Name": "stack-ApiFunction", "TargetVersion": "7"}}}]}
    deployment = {"deploymentInfo": {"revision": {"appSpecContent": {"content": json.dumps(appspec)}}}}
    codedeploy = FakeCodeDeploy(None if broken else deployment)
    clients = {"codedeploy": codedeploy, "lambda": LocalLambda({"stack-ApiFunction": api.handler})}

    class Session:
        def create_client(self, service: str, region_name: str | None = None) -> Any:
            return clients[service]

    monkeypatch.setattr(pre_traffic, "aws_session", Session)
    pre_traffic.handler({"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "h-1"}, None)
    assert codedeploy.reported == [
        {"deploymentId": "d-1", "lifecycleEventHookExecutionId": "h-1", "status": "Failed" if broken else "Succeeded"}
    ]
