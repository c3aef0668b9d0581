"""`make invoke FN=<LogicalId> EVENT=events/<file>.json`: `sam local invoke` without Docker.

Reads template.yaml for the function's handler and environment (Globals merged), points it at the
running local stack (`make run`, found through .local/stack.json) or else at a fresh embedded
DynamoDB with the demo data, runs the handler in-process with the event and prints its result.
A function error is printed as Lambda reports it ({"errorType", "errorMessage"}).
"""

import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

from .template import ROOT, functions

sys.path.insert(0, str(ROOT / "functions"))


def _running_stack() -> dict[str, Any] | None:
    state_file = ROOT / ".local" / "stack.json"
    if os.environ.get("LOCAL_STATE_IGNORE") or not state_file.exists():
        return None
    state: dict[str, Any] = json.loads(state_file.read_text())
    try:
        urllib.request.urlopen(state["endpoint_url"], timeout=1)
    except OSError as error:
        if not hasattr(error, "code"):  # an HTTP error status still proves it is up
            return None
    return state


def prepare() -> str:
    """Point the environment at a DynamoDB (running stack, or a new embedded one); returns its URL."""
    from . import demo
    from .dynamodb import DEFAULT_TABLE_NAME, create_tables, start_embedded_dynamodb
    from .lambda_runtime import configure_environment
    from .local_stack import EVENTS_FILE
    from .queues import create_queues

    state = _running_stack()
    if state:
        configure_environment(state["table_name"], state["endpoint_url"], state["resources"])
        url: str = state["endpoint_url"]
    else:
        _, url = start_embedded_dynamodb()
        resources = create_queues(url, DEFAULT_TABLE_NAME)
        configure_environment(DEFAULT_TABLE_NAME, url, resources)
        create_tables(url, DEFAULT_TABLE_NAME)
    EVENTS_FILE.parent.mkdir(exist_ok=True)
    os.environ["LOCAL_EVENTS_FILE"] = str(EVENTS_FILE)  # what ChangeEventsFunction publishes goes there
    demo.seed()
    return url


def run(function: str, event_path: str) -> tuple[bool, Any]:
    """(succeeded, result or Lambda-style error) of invoking `function` with the event file."""
    from .lambda_runtime import invoke

    if function not in functions():
        raise SystemExit(f"FN: {function!r} is not a function in template.yaml ({', '.join(functions())})")
    event = json.loads(Path(event_path).read_text())
    try:
        return True, invoke(function, event)
    except Exception as error:
        return False, {"errorType": type(error).__name__, "errorMessage": str(error)}


EVENT_PREFIXES = {
    "api-": "ApiFunction",
    "authorizer-": "AuthorizerFunction",
    "provisioner-": "ProvisionerFunction",
    "worker-": "ProvisionWorkerFunction",
    "change-events-": "ChangeEventsFunction",
}


def function_for_event(event_path: str) -> str:
    """events/<prefix>-*.json names the function it is for."""
    name = Path(event_path).name
    for prefix, function in EVENT_PREFIXES.items():
        if name.startswith(prefix):
            return function
    raise SystemExit(f"FN: {name!r} does not start with {', '.join(EVENT_PREFIXES)}; name the function with FN=")


def main(argv: list[str]) -> int:
    if argv == ["--all"]:  # every sample event, one JSON summary (used by the tests)
        prepare()
        summary = {}
        for path in sorted((ROOT / "events").glob("*.json")):
            function = function_for_event(str(path))
            ok, result = run(function, str(path))
            summary[path.name] = {"function": function, "ok": ok, "result": result}
        print(json.dumps(summary, default=str))
        return 0
    if len(argv) == 1:
        argv = [function_for_event(argv[0]), argv[0]]
    if len(argv) != 2:
        raise SystemExit("usage: python -m infra.invoke [<FunctionLogicalId>] <event.json> | --all")
    prepare()
    _, result = run(*argv)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
