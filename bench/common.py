"""What the benchmarks share: an embedded DynamoDB in its own process, configured for the service."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from infra.template import ROOT

sys.path.insert(0, str(ROOT / "functions"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_EMULATORS: list[int] = []  # the pids of the embedded DynamoDB processes running


def cpu_seconds() -> float:
    """CPU time used so far by this process (every thread) and the embedded DynamoDB it started: on a
    shared machine, wall time measures the neighbours too; CPU time measures the work."""
    total = time.process_time()
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in _EMULATORS:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


@contextmanager
def embedded_dynamodb(table: str = "bench") -> Iterator[str]:
    """A patched moto server in a child process; the service's environment points at it."""
    from infra.dynamodb import spawn_embedded_dynamodb

    process, url = spawn_embedded_dynamodb()
    _EMULATORS.append(process.pid)
    try:
        from infra.dynamodb import create_tables
        from infra.lambda_runtime import configure_environment
        from infra.queues import create_queues

        resources = create_queues(url, table)
        configure_environment(table, url, resources)
        os.environ["PROVISIONING_QUEUE_URL"] = resources["ProvisioningQueue"]
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        create_tables(url, table)
        _forget_cached_clients()  # a previous benchmark may have pointed them at another endpoint
        yield url
    finally:
        _EMULATORS.remove(process.pid)
        process.terminate()
        process.wait(timeout=10)


def _forget_cached_clients() -> None:
    from package_service.settings import get_settings
    from package_service.store.dynamo import get_client
    from package_service.store.queue import get_sqs

    for cached in (get_settings, get_client, get_sqs):
        cached.cache_clear()


STACK_STATE = ROOT / ".local" / "stack.json"


def start_stack(module: str, env: dict[str, str]) -> tuple["subprocess.Popen[bytes]", str, dict[str, Any]]:
    """`make run`'s stack (`module`) in a child process on a free port with a fresh table; returns the
    process, its URL and the state it recorded."""
    port = free_port()
    table = f"bench-{uuid4().hex[:6]}"
    env = {**os.environ, "PORT": str(port), "LOCAL_SCHEDULE_SECONDS": "0", "LOCAL_DEMO_DATA": "0",
           "POWERTOOLS_LOG_LEVEL": "WARNING", "TABLE_NAME": table, **env}  # fmt: skip
    env.pop("DYNAMODB_ENDPOINT_URL", None)
    process = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/swagger", timeout=1)
            state = json.loads(STACK_STATE.read_text())
            if state["table_name"] == table:  # this stack's, not a previous one's
                return process, url, state
        except (httpx.TransportError, FileNotFoundError, KeyError, json.JSONDecodeError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{module} did not start")
