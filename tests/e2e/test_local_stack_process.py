"""`make run` keeps its embedded DynamoDB in a child process of its own, which stops with it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from infra.template import ROOT

from .conftest import _free_port


def _children(pid: int) -> list[tuple[int, str]]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid=,args="], capture_output=True, text=True).stdout
    return [(int(line.split(None, 1)[0]), line.split(None, 1)[1]) for line in out.splitlines() if line.strip()]


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_the_embedded_dynamodb_is_a_child_that_dies_with_the_stack() -> None:
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "LOCAL_SCHEDULE_SECONDS": "0", "LOCAL_DEMO_DATA": "0"}
    env.pop("DYNAMODB_ENDPOINT_URL", None)
    stack = subprocess.Popen([sys.executable, "-m", "infra.local_stack"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/swagger", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        children = {args.split()[2]: pid for pid, args in _children(stack.pid) if " -m infra." in args}
        assert set(children) == {"infra.dynamodb_server", "infra.streams"}  # DynamoDB, the stream poller
        assert all(map(_alive, children.values()))
        stack.send_signal(signal.SIGKILL)  # not even a chance to clean up
        stack.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(map(_alive, children.values())) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_alive, children.values()))
    finally:
        if stack.poll() is None:
            stack.kill()
