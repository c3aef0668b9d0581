"""Run the template's functions in-process, the way Lambda would: its handler, its environment."""

import functools
import importlib
import os
import threading
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .template import functions, parameter_defaults, resolve

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"
    _deadline: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def configure_environment(table_name: str, endpoint_url: str | None, resources: dict[str, str] | None = None) -> None:
    """Export every function's environment (Globals merged, Refs resolved) plus local settings."""
    # No EventBridge locally: the bus is only a name (LOCAL_EVENTS_FILE receives the events).
    refs = {
        **parameter_defaults(),
        "ChangeEventBus": f"{table_name}-changes",
        **(resources or {}),
        "DataTable": table_name,
    }
    for props in functions().values():
        for name, value in props["Environment"]["Variables"].items():
            os.environ[name] = str(resolve(value, refs))
    os.environ["TABLE_NAME"] = table_name
    if endpoint_url:
        os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint_url
        os.environ["SQS_ENDPOINT_URL"] = endpoint_url
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_REGION", "us-east-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    # No X-Ray daemon or CloudWatch agent here: traces off, metrics not flushed to stdout.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # Read-only requests publish no business metric; Powertools warns about that by design, on stderr of
    # the terminal a newcomer is watching.
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


def load_handler(logical_id: str) -> tuple[Handler, LocalContext]:
    module, attribute, memory, timeout = _function(logical_id)
    handler: Handler = getattr(module, attribute)  # looked up each time: tests may patch it
    return handler, LocalContext(function_name=logical_id, memory_limit_in_mb=memory, timeout_seconds=timeout)


@functools.cache
def _function(logical_id: str) -> tuple[Any, str, int, int]:
    """The function's handler module (imported once, as Lambda's init does), attribute, memory and timeout:
    the template is read once per function, not on every invocation."""
    props = functions()[logical_id]
    module_name, _, attribute = props["Handler"].rpartition(".")
    return (
        importlib.import_module(module_name),
        attribute,
        int(props.get("MemorySize", 128)),
        int(props.get("Timeout", 3)),
    )


# One execution environment per function: Lambda never runs two invocations in one at once, and the
# handlers rely on it (Powertools keeps the current event, the logger its keys, on module singletons).
# Two threads of the front door inside one handler would read each other's event and tenant.
_environments: dict[str, threading.Lock] = defaultdict(threading.Lock)


def invoke(logical_id: str, event: dict[str, Any]) -> Any:
    handler, context = load_handler(logical_id)
    with _environments[logical_id]:
        return _run(handler, event, context)


def _run(handler: Handler, event: dict[str, Any], context: LocalContext) -> Any:
    try:
        return handler(event, context)
    finally:
        if os.environ.get("POWERTOOLS_METRICS_DISABLED") == "true":
            # Disabled metrics are never flushed, yet Powertools keeps them and prints them all once a
            # metric reaches 100 values: forget them after each invocation, as a flush would.
            _metrics().clear_metrics()


@functools.cache
def _metrics() -> Any:
    """One Metrics instance: every instance shares the class's metric set, and building one costs more
    than clearing it."""
    from aws_lambda_powertools import Metrics

    return Metrics()
