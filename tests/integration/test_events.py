"""Every sample event in events/ invokes successfully through the local invoke runner."""

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from infra.invoke import EVENT_PREFIXES
from infra.template import ROOT, functions


@pytest.fixture(scope="module")
def invoked() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_ENDPOINT_URL")}
    env["LOCAL_STATE_IGNORE"] = "1"  # a fresh embedded DynamoDB, whatever else runs on this machine
    output = subprocess.run(
        [sys.executable, "-m", "infra.invoke", "--all"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert output.returncode == 0, output.stderr[-2000:]
    summary: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return summary


def test_every_function_has_an_event() -> None:
    # The PreTraffic hook is driven by CodeDeploy, against a deployment only AWS has: it is tested with
    # its clients stood in for (tests/integration/test_operating.py).
    assert set(EVENT_PREFIXES.values()) == set(functions()) - {"PreTrafficHookFunction"}
    names = [path.name for path in (ROOT / "events").glob("*.json")]
    for prefix in EVENT_PREFIXES:
        assert any(name.startswith(prefix) for name in names), prefix


def test_api_events_answer_200(invoked: dict[str, Any]) -> None:
    api = {name: run for name, run in invoked.items() if name.startswith("api-")}
    assert len(api) >= 10
    for name, run in api.items():
        assert run["ok"] and run["result"]["statusCode"] == 200, (name, run["result"])


def test_authorizer_allows_the_demo_token_and_denies_others(invoked: dict[str, Any]) -> None:
    allow = invoked["authorizer-allow.json"]["result"]
    assert allow["context"]["tenant_id"] == "demo"
    assert allow["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allow["policyDocument"]["Statement"][0]["Resource"].endswith("/dev/*/*")
    deny = invoked["authorizer-deny.json"]
    assert not deny["ok"] and deny["result"] == {"errorType": "Exception", "errorMessage": "Unauthorized"}


def test_scheduled_and_queue_events(invoked: dict[str, Any]) -> None:
    assert invoked["provisioner-schedule.json"]["ok"]
    assert set(invoked["provisioner-schedule.json"]["result"]) == {"claimed", "finished", "failed", "paused"}
    for sample in ("worker-sqs-batch.json", "worker-sqs-migration-plan.json", "change-events-stream.json"):
        worker = invoked[sample]
        assert worker["ok"] and worker["result"] == {"batchItemFailures": []}, sample


def test_the_readmes_make_invoke_form_needs_no_function_name() -> None:
    """`make invoke EVENT=events/<file>.json` (FN left out) runs the function the file name names."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_ENDPOINT_URL")}
    env["LOCAL_STATE_IGNORE"] = "1"
    output = subprocess.run(
        ["make", "--no-print-directory", "invoke", "EVENT=events/authorizer-deny.json", f"PY={sys.executable}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert output.returncode == 0, output.stderr[-2000:]
    assert json.loads(output.stdout[output.stdout.index("{") :]) == {
        "errorType": "Exception",
        "errorMessage": "Unauthorized",
    }
